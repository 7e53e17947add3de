/**
 * The XKS API doing its job: health, metadata and encrypt/decrypt round trips on several key
 * stores, signed by two independent SigV4 signers (the AWS SDK's and curl's), on both AES-GCM
 * engines, with the ciphertext format checked against an independent node:crypto implementation.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import {
  b64,
  decryptBody,
  encryptBody,
  healthBody,
  healthPath,
  keyPath,
  metadataBody,
  requestMetadata,
  unb64,
} from '@xkslab/conformance/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOk, expectXksError } from './support/assertions.ts';
import { startXkslab, type XkslabServer } from './support/binary.ts';
import { aesGcmDecrypt, aesGcmEncrypt, specCdiv, specGcmAad } from './support/gcm.ts';
import { rawRequest } from './support/http-client.ts';
import { type LabSeed, type LabTargets, labSeed } from './support/lab-seed.ts';
import { parseAuthorizationHeader, smithySign } from './support/smithy-signer.ts';
import { type EncryptOutput, fromRaw, SIGNERS, sendXks } from './support/xks-client.ts';
import { decryptOk, encryptOk, healthOk, metadataOk } from './support/xks-ops.ts';

let lab: LabSeed;
let noble: XkslabServer;
let nodeEngine: XkslabServer;
let t: LabTargets;
let tNode: LabTargets;

beforeAll(async () => {
  lab = labSeed({ emptyPrefix: true });
  [noble, nodeEngine] = await Promise.all([
    startXkslab({ seed: lab.seed }),
    startXkslab({ seed: lab.seed, engine: 'node' }),
  ]);
  t = lab.targets(noble.port);
  tNode = lab.targets(nodeEngine.port);
});

afterAll(async () => {
  await Promise.all([noble?.stop(), nodeEngine?.stop()]);
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

describe('a key store with the empty prefix', () => {
  it.each(SIGNERS)('serves /kms/xks/v1/... (signed with %s)', async (signer) => {
    const health = await healthOk(t.root, { signer });
    expect(health.ekmFleetDetails as unknown[]).toHaveLength(3);
    const plaintext = randomBytes(12);
    const out = await encryptOk(t.root, 'only-in-b', { plaintext }, { signer });
    expect(await decryptOk(t.root, 'only-in-b', out, undefined, { signer })).toEqual(plaintext);
  });

  it.each(SIGNERS)('answers //kms/xks/v1/health cleanly (signed with %s)', async (signer) => {
    const res = await sendXks(t.root, `/${healthPath(t.root)}`, healthBody(), { signer });
    if (res.status === 404) expectXksError(res, 404, 'InvalidUriPathException');
    else expectOk(res);
  });
});

describe('key store isolation', () => {
  it('refuses a credential of key store A on key store B (and B on A) with 401', async () => {
    const aOnB = { ...t.b, credential: lab.credentials.a1 };
    expectXksError(
      await sendXks(aOnB, healthPath(aOnB), healthBody()),
      401,
      'AuthenticationFailedException',
    );
    expectXksError(
      await sendXks(aOnB, keyPath(aOnB, 'foo', 'metadata'), metadataBody(), { signer: 'curl' }),
      401,
      'AuthenticationFailedException',
    );
    const bOnA = { ...t.a, credential: lab.credentials.b };
    expectXksError(
      await sendXks(bOnA, healthPath(bOnA), healthBody(), { signer: 'curl' }),
      401,
      'AuthenticationFailedException',
    );
    // Right prefix and credential, but B's region on A: refused too.
    const wrongRegion = { ...t.a, region: t.b.region };
    expectXksError(
      await sendXks(wrongRegion, healthPath(wrongRegion), healthBody()),
      401,
      'AuthenticationFailedException',
    );
  });

  it("does not serve another module's keys", async () => {
    expectXksError(
      await sendXks(t.a, keyPath(t.a, 'only-in-b', 'metadata'), metadataBody()),
      404,
      'KeyNotFoundException',
    );
    const plaintext = randomBytes(16);
    const out = await encryptOk(t.a, 'foo', { plaintext });
    // Same key id in module hsm-b is a different key.
    expectXksError(
      await sendXks(t.b, keyPath(t.b, 'foo', 'decrypt'), decryptBody(out)),
      400,
      'InvalidCiphertextException',
    );
  });
});

describe('seeded key material and the spec AAD construction', () => {
  it('produces ciphertext node:crypto decrypts with uint16(len aad)||aad||uint8(len md)||md', async () => {
    for (const aad of [randomBytes(77), undefined]) {
      const plaintext = randomBytes(300);
      const out = await encryptOk(t.a, 'fixed', { plaintext, aad });
      const md = unb64(out.ciphertextMetadata ?? '');
      const mine = aesGcmDecrypt({
        key: lab.material,
        iv: unb64(out.initializationVector),
        ciphertext: unb64(out.ciphertext),
        tag: unb64(out.authenticationTag),
        gcmAad: specGcmAad(aad, md),
      });
      expect(mine).toEqual(plaintext);
    }
  });

  it('decrypts ciphertext made by node:crypto with the same construction', async () => {
    const reference = await encryptOk(t.a, 'fixed', { plaintext: randomBytes(4) });
    const md = unb64(reference.ciphertextMetadata ?? '');
    const plaintext = randomBytes(123);
    const aad = randomBytes(9);
    const iv = randomBytes(12);
    const { ciphertext, tag } = aesGcmEncrypt({
      key: lab.material,
      iv,
      plaintext,
      gcmAad: specGcmAad(aad, md),
    });
    const out = {
      ciphertext: b64(ciphertext),
      initializationVector: b64(iv),
      authenticationTag: b64(tag),
      ciphertextMetadata: b64(md),
    };
    expect(await decryptOk(t.a, 'fixed', out, aad)).toEqual(plaintext);
    expect(await decryptOk(t.b, 'fixed', out, aad, { signer: 'curl' })).toEqual(plaintext);
  });

  it('gives the same key in two modules when seeded with the same material', async () => {
    const plaintext = randomBytes(50);
    const aad = randomBytes(5);
    const out = await encryptOk(t.b, 'fixed', { plaintext, aad });
    expect(await decryptOk(t.a, 'fixed', out, aad)).toEqual(plaintext);
  });
});

describe('the node:crypto engine (--engine node)', () => {
  it('serves health, metadata and round trips with both signers', async () => {
    for (const signer of SIGNERS) {
      const health = await healthOk(tNode.a, { signer });
      expect(health.ekmFleetDetails as unknown[]).toHaveLength(2);
      await metadataOk(tNode.b, 'foo', { signer });
      const plaintext = randomBytes(4300);
      const aad = randomBytes(8192);
      const out = await encryptOk(tNode.a, 'foo', { plaintext, aad, cdiv: true }, { signer });
      expect(out.ciphertextDataIntegrityValue).toBe(
        specCdiv({
          aad,
          metadata: unb64(out.ciphertextMetadata ?? ''),
          iv: unb64(out.initializationVector),
          ciphertext: unb64(out.ciphertext),
          tag: unb64(out.authenticationTag),
        }),
      );
      expect(await decryptOk(tNode.a, 'foo', out, aad, { signer })).toEqual(plaintext);
    }
  });

  it('interoperates with the noble engine on the same key material', async () => {
    const plaintext = randomBytes(200);
    const aad = randomBytes(30);
    const fromNoble = await encryptOk(t.a, 'fixed', { plaintext, aad });
    expect(await decryptOk(tNode.a, 'fixed', fromNoble, aad)).toEqual(plaintext);
    const fromNode = await encryptOk(tNode.a, 'fixed', { plaintext, aad });
    expect(await decryptOk(t.a, 'fixed', fromNode, aad)).toEqual(plaintext);
    const md = unb64(fromNode.ciphertextMetadata ?? '');
    expect(
      aesGcmDecrypt({
        key: lab.material,
        iv: unb64(fromNode.initializationVector),
        ciphertext: unb64(fromNode.ciphertext),
        tag: unb64(fromNode.authenticationTag),
        gcmAad: specGcmAad(aad, md),
      }),
    ).toEqual(plaintext);
  });
});
