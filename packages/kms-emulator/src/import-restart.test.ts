import { createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StateCodec } from './persistence.ts';
import { externalKey, parameters, wrap } from './testing/import-helpers.ts';
import {
  b64,
  createTestEmulator,
  memoryStorage,
  rejection,
  sequenceRandom,
  TEST_MASTER_KEY,
  TEST_NOW,
  unb64,
} from './testing/index.ts';

const ALGORITHM = 'RSA_AES_KEY_WRAP_SHA_256';
const DAY_MS = 24 * 60 * 60 * 1000;

/** An EXTERNAL key and its import parameters from an emulator over a state file, then stopped. */
async function parametersThenStop() {
  const storage = memoryStorage();
  const persistence = { storage, masterKey: TEST_MASTER_KEY };
  const first = await createTestEmulator({ persistence });
  const KeyId = await externalKey(first);
  const p = await parameters(first, KeyId, ALGORITHM);
  await first.emulator.stop();
  return { storage, persistence, KeyId, p };
}

describe('import tokens across a restart', () => {
  it('imports with a token from before the restart; the state file holds its wrapping key wrapped', {
    timeout: 30_000,
  }, async () => {
    const { storage, persistence, KeyId, p } = await parametersThenStop();

    const text = new TextDecoder().decode(storage.bytes);
    expect(text).not.toContain(p.token);
    const state = new StateCodec(TEST_MASTER_KEY, sequenceRandom()).decode(
      storage.bytes ?? new Uint8Array(),
    );
    const pending = state.imports?.[0];
    if (!pending?.wrappingKey) throw new Error('no pending import in the state file');
    expect(pending).toMatchObject({
      keyId: KeyId,
      algorithm: ALGORITHM,
      validTo: p.validTo * 1000,
    });
    expect(text).not.toContain(b64(pending.wrappingKey));
    // The kept private key is the one whose public key GetParametersForImport handed out.
    const kept = createPublicKey(
      createPrivateKey({ key: Buffer.from(pending.wrappingKey), format: 'der', type: 'pkcs8' }),
    ).export({ format: 'der', type: 'spki' });
    expect(kept.equals(p.publicKey.export({ format: 'der', type: 'spki' }))).toBe(true);

    const second = await createTestEmulator({ persistence });
    second.setNow(new Date(TEST_NOW.getTime() + DAY_MS - 1000));
    await second.client.call('ImportKeyMaterial', {
      KeyId,
      ImportToken: p.token,
      EncryptedKeyMaterial: wrap(p.publicKey, ALGORITHM, new Uint8Array(32).fill(7)),
      ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    });
    const enc = await second.client.call('Encrypt', { KeyId, Plaintext: b64('after restart') });
    const dec = await second.client.call('Decrypt', { CiphertextBlob: enc.CiphertextBlob });
    expect(Buffer.from(unb64(dec.Plaintext)).toString()).toBe('after restart');
  });

  it('refuses a token that expired (24 hours) with ExpiredImportTokenException, also after a restart', {
    timeout: 30_000,
  }, async () => {
    const { storage, persistence, KeyId, p } = await parametersThenStop();

    const second = await createTestEmulator({ persistence });
    second.setNow(new Date(TEST_NOW.getTime() + DAY_MS + 1000));
    const refused = await rejection(
      second.client.call('ImportKeyMaterial', {
        KeyId,
        ImportToken: p.token,
        EncryptedKeyMaterial: wrap(p.publicKey, ALGORITHM, new Uint8Array(32).fill(7)),
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      }),
    );
    expect(refused.name).toBe('ExpiredImportTokenException');
    await second.emulator.stop();
    // Once expired, the state file no longer holds its wrapping key.
    const state = new StateCodec(TEST_MASTER_KEY, sequenceRandom()).decode(
      storage.bytes ?? new Uint8Array(),
    );
    expect(state.imports?.map((i) => i.wrappingKey)).toEqual([undefined]);
    const unknown = await rejection(
      second.client.call('ImportKeyMaterial', {
        KeyId,
        ImportToken: b64(new Uint8Array(32).fill(1)),
        EncryptedKeyMaterial: wrap(p.publicKey, ALGORITHM, new Uint8Array(32).fill(7)),
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      }),
    );
    expect(unknown.name).toBe('InvalidImportTokenException');
  });
});
