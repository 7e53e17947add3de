import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../key-meta.ts';
import { StateCodec } from '../persistence.ts';
import { rejection } from '../testing/calls.ts';
import {
  b64,
  createTestEmulator,
  memoryStorage,
  sequenceRandom,
  TEST_MASTER_KEY,
  TEST_NOW,
  type TestEmulator,
  unb64,
} from '../testing/index.ts';
import { symmetricOpen } from './local-envelope.ts';

/** The material index a local symmetric blob names (format 4: bytes 17..20, big-endian). */
function materialIndexOf(blob: unknown): number {
  const bytes = unb64(blob);
  expect(bytes[0]).toBe(4);
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(17);
}

async function newKey(t: TestEmulator, input: Record<string, unknown> = {}): Promise<string> {
  const out = await t.client.call('CreateKey', input);
  return String((out.KeyMetadata as { KeyId: string }).KeyId);
}

async function decrypts(t: TestEmulator, blob: unknown, text: string): Promise<void> {
  const out = await t.client.call('Decrypt', { CiphertextBlob: blob });
  expect(Buffer.from(unb64(out.Plaintext)).toString()).toBe(text);
}

const encrypt = async (t: TestEmulator, KeyId: string, text: string) =>
  (await t.client.call('Encrypt', { KeyId, Plaintext: b64(text) })).CiphertextBlob;

describe('rotation makes new key material', () => {
  it('on demand: new ciphertexts use the new material, old ones still decrypt, also after a restart', async () => {
    const storage = memoryStorage();
    const persistence = { storage, masterKey: TEST_MASTER_KEY };
    const t = await createTestEmulator({ persistence });
    const KeyId = await newKey(t);
    const before = await encrypt(t, KeyId, 'before');
    await t.client.call('RotateKeyOnDemand', { KeyId });
    const after = await encrypt(t, KeyId, 'after');
    const dataKey = await t.client.call('GenerateDataKey', { KeyId, NumberOfBytes: 32 });
    expect(materialIndexOf(before)).toBe(0);
    expect(materialIndexOf(after)).toBe(1);
    expect(materialIndexOf(dataKey.CiphertextBlob)).toBe(1);
    await decrypts(t, before, 'before');
    await decrypts(t, after, 'after');
    await t.emulator.stop();

    // The state file holds both materials, wrapped; they differ, and the new ciphertext does not
    // open under the old material.
    const state = new StateCodec(TEST_MASTER_KEY, sequenceRandom()).decode(
      storage.bytes ?? new Uint8Array(),
    );
    const key = state.keys[0];
    if (!key) throw new Error('no key in the state file');
    const old = key.earlierMaterials?.[0];
    if (!old) throw new Error('no earlier material in the state file');
    expect(Buffer.from(old).equals(Buffer.from(key.material))).toBe(false);
    const text = new TextDecoder().decode(storage.bytes);
    expect(text).not.toContain(b64(old));
    const onlyOld = { ...key, material: old, earlierMaterials: [old] };
    expect(() => symmetricOpen(onlyOld, unb64(after), undefined)).toThrow(
      expect.objectContaining({ errorName: 'InvalidCiphertextException' }),
    );

    const restarted = await createTestEmulator({ persistence });
    await decrypts(restarted, before, 'before');
    await decrypts(restarted, after, 'after');
    expect(materialIndexOf(await encrypt(restarted, KeyId, 'again'))).toBe(1);
  });

  it('automatic: once the period has passed, encryption uses new material', async () => {
    const t = await createTestEmulator();
    const KeyId = await newKey(t);
    await t.client.call('EnableKeyRotation', { KeyId, RotationPeriodInDays: 90 });
    const before = await encrypt(t, KeyId, 'before');
    t.setNow(new Date(TEST_NOW.getTime() + 91 * DAY_MS));
    const after = await encrypt(t, KeyId, 'after');
    expect(materialIndexOf(before)).toBe(0);
    expect(materialIndexOf(after)).toBe(1);
    await t.client.call('RotateKeyOnDemand', { KeyId });
    expect(materialIndexOf(await encrypt(t, KeyId, 'third'))).toBe(2);
    const listed = await t.client.call('ListKeyRotations', { KeyId });
    expect((listed.Rotations as { RotationType: string }[]).map((r) => r.RotationType)).toEqual([
      'AUTOMATIC',
      'ON_DEMAND',
    ]);
    await decrypts(t, before, 'before');
    await decrypts(t, after, 'after');
  });

  it('opens state files and ciphertexts written before rotation made new material', async () => {
    const vector = JSON.parse(
      readFileSync(
        new URL('../../test/vectors/state-before-material-rotation.json', import.meta.url),
        'utf8',
      ),
    ) as { keyId: string; plaintext: string; ciphertextBlob: string; stateFile: unknown };
    const storage = memoryStorage();
    storage.bytes = new TextEncoder().encode(JSON.stringify(vector.stateFile));
    const persistence = { storage, masterKey: TEST_MASTER_KEY };
    const t = await createTestEmulator({ persistence });
    await decrypts(t, vector.ciphertextBlob, vector.plaintext);
    // Its one recorded rotation made no material: the current material is still the first.
    expect(materialIndexOf(await encrypt(t, vector.keyId, 'x'))).toBe(0);
    await t.client.call('RotateKeyOnDemand', { KeyId: vector.keyId });
    const after = await encrypt(t, vector.keyId, 'after');
    expect(materialIndexOf(after)).toBe(1);
    await t.emulator.stop();
    const restarted = await createTestEmulator({ persistence });
    await decrypts(restarted, vector.ciphertextBlob, vector.plaintext);
    await decrypts(restarted, after, 'after');
  });

  it('keeps refusing rotation of keys that cannot rotate', async () => {
    const t = await createTestEmulator();
    const keys = [
      await newKey(t, { KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' }),
      await newKey(t, { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }),
      await newKey(t, { Origin: 'EXTERNAL' }),
    ];
    for (const KeyId of keys) {
      const refused = await rejection(t.client.call('RotateKeyOnDemand', { KeyId }));
      expect(refused.name).toBe('UnsupportedOperationException');
    }
  }, 30_000);
});
