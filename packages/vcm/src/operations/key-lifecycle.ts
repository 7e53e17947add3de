import { MAX_BULK_KEYS } from '../constants.ts';
import type { VcmContext } from '../context.ts';
import { AES_256_KEY_BYTES } from '../crypto/constants.ts';
import { VcmError } from '../crypto/errors.ts';
import { wrapKey } from '../crypto/key-wrap.ts';
import type { KeyEntry } from '../key-loader.ts';
import { toBase64 } from '../records/base64.ts';
import { currentVersion, type KeyRecord, keyInfo } from '../records/key-record.ts';
import type {
  CreateKeyInput,
  ExportedKeyVersion,
  KeyInfo,
  KeyStatus,
  ListKeysOptions,
} from '../types.ts';
import {
  type CheckedKeyInput,
  checkBoolean,
  checkCreateKeyInput,
  checkKeyId,
  checkModuleName,
  checkObject,
  checkPendingWindowDays,
  checkStatus,
} from '../validation.ts';
import { assertNotBlocked, assertNotPending, assertPending, assertReachable } from './key-rules.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

function keyExists(module: string, id: string): VcmError {
  return new VcmError('KEY_EXISTS', `key ${id} already exists in module ${module}`);
}

/**
 * Keys of a module: create (one or a batch), read, list, status, block, scheduled deletion,
 * destruction, rotation, export. Every change is a write of the single writer that reads the
 * stored record, writes the next one and then updates the key loader's cached entry.
 */
export class KeyLifecycle {
  readonly #ctx: VcmContext;

  constructor(ctx: VcmContext) {
    this.#ctx = ctx;
  }

  async create(module: string, input: CreateKeyInput): Promise<KeyInfo> {
    checkModuleName(module);
    const checked = checkCreateKeyInput(input);
    const { records, keys } = this.#ctx;
    return this.#ctx.write(async () => {
      const mod = await keys.requireModule(module);
      if (await records.hasKey(module, checked.id)) throw keyExists(module, checked.id);
      const record = this.#newRecord(mod.kek, checked, this.#ctx.now());
      await records.write({ type: 'key', module, record });
      return keyInfo(module, record);
    });
  }

  async createMany(module: string, inputs: readonly CreateKeyInput[]): Promise<KeyInfo[]> {
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
    const { records, keys } = this.#ctx;
    return this.#ctx
      .write(async () => {
        const mod = await keys.requireModule(module);
        for (const { id } of checked) {
          if (await records.hasKey(module, id)) throw keyExists(module, id);
        }
        const now = this.#ctx.now();
        const created = checked.map((input) => this.#newRecord(mod.kek, input, now));
        await records.batch(created.map((record) => ({ type: 'key' as const, module, record })));
        return created.map((record) => keyInfo(module, record));
      })
      .finally(wipeGiven);
  }

  async get(module: string, id: string): Promise<KeyInfo | undefined> {
    checkModuleName(module);
    checkKeyId(id);
    const entry = await this.#ctx.keys.key(module, id);
    return entry === undefined ? undefined : keyInfo(module, entry.record);
  }

  async list(module: string, options: ListKeysOptions): Promise<KeyInfo[]> {
    checkModuleName(module);
    checkObject(options, 'options');
    const { after, limit } = options;
    if (after !== undefined) checkKeyId(after);
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 1)) {
      throw new VcmError('INVALID_INPUT', 'limit must be a positive integer');
    }
    await this.#ctx.keys.requireModule(module);
    const page = await this.#ctx.records.keys(module, options);
    return page.map((record) => keyInfo(module, record));
  }

  async setStatus(module: string, id: string, status: KeyStatus): Promise<KeyInfo> {
    checkModuleName(module);
    checkKeyId(id);
    checkStatus(status);
    return this.#update(module, id, (record) => {
      if (record.status === status) return undefined;
      assertNotPending(module, record);
      return { ...record, status };
    });
  }

  async setBlocked(module: string, id: string, blocked: boolean): Promise<KeyInfo> {
    checkModuleName(module);
    checkKeyId(id);
    checkBoolean(blocked, 'blocked');
    return this.#update(module, id, (record) =>
      record.blocked === blocked ? undefined : { ...record, blocked },
    );
  }

  async scheduleDeletion(module: string, id: string, pendingWindowDays: number): Promise<KeyInfo> {
    checkModuleName(module);
    checkKeyId(id);
    checkPendingWindowDays(pendingWindowDays);
    return this.#update(module, id, (record) => {
      assertNotPending(module, record);
      const deletionDate = new Date(this.#ctx.clock().getTime() + pendingWindowDays * DAY_MS);
      return { ...record, status: 'DISABLED', deletionDate: deletionDate.toISOString() };
    });
  }

  async cancelDeletion(module: string, id: string): Promise<KeyInfo> {
    checkModuleName(module);
    checkKeyId(id);
    return this.#update(module, id, (record) => {
      assertPending(module, record);
      const { deletionDate: _, ...rest } = record;
      return rest;
    });
  }

  /** `force` destroys at once, whatever the state: for short-lived test keys. */
  async destroy(module: string, id: string, options: { force?: boolean } = {}): Promise<void> {
    checkModuleName(module);
    checkKeyId(id);
    await this.#ctx.write(async () => {
      const record = await this.#requireRecord(module, id);
      if (options.force !== true) this.#assertDestroyable(module, record);
      await this.#ctx.records.write({ type: 'delete-key', module, id });
      this.#ctx.keys.forgetKey(module, id);
    });
  }

  /** INVALID_KEY_STATE unless the key is pending deletion and its date has passed. */
  #assertDestroyable(module: string, record: KeyRecord): void {
    assertPending(module, record);
    if (this.#ctx.clock().getTime() < Date.parse(record.deletionDate)) {
      throw new VcmError(
        'INVALID_KEY_STATE',
        `key ${record.id} in module ${module} cannot be destroyed before ${record.deletionDate}`,
      );
    }
  }

  async exportMaterial(module: string, id: string): Promise<ExportedKeyVersion[]> {
    const entry = await this.#reachableKey(module, id);
    this.#ctx.guard.assertKeys();
    const { record } = entry;
    if (!record.exportable) {
      throw new VcmError('KEY_NOT_EXPORTABLE', `key ${id} in module ${module} is not exportable`);
    }
    assertNotBlocked(module, record);
    assertNotPending(module, record);
    return record.versions.map((v) => ({
      version: v.version,
      createdAt: v.createdAt,
      material: new Uint8Array(entry.materials.get(v.version) as Uint8Array),
    }));
  }

  async metadata(module: string, id: string): Promise<KeyInfo> {
    const { record } = await this.#reachableKey(module, id);
    assertNotBlocked(module, record);
    return keyInfo(module, record);
  }

  async rotate(module: string, id: string): Promise<KeyInfo> {
    checkModuleName(module);
    checkKeyId(id);
    const { records, keys } = this.#ctx;
    return this.#ctx.write(async () => {
      const mod = await keys.requireModule(module);
      const record = await this.#requireRecord(module, id);
      assertNotPending(module, record);
      const version = currentVersion(record) + 1;
      const material = this.#ctx.bytes(AES_256_KEY_BYTES);
      try {
        const wrapped = toBase64(wrapKey(mod.kek, material));
        const next: KeyRecord = {
          ...record,
          versions: [...record.versions, { version, createdAt: this.#ctx.now(), wrapped }],
        };
        await records.write({ type: 'key', module, record: next });
        keys.versionAdded(module, id, next, material);
        return keyInfo(module, next);
      } finally {
        material.fill(0);
      }
    });
  }

  /** Version 1 of a new key, its material (given or drawn) wrapped under the KEK and wiped. */
  #newRecord(kek: Uint8Array, input: CheckedKeyInput, now: string): KeyRecord {
    const { id, usage, status, exportable, origin, given } = input;
    const material = given ?? this.#ctx.bytes(AES_256_KEY_BYTES);
    try {
      const wrapped = toBase64(wrapKey(kek, material));
      return {
        id,
        usage,
        status,
        createdAt: now,
        versions: [{ version: 1, createdAt: now, wrapped }],
        origin,
        exportable,
        blocked: false,
      };
    } finally {
      material.fill(0);
    }
  }

  /** The stored record of a key, for a write: MODULE_NOT_FOUND or KEY_NOT_FOUND when absent. */
  async #requireRecord(module: string, id: string): Promise<KeyRecord> {
    const record = await this.#ctx.records.key(module, id);
    if (record === undefined) throw await this.#ctx.keys.notFound(module, id);
    return record;
  }

  /**
   * A write of one key record: `change` returns the next record (or undefined for no change, or
   * throws); the cached entry takes the new record after the store write succeeded.
   */
  #update(
    module: string,
    id: string,
    change: (record: KeyRecord) => KeyRecord | undefined,
  ): Promise<KeyInfo> {
    return this.#ctx.write(async () => {
      const record = await this.#requireRecord(module, id);
      const next = change(record);
      if (next === undefined) return keyInfo(module, record);
      await this.#ctx.records.write({ type: 'key', module, record: next });
      this.#ctx.keys.keyChanged(module, id, next);
      return keyInfo(module, next);
    });
  }

  /** A key of a module that must be reachable (MODULE_DISCONNECTED, MODULE_IN_MAINTENANCE). */
  async #reachableKey(module: string, id: string): Promise<KeyEntry> {
    checkModuleName(module);
    checkKeyId(id);
    const { keys } = this.#ctx;
    const mod = await keys.requireModule(module);
    assertReachable(mod.record);
    const entry = await keys.key(module, id);
    if (entry === undefined) throw await keys.notFound(module, id);
    return entry;
  }
}
