/**
 * The XKS API doing its job, part two: the empty prefix, key store isolation, seeded material with
 * the ciphertext format checked against an independent node:crypto implementation, and the three
 * AES-GCM engines (native by default, node, noble) on the same key material.
 */
import { randomBytes } from 'node:crypto';
import {
  b64,
  decryptBody,
  healthBody,
  healthPath,
  keyPath,
  metadataBody,
  unb64,
} from '@xkslab/conformance/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOk, expectXksError } from './support/assertions.ts';
import { startXkslab, type XkslabServer } from './support/binary.ts';
import { aesGcmDecrypt, aesGcmEncrypt, specCdiv, specGcmAad } from './support/gcm.ts';
import { type LabSeed, type LabTargets, labSeed } from './support/lab-seed.ts';
import { SIGNERS, sendXks } from './support/xks-client.ts';
import { decryptOk, encryptOk, healthOk, metadataOk } from './support/xks-ops.ts';

let lab: LabSeed;
/** No --engine: auto, which is native where the addon loads (it does in this build). */
let byDefault: XkslabServer;
let nodeEngine: XkslabServer;
let nobleEngine: XkslabServer;
let t: LabTargets;
let tNode: LabTargets;
let tNoble: LabTargets;

beforeAll(async () => {
  lab = labSeed({ emptyPrefix: true });
  [byDefault, nodeEngine, nobleEngine] = await Promise.all([
    startXkslab({ seed: lab.seed }),
    startXkslab({ seed: lab.seed, engine: 'node' }),
    startXkslab({ seed: lab.seed, engine: 'noble' }),
  ]);
  t = lab.targets(byDefault.port);
  tNode = lab.targets(nodeEngine.port);
  tNoble = lab.targets(nobleEngine.port);
});

afterAll(async () => {
  await Promise.all([byDefault?.stop(), nodeEngine?.stop(), nobleEngine?.stop()]);
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

  it('interoperates with the native and noble engines on the same key material', async () => {
    const plaintext = randomBytes(200);
    const aad = randomBytes(30);
    const servers = { native: t, node: tNode, noble: tNoble };
    for (const [from, source] of Object.entries(servers)) {
      const out = await encryptOk(source.a, 'fixed', { plaintext, aad });
      for (const target of Object.values(servers)) {
        expect(await decryptOk(target.a, 'fixed', out, aad), from).toEqual(plaintext);
      }
      const md = unb64(out.ciphertextMetadata ?? '');
      expect(
        aesGcmDecrypt({
          key: lab.material,
          iv: unb64(out.initializationVector),
          ciphertext: unb64(out.ciphertext),
          tag: unb64(out.authenticationTag),
          gcmAad: specGcmAad(aad, md),
        }),
        from,
      ).toEqual(plaintext);
    }
  });
});

describe('the default engine', () => {
  it('is native where its addon loads, and says so in the banner and the listening line', () => {
    expect(byDefault.stderr()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ .*engine: native\)/);
    const listening = byDefault.logs().find((l) => l.msg === 'listening');
    expect(listening).toMatchObject({ engine: 'native' });
    expect(nodeEngine.logs().find((l) => l.msg === 'listening')).toMatchObject({ engine: 'node' });
    expect(nobleEngine.logs().find((l) => l.msg === 'listening')).toMatchObject({
      engine: 'noble',
    });
  });
});
