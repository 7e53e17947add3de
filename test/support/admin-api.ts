/** A client of the admin API for end-to-end tests: the token and URL `serve` wrote. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { rawRequest } from './http-client.ts';

// biome-ignore lint/suspicious/noExplicitAny: response JSON is walked freely in assertions
export type Json = Record<string, any>;
export type AdminResponse = { status: number; json: Json; text: string };

export type Admin = {
  port: number;
  token: string;
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<AdminResponse>;
};

/** Reads DATA_DIR/admin.json and DATA_DIR/admin-token and returns a client for them. */
export async function adminFor(dataDir: string): Promise<Admin> {
  const { url } = JSON.parse(await readFile(join(dataDir, 'admin.json'), 'utf8')) as {
    url: string;
  };
  const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
  const port = Number(new URL(url).port);
  return {
    port,
    token,
    async call(method, path, body, headers = {}) {
      const text =
        body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const res = await rawRequest({
        port,
        method,
        path: `/admin/v1${path}`,
        headers: {
          authorization: `Bearer ${token}`,
          ...(text === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(text === undefined ? {} : { body: text }),
      });
      let json: Json = {};
      try {
        json = JSON.parse(res.text) as Json;
      } catch {
        // not JSON: the assertions below will say so
      }
      return { status: res.status, json, text: res.text };
    },
  };
}

/** Asserts a successful admin answer and returns its JSON. */
export function adminOk(res: AdminResponse, status = 200): Json {
  expect({ status: res.status, body: res.text.slice(0, 300) }).toMatchObject({ status });
  return res.json;
}

/** Asserts our admin error body: exactly {"error":{"code","message"}}. */
export function expectAdminError(res: AdminResponse, status: number, code: string): void {
  expect({ status: res.status, body: res.text.slice(0, 300) }).toMatchObject({ status });
  expect(Object.keys(res.json)).toEqual(['error']);
  expect(Object.keys(res.json.error).sort()).toEqual(['code', 'message']);
  expect(res.json.error.code).toBe(code);
}
