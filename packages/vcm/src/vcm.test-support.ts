import { bytesToHex } from '@noble/ciphers/utils.js';
import { isVcmError, type VcmErrorCode } from './crypto/errors.ts';
import { MemoryRecordStore } from './storage/memory-record-store.ts';
import type { BatchOp, ListOptions, RecordStore } from './storage/record-store.ts';
import { createTestVcm, type TestVcmOptions } from './testing/index.ts';

// Shared by the vcm-*.test.ts files (excluded from the build like the *.test.ts files).

export const utf8 = (s: string) => new TextEncoder().encode(s);
export const EMPTY = new Uint8Array(0);

/** The VcmError code a call fails with, or 'none'; any other error is rethrown. */
export async function codeOf(
  promise: Promise<unknown> | (() => unknown),
): Promise<VcmErrorCode | 'none'> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    if (isVcmError(e)) return e.code;
    throw e;
  }
  return 'none';
}

/** A RecordStore wrapper that counts calls and can be told to fail. */
export class SpyStore implements RecordStore {
  calls: string[] = [];
  listCalls: ListOptions[] = [];
  failing = false;
  readonly inner: RecordStore;
  constructor(inner: RecordStore) {
    this.inner = inner;
  }
  #check(op: string) {
    this.calls.push(op);
    if (this.failing) throw Object.assign(new Error('disk on fire'), { code: 'EIO' });
  }
  async get(key: string) {
    this.#check('get');
    return this.inner.get(key);
  }
  async put(key: string, value: Uint8Array) {
    this.#check('put');
    return this.inner.put(key, value);
  }
  async del(key: string) {
    this.#check('del');
    return this.inner.del(key);
  }
  async batch(ops: readonly BatchOp[]) {
    this.#check('batch');
    return this.inner.batch(ops);
  }
  async list(options: ListOptions) {
    this.#check('list');
    this.listCalls.push(options);
    return this.inner.list(options);
  }
  async close() {
    return this.inner.close();
  }
}

export async function snapshot(store: RecordStore): Promise<Map<string, string>> {
  const rows = await store.list({ prefix: '' });
  return new Map(rows.map((r) => [r.key, bytesToHex(r.value)]));
}

/** A Vcm with module m1 (3 nodes) holding key k (ENCRYPT, DECRYPT). */
export async function setup(options: TestVcmOptions = {}) {
  const store = options.store ?? new MemoryRecordStore();
  const vcm = await createTestVcm({ ...options, store });
  await vcm.createModule({ name: 'm1', nodes: 3 });
  await vcm.createKey('m1', { id: 'k', usage: ['ENCRYPT', 'DECRYPT'] });
  return { vcm, store };
}
