import { HEALTH_CHECK_REUSE_MS } from './constants.ts';
import { VcmError } from './crypto/errors.ts';
import { unwrapKey, wrapKey } from './crypto/key-wrap.ts';
import type { Guard } from './guard.ts';
import { LruMap } from './key-cache.ts';
import { fromBase64, toBase64 } from './records/base64.ts';
import { currentVersion, type KeyRecord } from './records/key-record.ts';
import type { ModuleRecord } from './records/module-record.ts';
import type { RecordBarrier } from './records/record-barrier.ts';

/** A module with its KEK unwrapped. */
export type ModuleEntry = { record: ModuleRecord; kek: Uint8Array };

/**
 * A key as the hot path needs it: status and usage precomputed, every version unwrapped. Writes
 * update a cached entry in place (after the store write succeeded), so the cache never disagrees
 * with the store and material is never copied more than once per key.
 */
export type KeyEntry = {
  record: KeyRecord;
  canEncrypt: boolean;
  canDecrypt: boolean;
  current: number;
  materials: Map<number, Uint8Array>;
};

function cacheKey(module: string, id: string): string {
  return `${module}/${id}`;
}

/** Wipes one key's material: `forget` first drops whatever the cipher engine keeps for it. */
type WipeMaterial = (material: Uint8Array) => void;

function wipeEntry(entry: KeyEntry, wipe: WipeMaterial): void {
  for (const material of entry.materials.values()) wipe(material);
  entry.materials.clear();
}

/** Every version of a key unwrapped under its module's KEK; nothing is left unwiped on failure. */
function unwrapEntry(record: KeyRecord, kek: Uint8Array, wipe: WipeMaterial): KeyEntry {
  const entry: KeyEntry = {
    record,
    canEncrypt: record.usage.includes('ENCRYPT'),
    canDecrypt: record.usage.includes('DECRYPT'),
    current: currentVersion(record),
    materials: new Map(),
  };
  try {
    for (const v of record.versions) {
      const wrapped = fromBase64(v.wrapped, `version ${v.version} of key ${record.id}`);
      entry.materials.set(v.version, unwrapKey(kek, wrapped));
    }
  } catch (e) {
    wipeEntry(entry, wipe);
    throw e;
  }
  return entry;
}

type HealthKeyEntry = { key: Uint8Array; wrapped: string; kekWrapped: string; unwrappedAt: number };

/**
 * The keyring (Vault's word): holds the master key, unwraps module KEKs under it and key versions
 * under their KEK, and keeps what it unwrapped. Modules stay cached; keys go through the LRU of
 * key-cache.ts, admitted on their second use (the doorkeeper). Every write runs inside
 * `whileWriting`, which moves the epoch: a load that saw the epoch change while it awaited the
 * store does not fill the cache, so a cached entry never predates a write. Writers update cached
 * entries through the `…Changed`/`forget…` methods after their store write succeeded.
 */
export class KeyLoader {
  readonly #records: RecordBarrier;
  readonly #guard: Guard;
  readonly #masterKey: Uint8Array;
  readonly #modules = new Map<string, ModuleEntry>();
  /** Unwrapped keys used more than once lately, least recently used evicted (wiped later). */
  readonly #keys: LruMap<string, KeyEntry>;
  /**
   * The last key loaded but not admitted to the cache, until it is wiped on the next macrotask or
   * a write starts: a call that uses a key twice in a row (encrypt, then the CDIV round-trip
   * decrypt) reads and unwraps it once and counts as one use for the cache's doorkeeper.
   */
  #recent: { key: string; entry: KeyEntry } | undefined;
  /** Bumped when a write starts and ends: a load that saw it change does not fill the cache. */
  #epoch = 0;
  /** Health-check keys unwrapped within the last HEALTH_CHECK_REUSE_MS, by module (see healthKey). */
  readonly #healthKeys = new Map<string, HealthKeyEntry>();

  /** Wipes key material, after the cipher engine forgot it (CipherEngine.forget). */
  readonly #wipe: WipeMaterial;

  constructor(
    records: RecordBarrier,
    guard: Guard,
    masterKey: Uint8Array,
    cacheEntries: number,
    forget: (key: Uint8Array) => void,
  ) {
    this.#records = records;
    this.#guard = guard;
    this.#masterKey = masterKey;
    this.#wipe = (material) => {
      forget(material);
      material.fill(0);
    };
    // An evicted key is wiped on the next macrotask, not at once: a call that took the entry from
    // the cache uses its material synchronously after its last await, and that continuation always
    // runs before the next macrotask, so it never sees wiped material.
    this.#keys = new LruMap(cacheEntries, (entry) => setImmediate(() => this.#wipeEntry(entry)));
  }

  #wipeEntry(entry: KeyEntry): void {
    wipeEntry(entry, this.#wipe);
  }

  // ---- reads ----------------------------------------------------------------------------------

  cachedModule(name: string): ModuleEntry | undefined {
    return this.#modules.get(name);
  }

  /** Reads and unwraps a module (the cached entry if another call got there first). */
  async loadModule(name: string): Promise<ModuleEntry | undefined> {
    const epoch = this.#epoch;
    const record = await this.#records.module(name);
    this.#guard.assertKeys();
    if (record === undefined) return undefined;
    const cached = this.#modules.get(name);
    if (cached !== undefined) return cached;
    const entry = { record, kek: this.#unwrapKek(record) };
    if (epoch === this.#epoch) this.#modules.set(name, entry);
    return entry;
  }

  async module(name: string): Promise<ModuleEntry | undefined> {
    return this.#modules.get(name) ?? (await this.loadModule(name));
  }

  async requireModule(name: string): Promise<ModuleEntry> {
    const entry = this.#modules.get(name) ?? (await this.loadModule(name));
    if (entry === undefined) throw new VcmError('MODULE_NOT_FOUND', `module ${name} not found`);
    return entry;
  }

  cachedKey(module: string, id: string): KeyEntry | undefined {
    return this.#keys.get(cacheKey(module, id));
  }

  /**
   * Reads and unwraps a key. The entry is offered to the cache; when it is not admitted the caller
   * uses it synchronously and it is wiped on the next macrotask.
   */
  async loadKey(module: string, id: string): Promise<KeyEntry | undefined> {
    const key = cacheKey(module, id);
    if (this.#recent?.key === key) return this.#recent.entry;
    const epoch = this.#epoch;
    const record = await this.#records.key(module, id);
    if (record === undefined) return undefined;
    const mod = this.#modules.get(module) ?? (await this.loadModule(module));
    this.#guard.assertKeys();
    if (mod === undefined) {
      throw new VcmError(
        'CORRUPT_RECORD',
        `key ${id} belongs to module ${module}, which is missing`,
      );
    }
    const cached = this.#keys.get(key);
    if (cached !== undefined) return cached;
    return this.#admit(key, unwrapEntry(record, mod.kek, this.#wipe), epoch);
  }

  async key(module: string, id: string): Promise<KeyEntry | undefined> {
    return this.#keys.get(cacheKey(module, id)) ?? (await this.loadKey(module, id));
  }

  /** The error for a key that is not there: MODULE_NOT_FOUND when its module is missing too. */
  async notFound(module: string, id: string): Promise<VcmError> {
    const mod = this.#modules.get(module) ?? (await this.loadModule(module));
    return mod === undefined
      ? new VcmError('MODULE_NOT_FOUND', `module ${module} not found`)
      : new VcmError('KEY_NOT_FOUND', `key ${id} not found in module ${module}`);
  }

  /**
   * The module's health-check key, unwrapped from the record through its KEK at most once per
   * HEALTH_CHECK_REUSE_MS: every check still reads and verifies the module record and runs its
   * round trip, and a record whose wrapped keys changed is unwrapped afresh at once (a wrapped key
   * that fails shows on the very next check). The loader owns the copy: callers never wipe it.
   */
  healthKey(record: ModuleRecord, nowMs: number): Uint8Array {
    const held = this.#healthKeys.get(record.name);
    if (
      held !== undefined &&
      nowMs - held.unwrappedAt < HEALTH_CHECK_REUSE_MS &&
      nowMs >= held.unwrappedAt &&
      held.wrapped === record.healthKey &&
      held.kekWrapped === record.kek
    ) {
      return held.key;
    }
    this.#dropHealthKey(record.name);
    const kek = this.#unwrapKek(record);
    try {
      const key = unwrapKey(kek, fromBase64(record.healthKey, 'module health-check key'));
      this.#healthKeys.set(record.name, {
        key,
        wrapped: record.healthKey,
        kekWrapped: record.kek,
        unwrappedAt: nowMs,
      });
      return key;
    } finally {
      kek.fill(0);
    }
  }

  #dropHealthKey(module: string): void {
    const held = this.#healthKeys.get(module);
    if (held !== undefined) this.#wipe(held.key);
    this.#healthKeys.delete(module);
  }

  /** A new module's KEK wrapped under the master key, as the module record stores it. */
  wrapKek(kek: Uint8Array): string {
    return toBase64(wrapKey(this.#masterKey, kek));
  }

  // ---- writes ---------------------------------------------------------------------------------

  /** Runs a write (from the single writer), moving the epoch around it. */
  async whileWriting<T>(task: () => Promise<T>): Promise<T> {
    this.#epoch++;
    this.#recent = undefined;
    try {
      return await task();
    } finally {
      this.#epoch++;
    }
  }

  moduleChanged(name: string, record: ModuleRecord): void {
    const cached = this.#modules.get(name);
    if (cached !== undefined) cached.record = record;
  }

  keyChanged(module: string, id: string, record: KeyRecord): void {
    const cached = this.#keys.get(cacheKey(module, id));
    if (cached !== undefined) cached.record = record;
  }

  /** A rotation: the cached entry takes a copy of the new version's material. */
  versionAdded(module: string, id: string, record: KeyRecord, material: Uint8Array): void {
    const cached = this.#keys.get(cacheKey(module, id));
    if (cached === undefined) return;
    const version = currentVersion(record);
    cached.materials.set(version, new Uint8Array(material));
    cached.record = record;
    cached.current = version;
  }

  forgetKey(module: string, id: string): void {
    const key = cacheKey(module, id);
    const cached = this.#keys.get(key);
    if (cached === undefined) return;
    this.#wipeEntry(cached);
    this.#keys.delete(key);
  }

  /** A deleted module: its KEK and every cached key of it are wiped. */
  forgetModule(name: string): void {
    const prefix = cacheKey(name, '');
    for (const [k, entry] of this.#keys) {
      if (!k.startsWith(prefix)) continue;
      this.#wipeEntry(entry);
      this.#keys.delete(k);
    }
    this.#modules.get(name)?.kek.fill(0);
    this.#modules.delete(name);
    this.#dropHealthKey(name);
  }

  /** At close: wipes cached key material, cached KEKs and the master key. */
  wipe(): void {
    for (const entry of this.#keys.values()) this.#wipeEntry(entry);
    for (const entry of this.#modules.values()) entry.kek.fill(0);
    for (const held of this.#healthKeys.values()) this.#wipe(held.key);
    this.#keys.clear();
    this.#modules.clear();
    this.#healthKeys.clear();
    this.#masterKey.fill(0);
  }

  #unwrapKek(record: ModuleRecord): Uint8Array {
    return unwrapKey(this.#masterKey, fromBase64(record.kek, 'module KEK'));
  }

  #admit(key: string, entry: KeyEntry, epoch: number): KeyEntry {
    if (epoch === this.#epoch && this.#keys.offer(key, entry)) return entry;
    // Not cached (a write ran meanwhile, or the doorkeeper has not seen the key lately): the
    // caller uses the entry synchronously, and it is wiped on the next macrotask.
    if (epoch === this.#epoch) this.#recent = { key, entry };
    setImmediate(() => {
      if (this.#recent?.entry === entry) this.#recent = undefined;
      this.#wipeEntry(entry);
    });
    return entry;
  }
}
