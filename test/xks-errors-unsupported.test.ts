/**
 * XKS errors over the wire (spec §1.7), part three: UnsupportedOperationException for methods,
 * bodies and sizes this proxy does not take.
 */
import { randomBytes } from 'node:crypto';
import {
  b64,
  decryptBody,
  encryptBody,
  healthBody,
  healthPath,
  keyPath,
  unb64,
} from '@xkslab/conformance/testing';
import { describe, expect, it } from 'vitest';
import { expectOk, expectXksError } from './support/assertions.ts';
import { rawRequest } from './support/http-client.ts';
import { smithySign } from './support/smithy-signer.ts';
import { fromRaw, sendXks } from './support/xks-client.ts';
import { decFoo, server, t, useErrorLab } from './support/xks-error-lab.ts';
import { encryptOk, healthOk } from './support/xks-ops.ts';

useErrorLab();

describe('UnsupportedOperationException', () => {
  it.each([
    ['GET', 'health'],
    ['GET', 'metadata'],
    ['GET', 'encrypt'],
    ['PUT', 'decrypt'],
    ['DELETE', 'health'],
    ['PATCH', 'encrypt'],
  ])('405 for %s on the %s API path, with Allow: POST', async (method, op) => {
    const path = op === 'health' ? healthPath(t.a) : keyPath(t.a, 'foo', op as 'encrypt');
    const body = method === 'GET' || method === 'DELETE' ? '' : JSON.stringify(healthBody());
    const headers = await smithySign({
      credential: t.a.credential,
      region: t.a.region,
      method,
      host: server.host,
      path,
      body,
      unsignedHeaders: { 'content-type': 'application/json' },
    });
    const res = fromRaw(
      await rawRequest({ port: server.port, method, path, headers, ...(body ? { body } : {}) }),
    );
    expectXksError(res, 405, 'UnsupportedOperationException');
    expect(String(res.headers.allow)).toMatch(/\bPOST\b/);
  });

  it('501 for a body over the 256 KiB hard cap, without hanging the socket', async () => {
    const big = JSON.stringify({
      ...encryptBody({ plaintext: new Uint8Array(0) }),
      padding: 'x'.repeat(300 * 1024),
    });
    const res = await sendXks(t.a, keyPath(t.a, 'foo', 'encrypt'), big);
    expectXksError(res, 501, 'UnsupportedOperationException');
  });

  it('501 for a chunked body over the hard cap, without hanging the socket', async () => {
    const body = JSON.stringify({ padding: 'y'.repeat(400 * 1024) });
    const path = keyPath(t.a, 'foo', 'encrypt');
    const headers = await smithySign({
      credential: t.a.credential,
      region: t.a.region,
      host: server.host,
      path,
      body,
      unsignedHeaders: { 'content-type': 'application/json' },
    });
    const res = fromRaw(
      await rawRequest({ port: server.port, path, headers, body, chunked: true, timeoutMs: 5000 }),
    );
    expectXksError(res, 501, 'UnsupportedOperationException');
    await healthOk(t.a);
  });

  it('accepts the largest plaintext and AAD (65536 and 65535 bytes) by default', async () => {
    const plaintext = randomBytes(65536);
    const aad = randomBytes(65535);
    const out = await encryptOk(t.a, 'foo', { plaintext, aad });
    const res = await sendXks(t.a, keyPath(t.a, 'foo', 'decrypt'), decryptBody(out, aad));
    expect(unb64(String(expectOk(res).plaintext))).toEqual(plaintext);
  });

  it.each([
    ['encrypt of a 65537-byte plaintext', () => encryptBody({ plaintext: randomBytes(65537) })],
    [
      'encrypt with 65536 bytes of AAD',
      () => encryptBody({ plaintext: randomBytes(10), aad: randomBytes(65536) }),
    ],
  ])('501 for %s', async (_name, body) => {
    const res = await sendXks(t.a, keyPath(t.a, 'foo', 'encrypt'), body());
    expectXksError(res, 501, 'UnsupportedOperationException');
  });

  it.each([
    ['a 65537-byte ciphertext', () => ({ ciphertext: b64(randomBytes(65537)) })],
    ['65536 bytes of AAD', () => ({ additionalAuthenticatedData: b64(randomBytes(65536)) })],
  ])('501 for decrypt with %s', async (_name, patch) => {
    const res = await decFoo(patch)();
    expectXksError(res, 501, 'UnsupportedOperationException');
  });
});
