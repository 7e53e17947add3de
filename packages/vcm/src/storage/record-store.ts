/** One write of a batch. */
export type BatchOp =
  | { type: 'put'; key: string; value: Uint8Array }
  | { type: 'del'; key: string };

/** Which entries `list` returns. */
export type ListOptions = {
  /** Only keys starting with this string ('' for all). */
  prefix: string;
  /** A full key (not relative to the prefix): start strictly after it. */
  after?: string;
  /** At most this many entries (a non-negative integer); all when absent. */
  limit?: number;
};

/**
 * A small ordered byte store (the shape of abstract-level): string keys compared in UTF-8 byte
 * order, byte values. A missing key is `undefined`; real faults throw VcmError('STORE_UNAVAILABLE')
 * with the cause; bad arguments throw VcmError('INVALID_INPUT'). Values are copied in and out, so
 * a caller mutating a buffer never changes what is stored.
 */
export interface RecordStore {
  get(key: string): Promise<Uint8Array | undefined>;
  /** Durable (flushed to disk where there is one) before it resolves. */
  put(key: string, value: Uint8Array): Promise<void>;
  /** Deleting a missing key is not an error. */
  del(key: string): Promise<void>;
  /** All or nothing, and durable before it resolves. */
  batch(ops: readonly BatchOp[]): Promise<void>;
  /** Entries of the prefix in key byte order, starting after `after`, at most `limit`. */
  list(options: ListOptions): Promise<Array<{ key: string; value: Uint8Array }>>;
  /** Closing twice is fine; any other call after close throws STORE_UNAVAILABLE. */
  close(): Promise<void>;
}
