import { constants, createPublicKey, publicEncrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { b64, createTestEmulator, errorName, type TestEmulator, unb64 } from './testing/index.ts';

async function keyOf(t: TestEmulator, input: Record<string, unknown> = {}): Promise<string> {
  const out = await t.client.call('CreateKey', input);
  return String((out.KeyMetadata as Record<string, unknown>).KeyId);
}

describe('CreateKey outside external key stores', () => {
  it('creates a default symmetric AWS_KMS key that DescribeKey shows as KMS does', async () => {
    const t = await createTestEmulator();
    const out = await t.client.call('CreateKey', { Description: 'plain' });
    expect(out.KeyMetadata).toMatchObject({
      KeyState: 'Enabled',
      Enabled: true,
      Origin: 'AWS_KMS',
      KeySpec: 'SYMMETRIC_DEFAULT',
      CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      KeyManager: 'CUSTOMER',
      Description: 'plain',
    });
    expect(out.KeyMetadata).not.toHaveProperty('CustomKeyStoreId');
    expect(out.KeyMetadata).not.toHaveProperty('XksKeyConfiguration');
  });

  it('offers each spec with the usages and algorithms KMS gives it', async () => {
    const t = await createTestEmulator();
    const cases: [string, string, Record<string, unknown>][] = [
      ['HMAC_224', 'GENERATE_VERIFY_MAC', { MacAlgorithms: ['HMAC_SHA_224'] }],
      ['HMAC_512', 'GENERATE_VERIFY_MAC', { MacAlgorithms: ['HMAC_SHA_512'] }],
      [
        'RSA_2048',
        'ENCRYPT_DECRYPT',
        { EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] },
      ],
      [
        'RSA_2048',
        'SIGN_VERIFY',
        { SigningAlgorithms: expect.arrayContaining(['RSASSA_PSS_SHA_256']) },
      ],
      ['ECC_NIST_P384', 'SIGN_VERIFY', { SigningAlgorithms: ['ECDSA_SHA_384'] }],
      ['ECC_SECG_P256K1', 'SIGN_VERIFY', { SigningAlgorithms: ['ECDSA_SHA_256'] }],
    ];
    for (const [KeySpec, KeyUsage, algorithms] of cases) {
      const out = await t.client.call('CreateKey', { KeySpec, KeyUsage });
      expect(out.KeyMetadata).toMatchObject({
        KeySpec,
        KeyUsage,
        KeyState: 'Enabled',
        ...algorithms,
      });
    }
  });

  it('refuses specs, usages and origins KMS refuses', async () => {
    const t = await createTestEmulator();
    const refused: [Record<string, unknown>, string][] = [
      [{ KeySpec: 'AES_256' }, 'ValidationException'],
      [{ KeyUsage: 'WRAP' }, 'ValidationException'],
      [{ KeySpec: 'ECC_NIST_P256' }, 'ValidationException'],
      [{ KeySpec: 'HMAC_256', KeyUsage: 'ENCRYPT_DECRYPT' }, 'ValidationException'],
      [{ KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'SIGN_VERIFY' }, 'ValidationException'],
      [{ KeySpec: 'RSA_2048', CustomerMasterKeySpec: 'RSA_2048' }, 'ValidationException'],
      [{ Origin: 'SOMEWHERE' }, 'ValidationException'],
      [{ Origin: 'AWS_CLOUDHSM' }, 'UnsupportedOperationException'],
      [{ KeySpec: 'ML_DSA_65', KeyUsage: 'SIGN_VERIFY' }, 'UnsupportedOperationException'],
    ];
    for (const [input, name] of refused) {
      expect([input, await errorName(t.client.call('CreateKey', input))]).toEqual([input, name]);
    }
    const listed = await t.client.call('ListKeys');
    expect(listed.Keys).toEqual([]);
  });
});

describe('symmetric encryption under AWS_KMS keys', () => {
  it('round-trips Encrypt, Decrypt without KeyId, ReEncrypt and data keys', async () => {
    const t = await createTestEmulator();
    const a = await keyOf(t);
    const b = await keyOf(t);
    const context = { purpose: 'test' };
    const enc = await t.client.call('Encrypt', {
      KeyId: a,
      Plaintext: b64('hello'),
      EncryptionContext: context,
    });
    expect(enc.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');
    const dec = await t.client.call('Decrypt', {
      CiphertextBlob: enc.CiphertextBlob,
      EncryptionContext: context,
    });
    expect(dec.KeyId).toBe(`arn:aws:kms:us-east-1:111122223333:key/${a}`);
    expect(Buffer.from(unb64(dec.Plaintext)).toString()).toBe('hello');
    expect(await errorName(t.client.call('Decrypt', { CiphertextBlob: enc.CiphertextBlob }))).toBe(
      'InvalidCiphertextException',
    );
    expect(
      await errorName(
        t.client.call('Decrypt', {
          CiphertextBlob: enc.CiphertextBlob,
          EncryptionContext: context,
          KeyId: b,
        }),
      ),
    ).toBe('IncorrectKeyException');
    const re = await t.client.call('ReEncrypt', {
      CiphertextBlob: enc.CiphertextBlob,
      SourceEncryptionContext: context,
      DestinationKeyId: b,
    });
    const again = await t.client.call('Decrypt', { CiphertextBlob: re.CiphertextBlob });
    expect(again.KeyId).toContain(b);
    expect(Buffer.from(unb64(again.Plaintext)).toString()).toBe('hello');
    const dk = await t.client.call('GenerateDataKey', { KeyId: a, KeySpec: 'AES_256' });
    const opened = await t.client.call('Decrypt', { CiphertextBlob: dk.CiphertextBlob });
    expect(opened.Plaintext).toBe(dk.Plaintext);
    expect(unb64(dk.Plaintext).length).toBe(32);
    const without = await t.client.call('GenerateDataKeyWithoutPlaintext', {
      KeyId: a,
      NumberOfBytes: 64,
    });
    expect(without).not.toHaveProperty('Plaintext');
    expect(
      unb64((await t.client.call('Decrypt', { CiphertextBlob: without.CiphertextBlob })).Plaintext)
        .length,
    ).toBe(64);
  });

  it('answers InvalidCiphertextException wherever the blob is altered', async () => {
    const t = await createTestEmulator();
    const a = await keyOf(t);
    const enc = await t.client.call('Encrypt', { KeyId: a, Plaintext: b64('x') });
    const bytes = unb64(enc.CiphertextBlob);
    const names = new Set<string>();
    for (let i = 0; i < bytes.length; i++) {
      const altered = bytes.slice();
      altered[i] = (altered[i] ?? 0) ^ 0x80;
      names.add(await errorName(t.client.call('Decrypt', { CiphertextBlob: b64(altered) })));
    }
    expect([...names]).toEqual(['InvalidCiphertextException']);
  });

  it('refuses keys of another usage and algorithms the key lacks', async () => {
    const t = await createTestEmulator();
    const hmac = await keyOf(t, { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const sym = await keyOf(t);
    const rsa = await keyOf(t, { KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
    const plaintext = b64('x');
    expect(await errorName(t.client.call('Encrypt', { KeyId: hmac, Plaintext: plaintext }))).toBe(
      'InvalidKeyUsageException',
    );
    expect(
      await errorName(
        t.client.call('Encrypt', {
          KeyId: sym,
          Plaintext: plaintext,
          EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
        }),
      ),
    ).toBe('InvalidKeyUsageException');
    expect(await errorName(t.client.call('Encrypt', { KeyId: rsa, Plaintext: plaintext }))).toBe(
      'InvalidKeyUsageException',
    );
    expect(
      await errorName(t.client.call('GenerateDataKey', { KeyId: rsa, NumberOfBytes: 8 })),
    ).toBe('InvalidKeyUsageException');
    expect(
      await errorName(t.client.call('Encrypt', { KeyId: sym, Plaintext: plaintext, DryRun: true })),
    ).toBe('DryRunOperationException');
  });
});

describe('RSA encryption keys', () => {
  it('decrypts what node:crypto encrypted with the public key, and round-trips its own', async () => {
    const t = await createTestEmulator();
    const rsa = await keyOf(t, { KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
    const pub = await t.client.call('GetPublicKey', { KeyId: rsa });
    const publicKey = createPublicKey({
      key: Buffer.from(unb64(pub.PublicKey)),
      format: 'der',
      type: 'spki',
    });
    for (const [algorithm, oaepHash] of [
      ['RSAES_OAEP_SHA_1', 'sha1'],
      ['RSAES_OAEP_SHA_256', 'sha256'],
    ] as const) {
      const outside = publicEncrypt(
        { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
        Buffer.from('from outside'),
      );
      const dec = await t.client.call('Decrypt', {
        CiphertextBlob: b64(outside),
        KeyId: rsa,
        EncryptionAlgorithm: algorithm,
      });
      expect(Buffer.from(unb64(dec.Plaintext)).toString()).toBe('from outside');
      expect(dec.EncryptionAlgorithm).toBe(algorithm);
    }
    const enc = await t.client.call('Encrypt', {
      KeyId: rsa,
      Plaintext: b64('inside'),
      EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
    });
    expect(unb64(enc.CiphertextBlob).length).toBe(256);
    // The wrong OAEP hash does not open it; a missing KeyId cannot find the key.
    expect(
      await errorName(
        t.client.call('Decrypt', {
          CiphertextBlob: enc.CiphertextBlob,
          KeyId: rsa,
          EncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
        }),
      ),
    ).toBe('InvalidCiphertextException');
    expect(
      await errorName(
        t.client.call('Decrypt', {
          CiphertextBlob: enc.CiphertextBlob,
          EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
        }),
      ),
    ).toBe('InvalidCiphertextException');
    // ReEncrypt from the RSA key to a symmetric key.
    const sym = await keyOf(t);
    const re = await t.client.call('ReEncrypt', {
      CiphertextBlob: enc.CiphertextBlob,
      SourceKeyId: rsa,
      SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
      DestinationKeyId: sym,
    });
    expect(re.SourceEncryptionAlgorithm).toBe('RSAES_OAEP_SHA_256');
    const dec = await t.client.call('Decrypt', { CiphertextBlob: re.CiphertextBlob });
    expect(Buffer.from(unb64(dec.Plaintext)).toString()).toBe('inside');
    // RFC 8017: at most k - 2hLen - 2 = 190 bytes with SHA-256 on a 2048-bit key.
    expect(
      await errorName(
        t.client.call('Encrypt', {
          KeyId: rsa,
          Plaintext: b64(new Uint8Array(191)),
          EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
        }),
      ),
    ).toBe('ValidationException');
  });
});

describe('key states', () => {
  it('answers the documented error of each state', async () => {
    const t = await createTestEmulator();
    const key = await keyOf(t);
    const enc = () => t.client.call('Encrypt', { KeyId: key, Plaintext: b64('x') });
    await t.client.call('DisableKey', { KeyId: key });
    expect(await errorName(enc())).toBe('DisabledException');
    await t.client.call('ScheduleKeyDeletion', { KeyId: key, PendingWindowInDays: 7 });
    expect(await errorName(enc())).toBe('KMSInvalidStateException');
    expect(await errorName(t.client.call('EnableKey', { KeyId: key }))).toBe(
      'KMSInvalidStateException',
    );
    await t.client.call('CancelKeyDeletion', { KeyId: key });
    await t.client.call('EnableKey', { KeyId: key });
    await enc();
    const external = await keyOf(t, { Origin: 'EXTERNAL' });
    const described = await t.client.call('DescribeKey', { KeyId: external });
    expect(described.KeyMetadata).toMatchObject({
      KeyState: 'PendingImport',
      Enabled: false,
      Origin: 'EXTERNAL',
    });
    expect(
      await errorName(t.client.call('Encrypt', { KeyId: external, Plaintext: b64('x') })),
    ).toBe('KMSInvalidStateException');
    expect(await errorName(t.client.call('EnableKey', { KeyId: external }))).toBe(
      'KMSInvalidStateException',
    );
  });
});
