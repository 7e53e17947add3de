import { MODULE_NODES_DEFAULT } from '../constants.ts';
import type { VcmContext } from '../context.ts';
import { AES_256_KEY_BYTES } from '../crypto/constants.ts';
import { VcmError } from '../crypto/errors.ts';
import { wrapKey } from '../crypto/key-wrap.ts';
import { toBase64 } from '../records/base64.ts';
import { type ModuleRecord, moduleInfo } from '../records/module-record.ts';
import type { CreateModuleInput, ModuleInfo, ModuleState } from '../types.ts';
import { checkModuleName, checkModuleState, checkNodes, checkObject } from '../validation.ts';

function moduleNotFound(name: string): VcmError {
  return new VcmError('MODULE_NOT_FOUND', `module ${name} not found`);
}

/** Modules (virtual HSM partitions): create, read, list, change state, count keys, delete. */
export class ModuleLifecycle {
  readonly #ctx: VcmContext;

  constructor(ctx: VcmContext) {
    this.#ctx = ctx;
  }

  async create(input: CreateModuleInput): Promise<ModuleInfo> {
    checkObject(input, 'input');
    const { name } = input;
    checkModuleName(name);
    const nodes = input.nodes ?? MODULE_NODES_DEFAULT;
    checkNodes(nodes);
    const { records, keys } = this.#ctx;
    return this.#ctx.write(async () => {
      if (await records.hasModule(name)) {
        throw new VcmError('MODULE_EXISTS', `module ${name} already exists`);
      }
      const kek = this.#ctx.bytes(AES_256_KEY_BYTES);
      const healthKey = this.#ctx.bytes(AES_256_KEY_BYTES);
      try {
        const record: ModuleRecord = {
          name,
          nodes,
          createdAt: this.#ctx.now(),
          kek: keys.wrapKek(kek),
          healthKey: toBase64(wrapKey(kek, healthKey)),
          state: 'active',
          ...(input.pkcs11 === undefined ? {} : { pkcs11: input.pkcs11 }),
        };
        await records.batch([{ type: 'module', record }]);
        return moduleInfo(record);
      } finally {
        kek.fill(0);
        healthKey.fill(0);
      }
    });
  }

  async get(name: string): Promise<ModuleInfo | undefined> {
    checkModuleName(name);
    const entry = await this.#ctx.keys.module(name);
    return entry === undefined ? undefined : moduleInfo(entry.record);
  }

  async list(): Promise<ModuleInfo[]> {
    return (await this.#ctx.records.modules()).map(moduleInfo);
  }

  async setState(name: string, state: ModuleState): Promise<ModuleInfo> {
    checkModuleName(name);
    checkModuleState(state);
    const { records, keys } = this.#ctx;
    return this.#ctx.write(async () => {
      const record = await records.module(name);
      if (record === undefined) throw moduleNotFound(name);
      if (record.state === state) return moduleInfo(record);
      const next: ModuleRecord = { ...record, state };
      await records.write({ type: 'module', record: next });
      keys.moduleChanged(name, next);
      return moduleInfo(next);
    });
  }

  async countKeys(module: string): Promise<number> {
    checkModuleName(module);
    await this.#ctx.keys.requireModule(module);
    return this.#ctx.records.countKeys(module);
  }

  async delete(name: string, options: { force?: boolean }): Promise<{ keys: number }> {
    checkModuleName(name);
    checkObject(options, 'options');
    const { records, keys } = this.#ctx;
    return this.#ctx.write(async () => {
      if ((await records.module(name)) === undefined) throw moduleNotFound(name);
      const ids = await records.keyIds(name);
      if (ids.length > 0 && options.force !== true) {
        throw new VcmError('MODULE_IN_USE', `module ${name} holds ${ids.length} key(s)`);
      }
      await records.batch([
        ...ids.map((id) => ({ type: 'delete-key' as const, module: name, id })),
        { type: 'delete-module', name },
      ]);
      keys.forgetModule(name);
      return { keys: ids.length };
    });
  }
}
