import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { randomBytes } from '@noble/ciphers/utils.js';
import { describe, expect, it } from 'vitest';
import { wrapKey } from './crypto/key-wrap.ts';
import { Guard } from './guard.ts';
import { KeyLoader } from './key-loader.ts';
import { toBase64 } from './records/base64.ts';
import { RecordBarrier } from './records/record-barrier.ts';
import { MemoryRecordStore } from './storage/memory-record-store.ts';
import { TEST_MASTER_KEY, TEST_NOW } from './testing/index.ts';
import { SpyStore } from './vcm.test-support.ts';

const now = TEST_NOW.toISOString();

/** A loader over module m (its KEK wrapped under the master key) holding keys k1 and k2. */
async function setup() {
  const spy = new SpyStore(new MemoryRecordStore());
  const guard = new Guard();
  const records = new RecordBarrier(spy, new Uint8Array(TEST_MASTER_KEY), guard);
  const kek = randomBytes(32);
  const material = randomBytes(32);
  const wrapped = toBase64(wrapKey(kek, material));
  const key = (id: string) => ({
    id,
    usage: ['ENCRYPT' as const],
    status: 'ENABLED' as const,
    createdAt: now,
    versions: [{ version: 1, createdAt: now, wrapped }],
    origin: 'GENERATED' as const,
    exportable: false,
    blocked: false,
  });
  await records.batch([
    {
      type: 'module',
      record: {
        name: 'm',
        nodes: 1,
        createdAt: now,
        kek: toBase64(wrapKey(TEST_MASTER_KEY, kek)),
        healthKey: toBase64(wrapKey(kek, randomBytes(32))),
        state: 'active',
      },
    },
    { type: 'key', module: 'm', record: key('k1') },
    { type: 'key', module: 'm', record: key('k2') },
  ]);
  const masterKey = new Uint8Array(TEST_MASTER_KEY);
  const loader = new KeyLoader(records, guard, masterKey, 10, () => {});
  spy.calls = [];
  return { spy, loader, material, masterKey, records, kek };
}

describe('KeyLoader', () => {
  it('serves a key used twice in one turn from one read, wipes it after, caches it on reuse', async () => {
    const { spy, loader, material } = await setup();
    const first = await loader.loadKey('m', 'k1');
    expect(first?.materials.get(1)).toEqual(material);
    // The doorkeeper has seen k1 once: not cached, but the same entry serves the next use.
    expect(loader.cachedKey('m', 'k1')).toBeUndefined();
    expect(await loader.loadKey('m', 'k1')).toBe(first);
    expect(spy.calls.filter((c) => c === 'get')).toHaveLength(2); // the key and its module
    await nextMacrotask();
    expect(first?.materials.size).toBe(0);
    // Its second load is admitted, and a cached entry is not wiped on the next macrotask.
    const second = await loader.loadKey('m', 'k1');
    expect(loader.cachedKey('m', 'k1')).toBe(second);
    await nextMacrotask();
    expect(second?.materials.get(1)).toEqual(material);
  });

  it('keeps out of the cache a key whose load overlapped a write', async () => {
    const { loader } = await setup();
    await loader.loadKey('m', 'k2'); // seen once by the doorkeeper
    await nextMacrotask();
    const [overlapped] = await Promise.all([
      loader.loadKey('m', 'k2'),
      loader.whileWriting(async () => undefined),
    ]);
    expect(overlapped).toBeDefined();
    expect(loader.cachedKey('m', 'k2')).toBeUndefined();
    await nextMacrotask();
    const settled = await loader.loadKey('m', 'k2');
    expect(loader.cachedKey('m', 'k2')).toBe(settled);
  });

  it('wipes cached keys, KEKs and the master key on wipe()', async () => {
    const { loader, masterKey } = await setup();
    await loader.loadKey('m', 'k1');
    await nextMacrotask();
    const cached = await loader.loadKey('m', 'k1');
    expect(loader.cachedKey('m', 'k1')).toBe(cached);
    const kek = loader.cachedModule('m')?.kek as Uint8Array;
    expect(kek.some((b) => b !== 0)).toBe(true);
    loader.wipe();
    expect(cached?.materials.size).toBe(0);
    expect(kek.every((b) => b === 0)).toBe(true);
    expect(masterKey.every((b) => b === 0)).toBe(true);
    expect(loader.cachedModule('m')).toBeUndefined();
    expect(loader.cachedKey('m', 'k1')).toBeUndefined();
  });

  describe('healthKey', () => {
    it('unwraps once per second, again at once for a changed record, and wipes at close', async () => {
      const { loader, records, kek } = await setup();
      const record = await records.module('m');
      if (record === undefined) throw new Error('no module');
      const first = loader.healthKey(record, 1_000);
      expect(loader.healthKey(record, 1_999)).toBe(first);
      // A second later: unwrapped afresh, the old copy wiped.
      const second = loader.healthKey(record, 2_000);
      expect(second).not.toBe(first);
      expect(second.some((b) => b !== 0)).toBe(true);
      expect(first.every((b) => b === 0)).toBe(true);
      // A clock that went back is not trusted with the cached copy.
      expect(loader.healthKey(record, 1_500)).not.toBe(second);
      // A record whose wrapped health key changed is unwrapped within the second.
      const other = randomBytes(32);
      const changed = { ...record, healthKey: toBase64(wrapKey(kek, other)) };
      expect(loader.healthKey(changed, 1_501)).toEqual(other);
      // ...and one that no longer unwraps fails at once, not after the cached second.
      const broken = { ...record, healthKey: toBase64(wrapKey(randomBytes(32), other)) };
      expect(() => loader.healthKey(broken, 1_502)).toThrow();
      const held = loader.healthKey(record, 1_503);
      loader.wipe();
      expect(held.every((b) => b === 0)).toBe(true);
    });
  });
});
