import type { VcmContext } from '../context.ts';
import { VcmError } from '../crypto/errors.ts';
import type { ModuleRecord } from '../records/module-record.ts';
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
  NodeHealth,
} from '../types.ts';
import { checkModuleName } from '../validation.ts';
import type { CryptoOperations } from './crypto-operations.ts';
import type { HealthChecks } from './health-checks.ts';
import type { KeyLifecycle } from './key-lifecycle.ts';
import type { ModuleLifecycle } from './module-lifecycle.ts';
import { notSupported, type TokenKeys } from './token-keys.ts';

/** The parts a call on a module's keys may go to. */
export type RoutedParts = {
  modules: ModuleLifecycle;
  keys: KeyLifecycle;
  crypto: CryptoOperations;
  health: HealthChecks;
  tokens: TokenKeys;
};

const NO_ROTATION = 'a token key has one value; create a new key and re-encrypt';
const NO_DELETION = "destroy the key with the token's own tools";
const NO_EXPORT = 'token keys are generated non-extractable';

/**
 * The one decision between the two module backends: a call on a `pkcs11` module goes to the
 * token's part (TokenKeys), any other to the virtual parts. A cached module decides without an
 * await (the hot path); a module's kind never changes, and its cached record follows every state
 * change. What PKCS#11 cannot do safely (rotation, export, destruction) is refused with the reason.
 */
export class ModuleRouter {
  readonly #ctx: VcmContext;
  readonly #p: RoutedParts;

  constructor(ctx: VcmContext, parts: RoutedParts) {
    this.#ctx = ctx;
    this.#p = parts;
  }

  createModule(input: CreateModuleInput): Promise<ModuleInfo> {
    if (input?.pkcs11 === undefined) return this.#p.modules.create(input);
    return this.#p.tokens.createModule(this.#p.modules, input);
  }

  countKeys(module: string): Promise<number> {
    const { tokens, modules } = this.#p;
    return this.#route(
      module,
      (m) => tokens.count(m),
      () => modules.countKeys(module),
    );
  }

  deleteModule(name: string, options: { force?: boolean }): Promise<{ keys: number }> {
    const { tokens, modules } = this.#p;
    const token = async (m: ModuleRecord) => {
      const deleted = await modules.delete(name, options);
      await tokens.forgetModule(m.name);
      return deleted;
    };
    return this.#route(name, token, () => modules.delete(name, options));
  }

  createKey(module: string, input: CreateKeyInput): Promise<KeyInfo> {
    const { tokens, keys } = this.#p;
    return this.#route(
      module,
      (m) => tokens.create(m, input),
      () => keys.create(module, input),
    );
  }

  createKeys(module: string, inputs: readonly CreateKeyInput[]): Promise<KeyInfo[]> {
    const why = 'create them one at a time';
    return this.#virtualOnly(module, 'creating keys in a batch', why, () =>
      this.#p.keys.createMany(module, inputs),
    );
  }

  getKey(module: string, id: string): Promise<KeyInfo | undefined> {
    const { tokens, keys } = this.#p;
    return this.#route(
      module,
      (m) => tokens.get(m, id),
      () => keys.get(module, id),
    );
  }

  listKeys(module: string, options: ListKeysOptions): Promise<KeyInfo[]> {
    const { tokens, keys } = this.#p;
    return this.#route(
      module,
      (m) => tokens.list(m, options),
      () => keys.list(module, options),
    );
  }

  setKeyStatus(module: string, id: string, status: KeyStatus): Promise<KeyInfo> {
    const { tokens, keys } = this.#p;
    return this.#route(
      module,
      (m) => tokens.setStatus(m, id, status),
      () => keys.setStatus(module, id, status),
    );
  }

  setKeyBlocked(module: string, id: string, blocked: boolean): Promise<KeyInfo> {
    const { tokens, keys } = this.#p;
    return this.#route(
      module,
      (m) => tokens.setBlocked(m, id, blocked),
      () => keys.setBlocked(module, id, blocked),
    );
  }

  scheduleKeyDeletion(module: string, id: string, days: number): Promise<KeyInfo> {
    return this.#virtualOnly(module, 'scheduled key deletion', NO_DELETION, () =>
      this.#p.keys.scheduleDeletion(module, id, days),
    );
  }

  cancelKeyDeletion(module: string, id: string): Promise<KeyInfo> {
    return this.#virtualOnly(module, 'scheduled key deletion', NO_DELETION, () =>
      this.#p.keys.cancelDeletion(module, id),
    );
  }

  destroyKey(module: string, id: string, options: { force?: boolean }): Promise<void> {
    return this.#virtualOnly(module, 'destroying a key', NO_DELETION, () =>
      this.#p.keys.destroy(module, id, options),
    );
  }

  exportKeyMaterial(module: string, id: string): Promise<ExportedKeyVersion[]> {
    return this.#virtualOnly(module, 'exporting key material', NO_EXPORT, () =>
      this.#p.keys.exportMaterial(module, id),
    );
  }

  keyMetadata(module: string, id: string): Promise<KeyInfo> {
    const { tokens, keys } = this.#p;
    return this.#route(
      module,
      (m) => tokens.metadata(m, id),
      () => keys.metadata(module, id),
    );
  }

  rotateKey(module: string, id: string): Promise<KeyInfo> {
    return this.#virtualOnly(module, 'key rotation', NO_ROTATION, () =>
      this.#p.keys.rotate(module, id),
    );
  }

  encrypt(module: string, keyId: string, input: EncryptInput): Promise<EncryptOutput> {
    const { tokens, crypto } = this.#p;
    return this.#route(
      module,
      (m) => tokens.encrypt(m, keyId, input),
      () => crypto.encrypt(module, keyId, input),
    );
  }

  decrypt(module: string, keyId: string, input: DecryptInput): Promise<Uint8Array> {
    const { tokens, crypto } = this.#p;
    return this.#route(
      module,
      (m) => tokens.decrypt(m, keyId, input),
      () => crypto.decrypt(module, keyId, input),
    );
  }

  healthCheck(module: string): Promise<NodeHealth[]> {
    const { tokens, health } = this.#p;
    const token = async () => {
      // Read afresh, as the virtual check does: a state change elsewhere shows at once.
      const m = await this.#ctx.records.module(module);
      if (m === undefined) throw new VcmError('MODULE_NOT_FOUND', `module ${module} not found`);
      return tokens.health(m);
    };
    return this.#route(module, token, () => health.check(module));
  }

  /** Not an async function: a cached module costs no promise beyond the part's own. */
  #route<T>(
    module: string,
    onToken: (m: ModuleRecord) => Promise<T>,
    onVirtual: () => Promise<T>,
  ): Promise<T> {
    const cached = this.#ctx.keys.cachedModule(module);
    if (cached === undefined) return this.#routeLoaded(module, onToken, onVirtual);
    return cached.record.pkcs11 === undefined ? onVirtual() : onToken(cached.record);
  }

  async #routeLoaded<T>(
    module: string,
    onToken: (m: ModuleRecord) => Promise<T>,
    onVirtual: () => Promise<T>,
  ): Promise<T> {
    checkModuleName(module);
    const mod = await this.#ctx.keys.loadModule(module);
    return mod?.record.pkcs11 === undefined ? onVirtual() : onToken(mod.record);
  }

  #virtualOnly<T>(module: string, what: string, why: string, call: () => Promise<T>): Promise<T> {
    return this.#route(module, () => Promise.reject(notSupported(what, why)), call);
  }
}
