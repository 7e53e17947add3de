/**
 * The admin API changing what the XKS API does, seen from both sides of a running binary: key
 * disable/enable/block/deletion, rotation, module states, blocked key stores, credential rotation
 * and revocation, secondary authorization, import and export of key material.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import {
  decryptBody,
  encryptBody,
  healthBody,
  healthPath,
  KMS_ACCOUNT,
  keyPath,
  metadataBody,
  requestMetadata,
  unb64,
} from '@xkslab/conformance/testing';
import { describe, expect, it } from 'vitest';
import { adminOk, expectAdminError } from './support/admin-api.ts';
import { expectXksError } from './support/assertions.ts';
import { waitFor } from './support/binary.ts';
import { useLab } from './support/fixture.ts';
import { aesGcmDecrypt, specGcmAad } from './support/gcm.ts';
import { type KeyStoreTarget, sendXks } from './support/xks-client.ts';
import { decryptOk, encryptOk, healthOk, metadataOk } from './support/xks-ops.ts';

const KWP_IV = Buffer.from('A65959A6', 'hex'); // RFC 5649 §3
const PLAINTEXT = Buffer.from('the data key KMS protects');

const labServer = useLab();

async function encryptFails(target: KeyStoreTarget, keyId: string, status: number, name: string) {
  const res = await sendXks(
    target,
    keyPath(target, keyId, 'encrypt'),
    encryptBody({ plaintext: PLAINTEXT }),
  );
  expectXksError(res, status, name);
}

describe('keys through the admin API, seen through XKS', () => {
  it('disable makes metadata DISABLED and crypto InvalidStateException; enable restores both', async () => {
    adminOk(await labServer.admin.call('POST', '/modules/hsm-a/keys', { id: 'toggle' }), 201);
    const out = await encryptOk(labServer.t.a, 'toggle', { plaintext: PLAINTEXT });
    adminOk(await labServer.admin.call('POST', '/modules/hsm-a/keys/toggle/disable'));
    expect((await metadataOk(labServer.t.a, 'toggle')).keyStatus).toBe('DISABLED');
    await encryptFails(labServer.t.a, 'toggle', 400, 'InvalidStateException');
    expectXksError(
      await sendXks(labServer.t.a, keyPath(labServer.t.a, 'toggle', 'decrypt'), decryptBody(out)),
      400,
      'InvalidStateException',
    );
    adminOk(await labServer.admin.call('POST', '/modules/hsm-a/keys/toggle/enable'));
    expect((await metadataOk(labServer.t.a, 'toggle')).keyStatus).toBe('ENABLED');
    expect(await decryptOk(labServer.t.a, 'toggle', out)).toEqual(PLAINTEXT);
  });

  it('rotation keeps ciphertexts of every older version readable', async () => {
    adminOk(await labServer.admin.call('POST', '/modules/hsm-a/keys', { id: 'rotating' }), 201);
    const outs = [
      await encryptOk(labServer.t.a, 'rotating', { plaintext: PLAINTEXT, aad: Buffer.from('v1') }),
    ];
    for (let v = 2; v <= 3; v++) {
      const key = adminOk(
        await labServer.admin.call('POST', '/modules/hsm-a/keys/rotating/rotate'),
      );
      expect(key.currentVersion).toBe(v);
      outs.push(
        await encryptOk(labServer.t.a, 'rotating', {
          plaintext: PLAINTEXT,
          aad: Buffer.from(`v${v}`),
        }),
      );
    }
    expect(new Set(outs.map((o) => o.ciphertextMetadata)).size).toBe(3);
    for (const [i, out] of outs.entries()) {
      expect(await decryptOk(labServer.t.a, 'rotating', out, Buffer.from(`v${i + 1}`))).toEqual(
        PLAINTEXT,
      );
    }
  });

  it('blocks a key (kill switch) for metadata and crypto, and unblocks it', async () => {
    adminOk(await labServer.admin.call('POST', '/modules/hsm-a/keys', { id: 'killable' }), 201);
    adminOk(await labServer.admin.call('POST', '/modules/hsm-a/keys/killable/block'));
    expectXksError(
      await sendXks(labServer.t.a, keyPath(labServer.t.a, 'killable', 'metadata'), metadataBody()),
      400,
      'InvalidStateException',
    );
    await encryptFails(labServer.t.a, 'killable', 400, 'InvalidStateException');
    adminOk(await labServer.admin.call('POST', '/modules/hsm-a/keys/killable/unblock'));
    await encryptOk(labServer.t.a, 'killable', { plaintext: PLAINTEXT });
  });

  it('schedules deletion (DISABLED, crypto refused), refuses destroy early, cancels', async () => {
    adminOk(await labServer.admin.call('POST', '/modules/hsm-a/keys', { id: 'doomed' }), 201);
    const pending = adminOk(
      await labServer.admin.call('POST', '/modules/hsm-a/keys/doomed/schedule-deletion', {
        pendingWindowDays: 7,
      }),
    );
    expect(pending.state).toBe('PENDING_DELETION');
    expect(Date.parse(pending.deletionDate) - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000);
    expect((await metadataOk(labServer.t.a, 'doomed')).keyStatus).toBe('DISABLED');
    await encryptFails(labServer.t.a, 'doomed', 400, 'InvalidStateException');
    expectAdminError(
      await labServer.admin.call('DELETE', '/modules/hsm-a/keys/doomed'),
      409,
      'INVALID_KEY_STATE',
    );
    expectAdminError(
      await labServer.admin.call('POST', '/modules/hsm-a/keys/doomed/enable'),
      409,
      'INVALID_KEY_STATE',
    );
    const cancelled = adminOk(
      await labServer.admin.call('POST', '/modules/hsm-a/keys/doomed/cancel-deletion'),
    );
    expect(cancelled.state).toBe('DISABLED');
    adminOk(await labServer.admin.call('POST', '/modules/hsm-a/keys/doomed/enable'));
    await encryptOk(labServer.t.a, 'doomed', { plaintext: PLAINTEXT });
  });
});

describe('module states', () => {
  it('disconnected: DependencyTimeoutException and health UNAVAILABLE; reconnected: works', async () => {
    const out = await encryptOk(labServer.t.b, 'foo', { plaintext: PLAINTEXT });
    adminOk(await labServer.admin.call('PUT', '/modules/hsm-b/state', { state: 'disconnected' }));
    await encryptFails(labServer.t.b, 'foo', 503, 'DependencyTimeoutException');
    expectXksError(
      await sendXks(labServer.t.b, keyPath(labServer.t.b, 'foo', 'metadata'), metadataBody()),
      503,
      'DependencyTimeoutException',
    );
    const health = await healthOk(labServer.t.b);
    expect(health.ekmFleetDetails).toHaveLength(3);
    for (const node of health.ekmFleetDetails as Array<{ healthStatus: string }>) {
      expect(node.healthStatus).toBe('UNAVAILABLE');
    }
    adminOk(await labServer.admin.call('PUT', '/modules/hsm-b/state', { state: 'maintenance' }));
    await encryptFails(labServer.t.b, 'foo', 400, 'InvalidStateException');
    adminOk(await labServer.admin.call('PUT', '/modules/hsm-b/state', { state: 'active' }));
    expect(await decryptOk(labServer.t.b, 'foo', out)).toEqual(PLAINTEXT);
    const back = await healthOk(labServer.t.b);
    for (const node of back.ekmFleetDetails as Array<{ healthStatus: string }>) {
      expect(node.healthStatus).toBe('ACTIVE');
    }
  });
});

describe('key stores', () => {
  it('a blocked key store refuses metadata and crypto but still answers health', async () => {
    adminOk(await labServer.admin.call('PATCH', '/keystores/b', { blocked: true }));
    await healthOk(labServer.t.b);
    expectXksError(
      await sendXks(labServer.t.b, keyPath(labServer.t.b, 'foo', 'metadata'), metadataBody()),
      400,
      'InvalidStateException',
    );
    await encryptFails(labServer.t.b, 'foo', 400, 'InvalidStateException');
    adminOk(await labServer.admin.call('PATCH', '/keystores/b', { blocked: false }));
    await metadataOk(labServer.t.b, 'foo');
  });

  it('a key store created over the API serves XKS at once; deleted, its path is gone', async () => {
    const created = adminOk(
      await labServer.admin.call('POST', '/keystores', {
        name: 'fresh',
        uriPathPrefix: '/fresh/store',
        region: 'ap-south-1',
        module: 'hsm-a',
      }),
      201,
    );
    const target = {
      port: labServer.server.port,
      prefix: '/fresh/store',
      region: 'ap-south-1',
      credential: {
        accessKeyId: created.credential.accessKeyId,
        secretAccessKey: created.credential.secretAccessKey,
      },
    };
    await metadataOk(target, 'foo');
    adminOk(await labServer.admin.call('DELETE', '/keystores/fresh'));
    expectXksError(
      await sendXks(target, healthPath(target), healthBody()),
      404,
      'InvalidUriPathException',
    );
  });
});

describe('credentials', () => {
  it('rotates with two live credentials, then a revoked one fails at once', async () => {
    const added = adminOk(await labServer.admin.call('POST', '/keystores/b/credentials'), 201);
    const fresh = {
      ...labServer.t.b,
      credential: { accessKeyId: added.accessKeyId, secretAccessKey: added.secretAccessKey },
    };
    await healthOk(labServer.t.b);
    await healthOk(fresh);
    const listed = adminOk(await labServer.admin.call('GET', '/keystores/b/credentials'));
    expect(listed.credentials).toHaveLength(2);
    expect(JSON.stringify(listed)).not.toContain(added.secretAccessKey);
    const used = listed.credentials.find(
      (c: { accessKeyId: string }) => c.accessKeyId === added.accessKeyId,
    );
    expect(used.lastUsedAt).not.toBeNull();
    expect(used.ageDays).toBe(0);
    adminOk(
      await labServer.admin.call(
        'DELETE',
        `/keystores/b/credentials/${labServer.lab.credentials.b.accessKeyId}`,
      ),
    );
    expectXksError(
      await sendXks(labServer.t.b, healthPath(labServer.t.b), healthBody()),
      401,
      'AuthenticationFailedException',
    );
    await healthOk(fresh);
  });
});

describe('secondary authorization', () => {
  it('denies by rule, logs the rule, never applies to health, and clears', async () => {
    const policy = {
      rules: [
        { effect: 'deny', name: 'no-decrypt-via-s3', operations: ['Decrypt'], viaServices: ['s3'] },
        { effect: 'allow', name: 'our-account', principals: [KMS_ACCOUNT] },
      ],
    };
    const out = await encryptOk(labServer.t.a, 'bar', { plaintext: PLAINTEXT });
    adminOk(await labServer.admin.call('PUT', '/keystores/a/policy', policy));
    // The test kit's principal is arn:aws:iam::<KMS_ACCOUNT>:role/..., with no kmsViaService.
    await encryptOk(labServer.t.a, 'bar', { plaintext: PLAINTEXT });
    const denied = await sendXks(labServer.t.a, keyPath(labServer.t.a, 'bar', 'decrypt'), {
      ...decryptBody(out),
      requestMetadata: requestMetadata('Decrypt', { kmsViaService: 's3' }),
    });
    expectXksError(denied, 403, 'AccessDeniedException');
    const other = await sendXks(labServer.t.a, keyPath(labServer.t.a, 'bar', 'metadata'), {
      requestMetadata: requestMetadata('DescribeKey', {
        awsPrincipalArn: 'arn:aws:iam::999999999999:role/intruder',
      }),
    });
    expectXksError(other, 403, 'AccessDeniedException');
    await healthOk(labServer.t.a);
    expect(
      await waitFor(() =>
        labServer.server
          .logs()
          .some((l) => l.msg === 'xks' && l.policyRule === 'no-decrypt-via-s3' && l.status === 403),
      ),
    ).toBe(true);
    expect(
      labServer.server
        .logs()
        .some((l) => l.policyRule === 'default-deny' && l.policyScope === 'keystore:a'),
    ).toBe(true);
    // A key policy applies on top of the key store's.
    adminOk(
      await labServer.admin.call('PUT', '/modules/hsm-a/keys/bar/policy', {
        rules: [{ effect: 'deny', name: 'frozen', operations: ['Encrypt'] }, { effect: 'allow' }],
      }),
    );
    await encryptFails(labServer.t.a, 'bar', 403, 'AccessDeniedException');
    await metadataOk(labServer.t.a, 'bar');
    // Unknown kmsOperation values are not errors: the catch-all allow still matches.
    const future = await sendXks(labServer.t.a, keyPath(labServer.t.a, 'bar', 'metadata'), {
      requestMetadata: requestMetadata('SomeFutureOperation'),
    });
    expect(future.status).toBe(200);
    adminOk(await labServer.admin.call('DELETE', '/modules/hsm-a/keys/bar/policy'));
    adminOk(await labServer.admin.call('DELETE', '/keystores/a/policy'));
    expect(await decryptOk(labServer.t.a, 'bar', out)).toEqual(PLAINTEXT);
  });
});

describe('import and export of key material', () => {
  it('imports material wrapped with node:crypto; XKS ciphertexts decrypt with that material', async () => {
    const params = adminOk(await labServer.admin.call('POST', '/modules/hsm-a/import-params'), 201);
    const material = randomBytes(32);
    const ephemeral = randomBytes(32);
    const kwp = createCipheriv('id-aes256-wrap-pad', ephemeral, KWP_IV);
    const wrapped = Buffer.concat([
      publicEncrypt(
        { key: params.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        ephemeral,
      ),
      kwp.update(material),
      kwp.final(),
    ]);
    const key = adminOk(
      await labServer.admin.call('POST', '/modules/hsm-a/keys/import', {
        id: 'byok',
        importToken: params.importToken,
        wrappedKeyMaterial: wrapped.toString('base64'),
      }),
      201,
    );
    expect(key).toMatchObject({ origin: 'IMPORTED', exportable: false });
    const aad = Buffer.from('context');
    const out = await encryptOk(labServer.t.a, 'byok', { plaintext: PLAINTEXT, aad });
    const metadata = unb64(out.ciphertextMetadata ?? '');
    const plain = aesGcmDecrypt({
      key: material,
      iv: unb64(out.initializationVector),
      ciphertext: unb64(out.ciphertext),
      tag: unb64(out.authenticationTag),
      gcmAad: specGcmAad(aad, metadata),
    });
    expect(plain).toEqual(PLAINTEXT);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicKey = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expectAdminError(
      await labServer.admin.call('POST', '/modules/hsm-a/keys/byok/export', { publicKey }),
      409,
      'KEY_NOT_EXPORTABLE',
    );
  });

  it('exports an exportable key under the caller RSA key: every version unwraps with node:crypto', async () => {
    adminOk(
      await labServer.admin.call('POST', '/modules/hsm-a/keys', {
        id: 'portable',
        exportable: true,
      }),
      201,
    );
    const v1 = await encryptOk(labServer.t.a, 'portable', { plaintext: PLAINTEXT });
    adminOk(await labServer.admin.call('POST', '/modules/hsm-a/keys/portable/rotate'));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 3072 });
    const publicKey = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const exported = adminOk(
      await labServer.admin.call('POST', '/modules/hsm-a/keys/portable/export', { publicKey }),
    );
    expect(exported.wrappingAlgorithm).toBe('RSA_AES_KEY_WRAP_SHA_256');
    expect(exported.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    const blob = Buffer.from(exported.versions[0].wrappedKeyMaterial, 'base64');
    const ephemeral = privateDecrypt(
      { key: rsa.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      blob.subarray(0, 384),
    );
    const unwrap = createDecipheriv('id-aes256-wrap-pad', ephemeral, KWP_IV);
    const material = Buffer.concat([unwrap.update(blob.subarray(384)), unwrap.final()]);
    const plain = aesGcmDecrypt({
      key: material,
      iv: unb64(v1.initializationVector),
      ciphertext: unb64(v1.ciphertext),
      tag: unb64(v1.authenticationTag),
      gcmAad: specGcmAad(undefined, unb64(v1.ciphertextMetadata ?? '')),
    });
    expect(plain).toEqual(PLAINTEXT);
  });
});
