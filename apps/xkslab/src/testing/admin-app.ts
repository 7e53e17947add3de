/**
 * The admin API in process for tests: an app on test deps, a caller with the token, a store
 * snapshot and a movable clock.
 */
import { TEST_NOW } from '@xkslab/vcm/testing';
import { expect } from 'vitest';
import { createAdminApp } from '../admin/admin-app.ts';
import { createTestAdminDeps } from './admin-deps.ts';

export const TOKEN = 'test-admin-token_0123456789';
// biome-ignore lint/suspicious/noExplicitAny: response JSON is walked freely in assertions
export type Json = Record<string, any>;
export const DAY = 24 * 60 * 60 * 1000;
export const KWP_IV = Buffer.from('A65959A6', 'hex');

export async function setup() {
  let now = TEST_NOW.getTime();
  const deps = await createTestAdminDeps({ token: TOKEN, clock: () => new Date(now) });
  const { store, vcm, registry } = deps;
  const app = createAdminApp(deps);
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await app.request(`/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: JSON.parse(text) as Json };
  };
  const snapshot = async () =>
    (await store.list({ prefix: '' })).map(
      (r) => `${r.key}=${Buffer.from(r.value).toString('hex')}`,
    );
  return { store, vcm, registry, call, snapshot, advance: (ms: number) => (now += ms) };
}

export function expectError(r: { status: number; json: Json }, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(Object.keys(r.json)).toEqual(['error']);
  expect(Object.keys(r.json.error).sort()).toEqual(['code', 'message']);
  expect(r.json.error.code).toBe(code);
}
