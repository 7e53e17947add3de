import { describe, expect, it } from 'vitest';
import { isVcmError } from './crypto/errors.ts';
import { nobleEngine } from './crypto/noble-engine.ts';
import { MemoryRecordStore } from './storage/memory-record-store.ts';
import type { BatchOp, ListOptions, RecordStore } from './storage/record-store.ts';
import { TEST_MASTER_KEY } from './testing/index.ts';
import type { EncryptOutput } from './types.ts';
import { Vcm } from './vcm.ts';

const USAGE = ['ENCRYPT', 'DECRYPT'] as const;
const EMPTY = new Uint8Array(0);

/** A MemoryRecordStore that counts calls and can be told to fail batches. */
class CountingStore extends MemoryRecordStore {
  batches = 0;
  puts = 0;
  gets = 0;
  failBatches = false;
  override async get(key: string) {
    this.gets++;
    return super.get(key);
  }
  override async put(key: string, value: Uint8Array) {
    this.puts++;
    return super.put(key, value);
  }
  override async batch(ops: readonly BatchOp[]) {
    this.batches++;
    if (this.failBatches) throw new Error('disk full');
    return super.batch(ops);
  }
  override async list(options: ListOptions) {
    return super.list(options);
  }
}

async function open(store: RecordStore, keyCacheEntries?: number) {
  const vcm = await Vcm.open({
    store,
    engine: nobleEngine,
    masterKey: TEST_MASTER_KEY,
    ...(keyCacheEntries === undefined ? {} : { keyCacheEntries }),
  });
  await vcm.createModule({ name: 'm' });
  return vcm;
}

describe('Vcm.createKeys (bulk)', () => {
  it('writes every key in one batch, and each key works', async () => {
    const store = new CountingStore();
    const vcm = await open(store);
    const before = store.batches;
    const infos = await vcm.createKeys(
      'm',
      Array.from({ length: 50 }, (_, i) => ({ id: `k${i}`, usage: [...USAGE] })),
    );
    expect(infos.map((k) => k.id)).toEqual(Array.from({ length: 50 }, (_, i) => `k${i}`));
    expect(store.batches - before).toBe(1);
    expect(store.puts).toBe(1); // only the master-check value at open
    const out = await vcm.encrypt('m', 'k49', { plaintext: new Uint8Array(5), aad: EMPTY });
    expect(await vcm.decrypt('m', 'k49', { ...out, aad: EMPTY })).toEqual(new Uint8Array(5));
    await vcm.close();
  });

  it('writes nothing when one id exists or repeats', async () => {
    const vcm = await open(new MemoryRecordStore());
    await vcm.createKey('m', { id: 'taken', usage: [...USAGE] });
    const attempt = vcm.createKeys('m', [
      { id: 'new-1', usage: [...USAGE] },
      { id: 'taken', usage: [...USAGE] },
    ]);
    await expect(attempt).rejects.toSatisfy((e) => isVcmError(e, 'KEY_EXISTS'));
    expect(await vcm.getKey('m', 'new-1')).toBeUndefined();
    await expect(
      vcm.createKeys('m', [
        { id: 'dup', usage: [...USAGE] },
        { id: 'dup', usage: [...USAGE] },
      ]),
    ).rejects.toSatisfy((e) => isVcmError(e, 'KEY_EXISTS'));
    expect(await vcm.getKey('m', 'dup')).toBeUndefined();
    await vcm.close();
  });

  it('reports a failed batch and leaves no key behind', async () => {
    const store = new CountingStore();
    const vcm = await open(store);
    store.failBatches = true;
    await expect(vcm.createKeys('m', [{ id: 'a', usage: [...USAGE] }])).rejects.toThrow();
    store.failBatches = false;
    expect(await vcm.getKey('m', 'a')).toBeUndefined();
    await vcm.close();
  });

  it('refuses more than MAX_BULK_KEYS and bad inputs before writing', async () => {
    const vcm = await open(new MemoryRecordStore());
    const many = Array.from({ length: 10_001 }, (_, i) => ({ id: `k${i}`, usage: [...USAGE] }));
    await expect(vcm.createKeys('m', many)).rejects.toSatisfy((e) =>
      isVcmError(e, 'INVALID_INPUT'),
    );
    await expect(vcm.createKeys('m', [{ id: 'bad id', usage: [...USAGE] }])).rejects.toSatisfy(
      (e) => isVcmError(e, 'INVALID_INPUT'),
    );
    expect(await vcm.createKeys('m', [])).toEqual([]);
    await vcm.close();
  });
});

describe('Vcm.countKeys', () => {
  it('counts across pages (more keys than one page of 1000)', async () => {
    const vcm = await open(new MemoryRecordStore());
    for (let from = 0; from < 2500; from += 1000) {
      await vcm.createKeys(
        'm',
        Array.from({ length: Math.min(1000, 2500 - from) }, (_, i) => ({
          id: `k${String(from + i).padStart(5, '0')}`,
          usage: [...USAGE],
        })),
      );
    }
    expect(await vcm.countKeys('m')).toBe(2500);
    await vcm.close();
  });
});

describe('Vcm key cache', () => {
  it('stays within keyCacheEntries, admits a key on its second use and reloads evicted ones', async () => {
    const store = new CountingStore();
    const vcm = await open(store, 3);
    await vcm.createKeys(
      'm',
      Array.from({ length: 20 }, (_, i) => ({ id: `k${i}`, usage: [...USAGE] })),
    );
    const use = async (id: string) => {
      const before = store.gets;
      await vcm.encrypt('m', id, { plaintext: Uint8Array.of(1), aad: EMPTY });
      await new Promise((done) => setImmediate(done));
      return store.gets - before;
    };
    const sealed = [];
    for (let i = 0; i < 10; i++) {
      sealed.push(await vcm.encrypt('m', `k${i}`, { plaintext: Uint8Array.of(i), aad: EMPTY }));
    }
    // Every key was used once and none was admitted: the second use reads the store again.
    const oneRead = await use('k0');
    expect(oneRead).toBeGreaterThan(0);
    expect(await use('k0')).toBe(0);
    expect(await use('k1')).toBe(oneRead);
    expect(await use('k2')).toBe(oneRead);
    expect(await use('k1')).toBe(0);
    // The cache holds k0, k2, k1 (least recent first); k9's second use evicts k0.
    expect(await use('k9')).toBe(oneRead);
    expect(await use('k9')).toBe(0);
    expect(await use('k2')).toBe(0);
    // k0 was evicted: it is read again, and still decrypts what it sealed.
    let gets = store.gets;
    expect(await vcm.decrypt('m', 'k0', { ...(sealed[0] as EncryptOutput), aad: EMPTY })).toEqual(
      Uint8Array.of(0),
    );
    expect(store.gets - gets).toBe(oneRead);
    // A key used twice in a row (encrypt, then the CDIV check's decrypt) is read once, and that
    // counts as one use: the next call reads it again, and admits it.
    gets = store.gets;
    const out = await vcm.encrypt('m', 'k16', { plaintext: Uint8Array.of(16), aad: EMPTY });
    expect(await vcm.decrypt('m', 'k16', { ...out, aad: EMPTY })).toEqual(Uint8Array.of(16));
    expect(store.gets - gets).toBe(oneRead);
    await new Promise((done) => setImmediate(done));
    expect(await use('k16')).toBe(oneRead);
    expect(await use('k16')).toBe(0);
    // ... unless a write ran in between: then the second call reads the store again.
    gets = store.gets;
    const out17 = await vcm.encrypt('m', 'k17', { plaintext: Uint8Array.of(17), aad: EMPTY });
    await vcm.rotateKey('m', 'k19');
    expect(await vcm.decrypt('m', 'k17', { ...out17, aad: EMPTY })).toEqual(Uint8Array.of(17));
    expect(store.gets - gets).toBeGreaterThan(2 * oneRead);
    // A key that is not admitted still works every time, from the store.
    expect(await vcm.decrypt('m', 'k5', { ...(sealed[5] as EncryptOutput), aad: EMPTY })).toEqual(
      Uint8Array.of(5),
    );
    await vcm.close();
  });

  it('refuses a bad keyCacheEntries', async () => {
    await expect(
      Vcm.open({
        store: new MemoryRecordStore(),
        engine: nobleEngine,
        masterKey: TEST_MASTER_KEY,
        keyCacheEntries: 0,
      }),
    ).rejects.toSatisfy((e) => isVcmError(e, 'INVALID_INPUT'));
  });
});
