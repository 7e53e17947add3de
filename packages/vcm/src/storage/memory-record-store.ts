import { VcmError } from '../crypto/errors.ts';
import { checkBatch, checkKey, checkListOptions, checkValue, copyBytes } from './arguments.ts';
import { compareKeys, listStart } from './byte-order.ts';
import type { BatchOp, ListOptions, RecordStore } from './record-store.ts';

/** A RecordStore in memory, for tests and throwaway runs. Nothing survives the process. */
export class MemoryRecordStore implements RecordStore {
  readonly #data = new Map<string, Uint8Array>();
  #closed = false;

  #assertOpen(): void {
    if (this.#closed) throw new VcmError('STORE_UNAVAILABLE', 'the record store is closed');
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#assertOpen();
    checkKey(key);
    const value = this.#data.get(key);
    return value === undefined ? undefined : copyBytes(value);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.#assertOpen();
    checkKey(key);
    checkValue(value);
    this.#data.set(key, copyBytes(value));
  }

  async del(key: string): Promise<void> {
    this.#assertOpen();
    checkKey(key);
    this.#data.delete(key);
  }

  async batch(ops: readonly BatchOp[]): Promise<void> {
    this.#assertOpen();
    checkBatch(ops);
    for (const op of ops) {
      if (op.type === 'put') this.#data.set(op.key, copyBytes(op.value));
      else this.#data.delete(op.key);
    }
  }

  async list(options: ListOptions): Promise<Array<{ key: string; value: Uint8Array }>> {
    this.#assertOpen();
    checkListOptions(options);
    const { prefix, after, limit } = options;
    const start = listStart(prefix, after);
    if (start === undefined || limit === 0) return [];
    const keys = [...this.#data.keys()].filter(
      (k) => k.startsWith(prefix) && ('gt' in start ? compareKeys(k, start.gt) > 0 : true),
    );
    keys.sort(compareKeys);
    const page = limit === undefined ? keys : keys.slice(0, limit);
    return page.map((key) => ({ key, value: copyBytes(this.#data.get(key) as Uint8Array) }));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#data.clear();
  }
}
