import { MAX_DATA_BYTES } from '../constants.ts';
import type { VcmContext } from '../context.ts';
import { GCM_IV_BYTES, GCM_IV_LENGTHS, GCM_TAG_BYTES } from '../crypto/constants.ts';
import { VcmError } from '../crypto/errors.ts';
import { INVALID_CIPHERTEXT_MESSAGE } from '../crypto/gcm-params.ts';
import { checkPkcs11Config } from '../pkcs11/pkcs11-config.ts';
import { vcmErrorOf } from '../pkcs11/pkcs11-errors.ts';
import { KeyMissing, type Pkcs11Token, type TokenKey } from '../pkcs11/pkcs11-token.ts';
import type { TokenRegistry } from '../pkcs11/token-registry.ts';
import type { ModuleRecord } from '../records/module-record.ts';
import type { TokenKeyRecord } from '../records/token-key-record.ts';
import type {
  CreateKeyInput,
  CreateModuleInput,
  DecryptInput,
  EncryptInput,
  EncryptOutput,
  KeyInfo,
  KeyStatus,
  ListKeysOptions,
  ModuleInfo,
  NodeHealth,
} from '../types.ts';
import {
  checkBytes,
  checkCreateKeyInput,
  checkDecryptInput,
  checkKeyId,
  checkModuleName,
  checkObject,
} from '../validation.ts';
import { assertReachable } from './key-rules.ts';
import type { ModuleLifecycle } from './module-lifecycle.ts';

/** A `pkcs11` module's key has one version: the token's key (rotation is refused). */
const TOKEN_KEY_VERSION = 1;

/** What a `pkcs11` module's key is: the token's attributes plus xkslab's own state. */
function tokenKeyInfo(mod: ModuleRecord, key: TokenKey, state?: TokenKeyRecord): KeyInfo {
  const createdAt = state?.createdAt ?? mod.createdAt;
  const status = state?.status ?? 'ENABLED';
  return {
    module: mod.name,
    id: key.label,
    usage: key.usage,
    status,
    state: status,
    origin: key.local ? 'GENERATED' : 'IMPORTED',
    exportable: false,
    blocked: state?.blocked ?? false,
    createdAt,
    currentVersion: TOKEN_KEY_VERSION,
    versions: [{ version: TOKEN_KEY_VERSION, createdAt }],
  };
}

function notFound(mod: ModuleRecord, id: string): VcmError {
  return new VcmError('KEY_NOT_FOUND', `key ${id} not found in module ${mod.name}`);
}

/** The refusal of what PKCS#11 cannot do safely here, with the reason in the message. */
export function notSupported(what: string, why: string): VcmError {
  return new VcmError('NOT_SUPPORTED', `${what} is not supported for pkcs11 modules: ${why}`);
}

/**
 * The keys of `pkcs11` modules: they live in the token (XKS key id = CKA_LABEL of an AES-256
 * CKO_SECRET_KEY); key status and the kill switch are xkslab-side states kept in a small signed
 * record (the token's key is untouched). Encrypt and decrypt run CKM_AES_GCM in the token with a
 * 12-byte IV from the Vcm's CSPRNG and a 128-bit tag.
 */
export class TokenKeys {
  readonly #ctx: VcmContext;
  readonly #tokens: TokenRegistry;
  /** xkslab-side states read lately (null: no record), dropped by every write of this part. */
  readonly #states = new Map<string, TokenKeyRecord | null>();
  #writes = 0;

  constructor(ctx: VcmContext, tokens: TokenRegistry) {
    this.#ctx = ctx;
    this.#tokens = tokens;
  }

  token(mod: ModuleRecord): Promise<Pkcs11Token> {
    const config = mod.pkcs11;
    if (config === undefined) throw new VcmError('INVALID_INPUT', `${mod.name} is not pkcs11`);
    return this.#tokens.token(mod.name, config);
  }

  /**
   * A `pkcs11` module: the token must answer a probe (library loaded, token found, PIN accepted)
   * before the module record is written, so a mistake in the config fails here.
   */
  async createModule(modules: ModuleLifecycle, input: CreateModuleInput): Promise<ModuleInfo> {
    checkModuleName(input.name);
    const pkcs11 = checkPkcs11Config(input.pkcs11);
    if (input.nodes !== undefined && input.nodes !== 1) {
      throw new VcmError('INVALID_INPUT', 'a pkcs11 module has one node: its token');
    }
    if (await this.#ctx.records.hasModule(input.name)) {
      throw new VcmError('MODULE_EXISTS', `module ${input.name} already exists`);
    }
    try {
      await (await this.#tokens.token(input.name, pkcs11)).probe();
      return await modules.create({ name: input.name, nodes: 1, pkcs11 });
    } catch (e) {
      this.#tokens.forget(input.name);
      throw vcmErrorOf(e, 'other');
    }
  }

  async create(mod: ModuleRecord, input: CreateKeyInput): Promise<KeyInfo> {
    const checked = checkCreateKeyInput(input);
    if (checked.given !== undefined) {
      checked.given.fill(0);
      throw notSupported('importing key material', 'generate the key in the token instead');
    }
    if (checked.exportable) {
      throw notSupported('an exportable key', 'keys are generated non-extractable');
    }
    const token = await this.#call(() => this.token(mod), 'other');
    return this.#ctx.write(async () => {
      if ((await this.#call(() => token.describe(checked.id), 'other')) !== undefined) {
        throw new VcmError('KEY_EXISTS', `key ${checked.id} already exists in module ${mod.name}`);
      }
      const key = await this.#call(() => token.generate(checked.id, checked.usage), 'other');
      const state: TokenKeyRecord = {
        id: checked.id,
        status: checked.status,
        blocked: false,
        createdAt: this.#ctx.now(),
      };
      await this.#writeState(mod.name, state);
      return tokenKeyInfo(mod, key, state);
    });
  }

  async get(mod: ModuleRecord, id: string): Promise<KeyInfo | undefined> {
    const token = await this.#call(() => this.token(mod), 'other');
    const key = await this.#call(() => token.describe(id), 'other');
    return key === undefined ? undefined : tokenKeyInfo(mod, key, await this.#state(mod, id));
  }

  async list(mod: ModuleRecord, { after, limit }: ListKeysOptions): Promise<KeyInfo[]> {
    const token = await this.#call(() => this.token(mod), 'other');
    let labels = await this.#call(() => token.labels(), 'other');
    if (after !== undefined) labels = labels.filter((l) => l > after);
    if (limit !== undefined) labels = labels.slice(0, limit);
    const keys: KeyInfo[] = [];
    for (const label of labels) {
      const info = await this.get(mod, label);
      if (info !== undefined) keys.push(info);
    }
    return keys;
  }

  async count(mod: ModuleRecord): Promise<number> {
    const token = await this.#call(() => this.token(mod), 'other');
    return (await this.#call(() => token.labels(), 'other')).length;
  }

  /** GetKeyMetadata: the module reachable, the key in the token and not blocked. */
  async metadata(mod: ModuleRecord, id: string): Promise<KeyInfo> {
    assertReachable(mod);
    const info = await this.get(mod, id);
    if (info === undefined) throw notFound(mod, id);
    if (info.blocked)
      throw new VcmError('KEY_BLOCKED', `key ${id} in module ${mod.name} is blocked`);
    return info;
  }

  setStatus(mod: ModuleRecord, id: string, status: KeyStatus): Promise<KeyInfo> {
    return this.#changeState(mod, id, (s) => ({ ...s, status }));
  }

  setBlocked(mod: ModuleRecord, id: string, blocked: boolean): Promise<KeyInfo> {
    return this.#changeState(mod, id, (s) => ({ ...s, blocked }));
  }

  async encrypt(mod: ModuleRecord, id: string, input: EncryptInput): Promise<EncryptOutput> {
    checkObject(input, 'input');
    checkBytes(input.plaintext, 'plaintext', MAX_DATA_BYTES);
    const token = await this.#usable(mod, id, 'ENCRYPT');
    const aad = typeof input.aad === 'function' ? input.aad(TOKEN_KEY_VERSION) : input.aad;
    checkBytes(aad, 'aad', MAX_DATA_BYTES);
    const iv = this.#ctx.bytes(GCM_IV_BYTES);
    const out = await this.#call(() => token.encrypt(id, iv, input.plaintext, aad), 'encrypt', {
      mod,
      id,
    });
    return { ...out, iv, keyVersion: TOKEN_KEY_VERSION };
  }

  async decrypt(mod: ModuleRecord, id: string, input: DecryptInput): Promise<Uint8Array> {
    checkDecryptInput(input);
    const { ciphertext, iv, tag, aad, keyVersion } = input;
    const token = await this.#usable(mod, id, 'DECRYPT');
    if (
      !GCM_IV_LENGTHS.includes(iv.length) ||
      tag.length !== GCM_TAG_BYTES ||
      keyVersion !== TOKEN_KEY_VERSION
    ) {
      throw new VcmError('INVALID_CIPHERTEXT', INVALID_CIPHERTEXT_MESSAGE);
    }
    return this.#call(() => token.decrypt(id, iv, ciphertext, tag, aad), 'decrypt', { mod, id });
  }

  /**
   * The module's one node is its token: a probe (a logged-in session, C_GetTokenInfo) makes it
   * ACTIVE with the token's model and firmware; any failure makes it UNAVAILABLE with the reason.
   */
  async health(mod: ModuleRecord): Promise<NodeHealth[]> {
    const id = `${mod.name}-node-1`;
    if (mod.state !== 'active') {
      return [{ id, status: 'UNAVAILABLE', detail: `module is ${mod.state}` }];
    }
    try {
      const token = await this.token(mod);
      const p = await token.probe();
      return [
        {
          id,
          status: 'ACTIVE',
          model: `${p.model} (firmware version: ${p.firmware}, hardware version: ${p.hardware})`,
          vendor: `${p.manufacturer} (serial number: ${p.serial})`,
        },
      ];
    } catch (e) {
      const detail = vcmErrorOf(e, 'other').message;
      return [{ id, status: 'UNAVAILABLE', detail, model: 'PKCS#11 token (not reachable)' }];
    }
  }

  /** A deleted module: its state records go, its token is closed; the token's keys stay. */
  async forgetModule(name: string): Promise<void> {
    const ids = await this.#ctx.records.tokenKeyIds(name);
    this.#writes++;
    await this.#ctx.records.batch(
      ids.map((id) => ({ type: 'delete-token-key' as const, module: name, id })),
    );
    for (const key of this.#states.keys()) if (key.startsWith(`${name}/`)) this.#states.delete(key);
    this.#tokens.forget(name);
  }

  /**
   * The checks of a virtual module's key, in the same order: the module reachable, the key in the
   * token, not blocked, ENABLED, its CKA_ENCRYPT/CKA_DECRYPT allowing the use (the token enforces
   * that too). Existence and usage come from the token's cached attributes.
   */
  async #usable(mod: ModuleRecord, id: string, usage: 'ENCRYPT' | 'DECRYPT'): Promise<Pkcs11Token> {
    checkKeyId(id);
    assertReachable(mod);
    const token = await this.#call(() => this.token(mod), 'other');
    const key = await this.#call(() => token.key(id), 'other');
    if (key === undefined) throw notFound(mod, id);
    const state = await this.#state(mod, id);
    const name = `key ${id} in module ${mod.name}`;
    if (state?.blocked) throw new VcmError('KEY_BLOCKED', `${name} is blocked`);
    if (state !== undefined && state.status !== 'ENABLED') {
      throw new VcmError('KEY_DISABLED', `${name} is disabled`);
    }
    if (!key.usage.includes(usage)) {
      throw new VcmError('INVALID_KEY_USAGE', `${name} does not allow ${usage}`);
    }
    return token;
  }

  async #state(mod: ModuleRecord, id: string): Promise<TokenKeyRecord | undefined> {
    const key = `${mod.name}/${id}`;
    const cached = this.#states.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const writes = this.#writes;
    const state = await this.#ctx.records.tokenKey(mod.name, id);
    if (writes === this.#writes) this.#states.set(key, state ?? null);
    return state;
  }

  async #writeState(module: string, state: TokenKeyRecord): Promise<void> {
    this.#writes++;
    this.#states.delete(`${module}/${state.id}`);
    await this.#ctx.records.write({ type: 'token-key', module, record: state });
  }

  #changeState(
    mod: ModuleRecord,
    id: string,
    change: (s: TokenKeyRecord) => TokenKeyRecord,
  ): Promise<KeyInfo> {
    checkKeyId(id);
    return this.#ctx.write(async () => {
      const token = await this.#call(() => this.token(mod), 'other');
      const key = await this.#call(() => token.describe(id), 'other');
      if (key === undefined) throw notFound(mod, id);
      const current = (await this.#ctx.records.tokenKey(mod.name, id)) ?? {
        id,
        status: 'ENABLED',
        blocked: false,
        createdAt: mod.createdAt,
      };
      const next = change(current);
      await this.#writeState(mod.name, next);
      return tokenKeyInfo(mod, key, next);
    });
  }

  /** A token call with its failure mapped: a missing key is KEY_NOT_FOUND, CKR_* as mapped. */
  async #call<T>(
    fn: () => Promise<T>,
    operation: 'encrypt' | 'decrypt' | 'other',
    key?: { mod: ModuleRecord; id: string },
  ): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof KeyMissing && key !== undefined) throw notFound(key.mod, key.id);
      throw vcmErrorOf(e, operation);
    }
  }
}
