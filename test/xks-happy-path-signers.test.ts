/**
 * The XKS API doing its job, part one: /ping, keep-alive, and health, metadata and encrypt/decrypt
 * round trips signed by two independent SigV4 signers (the AWS SDK's and curl's).
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import {
  decryptBody,
  encryptBody,
  healthBody,
  healthPath,
  keyPath,
  requestMetadata,
  unb64,
} from '@xkslab/conformance/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectOk } from './support/assertions.ts';
import type { XkslabServer } from './support/binary.ts';
import { useTempServers } from './support/fixture.ts';
import { specCdiv } from './support/gcm.ts';
import { rawRequest } from './support/http-client.ts';
import { type LabTargets, labSeed } from './support/lab-seed.ts';
import { parseAuthorizationHeader, smithySign } from './support/smithy-signer.ts';
import { type EncryptOutput, fromRaw, SIGNERS, sendXks } from './support/xks-client.ts';
import { decryptOk, encryptOk, healthOk, metadataOk } from './support/xks-ops.ts';

let noble: XkslabServer;
let t: LabTargets;

const servers = useTempServers();
beforeAll(async () => {
  ({ server: noble, t } = await servers.startLab({ lab: labSeed({ emptyPrefix: true }) }));
});

describe('GET /ping', () => {
  it('answers 200 with text and needs no authentication', async () => {
    const res = await rawRequest({ port: noble.port, method: 'GET', path: '/ping' });
    expect(res.status).toBe(200);
    expect(String(res.headers['content-type'])).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/xkslab/);
  });
});

describe('keep-alive', () => {
  it('keeps an idle connection open past the 5 s Node default and says so (Keep-Alive: timeout=65)', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const ping = () =>
      new Promise<{ reused: boolean; keepAlive: string | string[] | undefined }>((done, fail) => {
        const req = request(
          { port: noble.port, host: '127.0.0.1', path: '/ping', agent },
          (res) => {
            res.resume();
            res.on('end', () =>
              done({ reused: req.reusedSocket, keepAlive: res.headers['keep-alive'] }),
            );
          },
        );
        req.on('error', fail);
        req.end();
      });
    try {
      const first = await ping();
      expect(first).toEqual({ reused: false, keepAlive: 'timeout=65' });
      await new Promise((done) => setTimeout(done, 5_500));
      expect(await ping()).toEqual({ reused: true, keepAlive: 'timeout=65' });
    } finally {
      agent.destroy();
    }
  });
});

describe('the smithy signer signs like KMS', () => {
  it('signs exactly host;x-amz-date and the proxy accepts it', async () => {
    const body = JSON.stringify(healthBody());
    const headers = await smithySign({
      credential: t.a.credential,
      region: t.a.region,
      host: noble.host,
      path: healthPath(t.a),
      body,
      unsignedHeaders: { 'content-type': 'application/json' },
    });
    expect(parseAuthorizationHeader(headers.authorization ?? '').signedHeaders).toBe(
      'host;x-amz-date',
    );
    expect(headers['x-amz-content-sha256']).toBeUndefined();
    const res = fromRaw(
      await rawRequest({ port: noble.port, path: healthPath(t.a), headers, body }),
    );
    expectOk(res);
  });

  it('also accepts a signed x-amz-content-sha256 (smithy applyChecksum) and a signed content-type', async () => {
    const res = await sendXks(t.a, healthPath(t.a), healthBody(), {
      contentType: null,
      sign: { applyChecksum: true, signedHeaders: { 'content-type': 'application/json' } },
    });
    expectOk(res);
  });
});

describe.each(SIGNERS)('signed with %s', (signer) => {
  const opts = { signer } as const;

  it('GetHealthStatus reports one fleet entry per module node', async () => {
    const a = await healthOk(t.a, opts);
    expect(a).toMatchObject({ xksProxyFleetSize: 1, xksProxyVendor: 'xkslab' });
    expect(typeof a.xksProxyModel).toBe('string');
    expect(String(a.xksProxyModel)).not.toBe('');
    expect(typeof a.ekmVendor).toBe('string');
    expect(String(a.ekmVendor)).not.toBe('');
    const fleetA = a.ekmFleetDetails as Array<Record<string, unknown>>;
    expect(fleetA).toHaveLength(2);
    for (const node of fleetA) {
      expect(node).toEqual({
        id: expect.any(String),
        model: expect.any(String),
        healthStatus: 'ACTIVE',
      });
    }
    expect(new Set(fleetA.map((n) => n.id)).size).toBe(2);
    const b = await healthOk(t.b, opts);
    expect(b.ekmFleetDetails as unknown[]).toHaveLength(3);
  });

  it('GetKeyMetadata reports AES_256, the seeded usage and status', async () => {
    expect(await metadataOk(t.a, 'foo', opts)).toEqual({
      keySpec: 'AES_256',
      keyUsage: expect.arrayContaining(['ENCRYPT', 'DECRYPT']),
      keyStatus: 'ENABLED',
    });
    const encOnly = await metadataOk(t.a, 'encrypt-only', opts);
    expect(encOnly).toEqual({ keySpec: 'AES_256', keyUsage: ['ENCRYPT'], keyStatus: 'ENABLED' });
    const wrap = await metadataOk(t.a, 'wrap-only', opts);
    expect([...(wrap.keyUsage as string[])].sort()).toEqual(['UNWRAP', 'WRAP']);
    const disabled = await metadataOk(t.a, 'fixed-disabled', opts);
    expect(disabled.keyStatus).toBe('DISABLED');
    const b = await metadataOk(t.b, 'only-in-b', opts);
    expect(b.keyStatus).toBe('ENABLED');
  });

  it('encrypts and decrypts without AAD', async () => {
    const plaintext = randomBytes(32);
    const out = await encryptOk(t.a, 'foo', { plaintext }, opts);
    expect(unb64(out.ciphertext)).toHaveLength(plaintext.length);
    expect(unb64(out.initializationVector)).toHaveLength(12);
    expect(unb64(out.authenticationTag)).toHaveLength(16);
    expect(unb64(out.ciphertextMetadata ?? '')).toHaveLength(5);
    expect(out.ciphertextDataIntegrityValue).toBeUndefined();
    expect(Buffer.from(unb64(out.ciphertext)).equals(plaintext)).toBe(false);
    expect(await decryptOk(t.a, 'foo', out, undefined, opts)).toEqual(plaintext);
  });

  it('encrypts and decrypts with AAD', async () => {
    const plaintext = randomBytes(100);
    const aad = randomBytes(33);
    const out = await encryptOk(t.a, 'foo', { plaintext, aad }, opts);
    expect(await decryptOk(t.a, 'foo', out, aad, opts)).toEqual(plaintext);
  });

  it('returns a CDIV equal to SHA-256(AAD || metadata || IV || ciphertext || tag)', async () => {
    for (const aad of [randomBytes(40), undefined]) {
      const plaintext = randomBytes(64);
      const out = await encryptOk(t.a, 'foo', { plaintext, aad, cdiv: true }, opts);
      const expected = specCdiv({
        aad,
        metadata: unb64(out.ciphertextMetadata ?? ''),
        iv: unb64(out.initializationVector),
        ciphertext: unb64(out.ciphertext),
        tag: unb64(out.authenticationTag),
      });
      expect(out.ciphertextDataIntegrityValue).toBe(expected);
      expect(await decryptOk(t.a, 'foo', out, aad, opts)).toEqual(plaintext);
    }
  });

  it('handles a 4300-byte plaintext with 8192 bytes of AAD', async () => {
    const plaintext = randomBytes(4300);
    const aad = randomBytes(8192);
    const out = await encryptOk(t.a, 'foo', { plaintext, aad, cdiv: true }, opts);
    expect(unb64(out.ciphertext)).toHaveLength(4300);
    expect(await decryptOk(t.a, 'foo', out, aad, opts)).toEqual(plaintext);
  });

  it('accepts pretty-printed multi-line request bodies', async () => {
    const pretty = { ...opts, pretty: true };
    expect(JSON.stringify(healthBody(), null, 2)).toContain('\n');
    await healthOk(t.b, pretty);
    await metadataOk(t.b, 'foo', pretty);
    const plaintext = randomBytes(48);
    const aad = randomBytes(16);
    const out = await encryptOk(t.b, 'foo', { plaintext, aad, cdiv: true }, pretty);
    expect(await decryptOk(t.b, 'foo', out, aad, pretty)).toEqual(plaintext);
  });

  it('accepts both live credentials of a key store, across each other', async () => {
    await healthOk(t.a2, opts);
    const plaintext = randomBytes(20);
    const out = await encryptOk(t.a2, 'bar', { plaintext }, opts);
    expect(await decryptOk(t.a, 'bar', out, undefined, opts)).toEqual(plaintext);
    const out2 = await encryptOk(t.a, 'bar', { plaintext }, opts);
    expect(await decryptOk(t.a2, 'bar', out2, undefined, opts)).toEqual(plaintext);
  });

  it('accepts unknown kmsOperation values and unknown extra fields', async () => {
    const extra = { SourceIdentity: 'someone', futureField: { nested: [1, 2] } };
    const health = {
      requestMetadata: {
        kmsRequestId: 'not-a-uuid',
        kmsOperation: 'SomeFutureOperation',
        ...extra,
      },
      anotherTopLevelField: true,
    };
    expectOk(await sendXks(t.a, healthPath(t.a), health, opts));
    const md = { requestMetadata: requestMetadata('FutureDescribe', extra), more: 'x' };
    expectOk(await sendXks(t.a, keyPath(t.a, 'foo', 'metadata'), md, opts));
    const plaintext = randomBytes(8);
    const enc = {
      ...encryptBody({ plaintext }),
      requestMetadata: requestMetadata('GenerateDataKeyWithoutPlaintextV2', extra),
      extraTopLevel: 42,
    };
    const out = expectOk(await sendXks(t.a, keyPath(t.a, 'foo', 'encrypt'), enc, opts));
    const dec = {
      ...decryptBody(out as unknown as EncryptOutput),
      requestMetadata: requestMetadata('ReEncryptV2', extra),
      extraTopLevel: 'y',
    };
    const plain = expectOk(await sendXks(t.a, keyPath(t.a, 'foo', 'decrypt'), dec, opts));
    expect(unb64(String(plain.plaintext))).toEqual(plaintext);
  });

  it('accepts every external key id character (A-Z a-z 0-9 . _ -)', async () => {
    const id = 'Key.With_All-Chars.0123456789';
    await metadataOk(t.a, id, opts);
    const plaintext = randomBytes(1);
    const out = await encryptOk(t.a, id, { plaintext }, opts);
    expect(unb64(out.ciphertext)).toHaveLength(1);
    expect(await decryptOk(t.a, id, out, undefined, opts)).toEqual(plaintext);
  });
});
