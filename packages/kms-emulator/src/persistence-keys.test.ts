import { constants, createPublicKey, publicEncrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StateCodec } from './persistence.ts';
import {
  b64,
  createTestEmulator,
  memoryStorage,
  sequenceRandom,
  TEST_MASTER_KEY,
  TEST_NOW,
  unb64,
} from './testing/index.ts';

const MASTER = TEST_MASTER_KEY;

describe('persistence of keys the emulator holds', () => {
  it('keeps symmetric, HMAC, asymmetric and pending-import keys, with their material wrapped', async () => {
    const storage = memoryStorage();
    const first = await createTestEmulator({ persistence: { storage, masterKey: MASTER } });
    const id = async (input: Record<string, unknown>) =>
      String(
        ((await first.client.call('CreateKey', input)).KeyMetadata as Record<string, unknown>)
          .KeyId,
      );
    const sym = await id({});
    const mac = await id({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const ec = await id({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const pending = await id({ Origin: 'EXTERNAL' });
    const enc = await first.client.call('Encrypt', { KeyId: sym, Plaintext: b64('kept') });
    const tag = await first.client.call('GenerateMac', {
      KeyId: mac,
      Message: b64('m'),
      MacAlgorithm: 'HMAC_SHA_256',
    });
    const pub = await first.client.call('GetPublicKey', { KeyId: ec });
    await first.emulator.stop();

    const text = new TextDecoder().decode(storage.bytes);
    const doc = JSON.parse(text) as { keys: Record<string, unknown>[] };
    expect(doc.keys.map((k) => [k.keySpec, k.origin, 'wrappedMaterial' in k])).toEqual([
      ['SYMMETRIC_DEFAULT', 'AWS_KMS', true],
      ['HMAC_256', 'AWS_KMS', true],
      ['ECC_NIST_P256', 'AWS_KMS', true],
      ['SYMMETRIC_DEFAULT', 'EXTERNAL', false],
    ]);
    // Every material opens with the master key, and none of it is in the file in the clear.
    const state = new StateCodec(MASTER, sequenceRandom()).decode(
      storage.bytes ?? new Uint8Array(),
    );
    expect(state.keys.map((k) => k.material.length > 0)).toEqual([true, true, true, false]);
    for (const k of state.keys.filter((k) => k.material.length > 0)) {
      expect(text).not.toContain(b64(k.material));
      expect(text).not.toContain(Buffer.from(k.material).toString('hex'));
    }

    const second = await createTestEmulator({ persistence: { storage, masterKey: MASTER } });
    const dec = await second.client.call('Decrypt', { CiphertextBlob: enc.CiphertextBlob });
    expect(Buffer.from(unb64(dec.Plaintext)).toString()).toBe('kept');
    const again = await second.client.call('VerifyMac', {
      KeyId: mac,
      Message: b64('m'),
      MacAlgorithm: 'HMAC_SHA_256',
      Mac: tag.Mac,
    });
    expect(again.MacValid).toBe(true);
    expect((await second.client.call('GetPublicKey', { KeyId: ec })).PublicKey).toBe(pub.PublicKey);
    expect((await second.client.call('DescribeKey', { KeyId: pending })).KeyMetadata).toMatchObject(
      {
        KeyState: 'PendingImport',
      },
    );
  });

  it('drops imported material from the state once it expires', async () => {
    const storage = memoryStorage();
    const t = await createTestEmulator({ persistence: { storage, masterKey: MASTER } });
    const out = await t.client.call('CreateKey', { Origin: 'EXTERNAL' });
    const KeyId = String((out.KeyMetadata as Record<string, unknown>).KeyId);
    const p = await t.client.call('GetParametersForImport', {
      KeyId,
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    });
    const wrappingKey = createPublicKey({
      key: Buffer.from(unb64(p.PublicKey)),
      format: 'der',
      type: 'spki',
    });
    const wrapped = publicEncrypt(
      { key: wrappingKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      new Uint8Array(32).fill(3),
    );
    await t.client.call('ImportKeyMaterial', {
      KeyId,
      ImportToken: p.ImportToken,
      EncryptedKeyMaterial: b64(wrapped),
      ValidTo: TEST_NOW.getTime() / 1000 + 60,
    });
    const stored = () =>
      (JSON.parse(new TextDecoder().decode(storage.bytes)) as { keys: Record<string, unknown>[] })
        .keys[0];
    expect(stored()).toHaveProperty('wrappedMaterial');
    t.setNow(new Date(TEST_NOW.getTime() + 61_000));
    await t.client.call('ListKeys');
    expect(stored()).not.toHaveProperty('wrappedMaterial');
    expect((await t.client.call('DescribeKey', { KeyId })).KeyMetadata).toMatchObject({
      KeyState: 'PendingImport',
    });
  }, 30_000);
});
