import { equalBytes, randomBytes } from '@noble/ciphers/utils.js';
import {
  HEALTH_CHECK_BLOCK_BYTES,
  KEY_CACHE_ENTRIES_DEFAULT,
  MASTER_CHECK_BYTES,
  MASTER_CHECK_STORE_KEY,
  MAX_BULK_KEYS,
  MAX_DATA_BYTES,
  MAX_SEALED_SECRET_BYTES,
  MODULE_NODES_DEFAULT,
  MODULE_STORE_PREFIX,
  PENDING_WINDOW_DAYS_DEFAULT,
  PENDING_WINDOW_DAYS_MAX,
  PENDING_WINDOW_DAYS_MIN,
  STORE_PREFIX,
} from './constants.ts';
import type { CipherEngine } from './crypto/cipher-engine.ts';
import {
  AES_256_KEY_BYTES,
  GCM_IV_BYTES,
  GCM_IV_LENGTHS,
  GCM_TAG_BYTES,
  RECORD_MAC_INFO,
  SECRET_SEAL_INFO,
} from './crypto/constants.ts';
import { deriveKey } from './crypto/derive-key.ts';
import { isVcmError, VcmError } from './crypto/errors.ts';
import { INVALID_CIPHERTEXT_MESSAGE } from './crypto/gcm-params.ts';
import { unwrapKey, wrapKey } from './crypto/key-wrap.ts';
import { openSecretWithKey, sealSecretWithKey } from './crypto/secret-seal.ts';
import { LruMap } from './key-cache.ts';
import { fromBase64, toBase64 } from './records/base64.ts';
import {
  currentVersion,
  type KeyRecord,
  keyInfo,
  keyRecordBody,
  parseKeyRecord,
} from './records/key-record.ts';
import { decodeMasterCheck, encodeMasterCheck } from './records/master-check.ts';
import {
  type ModuleRecord,
  moduleInfo,
  moduleRecordBody,
  parseModuleRecord,
} from './records/module-record.ts';
import { decodeSignedRecord, encodeSignedRecord } from './records/signed-record.ts';
import type { RecordStore } from './storage/record-store.ts';
import { keyStoreKey, keyStorePrefix, moduleStoreKey } from './store-keys.ts';
import type {
  CreateKeyInput,
  CreateModuleInput,
  DecryptInput,
  EncryptInput,
  EncryptOutput,
  ExportedKeyVersion,
  KeyInfo,
  KeyStatus,
  ListKeysOptions,
  ModuleInfo,
  ModuleState,
  NodeHealth,
  VcmDeps,
} from './types.ts';
import {
  checkBoolean,
  checkBytes,
  checkKeyId,
  checkModuleName,
  checkModuleState,
  checkNodes,
  checkObject,
  checkOrigin,
  checkStatus,
  normalizeUsage,
} from './validation.ts';
import { WriteQueue } from './write-queue.ts';

/** A module with its KEK unwrapped. */
type ModuleEntry = { record: ModuleRecord; kek: Uint8Array };

/**
 * A key as the hot path needs it: status and usage precomputed, every version unwrapped. Writes
 * update a cached entry in place (after the store write succeeded), so the cache never disagrees
 * with the store and material is never copied more than once per key.
 */
type KeyEntry = {
  record: KeyRecord;
  canEncrypt: boolean;
  canDecrypt: boolean;
  current: number;
  materials: Map<number, Uint8Array>;
};

const encoder = new TextEncoder();

function cacheKey(module: string, id: string): string {
  return `${module}/${id}`;
}

function invalidCiphertext(): VcmError {
  return new VcmError('INVALID_CIPHERTEXT', INVALID_CIPHERTEXT_MESSAGE);
}

function healthDetail(e: unknown): string {
  if (isVcmError(e, 'CORRUPT_RECORD')) return 'health-check key failed its integrity check';
  if (isVcmError(e)) return `health check failed (${e.code})`;
  return 'health check failed';
}

const DAY_MS = 24 * 60 * 60 * 1000;
const COUNT_PAGE = 1000;

/** A module that is not `active` refuses every use of its keys. */
function assertReachable(record: ModuleRecord): void {
  if (record.state === 'disconnected') {
    throw new VcmError('MODULE_DISCONNECTED', `module ${record.name} is disconnected`);
  }
  if (record.state === 'maintenance') {
    throw new VcmError('MODULE_IN_MAINTENANCE', `module ${record.name} is in maintenance`);
  }
}

function assertNotPending(module: string, record: KeyRecord): void {
  if (record.deletionDate !== undefined) {
    throw new VcmError(
      'INVALID_KEY_STATE',
      `key ${record.id} in module ${module} is pending deletion`,
    );
  }
}

function wipeEntry(entry: KeyEntry): void {
  for (const material of entry.materials.values()) material.fill(0);
  entry.materials.clear();
}

/**
 * Wipes a key evicted from the cache on the next macrotask, not at once: a call that took the
 * entry from the cache uses its material synchronously after its last await, and that continuation
 * always runs before the next macrotask, so it never sees wiped material.
 */
function wipeLater(entry: KeyEntry): void {
  setImmediate(() => wipeEntry(entry));
}

/**
 * The virtual cryptographic module manager: named modules (virtual HSM partitions), each with a
 * KEK wrapped under the master key, holding AES-256 keys wrapped under that KEK (RFC 5649). Every
 * stored record carries an HMAC bound to its storage key. Writes run one at a time; reads of a
 * cached key never touch the store.
 */
export class Vcm {
  readonly engine: CipherEngine;
  readonly #store: RecordStore;
  readonly #random: (n: number) => Uint8Array;
  readonly #clock: () => Date;
  readonly #masterKey: Uint8Array;
  readonly #macKey: Uint8Array;
  readonly #sealKey: Uint8Array;
  readonly #writes = new WriteQueue();
  readonly #modules = new Map<string, ModuleEntry>();
  /** Unwrapped keys used more than once lately, least recently used evicted (see wipeLater). */
  readonly #keys: LruMap<string, KeyEntry>;
  /**
   * The last key loaded but not admitted to the cache, until it is wiped on the next macrotask or
   * a write starts: a call that uses a key twice in a row (encrypt, then the CDIV round-trip
   * decrypt) reads and unwraps it once and counts as one use for the cache's doorkeeper.
   */
  #recent: { key: string; entry: KeyEntry } | undefined;
  /** Bumped when a write starts and ends: a load that saw it change does not fill the cache. */
  #epoch = 0;
  /** Set by close(): new calls are refused. Writes queued before close() still run. */
  #closing = false;
  /** Set once close() wiped the keys: code resuming after an await must not use them. */
  #wiped = false;
  /** The one shutdown, shared by every close() call. */
  #closed: Promise<void> | undefined;

  private constructor(
    deps: Required<Pick<VcmDeps, 'store' | 'engine' | 'random' | 'clock' | 'keyCacheEntries'>>,
    masterKey: Uint8Array,
  ) {
    this.engine = deps.engine;
    this.#keys = new LruMap(deps.keyCacheEntries, wipeLater);
    this.#store = deps.store;
    this.#random = deps.random;
    this.#clock = deps.clock;
    this.#masterKey = masterKey;
    this.#macKey = deriveKey(masterKey, RECORD_MAC_INFO);
    this.#sealKey = deriveKey(masterKey, SECRET_SEAL_INFO);
  }

  /**
   * Opens the module manager over a store. The first open of a store without `vcm/` records
   * writes a master-key check value (a random value wrapped under the master key); every later
   * open unwraps it and throws VcmError('WRONG_MASTER_KEY') when the key is not the same, before
   * anything is written or any key is unwrapped.
   */
  static async open(deps: VcmDeps): Promise<Vcm> {
    checkObject(deps, 'deps');
    const { store, engine } = deps;
    if (store === null || typeof store !== 'object' || typeof store.get !== 'function') {
      throw new VcmError('INVALID_INPUT', 'deps.store must be a RecordStore');
    }
    if (engine === null || typeof engine !== 'object' || typeof engine.encrypt !== 'function') {
      throw new VcmError('INVALID_INPUT', 'deps.engine must be a CipherEngine');
    }
    if (!(deps.masterKey instanceof Uint8Array) || deps.masterKey.length !== AES_256_KEY_BYTES) {
      throw new VcmError('INVALID_INPUT', `the master key must be ${AES_256_KEY_BYTES} bytes`);
    }
    const random = deps.random ?? ((n: number) => randomBytes(n));
    const clock = deps.clock ?? (() => new Date());
    const keyCacheEntries = deps.keyCacheEntries ?? KEY_CACHE_ENTRIES_DEFAULT;
    if (!Number.isSafeInteger(keyCacheEntries) || keyCacheEntries < 1) {
      throw new VcmError('INVALID_INPUT', 'deps.keyCacheEntries must be a positive integer');
    }
    const masterKey = new Uint8Array(deps.masterKey);
    try {
      const stored = await store.get(MASTER_CHECK_STORE_KEY);
      if (stored === undefined) {
        const existing = await store.list({ prefix: STORE_PREFIX, limit: 1 });
        if (existing.length > 0) {
          throw new VcmError(
            'CORRUPT_RECORD',
            'the store holds module records but no master-key check value',
          );
        }
        const check = randomOf(random, MASTER_CHECK_BYTES);
        const wrapped = wrapKey(masterKey, check);
        check.fill(0);
        await store.put(MASTER_CHECK_STORE_KEY, encodeMasterCheck(wrapped));
      } else {
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
      return new Vcm({ store, engine, random, clock, keyCacheEntries }, masterKey);
    } catch (e) {
      masterKey.fill(0);
      throw e;
    }
  }

  // ---- modules -------------------------------------------------------------------------------

  /**
   * Creates a module: a random 32-byte KEK wrapped under the master key and a dedicated
   * health-check key wrapped under the KEK, written in one atomic batch. MODULE_EXISTS if present.
   */
  async createModule(input: CreateModuleInput): Promise<ModuleInfo> {
    this.#assertOpen();
    checkObject(input, 'input');
    const { name } = input;
    checkModuleName(name);
    const nodes = input.nodes ?? MODULE_NODES_DEFAULT;
    checkNodes(nodes);
    return this.#write(async () => {
      const storeKey = moduleStoreKey(name);
      if ((await this.#store.get(storeKey)) !== undefined) {
        throw new VcmError('MODULE_EXISTS', `module ${name} already exists`);
      }
      const kek = this.#bytes(AES_256_KEY_BYTES);
      const healthKey = this.#bytes(AES_256_KEY_BYTES);
      try {
        const record: ModuleRecord = {
          name,
          nodes,
          createdAt: this.#now(),
          kek: toBase64(wrapKey(this.#masterKey, kek)),
          healthKey: toBase64(wrapKey(kek, healthKey)),
          state: 'active',
        };
        const value = encodeSignedRecord(this.#macKey, storeKey, moduleRecordBody(record));
        await this.#store.batch([{ type: 'put', key: storeKey, value }]);
        return moduleInfo(record);
      } finally {
        kek.fill(0);
        healthKey.fill(0);
      }
    });
  }

  async getModule(name: string): Promise<ModuleInfo | undefined> {
    this.#assertOpen();
    checkModuleName(name);
    const entry = this.#modules.get(name) ?? (await this.#loadModule(name));
    return entry === undefined ? undefined : moduleInfo(entry.record);
  }

  /** Every module, by name in byte order. */
  async listModules(): Promise<ModuleInfo[]> {
    this.#assertOpen();
    const rows = await this.#store.list({ prefix: MODULE_STORE_PREFIX });
    this.#assertKeys();
    return rows.map(({ key, value }) =>
      moduleInfo(parseModuleRecord(key, decodeSignedRecord(this.#macKey, key, value))),
    );
  }

  /**
   * Sets a module's state (persisted). `maintenance` refuses every key operation with
   * MODULE_IN_MAINTENANCE, `disconnected` with MODULE_DISCONNECTED; health reports every node
   * UNAVAILABLE in both. Takes effect on the next call. MODULE_NOT_FOUND.
   */
  async setModuleState(name: string, state: ModuleState): Promise<ModuleInfo> {
    this.#assertOpen();
    checkModuleName(name);
    checkModuleState(state);
    return this.#write(async () => {
      const record = await this.#readModuleRecord(name);
      if (record === undefined) throw new VcmError('MODULE_NOT_FOUND', `module ${name} not found`);
      if (record.state === state) return moduleInfo(record);
      const next: ModuleRecord = { ...record, state };
      const storeKey = moduleStoreKey(name);
      await this.#store.put(
        storeKey,
        encodeSignedRecord(this.#macKey, storeKey, moduleRecordBody(next)),
      );
      const cached = this.#modules.get(name);
      if (cached !== undefined) cached.record = next;
      return moduleInfo(next);
    });
  }

  /** How many keys a module holds. MODULE_NOT_FOUND. */
  async countKeys(module: string): Promise<number> {
    this.#assertOpen();
    checkModuleName(module);
    await this.#requireModule(module);
    // Page through the keys: a module of a million keys is counted without holding them all.
    const prefix = keyStorePrefix(module);
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

  /**
   * Deletes a module, its KEK and (with `force`) every key in it, in one atomic batch; cached
   * material is wiped. MODULE_IN_USE when it holds keys and `force` is not set; MODULE_NOT_FOUND.
   */
  async deleteModule(name: string, options: { force?: boolean } = {}): Promise<{ keys: number }> {
    this.#assertOpen();
    checkModuleName(name);
    checkObject(options, 'options');
    return this.#write(async () => {
      if ((await this.#readModuleRecord(name)) === undefined) {
        throw new VcmError('MODULE_NOT_FOUND', `module ${name} not found`);
      }
      const keys = await this.#store.list({ prefix: keyStorePrefix(name) });
      if (keys.length > 0 && options.force !== true) {
        throw new VcmError('MODULE_IN_USE', `module ${name} holds ${keys.length} key(s)`);
      }
      await this.#store.batch([
        ...keys.map(({ key }) => ({ type: 'del' as const, key })),
        { type: 'del', key: moduleStoreKey(name) },
      ]);
      const prefix = cacheKey(name, '');
      for (const [k, entry] of this.#keys) {
        if (!k.startsWith(prefix)) continue;
        wipeEntry(entry);
        this.#keys.delete(k);
      }
      const mod = this.#modules.get(name);
      mod?.kek.fill(0);
      this.#modules.delete(name);
      return { keys: keys.length };
    });
  }

  // ---- keys ----------------------------------------------------------------------------------

  /**
   * Creates a key (version 1) from `material` or from the random source; durable before it
   * resolves. KEY_EXISTS, MODULE_NOT_FOUND, INVALID_INPUT.
   */
  async createKey(module: string, input: CreateKeyInput): Promise<KeyInfo> {
    this.#assertOpen();
    checkModuleName(module);
    const { id, usage, status, exportable, origin, given } = checkCreateKeyInput(input);
    return this.#write(async () => {
      const mod = await this.#requireModule(module);
      const storeKey = keyStoreKey(module, id);
      if ((await this.#store.get(storeKey)) !== undefined) {
        throw new VcmError('KEY_EXISTS', `key ${id} already exists in module ${module}`);
      }
      const material = given ?? this.#bytes(AES_256_KEY_BYTES);
      try {
        const now = this.#now();
        const record: KeyRecord = {
          id,
          usage,
          status,
          createdAt: now,
          versions: [{ version: 1, createdAt: now, wrapped: toBase64(wrapKey(mod.kek, material)) }],
          origin,
          exportable,
          blocked: false,
        };
        await this.#store.put(
          storeKey,
          encodeSignedRecord(this.#macKey, storeKey, keyRecordBody(record)),
        );
        return keyInfo(module, record);
      } finally {
        material.fill(0);
      }
    });
  }

  /**
   * Creates up to MAX_BULK_KEYS keys (version 1 each) in ONE atomic store batch, synced once:
   * after it resolves every key exists, and a crash before that leaves none of them. Much faster
   * than one createKey (one sync) per key when loading many keys. KEY_EXISTS (nothing written)
   * when any id exists or repeats; MODULE_NOT_FOUND, INVALID_INPUT as createKey.
   */
  async createKeys(module: string, inputs: readonly CreateKeyInput[]): Promise<KeyInfo[]> {
    this.#assertOpen();
    checkModuleName(module);
    if (!Array.isArray(inputs) || inputs.length > MAX_BULK_KEYS) {
      throw new VcmError('INVALID_INPUT', `inputs must be an array of at most ${MAX_BULK_KEYS}`);
    }
    const checked = inputs.map(checkCreateKeyInput);
    const ids = new Set<string>();
    for (const { id } of checked) {
      if (ids.has(id)) throw new VcmError('KEY_EXISTS', `key ${id} appears twice in the batch`);
      ids.add(id);
    }
    if (checked.length === 0) return [];
    const wipeGiven = () => {
      for (const { given } of checked) given?.fill(0);
    };
    return this.#write(async () => {
      const mod = await this.#requireModule(module);
      for (const { id } of checked) {
        if ((await this.#store.get(keyStoreKey(module, id))) !== undefined) {
          throw new VcmError('KEY_EXISTS', `key ${id} already exists in module ${module}`);
        }
      }
      this.#assertKeys();
      const now = this.#now();
      const ops: Array<{ type: 'put'; key: string; value: Uint8Array }> = [];
      const infos: KeyInfo[] = [];
      for (const { id, usage, status, exportable, origin, given } of checked) {
        const material = given ?? this.#bytes(AES_256_KEY_BYTES);
        try {
          const record: KeyRecord = {
            id,
            usage,
            status,
            createdAt: now,
            versions: [
              { version: 1, createdAt: now, wrapped: toBase64(wrapKey(mod.kek, material)) },
            ],
            origin,
            exportable,
            blocked: false,
          };
          const storeKey = keyStoreKey(module, id);
          ops.push({
            type: 'put',
            key: storeKey,
            value: encodeSignedRecord(this.#macKey, storeKey, keyRecordBody(record)),
          });
          infos.push(keyInfo(module, record));
        } finally {
          material.fill(0);
        }
      }
      await this.#store.batch(ops);
      return infos;
    }).finally(wipeGiven);
  }

  /** The key, or undefined when it (or its module) does not exist. */
  async getKey(module: string, id: string): Promise<KeyInfo | undefined> {
    this.#assertOpen();
    checkModuleName(module);
    checkKeyId(id);
    const entry = this.#keys.get(cacheKey(module, id)) ?? (await this.#loadKey(module, id));
    return entry === undefined ? undefined : keyInfo(module, entry.record);
  }

  /**
   * Keys of a module by id in byte order, starting after the id `after`, at most `limit`: a page
   * is read from the store as a page, never the whole module. MODULE_NOT_FOUND.
   */
  async listKeys(module: string, options: ListKeysOptions = {}): Promise<KeyInfo[]> {
    this.#assertOpen();
    checkModuleName(module);
    checkObject(options, 'options');
    const { after, limit } = options;
    if (after !== undefined) checkKeyId(after);
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 1)) {
      throw new VcmError('INVALID_INPUT', 'limit must be a positive integer');
    }
    await this.#requireModule(module);
    const prefix = keyStorePrefix(module);
    const rows = await this.#store.list({
      prefix,
      ...(after === undefined ? {} : { after: `${prefix}${after}` }),
      ...(limit === undefined ? {} : { limit }),
    });
    this.#assertKeys();
    return rows.map(({ key, value }) =>
      keyInfo(module, parseKeyRecord(key, decodeSignedRecord(this.#macKey, key, value))),
    );
  }

  /** ENABLED or DISABLED; a key pending deletion cannot be enabled (INVALID_KEY_STATE). */
  async setKeyStatus(module: string, id: string, status: KeyStatus): Promise<KeyInfo> {
    this.#assertOpen();
    checkModuleName(module);
    checkKeyId(id);
    checkStatus(status);
    return this.#updateKey(module, id, (record) => {
      if (record.status === status) return undefined;
      assertNotPending(module, record);
      return { ...record, status };
    });
  }

  /** The kill switch: a blocked key refuses every operation (KEY_BLOCKED) until unblocked. */
  async setKeyBlocked(module: string, id: string, blocked: boolean): Promise<KeyInfo> {
    this.#assertOpen();
    checkModuleName(module);
    checkKeyId(id);
    checkBoolean(blocked, 'blocked');
    return this.#updateKey(module, id, (record) =>
      record.blocked === blocked ? undefined : { ...record, blocked },
    );
  }

  /**
   * Schedules the key's destruction `pendingWindowDays` (1-30, default 30) from now. The key is
   * DISABLED at once (XKS metadata reports DISABLED, crypto refuses it) and can be destroyed once
   * the date has passed. INVALID_KEY_STATE when already pending.
   */
  async scheduleKeyDeletion(
    module: string,
    id: string,
    pendingWindowDays: number = PENDING_WINDOW_DAYS_DEFAULT,
  ): Promise<KeyInfo> {
    this.#assertOpen();
    checkModuleName(module);
    checkKeyId(id);
    if (
      !Number.isInteger(pendingWindowDays) ||
      pendingWindowDays < PENDING_WINDOW_DAYS_MIN ||
      pendingWindowDays > PENDING_WINDOW_DAYS_MAX
    ) {
      throw new VcmError(
        'INVALID_INPUT',
        `pendingWindowDays must be an integer from ${PENDING_WINDOW_DAYS_MIN} to ${PENDING_WINDOW_DAYS_MAX}`,
      );
    }
    return this.#updateKey(module, id, (record) => {
      assertNotPending(module, record);
      const deletionDate = new Date(this.#clock().getTime() + pendingWindowDays * DAY_MS);
      return { ...record, status: 'DISABLED', deletionDate: deletionDate.toISOString() };
    });
  }

  /** Cancels a scheduled deletion; the key stays DISABLED (as in AWS KMS). INVALID_KEY_STATE. */
  async cancelKeyDeletion(module: string, id: string): Promise<KeyInfo> {
    this.#assertOpen();
    checkModuleName(module);
    checkKeyId(id);
    return this.#updateKey(module, id, (record) => {
      if (record.deletionDate === undefined) {
        throw new VcmError(
          'INVALID_KEY_STATE',
          `key ${id} in module ${module} is not pending deletion`,
        );
      }
      const { deletionDate: _, ...rest } = record;
      return rest;
    });
  }

  /**
   * Destroys a key pending deletion whose date has passed: every version of its material is gone
   * and ciphertexts made under it can never be decrypted. INVALID_KEY_STATE before that.
   */
  async destroyKey(module: string, id: string): Promise<void> {
    this.#assertOpen();
    checkModuleName(module);
    checkKeyId(id);
    await this.#write(async () => {
      const { storeKey, record } = await this.#requireKeyRecord(module, id);
      if (record.deletionDate === undefined) {
        throw new VcmError(
          'INVALID_KEY_STATE',
          `key ${id} in module ${module} is not pending deletion`,
        );
      }
      if (this.#clock().getTime() < Date.parse(record.deletionDate)) {
        throw new VcmError(
          'INVALID_KEY_STATE',
          `key ${id} in module ${module} cannot be destroyed before ${record.deletionDate}`,
        );
      }
      await this.#store.del(storeKey);
      const cached = this.#keys.get(cacheKey(module, id));
      if (cached !== undefined) {
        wipeEntry(cached);
        this.#keys.delete(cacheKey(module, id));
      }
    });
  }

  /**
   * The material of every version of an exportable key, for the caller to wrap and then wipe.
   * KEY_NOT_EXPORTABLE unless created exportable; KEY_BLOCKED; INVALID_KEY_STATE while pending
   * deletion; the module must be reachable.
   */
  async exportKeyMaterial(module: string, id: string): Promise<ExportedKeyVersion[]> {
    this.#assertOpen();
    checkModuleName(module);
    checkKeyId(id);
    const mod = await this.#requireModule(module);
    assertReachable(mod.record);
    const entry = this.#keys.get(cacheKey(module, id)) ?? (await this.#loadKey(module, id));
    if (entry === undefined) throw await this.#notFound(module, id);
    this.#assertKeys();
    const { record } = entry;
    if (!record.exportable) {
      throw new VcmError('KEY_NOT_EXPORTABLE', `key ${id} in module ${module} is not exportable`);
    }
    if (record.blocked)
      throw new VcmError('KEY_BLOCKED', `key ${id} in module ${module} is blocked`);
    assertNotPending(module, record);
    return record.versions.map((v) => ({
      version: v.version,
      createdAt: v.createdAt,
      material: new Uint8Array(entry.materials.get(v.version) as Uint8Array),
    }));
  }

  /**
   * The key as an XKS proxy may report it (GetKeyMetadata): the module must be reachable
   * (MODULE_DISCONNECTED, MODULE_IN_MAINTENANCE) and the key exist (KEY_NOT_FOUND) and not be
   * blocked (KEY_BLOCKED). A key pending deletion has status DISABLED.
   */
  async keyMetadata(module: string, id: string): Promise<KeyInfo> {
    this.#assertOpen();
    checkModuleName(module);
    checkKeyId(id);
    const mod = await this.#requireModule(module);
    assertReachable(mod.record);
    const entry = this.#keys.get(cacheKey(module, id)) ?? (await this.#loadKey(module, id));
    if (entry === undefined) throw await this.#notFound(module, id);
    if (entry.record.blocked) {
      throw new VcmError('KEY_BLOCKED', `key ${id} in module ${module} is blocked`);
    }
    return keyInfo(module, entry.record);
  }

  /** Appends a version of fresh random material; encrypt uses it from now on, decrypt all. */
  async rotateKey(module: string, id: string): Promise<KeyInfo> {
    this.#assertOpen();
    checkModuleName(module);
    checkKeyId(id);
    return this.#write(async () => {
      const mod = await this.#requireModule(module);
      const { storeKey, record } = await this.#requireKeyRecord(module, id);
      assertNotPending(module, record);
      const version = currentVersion(record) + 1;
      const material = this.#bytes(AES_256_KEY_BYTES);
      try {
        const next: KeyRecord = {
          ...record,
          versions: [
            ...record.versions,
            { version, createdAt: this.#now(), wrapped: toBase64(wrapKey(mod.kek, material)) },
          ],
        };
        await this.#store.put(
          storeKey,
          encodeSignedRecord(this.#macKey, storeKey, keyRecordBody(next)),
        );
        const cached = this.#keys.get(cacheKey(module, id));
        if (cached !== undefined) {
          cached.materials.set(version, new Uint8Array(material));
          cached.record = next;
          cached.current = version;
        }
        return keyInfo(module, next);
      } finally {
        material.fill(0);
      }
    });
  }

  // ---- cryptographic operations -------------------------------------------------------------

  /**
   * AES-256-GCM under the key's newest version with a fresh 12-byte IV from `random`. Checks, in
   * order: the key exists (KEY_NOT_FOUND; MODULE_NOT_FOUND when the module is absent), is ENABLED
   * (KEY_DISABLED), allows ENCRYPT (INVALID_KEY_USAGE). `aad` goes to GCM as is; it may be a
   * function of the key version, called once, after the checks.
   */
  async encrypt(module: string, keyId: string, input: EncryptInput): Promise<EncryptOutput> {
    this.#assertOpen();
    checkModuleName(module);
    checkKeyId(keyId);
    checkObject(input, 'input');
    const { plaintext } = input;
    checkBytes(plaintext, 'plaintext', MAX_DATA_BYTES);
    const entry = await this.#usableKey(module, keyId, 'ENCRYPT');
    const version = entry.current;
    const material = entry.materials.get(version) as Uint8Array;
    const aad = typeof input.aad === 'function' ? input.aad(version) : input.aad;
    checkBytes(aad, 'aad', MAX_DATA_BYTES);
    this.#assertKeys();
    const iv = this.#bytes(GCM_IV_BYTES);
    const { ciphertext, tag } = this.engine.encrypt(material, iv, plaintext, aad);
    return { ciphertext, iv, tag, keyVersion: version };
  }

  /**
   * AES-256-GCM decryption with version `keyVersion` of the key. Checks exists / ENABLED /
   * DECRYPT like encrypt, then: IV of 12 or 16 bytes, tag of 16 bytes, a version the key has;
   * any of those or a failed tag check is INVALID_CIPHERTEXT.
   */
  async decrypt(module: string, keyId: string, input: DecryptInput): Promise<Uint8Array> {
    this.#assertOpen();
    checkModuleName(module);
    checkKeyId(keyId);
    checkObject(input, 'input');
    const { ciphertext, iv, tag, aad, keyVersion } = input;
    checkBytes(ciphertext, 'ciphertext', MAX_DATA_BYTES);
    checkBytes(aad, 'aad', MAX_DATA_BYTES);
    if (!(iv instanceof Uint8Array) || !(tag instanceof Uint8Array)) {
      throw new VcmError('INVALID_INPUT', 'iv and tag must be Uint8Arrays');
    }
    const entry = await this.#usableKey(module, keyId, 'DECRYPT');
    if (!GCM_IV_LENGTHS.includes(iv.length) || tag.length !== GCM_TAG_BYTES) {
      throw invalidCiphertext();
    }
    const material = Number.isSafeInteger(keyVersion) ? entry.materials.get(keyVersion) : undefined;
    if (material === undefined) throw invalidCiphertext();
    return this.engine.decrypt(material, iv, ciphertext, tag, aad);
  }

  /**
   * A deep check of every node of the module: the module record is read from the store and
   * verified, then each node unwraps the KEK and the module's health-check key (never a customer
   * key) and encrypts and decrypts a random block. A node whose check throws is UNAVAILABLE with a
   * short detail; a store that cannot be read makes every node UNAVAILABLE (the node count is then
   * the cached one, or 1). MODULE_NOT_FOUND if the module does not exist.
   */
  async healthCheck(module: string): Promise<NodeHealth[]> {
    this.#assertOpen();
    checkModuleName(module);
    let record: ModuleRecord | undefined;
    try {
      record = await this.#readModuleRecord(module);
    } catch (e) {
      this.#assertKeys();
      const nodes = this.#modules.get(module)?.record.nodes ?? 1;
      const detail = isVcmError(e, 'CORRUPT_RECORD')
        ? 'module record failed its integrity check'
        : 'key store unavailable';
      return Array.from({ length: nodes }, (_, i) => ({
        id: `${module}-node-${i + 1}`,
        status: 'UNAVAILABLE' as const,
        detail,
      }));
    }
    if (record === undefined) throw new VcmError('MODULE_NOT_FOUND', `module ${module} not found`);
    const found = record;
    if (found.state !== 'active') {
      return Array.from({ length: found.nodes }, (_, i) => ({
        id: `${module}-node-${i + 1}`,
        status: 'UNAVAILABLE' as const,
        detail: `module is ${found.state}`,
      }));
    }
    this.#assertKeys();
    return Array.from({ length: found.nodes }, (_, i) =>
      this.#checkNode(`${module}-node-${i + 1}`, found),
    );
  }

  // ---- secrets --------------------------------------------------------------------------------

  /**
   * Seals a small secret (e.g. a SigV4 secret access key) under a key derived from the master key
   * (HKDF-SHA256, info 'xkslab secret seal v1'): AES-256-GCM with `context` as AAD, a random
   * 12-byte IV; the output is self-contained (iv || ciphertext || tag).
   */
  sealSecret(plaintext: Uint8Array, context: string): Uint8Array {
    this.#assertOpen();
    checkBytes(plaintext, 'secret', MAX_SEALED_SECRET_BYTES);
    if (typeof context !== 'string') {
      throw new VcmError('INVALID_INPUT', 'context must be a string');
    }
    return sealSecretWithKey(this.#sealKey, this.#bytes(GCM_IV_BYTES), plaintext, context);
  }

  /** Opens a sealed secret; a wrong context, another master key or any alteration is CORRUPT_RECORD. */
  openSecret(sealed: Uint8Array, context: string): Uint8Array {
    this.#assertOpen();
    checkBytes(sealed, 'sealed secret', MAX_SEALED_SECRET_BYTES + GCM_IV_BYTES + GCM_TAG_BYTES);
    if (typeof context !== 'string') {
      throw new VcmError('INVALID_INPUT', 'context must be a string');
    }
    return openSecretWithKey(this.#sealKey, sealed, context);
  }

  /**
   * Waits for queued writes, wipes (fill(0)) the master key, its derived keys, cached KEKs and
   * cached key material, and closes the store. Every later call throws STORE_UNAVAILABLE.
   *
   * What JavaScript cannot promise: the garbage collector may have copied these buffers while
   * compacting the heap, and copies made elsewhere are out of reach: inside node:crypto/OpenSSL
   * contexts and noble's expanded AES key schedules (dropped, not wiped), the Base64 strings of
   * wrapped keys, plaintexts and outputs handed to callers, and the caller's own masterKey buffer.
   * Wiping shortens the life of the copies this module owns; it does not make memory forensics
   * impossible.
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    this.#closing = true;
    await this.#writes.idle();
    this.#wiped = true;
    for (const entry of this.#keys.values()) wipeEntry(entry);
    for (const entry of this.#modules.values()) entry.kek.fill(0);
    this.#keys.clear();
    this.#modules.clear();
    this.#masterKey.fill(0);
    this.#macKey.fill(0);
    this.#sealKey.fill(0);
    await this.#store.close();
  }

  // ---- internals ------------------------------------------------------------------------------

  /** At the start of every public call. */
  #assertOpen(): void {
    if (this.#closing) throw new VcmError('STORE_UNAVAILABLE', 'the module manager is closed');
  }

  /** After every await that precedes a use of key material. */
  #assertKeys(): void {
    if (this.#wiped) throw new VcmError('STORE_UNAVAILABLE', 'the module manager is closed');
  }

  #bytes(n: number): Uint8Array {
    return randomOf(this.#random, n);
  }

  #now(): string {
    return this.#clock().toISOString();
  }

  /** Runs a write alone (the single writer), marking the cache epoch around it. */
  #write<T>(task: () => Promise<T>): Promise<T> {
    return this.#writes.run(async () => {
      this.#assertKeys();
      this.#epoch++;
      this.#recent = undefined;
      try {
        return await task();
      } finally {
        this.#epoch++;
      }
    });
  }

  async #readModuleRecord(name: string): Promise<ModuleRecord | undefined> {
    const storeKey = moduleStoreKey(name);
    const bytes = await this.#store.get(storeKey);
    this.#assertKeys();
    if (bytes === undefined) return undefined;
    const record = parseModuleRecord(storeKey, decodeSignedRecord(this.#macKey, storeKey, bytes));
    if (record.name !== name) {
      throw new VcmError('CORRUPT_RECORD', `stored record ${storeKey} names another module`);
    }
    return record;
  }

  async #loadModule(name: string): Promise<ModuleEntry | undefined> {
    const epoch = this.#epoch;
    const record = await this.#readModuleRecord(name);
    this.#assertKeys();
    if (record === undefined) return undefined;
    const cached = this.#modules.get(name);
    if (cached !== undefined) return cached;
    const entry = { record, kek: unwrapKey(this.#masterKey, fromBase64(record.kek, 'module KEK')) };
    if (epoch === this.#epoch) this.#modules.set(name, entry);
    return entry;
  }

  async #requireModule(name: string): Promise<ModuleEntry> {
    const entry = this.#modules.get(name) ?? (await this.#loadModule(name));
    if (entry === undefined) throw new VcmError('MODULE_NOT_FOUND', `module ${name} not found`);
    return entry;
  }

  async #readKeyRecord(module: string, id: string): Promise<KeyRecord | undefined> {
    const storeKey = keyStoreKey(module, id);
    const bytes = await this.#store.get(storeKey);
    this.#assertKeys();
    if (bytes === undefined) return undefined;
    const record = parseKeyRecord(storeKey, decodeSignedRecord(this.#macKey, storeKey, bytes));
    if (record.id !== id) {
      throw new VcmError('CORRUPT_RECORD', `stored record ${storeKey} names another key`);
    }
    return record;
  }

  /** The stored record of a key, for a write: MODULE_NOT_FOUND or KEY_NOT_FOUND when absent. */
  async #requireKeyRecord(
    module: string,
    id: string,
  ): Promise<{ storeKey: string; record: KeyRecord }> {
    const record = await this.#readKeyRecord(module, id);
    if (record === undefined) throw await this.#notFound(module, id);
    return { storeKey: keyStoreKey(module, id), record };
  }

  async #notFound(module: string, id: string): Promise<VcmError> {
    const mod = this.#modules.get(module) ?? (await this.#loadModule(module));
    return mod === undefined
      ? new VcmError('MODULE_NOT_FOUND', `module ${module} not found`)
      : new VcmError('KEY_NOT_FOUND', `key ${id} not found in module ${module}`);
  }

  async #loadKey(module: string, id: string): Promise<KeyEntry | undefined> {
    const key = cacheKey(module, id);
    if (this.#recent?.key === key) return this.#recent.entry;
    const epoch = this.#epoch;
    const record = await this.#readKeyRecord(module, id);
    if (record === undefined) return undefined;
    const mod = this.#modules.get(module) ?? (await this.#loadModule(module));
    this.#assertKeys();
    if (mod === undefined) {
      throw new VcmError(
        'CORRUPT_RECORD',
        `key ${id} belongs to module ${module}, which is missing`,
      );
    }
    const cached = this.#keys.get(key);
    if (cached !== undefined) return cached;
    const entry: KeyEntry = {
      record,
      canEncrypt: record.usage.includes('ENCRYPT'),
      canDecrypt: record.usage.includes('DECRYPT'),
      current: currentVersion(record),
      materials: new Map(),
    };
    try {
      for (const v of record.versions) {
        const wrapped = fromBase64(v.wrapped, `version ${v.version} of key ${id}`);
        entry.materials.set(v.version, unwrapKey(mod.kek, wrapped));
      }
    } catch (e) {
      wipeEntry(entry);
      throw e;
    }
    if (epoch === this.#epoch && this.#keys.offer(key, entry)) return entry;
    // Not cached (a write ran meanwhile, or the doorkeeper has not seen the key lately): the
    // caller uses the entry synchronously, and it is wiped on the next macrotask.
    if (epoch === this.#epoch) this.#recent = { key, entry };
    setImmediate(() => {
      if (this.#recent?.entry === entry) this.#recent = undefined;
      wipeEntry(entry);
    });
    return entry;
  }

  /**
   * A write of one key record: `change` returns the next record (or undefined for no change, or
   * throws); the cached entry takes the new record after the store write succeeded.
   */
  #updateKey(
    module: string,
    id: string,
    change: (record: KeyRecord) => KeyRecord | undefined,
  ): Promise<KeyInfo> {
    return this.#write(async () => {
      const { storeKey, record } = await this.#requireKeyRecord(module, id);
      const next = change(record);
      if (next === undefined) return keyInfo(module, record);
      await this.#store.put(
        storeKey,
        encodeSignedRecord(this.#macKey, storeKey, keyRecordBody(next)),
      );
      const cached = this.#keys.get(cacheKey(module, id));
      if (cached !== undefined) cached.record = next;
      return keyInfo(module, next);
    });
  }

  /**
   * The key, checked in this order: the module is reachable (MODULE_DISCONNECTED,
   * MODULE_IN_MAINTENANCE: a proxy that cannot reach its HSM cannot tell whether a key exists),
   * the key exists, is not blocked, is ENABLED, and allows the usage.
   */
  async #usableKey(module: string, id: string, usage: 'ENCRYPT' | 'DECRYPT'): Promise<KeyEntry> {
    const mod = this.#modules.get(module) ?? (await this.#loadModule(module));
    if (mod !== undefined) assertReachable(mod.record);
    let entry = this.#keys.get(cacheKey(module, id));
    if (entry === undefined) {
      entry = await this.#loadKey(module, id);
      if (entry === undefined) throw await this.#notFound(module, id);
      this.#assertKeys();
    }
    if (entry.record.blocked) {
      throw new VcmError('KEY_BLOCKED', `key ${id} in module ${module} is blocked`);
    }
    if (entry.record.status !== 'ENABLED') {
      throw new VcmError('KEY_DISABLED', `key ${id} in module ${module} is disabled`);
    }
    if (!(usage === 'ENCRYPT' ? entry.canEncrypt : entry.canDecrypt)) {
      throw new VcmError(
        'INVALID_KEY_USAGE',
        `key ${id} in module ${module} does not allow ${usage}`,
      );
    }
    return entry;
  }

  #checkNode(id: string, record: ModuleRecord): NodeHealth {
    let kek: Uint8Array | undefined;
    let healthKey: Uint8Array | undefined;
    let block: Uint8Array | undefined;
    let back: Uint8Array | undefined;
    try {
      kek = unwrapKey(this.#masterKey, fromBase64(record.kek, 'module KEK'));
      healthKey = unwrapKey(kek, fromBase64(record.healthKey, 'module health-check key'));
      block = this.#bytes(HEALTH_CHECK_BLOCK_BYTES);
      const iv = this.#bytes(GCM_IV_BYTES);
      const aad = encoder.encode(id);
      const { ciphertext, tag } = this.engine.encrypt(healthKey, iv, block, aad);
      back = this.engine.decrypt(healthKey, iv, ciphertext, tag, aad);
      if (!equalBytes(back, block)) {
        return { id, status: 'UNAVAILABLE', detail: 'health check round trip mismatch' };
      }
      return { id, status: 'ACTIVE' };
    } catch (e) {
      return { id, status: 'UNAVAILABLE', detail: healthDetail(e) };
    } finally {
      kek?.fill(0);
      healthKey?.fill(0);
      block?.fill(0);
      back?.fill(0);
    }
  }
}

/** The checked fields of a CreateKeyInput, with a private copy of given material. */
function checkCreateKeyInput(input: CreateKeyInput) {
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
      throw new VcmError(
        'INVALID_INPUT',
        `key material must be exactly ${AES_256_KEY_BYTES} bytes`,
      );
    }
    given = new Uint8Array(input.material);
  }
  return { id, usage, status, exportable, origin, given };
}

/** n bytes from a random source, checked: a source returning anything else is a wiring bug. */
function randomOf(random: (n: number) => Uint8Array, n: number): Uint8Array {
  const out = random(n);
  if (!(out instanceof Uint8Array) || out.length !== n) {
    throw new VcmError(
      'INVALID_INPUT',
      `the random source returned something other than ${n} bytes`,
    );
  }
  return out;
}
