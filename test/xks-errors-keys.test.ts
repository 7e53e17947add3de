/**
 * XKS errors over the wire (spec §1.7), part two: key state and usage, unknown paths,
 * authentication, throttling and keys with an empty usage list.
 */
import { randomBytes } from 'node:crypto';
import {
  decryptBody,
  encryptBody,
  healthBody,
  healthPath,
  keyPath,
  metadataBody,
  newCredential,
} from '@xkslab/conformance/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOk, expectXksError } from './support/assertions.ts';
import { startXkslab, type XkslabServer } from './support/binary.ts';
import { rawRequest } from './support/http-client.ts';
import { QUOTA_PER_SECOND } from './support/lab-seed.ts';
import { smithySign } from './support/smithy-signer.ts';
import { fromRaw, type KeyStoreTarget, sendXks } from './support/xks-client.ts';
import { keyCases, pathCases } from './support/xks-error-cases.ts';
import { encryptOnlyOut, server, t, useErrorLab } from './support/xks-error-lab.ts';
import { encryptOk, healthOk } from './support/xks-ops.ts';

useErrorLab();

describe('KeyNotFoundException, InvalidStateException, InvalidKeyUsageException', () => {
  it.each(keyCases)('$errorName ($status): $name', async (c) => {
    expectXksError(await c.run(), c.status, c.errorName);
  });

  it('still reports a DISABLED key in GetKeyMetadata (200)', async () => {
    const res = await sendXks(t.a, keyPath(t.a, 'fixed-disabled', 'metadata'), metadataBody());
    expect(expectOk(res)).toMatchObject({ keySpec: 'AES_256', keyStatus: 'DISABLED' });
  });

  it('encrypts without CDIV with an ENCRYPT-only key (control case)', async () => {
    expect(encryptOnlyOut.ciphertext).not.toBe('');
  });
});

describe('InvalidUriPathException (404)', () => {
  it.each(pathCases)('$name', async (c) => {
    expectXksError(await c.run(), c.status, c.errorName);
  });

  it('answers an unsigned request to an unknown path with 404 too', async () => {
    const res = fromRaw(
      await rawRequest({
        port: server.port,
        path: '/nothing/here',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }),
    );
    expectXksError(res, 404, 'InvalidUriPathException');
  });
});

describe('AuthenticationFailedException (401)', () => {
  it('refuses a request signed with a wrong secret', async () => {
    const wrong = {
      ...t.a,
      credential: { ...t.a.credential, secretAccessKey: randomBytes(32).toString('base64') },
    };
    expectXksError(
      await sendXks(wrong, healthPath(wrong), healthBody()),
      401,
      'AuthenticationFailedException',
    );
  });
});

describe('ThrottlingException (429)', () => {
  it(`answers 429 beyond ${QUOTA_PER_SECOND} requests/s on a key store with a quota, and only there`, async () => {
    const burst = 6 * QUOTA_PER_SECOND;
    // Sign first, then send everything at once.
    const signed = await Promise.all(
      Array.from({ length: burst }, async () => {
        const body = JSON.stringify(healthBody());
        const headers = await smithySign({
          credential: t.quota.credential,
          region: t.quota.region,
          host: server.host,
          path: healthPath(t.quota),
          body,
          unsignedHeaders: { 'content-type': 'application/json' },
        });
        return { headers, body };
      }),
    );
    const [quotaResults, otherResults] = await Promise.all([
      Promise.all(
        signed.map(({ headers, body }) =>
          rawRequest({ port: server.port, path: healthPath(t.quota), headers, body }).then(fromRaw),
        ),
      ),
      Promise.all(Array.from({ length: burst }, () => sendXks(t.a, healthPath(t.a), healthBody()))),
    ]);
    const ok = quotaResults.filter((r) => r.status === 200);
    const throttled = quotaResults.filter((r) => r.status === 429);
    expect(ok.length + throttled.length).toBe(burst);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(throttled.length).toBeGreaterThanOrEqual(1);
    for (const r of throttled) expectXksError(r, 429, 'ThrottlingException');
    for (const r of otherResults) expectOk(r);
    // The bucket refills.
    await new Promise((r) => setTimeout(r, 1100));
    await healthOk(t.quota);
  });
});

describe('a key with an empty usage list (seed usage: [])', () => {
  let inert: XkslabServer | undefined;
  const credential = newCredential();
  const target = (): KeyStoreTarget => {
    if (!inert) throw new Error('the server with an empty-usage key did not start');
    return { port: inert.port, prefix: '/inert', region: 'us-east-2', credential };
  };

  afterAll(async () => {
    await inert?.stop();
  });

  it('is accepted in a seed', async () => {
    inert = await startXkslab({
      seed: {
        modules: [
          {
            name: 'inert-module',
            keys: [
              { id: 'inert', usage: [] },
              { id: 'normal', usage: ['ENCRYPT', 'DECRYPT'] },
            ],
          },
        ],
        keyStores: [
          {
            uriPathPrefix: '/inert',
            region: 'us-east-2',
            module: 'inert-module',
            credentials: [credential],
          },
        ],
      },
    });
  });

  it('is reported by GetKeyMetadata with keyUsage []', async () => {
    const res = await sendXks(target(), keyPath(target(), 'inert', 'metadata'), metadataBody());
    expect(expectOk(res)).toEqual({ keySpec: 'AES_256', keyUsage: [], keyStatus: 'ENABLED' });
  });

  it('refuses encrypt with InvalidKeyUsageException (400)', async () => {
    const res = await sendXks(
      target(),
      keyPath(target(), 'inert', 'encrypt'),
      encryptBody({ plaintext: randomBytes(8) }),
    );
    expectXksError(res, 400, 'InvalidKeyUsageException');
  });

  it('refuses decrypt with InvalidKeyUsageException (400)', async () => {
    const out = await encryptOk(target(), 'normal', { plaintext: randomBytes(8) });
    const res = await sendXks(target(), keyPath(target(), 'inert', 'decrypt'), decryptBody(out));
    expectXksError(res, 400, 'InvalidKeyUsageException');
  });
});

// DependencyTimeoutException (503) and InternalException (500) need a slow or failing module:
// test/faults.test.ts provokes both over the wire with fault rules, and test/admin-lifecycle.test.ts
// gets 503 from a disconnected module.
