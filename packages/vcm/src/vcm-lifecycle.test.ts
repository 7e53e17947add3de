import { describe, expect, it } from 'vitest';
import { RECORD_MAC_INFO } from './crypto/constants.ts';
import { deriveKey } from './crypto/derive-key.ts';
import { isVcmError, type VcmErrorCode } from './crypto/errors.ts';
import { wrapKey } from './crypto/key-wrap.ts';
import { toBase64 } from './records/base64.ts';
import { encodeSignedRecord } from './records/signed-record.ts';
import { MemoryRecordStore } from './storage/memory-record-store.ts';
import { createTestVcm, TEST_MASTER_KEY, TEST_NOW } from './testing/index.ts';

const EMPTY = new Uint8Array(0);
const DAY = 24 * 60 * 60 * 1000;

async function codeOf(promise: Promise<unknown>): Promise<VcmErrorCode | 'none'> {
  try {
    await promise;
  } catch (e) {
    if (isVcmError(e)) return e.code;
    throw e;
  }
  return 'none';
}

/** A clock tests can move. */
function movableClock() {
  let now = TEST_NOW.getTime();
  return {
    clock: () => new Date(now),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

async function setup() {
  const store = new MemoryRecordStore();
  const time = movableClock();
  const vcm = await createTestVcm({ store, clock: time.clock });
  await vcm.createModule({ name: 'm', nodes: 2 });
  await vcm.createKey('m', { id: 'k', usage: ['ENCRYPT', 'DECRYPT'] });
  return { vcm, store, time };
}

function encryptOnce(vcm: Awaited<ReturnType<typeof setup>>['vcm'], id = 'k') {
  return vcm.encrypt('m', id, { plaintext: new Uint8Array([1, 2, 3]), aad: EMPTY });
}

describe('Vcm module states', () => {
  it('refuses every key operation of a disconnected or maintenance module, and recovers', async () => {
    const { vcm } = await setup();
    const out = await encryptOnce(vcm);
    for (const [state, code] of [
      ['disconnected', 'MODULE_DISCONNECTED'],
      ['maintenance', 'MODULE_IN_MAINTENANCE'],
    ] as const) {
      expect((await vcm.setModuleState('m', state)).state).toBe(state);
      expect(await codeOf(encryptOnce(vcm))).toBe(code);
      expect(await codeOf(vcm.decrypt('m', 'k', { ...out, aad: EMPTY }))).toBe(code);
      expect(await codeOf(vcm.keyMetadata('m', 'k'))).toBe(code);
      // An unreachable module cannot tell whether a key exists.
      expect(await codeOf(encryptOnce(vcm, 'missing'))).toBe(code);
      const health = await vcm.healthCheck('m');
      expect(health.map((n) => n.status)).toEqual(['UNAVAILABLE', 'UNAVAILABLE']);
      expect(health[0]?.detail).toBe(`module is ${state}`);
      // The admin view still works.
      expect((await vcm.getKey('m', 'k'))?.id).toBe('k');
    }
    await vcm.setModuleState('m', 'active');
    expect(await vcm.decrypt('m', 'k', { ...out, aad: EMPTY })).toEqual(new Uint8Array([1, 2, 3]));
    expect((await vcm.healthCheck('m')).map((n) => n.status)).toEqual(['ACTIVE', 'ACTIVE']);
  });

  it('persists the state across a reopen and validates it', async () => {
    const { vcm, store } = await setup();
    await vcm.setModuleState('m', 'disconnected');
    expect(await codeOf(vcm.setModuleState('m', 'off' as 'active'))).toBe('INVALID_INPUT');
    expect(await codeOf(vcm.setModuleState('nope', 'active'))).toBe('MODULE_NOT_FOUND');
    const reopened = await createTestVcm({ store });
    expect((await reopened.getModule('m'))?.state).toBe('disconnected');
    expect(await codeOf(reopened.encrypt('m', 'k', { plaintext: EMPTY, aad: EMPTY }))).toBe(
      'MODULE_DISCONNECTED',
    );
  });

  it('deletes a module only when empty unless forced, wiping its keys', async () => {
    const { vcm, store } = await setup();
    expect(await vcm.countKeys('m')).toBe(1);
    expect(await codeOf(vcm.deleteModule('m'))).toBe('MODULE_IN_USE');
    expect(await vcm.getModule('m')).toBeDefined();
    await encryptOnce(vcm); // cache the key
    expect(await vcm.deleteModule('m', { force: true })).toEqual({ keys: 1 });
    expect(await vcm.getModule('m')).toBeUndefined();
    expect(await codeOf(encryptOnce(vcm))).toBe('MODULE_NOT_FOUND');
    const left = await store.list({ prefix: 'vcm/' });
    expect(left.map((r) => r.key)).toEqual(['vcm/meta/master-check']);
    expect(await codeOf(vcm.deleteModule('m'))).toBe('MODULE_NOT_FOUND');
    await vcm.createModule({ name: 'empty' });
    expect(await vcm.deleteModule('empty')).toEqual({ keys: 0 });
  });
});

describe('Vcm records of earlier versions', () => {
  it('reads module and key records written before states and flags existed', async () => {
    const store = new MemoryRecordStore();
    await createTestVcm({ store });
    const macKey = deriveKey(TEST_MASTER_KEY, RECORD_MAC_INFO);
    const kek = new Uint8Array(32).fill(7);
    const material = new Uint8Array(32).fill(9);
    const now = TEST_NOW.toISOString();
    await store.put(
      'vcm/module/old',
      encodeSignedRecord(macKey, 'vcm/module/old', {
        name: 'old',
        nodes: 1,
        createdAt: now,
        kek: toBase64(wrapKey(TEST_MASTER_KEY, kek)),
        healthKey: toBase64(wrapKey(kek, new Uint8Array(32).fill(1))),
      }),
    );
    await store.put(
      'vcm/key/old/k',
      encodeSignedRecord(macKey, 'vcm/key/old/k', {
        id: 'k',
        usage: ['ENCRYPT', 'DECRYPT'],
        status: 'ENABLED',
        createdAt: now,
        versions: [{ version: 1, createdAt: now, wrapped: toBase64(wrapKey(kek, material)) }],
      }),
    );
    const vcm = await createTestVcm({ store });
    expect((await vcm.getModule('old'))?.state).toBe('active');
    expect(await vcm.getKey('old', 'k')).toMatchObject({
      state: 'ENABLED',
      origin: 'GENERATED',
      exportable: false,
      blocked: false,
    });
    const out = await vcm.encrypt('old', 'k', { plaintext: new Uint8Array([5]), aad: EMPTY });
    expect(await vcm.decrypt('old', 'k', { ...out, aad: EMPTY })).toEqual(new Uint8Array([5]));
  });
});

describe('Vcm key lifecycle', () => {
  it('blocks and unblocks a key (the kill switch)', async () => {
    const { vcm } = await setup();
    const out = await encryptOnce(vcm);
    expect((await vcm.setKeyBlocked('m', 'k', true)).blocked).toBe(true);
    expect(await codeOf(encryptOnce(vcm))).toBe('KEY_BLOCKED');
    expect(await codeOf(vcm.decrypt('m', 'k', { ...out, aad: EMPTY }))).toBe('KEY_BLOCKED');
    expect(await codeOf(vcm.keyMetadata('m', 'k'))).toBe('KEY_BLOCKED');
    await vcm.setKeyBlocked('m', 'k', false);
    expect((await vcm.keyMetadata('m', 'k')).status).toBe('ENABLED');
    await encryptOnce(vcm);
  });

  it('schedules deletion (DISABLED at once), cancels it, and destroys only after the period', async () => {
    const { vcm, time } = await setup();
    expect(await codeOf(vcm.scheduleKeyDeletion('m', 'k', 0))).toBe('INVALID_INPUT');
    expect(await codeOf(vcm.scheduleKeyDeletion('m', 'k', 31))).toBe('INVALID_INPUT');
    expect(await codeOf(vcm.destroyKey('m', 'k'))).toBe('INVALID_KEY_STATE');
    const pending = await vcm.scheduleKeyDeletion('m', 'k', 7);
    expect(pending).toMatchObject({ state: 'PENDING_DELETION', status: 'DISABLED' });
    expect(pending.deletionDate).toBe(new Date(TEST_NOW.getTime() + 7 * DAY).toISOString());
    expect((await vcm.keyMetadata('m', 'k')).status).toBe('DISABLED');
    expect(await codeOf(encryptOnce(vcm))).toBe('KEY_DISABLED');
    expect(await codeOf(vcm.setKeyStatus('m', 'k', 'ENABLED'))).toBe('INVALID_KEY_STATE');
    expect(await codeOf(vcm.rotateKey('m', 'k'))).toBe('INVALID_KEY_STATE');
    expect(await codeOf(vcm.scheduleKeyDeletion('m', 'k'))).toBe('INVALID_KEY_STATE');

    const cancelled = await vcm.cancelKeyDeletion('m', 'k');
    expect(cancelled).toMatchObject({ state: 'DISABLED', status: 'DISABLED' });
    expect(cancelled.deletionDate).toBeUndefined();
    expect(await codeOf(vcm.cancelKeyDeletion('m', 'k'))).toBe('INVALID_KEY_STATE');
    await vcm.setKeyStatus('m', 'k', 'ENABLED');
    await encryptOnce(vcm);

    await vcm.scheduleKeyDeletion('m', 'k', 1);
    time.advance(DAY - 1);
    expect(await codeOf(vcm.destroyKey('m', 'k'))).toBe('INVALID_KEY_STATE');
    time.advance(1);
    await vcm.destroyKey('m', 'k');
    expect(await vcm.getKey('m', 'k')).toBeUndefined();
    expect(await codeOf(encryptOnce(vcm))).toBe('KEY_NOT_FOUND');
    expect(await codeOf(vcm.destroyKey('m', 'k'))).toBe('KEY_NOT_FOUND');
  });

  it('destroys a key at once with force, whatever its state (test keys)', async () => {
    const { vcm } = await setup();
    await encryptOnce(vcm);
    await vcm.destroyKey('m', 'k', { force: true });
    expect(await vcm.getKey('m', 'k')).toBeUndefined();
    expect(await codeOf(encryptOnce(vcm))).toBe('KEY_NOT_FOUND');
    expect(await codeOf(vcm.destroyKey('m', 'k', { force: true }))).toBe('KEY_NOT_FOUND');
  });

  it('exports every version of an exportable key only', async () => {
    const { vcm } = await setup();
    expect(await codeOf(vcm.exportKeyMaterial('m', 'k'))).toBe('KEY_NOT_EXPORTABLE');
    const material = new Uint8Array(32).fill(3);
    const info = await vcm.createKey('m', {
      id: 'x',
      usage: ['ENCRYPT', 'DECRYPT'],
      material,
      exportable: true,
    });
    expect(info).toMatchObject({ origin: 'IMPORTED', exportable: true });
    await vcm.rotateKey('m', 'x');
    const exported = await vcm.exportKeyMaterial('m', 'x');
    expect(exported.map((v) => v.version)).toEqual([1, 2]);
    expect(exported[0]?.material).toEqual(material);
    // Copies: wiping them leaves the key usable.
    for (const v of exported) v.material.fill(0);
    const out = await encryptOnce(vcm, 'x');
    expect(out.keyVersion).toBe(2);
    await vcm.setKeyBlocked('m', 'x', true);
    expect(await codeOf(vcm.exportKeyMaterial('m', 'x'))).toBe('KEY_BLOCKED');
    await vcm.setKeyBlocked('m', 'x', false);
    await vcm.scheduleKeyDeletion('m', 'x');
    expect(await codeOf(vcm.exportKeyMaterial('m', 'x'))).toBe('INVALID_KEY_STATE');
    expect(await codeOf(vcm.exportKeyMaterial('m', 'nope'))).toBe('KEY_NOT_FOUND');
    expect(
      await codeOf(vcm.createKey('m', { id: 'y', usage: ['ENCRYPT'], exportable: 'yes' as never })),
    ).toBe('INVALID_INPUT');
  });

  it('keeps origin, exportable, blocked and the deletion date across a reopen', async () => {
    const { vcm, store } = await setup();
    await vcm.createKey('m', { id: 'e', usage: ['ENCRYPT'], exportable: true });
    await vcm.setKeyBlocked('m', 'e', true);
    await vcm.scheduleKeyDeletion('m', 'k', 3);
    const reopened = await createTestVcm({ store });
    expect(await reopened.getKey('m', 'e')).toMatchObject({
      origin: 'GENERATED',
      exportable: true,
      blocked: true,
    });
    expect((await reopened.getKey('m', 'k'))?.state).toBe('PENDING_DELETION');
  });
});
