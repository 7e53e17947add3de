import {
  KEY_ID_PATTERN,
  KEY_ORIGINS,
  KEY_STATUSES,
  KEY_USAGES,
  MAX_DATA_BYTES,
  MODULE_NAME_PATTERN,
  MODULE_NODES_MAX,
  MODULE_NODES_MIN,
  MODULE_STATES,
  PENDING_WINDOW_DAYS_MAX,
  PENDING_WINDOW_DAYS_MIN,
} from './constants.ts';
import { AES_256_KEY_BYTES } from './crypto/constants.ts';
import { VcmError } from './crypto/errors.ts';
import type {
  CreateKeyInput,
  DecryptInput,
  KeyOrigin,
  KeyStatus,
  KeyUsage,
  ModuleState,
} from './types.ts';

function invalid(message: string): VcmError {
  return new VcmError('INVALID_INPUT', message);
}

export function checkModuleName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !MODULE_NAME_PATTERN.test(name)) {
    throw invalid('module name must be 1-64 characters of A-Z a-z 0-9 . _ -');
  }
}

export function checkKeyId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !KEY_ID_PATTERN.test(id)) {
    throw invalid('key id must be 1-128 characters of A-Z a-z 0-9 . _ -');
  }
}

/** Throws INVALID_INPUT unless `value` is an integer from `min` to `max`. */
function checkIntegerIn(value: unknown, what: string, min: number, max: number): void {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw invalid(`${what} must be an integer from ${min} to ${max}`);
  }
}

export function checkNodes(nodes: unknown): asserts nodes is number {
  checkIntegerIn(nodes, 'nodes', MODULE_NODES_MIN, MODULE_NODES_MAX);
}

export function checkStatus(status: unknown): asserts status is KeyStatus {
  if (!(KEY_STATUSES as readonly unknown[]).includes(status)) {
    throw invalid(`status must be one of ${KEY_STATUSES.join(', ')}`);
  }
}

export function checkModuleState(state: unknown): asserts state is ModuleState {
  if (!(MODULE_STATES as readonly unknown[]).includes(state)) {
    throw invalid(`module state must be one of ${MODULE_STATES.join(', ')}`);
  }
}

export function checkOrigin(origin: unknown): asserts origin is KeyOrigin {
  if (!(KEY_ORIGINS as readonly unknown[]).includes(origin)) {
    throw invalid(`origin must be one of ${KEY_ORIGINS.join(', ')}`);
  }
}

export function checkBoolean(value: unknown, what: string): asserts value is boolean {
  if (typeof value !== 'boolean') throw invalid(`${what} must be a boolean`);
}

/** Checks a usage list and returns it de-duplicated, in the order of KEY_USAGES. */
export function normalizeUsage(usage: unknown): KeyUsage[] {
  // An empty usage set is allowed: such a key exists, reports keyUsage [] and refuses every operation.
  if (!Array.isArray(usage)) {
    throw invalid(`usage must be a list of ${KEY_USAGES.join(', ')} (possibly empty)`);
  }
  for (const u of usage as unknown[]) {
    if (!(KEY_USAGES as readonly unknown[]).includes(u)) {
      throw invalid(`unknown key usage ${JSON.stringify(u)}; expected ${KEY_USAGES.join(', ')}`);
    }
  }
  return KEY_USAGES.filter((u) => (usage as unknown[]).includes(u));
}

export function checkBytes(
  value: unknown,
  what: string,
  maxBytes: number,
): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw invalid(`${what} must be a Uint8Array`);
  if (value.length > maxBytes) throw invalid(`${what} must be at most ${maxBytes} bytes`);
}

export function checkObject(value: unknown, what: string): asserts value is object {
  if (value === null || typeof value !== 'object') throw invalid(`${what} must be an object`);
}

/**
 * What a caller's decrypt input must be before its key is looked up: an object whose ciphertext and
 * aad are bytes of at most MAX_DATA_BYTES, and whose iv and tag are bytes (their lengths are the
 * ciphertext's side, INVALID_CIPHERTEXT, checked by the caller after the key).
 */
export function checkDecryptInput(input: DecryptInput): void {
  checkObject(input, 'input');
  checkBytes(input.ciphertext, 'ciphertext', MAX_DATA_BYTES);
  checkBytes(input.aad, 'aad', MAX_DATA_BYTES);
  if (!(input.iv instanceof Uint8Array) || !(input.tag instanceof Uint8Array)) {
    throw invalid('iv and tag must be Uint8Arrays');
  }
}

export function checkPendingWindowDays(days: unknown): asserts days is number {
  checkIntegerIn(days, 'pendingWindowDays', PENDING_WINDOW_DAYS_MIN, PENDING_WINDOW_DAYS_MAX);
}

/** The fields of a CreateKeyInput, checked, defaults filled in, with a private copy of `material`. */
export type CheckedKeyInput = {
  id: string;
  usage: KeyUsage[];
  status: KeyStatus;
  exportable: boolean;
  origin: KeyOrigin;
  given: Uint8Array | undefined;
};

export function checkCreateKeyInput(input: CreateKeyInput): CheckedKeyInput {
  checkObject(input, 'input');
  const { id } = input;
  checkKeyId(id);
  const usage = normalizeUsage(input.usage);
  const status = input.status ?? 'ENABLED';
  checkStatus(status);
  const exportable = input.exportable ?? false;
  checkBoolean(exportable, 'exportable');
  const origin = input.origin ?? (input.material === undefined ? 'GENERATED' : 'IMPORTED');
  checkOrigin(origin);
  let given: Uint8Array | undefined;
  if (input.material !== undefined) {
    if (!(input.material instanceof Uint8Array) || input.material.length !== AES_256_KEY_BYTES) {
      throw invalid(`key material must be exactly ${AES_256_KEY_BYTES} bytes`);
    }
    given = new Uint8Array(input.material);
  }
  return { id, usage, status, exportable, origin, given };
}
