import { describe, expect, it } from 'vitest';
import { RECORD_MAC_INFO } from '../crypto/constants.ts';
import { deriveKey } from '../crypto/derive-key.ts';
import { Guard } from '../guard.ts';
import { MemoryRecordStore } from '../storage/memory-record-store.ts';
import { TEST_MASTER_KEY, TEST_NOW } from '../testing/index.ts';
import { codeOf } from '../vcm.test-support.ts';
import type { KeyRecord } from './key-record.ts';
import type { ModuleRecord } from './module-record.ts';
import { RecordBarrier } from './record-barrier.ts';
import { encodeSignedRecord } from './signed-record.ts';

const now = TEST_NOW.toISOString();

function moduleRecord(name: string): ModuleRecord {
  return { name, nodes: 2, createdAt: now, kek: 'AAAA', healthKey: 'AAAA', state: 'active' };
}

function keyRecord(id: string): KeyRecord {
  return {
    id,
    usage: ['ENCRYPT'],
    status: 'ENABLED',
    createdAt: now,
    versions: [{ version: 1, createdAt: now, wrapped: 'AAAA' }],
    origin: 'GENERATED',
    exportable: false,
    blocked: false,
  };
}

function setup() {
  const store = new MemoryRecordStore();
  const guard = new Guard();
  const records = new RecordBarrier(store, new Uint8Array(TEST_MASTER_KEY), guard);
  return { store, guard, records };
}

describe('RecordBarrier', () => {
  it('stores each record signed under its own storage key and reads it back typed', async () => {
    const { store, records } = setup();
    await records.batch([
      { type: 'module', record: moduleRecord('m') },
      { type: 'key', module: 'm', record: keyRecord('b') },
      { type: 'key', module: 'm', record: keyRecord('a') },
      { type: 'key', module: 'm2', record: keyRecord('c') },
    ]);
    const stored = await store.list({ prefix: '' });
    expect(stored.map((r) => r.key)).toEqual([
      'vcm/key/m/a',
      'vcm/key/m/b',
      'vcm/key/m2/c',
      'vcm/module/m',
    ]);
    const raw = JSON.parse(new TextDecoder().decode(stored[0]?.value)) as Record<string, unknown>;
    expect(Object.keys(raw)).toEqual(['v', 'body', 'mac']);

    expect(await records.module('m')).toEqual(moduleRecord('m'));
    expect(await records.module('x')).toBeUndefined();
    expect(await records.key('m', 'a')).toEqual(keyRecord('a'));
    expect(await records.key('m', 'c')).toBeUndefined();
    expect(await records.modules()).toEqual([moduleRecord('m')]);
    expect((await records.keys('m', {})).map((r) => r.id)).toEqual(['a', 'b']);
    expect((await records.keys('m', { after: 'a', limit: 5 })).map((r) => r.id)).toEqual(['b']);
    expect(await records.keyIds('m')).toEqual(['a', 'b']);
    expect(await records.countKeys('m')).toBe(2);
    expect(await records.hasKey('m2', 'c')).toBe(true);
    expect(await records.hasModule('m2')).toBe(false);

    await records.write({ type: 'delete-key', module: 'm', id: 'a' });
    await records.batch([{ type: 'delete-module', name: 'm' }]);
    expect((await store.list({ prefix: '' })).map((r) => r.key)).toEqual([
      'vcm/key/m/b',
      'vcm/key/m2/c',
    ]);
  });

  it('refuses a correctly signed record that names another module or key, listed or not', async () => {
    const { store, records } = setup();
    const macKey = deriveKey(TEST_MASTER_KEY, RECORD_MAC_INFO);
    // Signed for the storage key it sits under, so only the name check can catch it.
    await store.put(
      'vcm/module/m',
      encodeSignedRecord(macKey, 'vcm/module/m', moduleRecord('other')),
    );
    await store.put('vcm/key/m/k', encodeSignedRecord(macKey, 'vcm/key/m/k', keyRecord('other')));
    expect(await codeOf(records.module('m'))).toBe('CORRUPT_RECORD');
    expect(await codeOf(records.modules())).toBe('CORRUPT_RECORD');
    expect(await codeOf(records.key('m', 'k'))).toBe('CORRUPT_RECORD');
    expect(await codeOf(records.keys('m', {}))).toBe('CORRUPT_RECORD');
  });

  it('refuses reads once the guard says the keys are wiped, and closes the store', async () => {
    const { store, guard, records } = setup();
    await records.write({ type: 'module', record: moduleRecord('m') });
    guard.markWiped();
    expect(await codeOf(records.module('m'))).toBe('STORE_UNAVAILABLE');
    expect(await codeOf(records.modules())).toBe('STORE_UNAVAILABLE');
    await records.close();
    expect(await codeOf(store.get('vcm/module/m'))).toBe('STORE_UNAVAILABLE');
  });
});
