/**
 * Fuzzing the live server with fast-check: generated requests (random and mutated JSON bodies,
 * Base64 edge cases, huge and empty fields, odd headers, broken SigV4, odd paths and methods).
 * The server must never crash, never answer 500 (no fault is injected here), always answer
 * compact JSON with a spec error name (or a valid 200), and keep serving valid requests.
 * Then properties over HTTP: decrypt(encrypt(x)) = x for every size up to the spec minimums, and
 * any single bit flip in ciphertext, IV, tag, AAD or metadata fails with InvalidCiphertextException.
 * (The module-level versions of those properties live in packages/vcm engine-properties.test.ts.)
 */
import { Agent } from 'node:http';
import { newCredential, sealedOf, type XksTarget, xksClient } from '@xkslab/conformance/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startXkslab, type XkslabServer } from '../support/binary.ts';
import {
  authArb,
  bodyText,
  contentTypeArb,
  methodArb,
  PREFIX,
  PRINTABLE,
  pathArb,
  REGION,
} from './fuzz-arbitraries.ts';
import { httpCall, type Reply, SHORT, signedHeaders, XKS_ERROR_NAMES } from './support.ts';

const RUNS = SHORT ? 1500 : 6000;
const PROPERTY_RUNS = SHORT ? 150 : 600;

let server: XkslabServer;
let target: XksTarget;
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

beforeAll(async () => {
  const credential = newCredential();
  server = await startXkslab({
    seed: {
      modules: [
        {
          name: 'fz',
          keys: [
            { id: 'k', usage: ['ENCRYPT', 'DECRYPT'] },
            { id: 'enc-only', usage: ['ENCRYPT'] },
            { id: 'off', usage: ['ENCRYPT', 'DECRYPT'], status: 'DISABLED' },
          ],
        },
      ],
      keyStores: [
        { uriPathPrefix: PREFIX, region: REGION, module: 'fz', credentials: [credential] },
      ],
    },
  });
  target = { port: server.port, prefix: PREFIX, region: REGION, credential };
});

afterAll(async () => {
  agent.destroy();
  await server?.stop();
});

/** What every answer must look like. */
function checkReply(reply: Reply, method: string, what: string): void {
  const info = `${what} -> ${reply.status} ${reply.text.slice(0, 200)}`;
  expect(reply.status, info).not.toBe(500);
  expect(reply.status, info).toBeLessThan(600);
  // HEAD has no body; /ping (load balancers) answers text and /admin is the admin API's own shape.
  if (method === 'HEAD' || /^\/(ping|admin)\b/.test(what.split(' ')[1] ?? '')) return;
  expect(reply.text, info).not.toMatch(/[\r\n]/);
  expect(typeof reply.json === 'object' && reply.json !== null, info).toBe(true);
  expect(reply.text, `compact JSON: ${info}`).toBe(JSON.stringify(reply.json));
  if (reply.status !== 200) {
    const body = reply.json as { errorName?: unknown; errorMessage?: unknown };
    expect(XKS_ERROR_NAMES.has(String(body.errorName)), info).toBe(true);
    if (body.errorMessage !== undefined) {
      expect(String(body.errorMessage), info).toMatch(PRINTABLE);
      expect(String(body.errorMessage).length, info).toBeLessThan(512);
    }
  }
}

describe('fuzzing the live server', () => {
  it(`answers ${RUNS} generated requests with spec errors or valid results, never a 500`, async () => {
    const statusCounts: Record<number, number> = {};
    await fc.assert(
      fc.asyncProperty(
        methodArb,
        pathArb,
        bodyText,
        authArb,
        contentTypeArb,
        fc.boolean(),
        async (method, path, body, auth, contentType, extraHeaders) => {
          const headers: Record<string, string> =
            auth === 'none' || typeof auth === 'object'
              ? { host: `127.0.0.1:${server.port}` }
              : signedHeaders(target, path, body);
          if (auth === 'flip-signature') {
            const a = headers.authorization ?? '';
            headers.authorization = a.slice(0, -1) + (a.endsWith('0') ? '1' : '0');
          }
          if (auth === 'old-date') headers['x-amz-date'] = '20200101T000000Z';
          if (typeof auth === 'object')
            headers.authorization = auth.garbage.replace(/[\r\n]/g, ' ');
          // Content-Type is signed in 'valid' requests; changing it breaks the signature, so only
          // change it on requests that are not validly signed anyway, or as a second header.
          if (auth !== 'valid') headers['content-type'] = contentType;
          if (extraHeaders) {
            headers['x-amz-security-token'] = 'tok';
            headers['x-forwarded-for'] = '10.0.0.1';
            headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
          }
          for (const [k, v] of Object.entries(headers)) {
            // Node refuses invalid header characters client-side; keep them printable.
            headers[k] = v.replace(/[^\x20-\x7e]/g, '?');
          }
          const reply = await httpCall({
            port: server.port,
            method,
            path,
            headers,
            ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
            agent,
          });
          statusCounts[reply.status] = (statusCounts[reply.status] ?? 0) + 1;
          checkReply(reply, method, `${method} ${path.slice(0, 80)} body ${body.slice(0, 80)}`);
        },
      ),
      { numRuns: RUNS, endOnFailure: true },
    );
    console.log(`fuzz: ${RUNS} requests, statuses ${JSON.stringify(statusCounts)}`);
    // Still alive and serving valid requests.
    expect(server.child.exitCode).toBeNull();
    const xks = xksClient(target);
    const aad = Buffer.from('aad');
    const sealed = await xks.encrypt('k', Buffer.from('still here'), aad);
    expect(sealed.status).toBe(200);
    const back = await xks.decrypt('k', sealedOf(sealed), aad);
    expect(back.status).toBe(200);
    expect((back.json as { plaintext: string }).plaintext).toBe(
      Buffer.from('still here').toString('base64'),
    );
    expect((await xks.health()).status).toBe(200);
    // No 500 and no internal error was logged.
    const internal = server.logs().filter((l) => l.level === 'error');
    expect(internal, JSON.stringify(internal.slice(0, 3))).toEqual([]);
  });

  it('round-trips every plaintext and AAD size over HTTP (decrypt(encrypt(x)) = x)', async () => {
    const xks = xksClient(target, { agent });
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 4300 }),
        fc.uint8Array({ maxLength: 8192 }),
        async (plaintext, aad) => {
          const p = Buffer.from(plaintext);
          const a = Buffer.from(aad);
          const sealed = await xks.encrypt('k', p, a);
          expect(sealed.status, sealed.text).toBe(200);
          const back = await xks.decrypt('k', sealedOf(sealed), a);
          expect(back.status, back.text).toBe(200);
          expect(
            Buffer.from((back.json as { plaintext: string }).plaintext, 'base64').equals(p),
          ).toBe(true);
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('fails any single bit flip in ciphertext, IV, tag, AAD or metadata with InvalidCiphertextException', async () => {
    const xks = xksClient(target, { agent });
    const fields = [
      'ciphertext',
      'initializationVector',
      'authenticationTag',
      'aad',
      'ciphertextMetadata',
    ] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 600 }),
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.constantFrom(...fields),
        fc.nat(),
        async (plaintext, aad, field, bit) => {
          const a = Buffer.from(aad);
          const res = await xks.encrypt('k', Buffer.from(plaintext), a);
          expect(res.status).toBe(200);
          const sealed = sealedOf(res);
          const flip = (b64: string) => {
            const bytes = Buffer.from(b64, 'base64');
            const i = bit % (bytes.length * 8);
            bytes[i >> 3] = (bytes[i >> 3] as number) ^ (1 << (i & 7));
            return bytes;
          };
          let aadSent = a;
          const tampered = { ...sealed };
          if (field === 'aad') aadSent = flip(a.toString('base64'));
          else if (field === 'ciphertextMetadata') {
            if (sealed.ciphertextMetadata === undefined) return;
            tampered.ciphertextMetadata = flip(sealed.ciphertextMetadata).toString('base64');
          } else tampered[field] = flip(sealed[field]).toString('base64');
          const back = await xks.decrypt('k', tampered, aadSent);
          expect(back.status, `${field}: ${back.text}`).toBe(400);
          expect((back.json as { errorName: string }).errorName).toBe('InvalidCiphertextException');
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });
});
