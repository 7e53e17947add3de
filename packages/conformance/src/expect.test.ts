import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CheckFailure,
  describeReply,
  errorBodyProblem,
  expectError,
  expectOk,
  flipBit,
  isJsonContentType,
  isOneLine,
  type Reply,
} from './expect.ts';

const reply = (status: number, text: string, contentType = 'application/json'): Reply => ({
  status,
  text,
  contentType,
  durationMs: 1,
});

describe('check helpers', () => {
  it('recognizes application/json with or without parameters, nothing else', () => {
    expect(isJsonContentType('application/json')).toBe(true);
    expect(isJsonContentType('Application/JSON; charset=utf-8')).toBe(true);
    expect(isJsonContentType('application/jsonp')).toBe(false);
    expect(isJsonContentType('text/plain')).toBe(false);
    expect(isJsonContentType(undefined)).toBe(false);
  });

  it('accepts one-line bodies (a trailing newline too) and refuses multi-line ones', () => {
    expect(isOneLine('{"a":1}')).toBe(true);
    expect(isOneLine('{"a":1}\n')).toBe(true);
    expect(isOneLine('{\n  "a": 1\n}')).toBe(false);
    expect(isOneLine('{"a":1}\r\n')).toBe(false);
  });

  it('judges error bodies by §1.7', () => {
    expect(errorBodyProblem('{"errorName":"ValidationException"}')).toBeUndefined();
    expect(
      errorBodyProblem('{"errorName":"KeyNotFoundException","errorMessage":"no key"}'),
    ).toBeUndefined();
    expect(errorBodyProblem('KeyNotFoundException')).toMatch(/not JSON/);
    expect(errorBodyProblem('[1]')).toMatch(/not a JSON object/);
    expect(errorBodyProblem('{"error":"x"}')).toMatch(/no errorName/);
    expect(errorBodyProblem('{"errorName":"NoSuchError"}')).toMatch(/not an XKS error name/);
    expect(errorBodyProblem('{"errorName":"InternalException","errorMessage":7}')).toMatch(
      /not a string/,
    );
    const long = JSON.stringify({ errorName: 'InternalException', errorMessage: 'x'.repeat(512) });
    expect(errorBodyProblem(long)).toMatch(/512 characters/);
    const ok511 = JSON.stringify({ errorName: 'InternalException', errorMessage: 'x'.repeat(511) });
    expect(errorBodyProblem(ok511)).toBeUndefined();
    const nonAscii = JSON.stringify({ errorName: 'InternalException', errorMessage: 'caf\u00e9' });
    expect(errorBodyProblem(nonAscii)).toMatch(/printable ASCII/);
    const tab = JSON.stringify({ errorName: 'InternalException', errorMessage: 'a\tb' });
    expect(errorBodyProblem(tab)).toMatch(/printable ASCII/);
  });

  it('wants status and errorName together', () => {
    const right = reply(404, '{"errorName":"KeyNotFoundException"}');
    expect(() => expectError(right, 'KeyNotFoundException', 'x')).not.toThrow();
    const wrongStatus = reply(400, '{"errorName":"KeyNotFoundException"}');
    expect(() => expectError(wrongStatus, 'KeyNotFoundException', 'metadata')).toThrow(
      /metadata: expected 404 KeyNotFoundException, got 400 KeyNotFoundException \(the spec gives KeyNotFoundException status 404\)/,
    );
    const wrongName = reply(404, '{"errorName":"InvalidUriPathException"}');
    expect(() => expectError(wrongName, 'KeyNotFoundException', 'x')).toThrow(CheckFailure);
    const text = reply(404, 'not found', 'text/plain');
    expect(() => expectError(text, 'KeyNotFoundException', 'x')).toThrow(
      /got 404 \(text\/plain\) not found/,
    );
    expect(() => expectError(reply(200, '{}'), 'KeyNotFoundException', 'x')).toThrow(/got 200/);
  });

  it('validates 200 answers against a schema and names the field that is wrong', () => {
    const schema = z.object({ a: z.string() });
    expect(expectOk(reply(200, '{"a":"x","extra":1}'), schema, 'op')).toEqual({ a: 'x' });
    expect(() => expectOk(reply(200, '{"a":1}'), schema, 'op')).toThrow(/op: .*a: /);
    expect(() => expectOk(reply(200, 'nope'), schema, 'op')).toThrow(/not JSON/);
    expect(() =>
      expectOk(reply(401, '{"errorName":"AuthenticationFailedException"}'), schema, 'op'),
    ).toThrow(/expected 200, got 401 AuthenticationFailedException/);
  });

  it('describes replies briefly', () => {
    expect(describeReply(reply(200, '{"x":1}'))).toBe('200');
    expect(describeReply(reply(500, ''))).toBe('500 (application/json)');
  });

  it('flips one bit of a Base64 value, the last byte by default', () => {
    const value = Buffer.from([0, 1, 2, 3]).toString('base64');
    expect([...Buffer.from(flipBit(value), 'base64')]).toEqual([0, 1, 2, 2]);
    expect([...Buffer.from(flipBit(value, 0), 'base64')]).toEqual([1, 1, 2, 3]);
    expect(flipBit('')).toBe('');
  });
});
