import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nobleEngine } from './crypto/noble-engine.ts';
import type { Pkcs11Config } from './pkcs11/pkcs11-config.ts';
import { MemoryRecordStore } from './storage/memory-record-store.ts';
import { TEST_MASTER_KEY, TEST_NOW } from './testing/index.ts';
import { createSoftHsmToken, type SoftHsmToken, softHsmMissing } from './testing/softhsm.ts';
import { codeOf } from './vcm.test-support.ts';
import { Vcm } from './vcm.ts';

const missing = softHsmMissing();

/** A memory store that outlives the Vcm's close, so a test can open a second Vcm on it. */
class ReopenableStore extends MemoryRecordStore {
  override async close(): Promise<void> {}
}
const enc = new TextEncoder();

describe.skipIf(missing !== undefined)(`Vcm pkcs11 modules ${missing ?? ''}`, () => {
  let hsm: SoftHsmToken;
  let store: ReopenableStore;
  let vcm: Vcm;
  let config: Pkcs11Config;
  const pins: Record<string, string> = {};

  const open = () =>
    Vcm.open({
      store,
      engine: nobleEngine,
      masterKey: TEST_MASTER_KEY,
      clock: () => TEST_NOW,
      pkcs11Pin: async (c) => {
        const pin = c.pinEnv === undefined ? undefined : pins[c.pinEnv];
        if (pin === undefined) throw new Error(`no PIN in ${c.pinEnv}`);
        return pin;
      },
    });

  beforeAll(async () => {
    hsm = await createSoftHsmToken({ label: 'vcm-test' });
    process.env.SOFTHSM2_CONF = hsm.conf;
    pins.TEST_PIN = hsm.pin;
    pins.WRONG_PIN = '0000';
    config = { library: hsm.library, tokenLabel: hsm.label, pinEnv: 'TEST_PIN' };
    store = new ReopenableStore();
    vcm = await open();
  });

  afterAll(async () => {
    await vcm?.close();
    await hsm?.remove();
  });

  // First: PKCS#11 logs a whole process in to a token at once, so once a module on this token is
  // logged in, a second one on the same token is not asked for its PIN again.
  it('refuses a module whose token cannot be logged in to, and writes nothing', async () => {
    const wrongPin = { ...config, pinEnv: 'WRONG_PIN' };
    const e = await vcm.createModule({ name: 'bad', pkcs11: wrongPin }).catch((x) => x);

    expect(e.code).toBe('HSM_ERROR');
    expect(e.message).toMatch(/PIN is incorrect/);
    const absent = { ...config, tokenLabel: 'no-such-token' };
    expect(await codeOf(vcm.createModule({ name: 'bad', pkcs11: absent }))).toBe('HSM_ERROR');
    const noPinSource = { ...config, pinEnv: 'UNSET' };
    expect(await codeOf(vcm.createModule({ name: 'bad', pkcs11: noPinSource }))).toBe('HSM_ERROR');
    expect(await vcm.getModule('bad')).toBeUndefined();
    const both = { ...config, slot: 1 };
    expect(await codeOf(vcm.createModule({ name: 'bad', pkcs11: both }))).toBe('INVALID_INPUT');
  });

  it('creates a module on the token, storing where the PIN is but not the PIN', async () => {
    const info = await vcm.createModule({ name: 'hsm', pkcs11: config });
    expect(info).toEqual({
      name: 'hsm',
      nodes: 1,
      state: 'active',
      createdAt: TEST_NOW.toISOString(),
      kind: 'pkcs11',
      pkcs11: config,
    });
    const stored = [...(await store.list({ prefix: 'vcm/module/hsm' }))];
    const text = new TextDecoder().decode(stored[0]?.value);
    expect(text).toContain('"pinEnv":"TEST_PIN"');
    expect(text).not.toContain(hsm.pin);
  });

  it('generates keys in the token, lists and describes them from the token', async () => {
    const k = await vcm.createKey('hsm', { id: 'k1', usage: ['ENCRYPT', 'DECRYPT'] });
    expect(k).toMatchObject({
      module: 'hsm',
      id: 'k1',
      usage: ['ENCRYPT', 'DECRYPT'],
      status: 'ENABLED',
      origin: 'GENERATED',
      exportable: false,
      currentVersion: 1,
    });
    await vcm.createKey('hsm', { id: 'enc-only', usage: ['ENCRYPT'] });
    expect(await codeOf(vcm.createKey('hsm', { id: 'k1', usage: ['ENCRYPT'] }))).toBe('KEY_EXISTS');
    expect((await vcm.listKeys('hsm')).map((x) => x.id)).toEqual(['enc-only', 'k1']);
    expect((await vcm.listKeys('hsm', { after: 'enc-only' })).map((x) => x.id)).toEqual(['k1']);
    expect(await vcm.countKeys('hsm')).toBe(2);
    expect((await vcm.getKey('hsm', 'enc-only'))?.usage).toEqual(['ENCRYPT']);
    expect(await vcm.getKey('hsm', 'nope')).toBeUndefined();
    const material = new Uint8Array(32);
    expect(await codeOf(vcm.createKey('hsm', { id: 'imp', usage: ['ENCRYPT'], material }))).toBe(
      'NOT_SUPPORTED',
    );
  });

  it('encrypts and decrypts in the token with the AAD bound and a 12-byte IV', async () => {
    const plaintext = enc.encode('secret');
    const aad = enc.encode('context');
    const out = await vcm.encrypt('hsm', 'k1', { plaintext, aad });
    expect(out.iv.length).toBe(12);
    expect(out.tag.length).toBe(16);
    expect(out.keyVersion).toBe(1);
    const input = { ...out, aad };
    expect(await vcm.decrypt('hsm', 'k1', input)).toEqual(plaintext);
    expect(await codeOf(vcm.decrypt('hsm', 'k1', { ...input, aad: enc.encode('x') }))).toBe(
      'INVALID_CIPHERTEXT',
    );
    expect(await codeOf(vcm.decrypt('hsm', 'k1', { ...input, keyVersion: 2 }))).toBe(
      'INVALID_CIPHERTEXT',
    );
    const two = await vcm.encrypt('hsm', 'k1', { plaintext, aad });
    expect(two.iv).not.toEqual(out.iv);
    expect(await codeOf(vcm.encrypt('hsm', 'nope', { plaintext, aad }))).toBe('KEY_NOT_FOUND');
    const encOnly = await vcm.encrypt('hsm', 'enc-only', { plaintext, aad });
    expect(await codeOf(vcm.decrypt('hsm', 'enc-only', { ...encOnly, aad }))).toBe(
      'INVALID_KEY_USAGE',
    );
  });

  it('keeps disable and block as xkslab-side states, refuses rotation and export', async () => {
    const plaintext = enc.encode('p');
    const aad = new Uint8Array();
    expect((await vcm.setKeyStatus('hsm', 'k1', 'DISABLED')).status).toBe('DISABLED');
    expect(await codeOf(vcm.encrypt('hsm', 'k1', { plaintext, aad }))).toBe('KEY_DISABLED');
    expect((await vcm.keyMetadata('hsm', 'k1')).status).toBe('DISABLED');
    await vcm.setKeyStatus('hsm', 'k1', 'ENABLED');
    await vcm.setKeyBlocked('hsm', 'k1', true);
    expect(await codeOf(vcm.encrypt('hsm', 'k1', { plaintext, aad }))).toBe('KEY_BLOCKED');
    expect(await codeOf(vcm.keyMetadata('hsm', 'k1'))).toBe('KEY_BLOCKED');
    await vcm.setKeyBlocked('hsm', 'k1', false);
    await vcm.encrypt('hsm', 'k1', { plaintext, aad });
    const rotate = await vcm.rotateKey('hsm', 'k1').catch((e) => e);
    expect(rotate.code).toBe('NOT_SUPPORTED');
    expect(rotate.message).toMatch(/key rotation is not supported for pkcs11 modules/);
    expect(await codeOf(vcm.exportKeyMaterial('hsm', 'k1'))).toBe('NOT_SUPPORTED');
    expect(await codeOf(vcm.destroyKey('hsm', 'k1', { force: true }))).toBe('NOT_SUPPORTED');
  });

  it('reports the token in health, UNAVAILABLE while the module is disconnected', async () => {
    const [node] = await vcm.healthCheck('hsm');
    expect(node).toMatchObject({ id: 'hsm-node-1', status: 'ACTIVE' });
    expect(node?.model).toMatch(/^SoftHSM.* \(firmware version: \d+\.\d+, hardware version/);
    expect(node?.vendor).toMatch(/^SoftHSM project \(serial number: \w+\)$/);
    await vcm.setModuleState('hsm', 'disconnected');
    expect((await vcm.healthCheck('hsm'))[0]?.status).toBe('UNAVAILABLE');
    expect(
      await codeOf(vcm.encrypt('hsm', 'k1', { plaintext: enc.encode('x'), aad: enc.encode('') })),
    ).toBe('MODULE_DISCONNECTED');
    await vcm.setModuleState('hsm', 'active');
  });

  it('is UNAVAILABLE while the token is gone, and serves again once it is back', async () => {
    const tokens = join(hsm.dir, 'tokens');
    const aad = enc.encode('a');
    const before = await vcm.encrypt('hsm', 'k1', { plaintext: enc.encode('x'), aad });
    await rename(tokens, `${tokens}-away`);
    try {
      const [gone] = await vcm.healthCheck('hsm');
      expect(gone).toMatchObject({ id: 'hsm-node-1', status: 'UNAVAILABLE' });
      expect(gone?.detail).toMatch(/CKR_|not present/);
      expect(await codeOf(vcm.encrypt('hsm', 'k1', { plaintext: enc.encode('x'), aad }))).toBe(
        'HSM_ERROR',
      );
    } finally {
      await rename(`${tokens}-away`, tokens);
    }
    expect((await vcm.healthCheck('hsm'))[0]?.status).toBe('ACTIVE');
    expect(await vcm.decrypt('hsm', 'k1', { ...before, aad })).toEqual(enc.encode('x'));
  });

  it('decrypts after a reopen what it encrypted before, with the states kept', async () => {
    const aad = enc.encode('a');
    const out = await vcm.encrypt('hsm', 'k1', { plaintext: enc.encode('kept'), aad });
    await vcm.setKeyStatus('hsm', 'enc-only', 'DISABLED');
    await vcm.close();
    vcm = await open();
    expect(await vcm.decrypt('hsm', 'k1', { ...out, aad })).toEqual(enc.encode('kept'));
    expect((await vcm.getKey('hsm', 'enc-only'))?.status).toBe('DISABLED');
  });

  it('deletes the module and its states; the keys stay in the token', async () => {
    expect(await vcm.deleteModule('hsm')).toEqual({ keys: 0 });
    expect(await store.list({ prefix: 'vcm/token-key/' })).toEqual([]);
    await vcm.createModule({ name: 'again', pkcs11: config });
    expect((await vcm.listKeys('again')).map((x) => x.id)).toEqual(['enc-only', 'k1']);
    expect((await vcm.getKey('again', 'enc-only'))?.status).toBe('ENABLED');
  });
});
