import { describe, expect, it } from 'vitest';
import { nobleEngine } from './crypto/noble-engine.ts';
import { MemoryRecordStore } from './storage/memory-record-store.ts';
import { createTestVcm, TEST_MASTER_KEY } from './testing/index.ts';
import { codeOf, EMPTY, setup, utf8 } from './vcm.test-support.ts';
import { Vcm } from './vcm.ts';

describe('Vcm close', () => {
  it('closes the store and refuses later calls', async () => {
    const { vcm, store } = await setup();
    const sealed = vcm.sealSecret(utf8('s'), 'c');
    await vcm.close();
    await vcm.close();
    expect(await codeOf(store.get('vcm/meta/master-check'))).toBe('STORE_UNAVAILABLE');
    expect(await codeOf(vcm.encrypt('m1', 'k', { plaintext: utf8('x'), aad: EMPTY }))).toBe(
      'STORE_UNAVAILABLE',
    );
    expect(await codeOf(vcm.getModule('m1'))).toBe('STORE_UNAVAILABLE');
    expect(await codeOf(() => vcm.openSecret(sealed, 'c'))).toBe('STORE_UNAVAILABLE');
    expect(await codeOf(() => vcm.sealSecret(utf8('s'), 'c'))).toBe('STORE_UNAVAILABLE');
  });

  it('lets queued writes finish before closing', async () => {
    const vcm = await createTestVcm();
    const created = vcm.createModule({ name: 'm' });
    await vcm.close();
    await expect(created).resolves.toMatchObject({ name: 'm' });
  });

  it('does not wipe the caller master key buffer', async () => {
    const masterKey = new Uint8Array(TEST_MASTER_KEY);
    const vcm = await Vcm.open({ store: new MemoryRecordStore(), engine: nobleEngine, masterKey });
    await vcm.close();
    expect(masterKey).toEqual(TEST_MASTER_KEY);
  });
});
