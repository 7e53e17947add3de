import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { externalKey, parameters, wrap } from './testing/import-helpers.ts';
import { b64, createTestEmulator, errorName, TEST_NOW, unb64 } from './testing/index.ts';

describe('importing key material', () => {
  it('imports symmetric material with each wrapping algorithm, and the key then encrypts', {
    timeout: 30_000,
  }, async () => {
    const t = await createTestEmulator();
    const material = new Uint8Array(32).fill(42);
    for (const algorithm of [
      'RSAES_OAEP_SHA_1',
      'RSAES_OAEP_SHA_256',
      'RSA_AES_KEY_WRAP_SHA_1',
      'RSA_AES_KEY_WRAP_SHA_256',
    ]) {
      const KeyId = await externalKey(t);
      const p = await parameters(t, KeyId, algorithm);
      expect(p.validTo).toBe(TEST_NOW.getTime() / 1000 + 24 * 3600);
      await t.client.call('ImportKeyMaterial', {
        KeyId,
        ImportToken: p.token,
        EncryptedKeyMaterial: wrap(p.publicKey, algorithm, material),
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      });
      const described = await t.client.call('DescribeKey', { KeyId });
      expect(described.KeyMetadata).toMatchObject({
        KeyState: 'Enabled',
        Origin: 'EXTERNAL',
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      });
      const enc = await t.client.call('Encrypt', { KeyId, Plaintext: b64('imported') });
      const dec = await t.client.call('Decrypt', { CiphertextBlob: enc.CiphertextBlob });
      expect(Buffer.from(unb64(dec.Plaintext)).toString()).toBe('imported');
    }
  });

  it('deletes material (PendingImport), re-imports only the same material, and expires it', async () => {
    const t = await createTestEmulator();
    const KeyId = await externalKey(t);
    const material = new Uint8Array(32).fill(7);
    const p = await parameters(t, KeyId, 'RSAES_OAEP_SHA_256');
    await t.client.call('ImportKeyMaterial', {
      KeyId,
      ImportToken: p.token,
      EncryptedKeyMaterial: wrap(p.publicKey, 'RSAES_OAEP_SHA_256', material),
      ValidTo: TEST_NOW.getTime() / 1000 + 3600,
    });
    const enc = await t.client.call('Encrypt', { KeyId, Plaintext: b64('kept') });
    await t.client.call('DeleteImportedKeyMaterial', { KeyId });
    expect((await t.client.call('DescribeKey', { KeyId })).KeyMetadata).toMatchObject({
      KeyState: 'PendingImport',
    });
    expect(await errorName(t.client.call('Decrypt', { CiphertextBlob: enc.CiphertextBlob }))).toBe(
      'KMSInvalidStateException',
    );
    const other = wrap(p.publicKey, 'RSAES_OAEP_SHA_256', new Uint8Array(32).fill(8));
    expect(
      await errorName(
        t.client.call('ImportKeyMaterial', {
          KeyId,
          ImportToken: p.token,
          EncryptedKeyMaterial: other,
          ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
        }),
      ),
    ).toBe('IncorrectKeyMaterialException');
    await t.client.call('ImportKeyMaterial', {
      KeyId,
      ImportToken: p.token,
      EncryptedKeyMaterial: wrap(p.publicKey, 'RSAES_OAEP_SHA_256', material),
      ValidTo: TEST_NOW.getTime() / 1000 + 3600,
    });
    const dec = await t.client.call('Decrypt', { CiphertextBlob: enc.CiphertextBlob });
    expect(Buffer.from(unb64(dec.Plaintext)).toString()).toBe('kept');
    t.setNow(new Date(TEST_NOW.getTime() + 3601_000));
    expect((await t.client.call('DescribeKey', { KeyId })).KeyMetadata).toMatchObject({
      KeyState: 'PendingImport',
    });
    // Expired material is imported again (same token, still valid): the key is usable again.
    await t.client.call('ImportKeyMaterial', {
      KeyId,
      ImportToken: p.token,
      EncryptedKeyMaterial: wrap(p.publicKey, 'RSAES_OAEP_SHA_256', material),
      ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    });
    expect((await t.client.call('DescribeKey', { KeyId })).KeyMetadata).toMatchObject({
      KeyState: 'Enabled',
    });
    t.setNow(new Date(TEST_NOW.getTime() + 25 * 3600_000));
    expect(
      await errorName(
        t.client.call('ImportKeyMaterial', {
          KeyId,
          ImportToken: p.token,
          EncryptedKeyMaterial: wrap(p.publicKey, 'RSAES_OAEP_SHA_256', material),
          ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
        }),
      ),
    ).toBe('ExpiredImportTokenException');
  });

  it('imports an ECC private key that then signs', { timeout: 30_000 }, async () => {
    const t = await createTestEmulator();
    const KeyId = await externalKey(t, { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const mine = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const p = await parameters(t, KeyId, 'RSA_AES_KEY_WRAP_SHA_256');
    const der = new Uint8Array(mine.privateKey.export({ format: 'der', type: 'pkcs8' }));
    await t.client.call('ImportKeyMaterial', {
      KeyId,
      ImportToken: p.token,
      EncryptedKeyMaterial: wrap(p.publicKey, 'RSA_AES_KEY_WRAP_SHA_256', der),
      ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    });
    const pub = await t.client.call('GetPublicKey', { KeyId });
    expect(Buffer.from(unb64(pub.PublicKey))).toEqual(
      mine.publicKey.export({ format: 'der', type: 'spki' }),
    );
    const signature = b64(
      sign('sha256', Buffer.from('m'), { key: mine.privateKey, dsaEncoding: 'der' }),
    );
    const verified = await t.client.call('Verify', {
      KeyId,
      Message: b64('m'),
      Signature: signature,
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    expect(verified.SignatureValid).toBe(true);
  });

  it('refuses bad tokens, bad wrapping, wrong material and keys of other origins', async () => {
    const t = await createTestEmulator();
    const KeyId = await externalKey(t);
    const other = await externalKey(t);
    const p = await parameters(t, KeyId, 'RSAES_OAEP_SHA_256');
    const q = await parameters(t, other, 'RSAES_OAEP_SHA_256');
    const good = wrap(p.publicKey, 'RSAES_OAEP_SHA_256', new Uint8Array(32).fill(1));
    const call = (input: Record<string, unknown>) =>
      t.client.call('ImportKeyMaterial', {
        KeyId,
        ImportToken: p.token,
        EncryptedKeyMaterial: good,
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
        ...input,
      });
    expect(await errorName(call({ ImportToken: q.token }))).toBe('InvalidImportTokenException');
    expect(await errorName(call({ ImportToken: b64('not a token') }))).toBe(
      'InvalidImportTokenException',
    );
    expect(
      await errorName(
        call({ EncryptedKeyMaterial: wrap(p.publicKey, 'RSAES_OAEP_SHA_1', new Uint8Array(32)) }),
      ),
    ).toBe('InvalidCiphertextException');
    expect(
      await errorName(
        call({ EncryptedKeyMaterial: wrap(p.publicKey, 'RSAES_OAEP_SHA_256', new Uint8Array(16)) }),
      ),
    ).toBe('IncorrectKeyMaterialException');
    expect(await errorName(call({ ExpirationModel: 'KEY_MATERIAL_EXPIRES' }))).toBe(
      'ValidationException',
    );
    expect(await errorName(t.client.call('DeleteImportedKeyMaterial', { KeyId }))).toBe(
      'KMSInvalidStateException',
    );
    const awsKms = String(
      ((await t.client.call('CreateKey')).KeyMetadata as Record<string, unknown>).KeyId,
    );
    expect(
      await errorName(
        t.client.call('GetParametersForImport', {
          KeyId: awsKms,
          WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
          WrappingKeySpec: 'RSA_2048',
        }),
      ),
    ).toBe('UnsupportedOperationException');
    expect(await errorName(t.client.call('DeleteImportedKeyMaterial', { KeyId: awsKms }))).toBe(
      'UnsupportedOperationException',
    );
  });
});
