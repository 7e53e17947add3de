import { VcmError } from '../crypto/errors.ts';
import type { BatchOp, ListOptions } from './record-store.ts';

/** Longest key accepted, in UTF-16 code units: far above any key this project writes. */
const MAX_KEY_LENGTH = 1024;

/** A UTF-16 surrogate not part of a pair: such a string has no UTF-8 form. */
const LONE_SURROGATE = /\p{Cs}/u;

export function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new VcmError('INVALID_INPUT', `store key must be a string of 1-${MAX_KEY_LENGTH} chars`);
  }
  if (LONE_SURROGATE.test(key)) {
    throw new VcmError('INVALID_INPUT', 'store key must be well-formed Unicode');
  }
}

export function checkValue(value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new VcmError('INVALID_INPUT', 'store value must be a Uint8Array');
  }
}

/** Validates every op before any is applied, so a bad op never leaves a half-applied batch. */
export function checkBatch(ops: unknown): asserts ops is readonly BatchOp[] {
  if (!Array.isArray(ops)) throw new VcmError('INVALID_INPUT', 'batch ops must be an array');
  for (const op of ops as unknown[]) {
    const o = op as Partial<BatchOp> | null;
    if (o === null || typeof o !== 'object') {
      throw new VcmError('INVALID_INPUT', 'batch op must be an object');
    }
    checkKey(o.key);
    if (o.type === 'put') checkValue((o as { value?: unknown }).value);
    else if (o.type !== 'del')
      throw new VcmError('INVALID_INPUT', "batch op type must be 'put' or 'del'");
  }
}

export function checkListOptions(options: unknown): asserts options is ListOptions {
  const o = options as Partial<ListOptions> | null;
  if (o === null || typeof o !== 'object' || typeof o.prefix !== 'string') {
    throw new VcmError('INVALID_INPUT', 'list needs a string prefix');
  }
  if (o.after !== undefined) checkKey(o.after);
  if (o.limit !== undefined && !(Number.isSafeInteger(o.limit) && o.limit >= 0)) {
    throw new VcmError('INVALID_INPUT', 'list limit must be a non-negative integer');
  }
}

/** A copy that is a plain Uint8Array (never a Buffer, never sharing memory with the source). */
export function copyBytes(value: Uint8Array): Uint8Array {
  const out = new Uint8Array(value.length);
  out.set(value);
  return out;
}
