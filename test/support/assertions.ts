/** Checks every XKS response must pass: compact one-line JSON with content-type application/json. */
import { expect } from 'vitest';
import type { XksResponse } from './xks-client.ts';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function describe(res: XksResponse): string {
  return `HTTP ${res.status} ${res.text.slice(0, 300)}`;
}

/** Asserts compact single-line JSON with content-type application/json and returns the object. */
export function expectCompactJson(res: XksResponse): Record<string, unknown> {
  expect(res.contentType, describe(res)).toMatch(/^application\/json\b/);
  expect(res.text, 'one line').not.toMatch(/[\r\n]/);
  const value: unknown = JSON.parse(res.text);
  expect(
    typeof value === 'object' && value !== null && !Array.isArray(value),
    'a JSON object',
  ).toBe(true);
  expect(res.text, 'compact JSON (no pretty printing)').toBe(JSON.stringify(value));
  return value as Record<string, unknown>;
}

/** Asserts a 200 with a compact JSON object body and returns it. */
export function expectOk(res: XksResponse): Record<string, unknown> {
  expect(res.status, describe(res)).toBe(200);
  return expectCompactJson(res);
}

/**
 * Asserts an XKS error (spec §1.7): the status, a compact one-line JSON body with exactly
 * errorName and a printable-ASCII errorMessage shorter than 512 characters.
 */
export function expectXksError(res: XksResponse, status: number, errorName: string): string {
  expect({ status: res.status, text: res.text }, describe(res)).toMatchObject({ status });
  const body = expectCompactJson(res);
  expect(body.errorName, describe(res)).toBe(errorName);
  expect(Object.keys(body).sort()).toEqual(['errorMessage', 'errorName']);
  const message = body.errorMessage;
  expect(typeof message).toBe('string');
  expect(String(message)).toMatch(PRINTABLE_ASCII);
  expect(String(message).length).toBeLessThan(512);
  return String(message);
}
