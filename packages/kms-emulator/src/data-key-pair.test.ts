import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTestEmulator, errorName, unb64 } from './testing/index.ts';

describe('GenerateDataKeyPair', () => {
  it('returns a pair whose encrypted private key Decrypt opens and whose halves match', {
    timeout: 30_000,
  }, async () => {
    const t = await createTestEmulator();
    const created = await t.client.call('CreateKey');
    const KeyId = String((created.KeyMetadata as Record<string, unknown>).KeyId);
    for (const KeyPairSpec of ['ECC_NIST_P256', 'ECC_SECG_P256K1', 'RSA_2048']) {
      const pair = await t.client.call('GenerateDataKeyPair', {
        KeyId,
        KeyPairSpec,
        EncryptionContext: { pair: KeyPairSpec },
      });
      expect(pair.KeyPairSpec).toBe(KeyPairSpec);
      const opened = await t.client.call('Decrypt', {
        CiphertextBlob: pair.PrivateKeyCiphertextBlob,
        EncryptionContext: { pair: KeyPairSpec },
      });
      expect(opened.Plaintext).toBe(pair.PrivateKeyPlaintext);
      const privateKey = createPrivateKey({
        key: Buffer.from(unb64(opened.Plaintext)),
        format: 'der',
        type: 'pkcs8',
      });
      const publicKey = createPublicKey({
        key: Buffer.from(unb64(pair.PublicKey)),
        format: 'der',
        type: 'spki',
      });
      const signature = sign('sha256', Buffer.from('data'), privateKey);
      expect(verify('sha256', Buffer.from('data'), publicKey, signature)).toBe(true);
    }
    const without = await t.client.call('GenerateDataKeyPairWithoutPlaintext', {
      KeyId,
      KeyPairSpec: 'ECC_NIST_P384',
    });
    expect(without).not.toHaveProperty('PrivateKeyPlaintext');
    const opened = await t.client.call('Decrypt', {
      CiphertextBlob: without.PrivateKeyCiphertextBlob,
    });
    const privateKey = createPrivateKey({
      key: Buffer.from(unb64(opened.Plaintext)),
      format: 'der',
      type: 'pkcs8',
    });
    expect(privateKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
  });

  it('refuses asymmetric keys, keys in external key stores and unknown specs', async () => {
    const t = await createTestEmulator();
    const rsa = await t.client.call('CreateKey', {
      KeySpec: 'RSA_2048',
      KeyUsage: 'ENCRYPT_DECRYPT',
    });
    const rsaId = String((rsa.KeyMetadata as Record<string, unknown>).KeyId);
    expect(
      await errorName(
        t.client.call('GenerateDataKeyPair', { KeyId: rsaId, KeyPairSpec: 'ECC_NIST_P256' }),
      ),
    ).toBe('InvalidKeyUsageException');
    const ks = await t.connectedKeyStore();
    const xks = await t.createKey(ks, 'ext-1');
    expect(
      await errorName(
        t.client.call('GenerateDataKeyPair', { KeyId: xks, KeyPairSpec: 'ECC_NIST_P256' }),
      ),
    ).toBe('UnsupportedOperationException');
    expect(
      await errorName(
        t.client.call('GenerateDataKeyPair', { KeyId: rsaId, KeyPairSpec: 'ECC_NIST_P999' }),
      ),
    ).toBe('ValidationException');
  });
});
