import {
  MASTER_CHECK_BYTES,
  MASTER_CHECK_STORE_KEY,
  MODULE_RECORD_PREFIX,
  STORE_PREFIX,
} from '../constants.ts';
import { RECORD_MAC_INFO } from '../crypto/constants.ts';
import { deriveKey } from '../crypto/derive-key.ts';
import { VcmError } from '../crypto/errors.ts';
import { unwrapKey, wrapKey } from '../crypto/key-wrap.ts';
import type { Guard } from '../guard.ts';
import type { BatchOp, RecordStore } from '../storage/record-store.ts';
import type { ListKeysOptions } from '../types.ts';
import { type KeyRecord, keyRecordBody, parseKeyRecord } from './key-record.ts';
import { decodeMasterCheck, encodeMasterCheck } from './master-check.ts';
import { type ModuleRecord, moduleRecordBody, parseModuleRecord } from './module-record.ts';
import {
  keyRecordKey,
  keyRecordPrefix,
  moduleRecordKey,
  tokenKeyRecordKey,
  tokenKeyRecordPrefix,
} from './record-keys.ts';
import { decodeSignedRecord, encodeSignedRecord } from './signed-record.ts';
import {
  parseTokenKeyRecord,
  type TokenKeyRecord,
  tokenKeyRecordBody,
} from './token-key-record.ts';

/** Keys listed per store call when counting: a module of a million keys is never held at once. */
const COUNT_PAGE = 1000;

/** One change of the stored records, for `write` (one store call) or `batch` (all or nothing). */
export type RecordWrite =
  | { type: 'module'; record: ModuleRecord }
  | { type: 'key'; module: string; record: KeyRecord }
  | { type: 'delete-module'; name: string }
  | { type: 'delete-key'; module: string; id: string }
  | { type: 'token-key'; module: string; record: TokenKeyRecord }
  | { type: 'delete-token-key'; module: string; id: string };

/**
 * The first open of a store without `vcm/` records writes a master-key check value (a random value
 * wrapped under the master key); every later open unwraps it: WRONG_MASTER_KEY when the key is not
 * the same, before anything is written. A store with module records but no check value is
 * CORRUPT_RECORD.
 */
export async function checkMasterKey(
  store: RecordStore,
  masterKey: Uint8Array,
  bytes: (n: number) => Uint8Array,
): Promise<void> {
  const stored = await store.get(MASTER_CHECK_STORE_KEY);
  if (stored === undefined) {
    const existing = await store.list({ prefix: STORE_PREFIX, limit: 1 });
    if (existing.length > 0) {
      throw new VcmError(
        'CORRUPT_RECORD',
        'the store holds module records but no master-key check value',
      );
    }
    const check = bytes(MASTER_CHECK_BYTES);
    const wrapped = wrapKey(masterKey, check);
    check.fill(0);
    await store.put(MASTER_CHECK_STORE_KEY, encodeMasterCheck(wrapped));
    return;
  }
  const wrapped = decodeMasterCheck(stored);
  let check: Uint8Array;
  try {
    check = unwrapKey(masterKey, wrapped);
  } catch (e) {
    throw new VcmError(
      'WRONG_MASTER_KEY',
      'the master key is not the one this data directory was created with',
      { cause: e },
    );
  }
  check.fill(0);
}

/**
 * The barrier between the Vcm and its bytes (Vault's word): module and key records, typed above it
 * and signed bytes below it. Every record is written with an HMAC bound to its storage key and read
 * back only after that MAC and the name it carries check out, so no other part of the Vcm sees a
 * storage key, a MAC or a record body. Reads check the guard after their store call: the MAC key
 * is wiped on close. Store faults pass through unchanged (the RecordStore decides their code).
 */
export class RecordBarrier {
  readonly #store: RecordStore;
  readonly #macKey: Uint8Array;
  readonly #guard: Guard;

  constructor(store: RecordStore, masterKey: Uint8Array, guard: Guard) {
    this.#store = store;
    this.#macKey = deriveKey(masterKey, RECORD_MAC_INFO);
    this.#guard = guard;
  }

  /** The module's record, or undefined. CORRUPT_RECORD when it fails its checks. */
  async module(name: string): Promise<ModuleRecord | undefined> {
    const storeKey = moduleRecordKey(name);
    const bytes = await this.#store.get(storeKey);
    this.#guard.assertKeys();
    return bytes === undefined ? undefined : this.#module(storeKey, bytes, name);
  }

  /** The key's record, or undefined. CORRUPT_RECORD when it fails its checks. */
  async key(module: string, id: string): Promise<KeyRecord | undefined> {
    const storeKey = keyRecordKey(module, id);
    const bytes = await this.#store.get(storeKey);
    this.#guard.assertKeys();
    return bytes === undefined ? undefined : this.#key(storeKey, bytes, id);
  }

  /** The xkslab-side state of a PKCS#11 module's key, or undefined. CORRUPT_RECORD. */
  async tokenKey(module: string, id: string): Promise<TokenKeyRecord | undefined> {
    const storeKey = tokenKeyRecordKey(module, id);
    const bytes = await this.#store.get(storeKey);
    this.#guard.assertKeys();
    if (bytes === undefined) return undefined;
    const record = parseTokenKeyRecord(storeKey, decodeSignedRecord(this.#macKey, storeKey, bytes));
    if (record.id !== id) {
      throw new VcmError('CORRUPT_RECORD', `stored record ${storeKey} names another key`);
    }
    return record;
  }

  /** The ids of a PKCS#11 module's key state records (not read or checked), for deleting them. */
  async tokenKeyIds(module: string): Promise<string[]> {
    const prefix = tokenKeyRecordPrefix(module);
    const rows = await this.#store.list({ prefix });
    return rows.map(({ key }) => key.slice(prefix.length));
  }

  /** Every module, by name in byte order. */
  async modules(): Promise<ModuleRecord[]> {
    const rows = await this.#store.list({ prefix: MODULE_RECORD_PREFIX });
    this.#guard.assertKeys();
    return rows.map(({ key, value }) =>
      this.#module(key, value, key.slice(MODULE_RECORD_PREFIX.length)),
    );
  }

  /** A page of a module's keys by id in byte order: read from the store as a page. */
  async keys(module: string, { after, limit }: ListKeysOptions): Promise<KeyRecord[]> {
    const prefix = keyRecordPrefix(module);
    const rows = await this.#store.list({
      prefix,
      ...(after === undefined ? {} : { after: `${prefix}${after}` }),
      ...(limit === undefined ? {} : { limit }),
    });
    this.#guard.assertKeys();
    return rows.map(({ key, value }) => this.#key(key, value, key.slice(prefix.length)));
  }

  /** Whether a module record is stored (not read or checked). */
  async hasModule(name: string): Promise<boolean> {
    return (await this.#store.get(moduleRecordKey(name))) !== undefined;
  }

  /** Whether a key record is stored (not read or checked). */
  async hasKey(module: string, id: string): Promise<boolean> {
    return (await this.#store.get(keyRecordKey(module, id))) !== undefined;
  }

  /** The ids of a module's keys (records not checked), for deleting them. */
  async keyIds(module: string): Promise<string[]> {
    const prefix = keyRecordPrefix(module);
    const rows = await this.#store.list({ prefix });
    return rows.map(({ key }) => key.slice(prefix.length));
  }

  /** How many keys a module holds, counted a page at a time. */
  async countKeys(module: string): Promise<number> {
    const prefix = keyRecordPrefix(module);
    let count = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.#store.list({
        prefix,
        limit: COUNT_PAGE,
        ...(after === undefined ? {} : { after }),
      });
      count += page.length;
      if (page.length < COUNT_PAGE) return count;
      after = page[page.length - 1]?.key;
    }
  }

  /** One put or delete, durable before it resolves. */
  async write(change: RecordWrite): Promise<void> {
    const op = this.#op(change);
    if (op.type === 'put') await this.#store.put(op.key, op.value);
    else await this.#store.del(op.key);
  }

  /** Several changes in one atomic store batch, durable before it resolves. */
  async batch(changes: readonly RecordWrite[]): Promise<void> {
    await this.#store.batch(changes.map((change) => this.#op(change)));
  }

  /** Wipes the MAC key and closes the store. */
  close(): Promise<void> {
    this.#macKey.fill(0);
    return this.#store.close();
  }

  #op(change: RecordWrite): BatchOp {
    switch (change.type) {
      case 'module': {
        const key = moduleRecordKey(change.record.name);
        return { type: 'put', key, value: this.#sign(key, moduleRecordBody(change.record)) };
      }
      case 'key': {
        const key = keyRecordKey(change.module, change.record.id);
        return { type: 'put', key, value: this.#sign(key, keyRecordBody(change.record)) };
      }
      case 'delete-module':
        return { type: 'del', key: moduleRecordKey(change.name) };
      case 'delete-key':
        return { type: 'del', key: keyRecordKey(change.module, change.id) };
      case 'token-key': {
        const key = tokenKeyRecordKey(change.module, change.record.id);
        return { type: 'put', key, value: this.#sign(key, tokenKeyRecordBody(change.record)) };
      }
      case 'delete-token-key':
        return { type: 'del', key: tokenKeyRecordKey(change.module, change.id) };
    }
  }

  #sign(storeKey: string, body: object): Uint8Array {
    return encodeSignedRecord(this.#macKey, storeKey, body);
  }

  #module(storeKey: string, bytes: Uint8Array, name: string): ModuleRecord {
    const record = parseModuleRecord(storeKey, decodeSignedRecord(this.#macKey, storeKey, bytes));
    if (record.name !== name) {
      throw new VcmError('CORRUPT_RECORD', `stored record ${storeKey} names another module`);
    }
    return record;
  }

  #key(storeKey: string, bytes: Uint8Array, id: string): KeyRecord {
    const record = parseKeyRecord(storeKey, decodeSignedRecord(this.#macKey, storeKey, bytes));
    if (record.id !== id) {
      throw new VcmError('CORRUPT_RECORD', `stored record ${storeKey} names another key`);
    }
    return record;
  }
}
