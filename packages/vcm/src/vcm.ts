import { PENDING_WINDOW_DAYS_DEFAULT } from './constants.ts';
import { type CheckedDeps, checkDeps, randomOf, VcmContext } from './context.ts';
import type { CipherEngine } from './crypto/cipher-engine.ts';
import { CryptoOperations } from './operations/crypto-operations.ts';
import { HealthChecks } from './operations/health-checks.ts';
import { KeyLifecycle } from './operations/key-lifecycle.ts';
import { ModuleLifecycle } from './operations/module-lifecycle.ts';
import { ModuleRouter } from './operations/module-router.ts';
import { SealedSecrets } from './operations/sealed-secrets.ts';
import { TokenKeys } from './operations/token-keys.ts';
import { TokenRegistry } from './pkcs11/token-registry.ts';
import { checkMasterKey } from './records/record-barrier.ts';
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

/**
 * What a public call reaches once the Vcm is known to be open. Every part method behind an async
 * facade call is an async function, so its checks fail as rejections, never synchronous throws.
 */
type Parts = {
  modules: ModuleLifecycle;
  /** Calls on a module's keys: to the virtual parts, or to the token of a `pkcs11` module. */
  routed: ModuleRouter;
  secrets: SealedSecrets;
};

/**
 * The virtual cryptographic module manager: named modules (virtual HSM partitions), each with a
 * KEK wrapped under the master key, holding AES-256 keys wrapped under that KEK (RFC 5649). Every
 * stored record carries an HMAC bound to its storage key. Writes run one at a time; reads of a
 * cached key never touch the store.
 *
 * A facade (docs/architecture.md): each call checks once that the Vcm is open and hands over to
 * one of its parts (modules, keys, crypto, health, secrets), which share the record barrier, the
 * key loader and the single writer of a VcmContext.
 */
export class Vcm {
  readonly engine: CipherEngine;
  readonly #ctx: VcmContext;
  readonly #parts: Parts;
  readonly #tokens: TokenRegistry;
  /** The one shutdown, shared by every close() call. */
  #closed: Promise<void> | undefined;

  private constructor(deps: CheckedDeps, masterKey: Uint8Array) {
    this.engine = deps.engine;
    const ctx = new VcmContext(deps, masterKey);
    const crypto = new CryptoOperations(ctx);
    const modules = new ModuleLifecycle(ctx);
    this.#ctx = ctx;
    this.#tokens = new TokenRegistry(deps.pkcs11Pin);
    const routed = new ModuleRouter(ctx, {
      modules,
      keys: new KeyLifecycle(ctx),
      crypto,
      health: new HealthChecks(ctx, crypto),
      tokens: new TokenKeys(ctx, this.#tokens),
    });
    this.#parts = { modules, routed, secrets: new SealedSecrets(ctx, masterKey) };
  }

  /**
   * Opens the module manager over a store. The first open of a store without `vcm/` records
   * writes a master-key check value (a random value wrapped under the master key); every later
   * open unwraps it and throws VcmError('WRONG_MASTER_KEY') when the key is not the same, before
   * anything is written or any key is unwrapped.
   */
  static async open(deps: VcmDeps): Promise<Vcm> {
    const checked = checkDeps(deps);
    const masterKey = new Uint8Array(checked.masterKey);
    try {
      await checkMasterKey(checked.store, masterKey, (n) => randomOf(checked.random, n));
      return new Vcm(checked, masterKey);
    } catch (e) {
      masterKey.fill(0);
      throw e;
    }
  }

  /**
   * The parts, for a call that may start: the one open/closed check of every public call. After
   * close() began this throws STORE_UNAVAILABLE.
   */
  #open(): Parts {
    this.#ctx.guard.assertOpen();
    return this.#parts;
  }

  /**
   * An async call through #open(): refused with a rejection, never a synchronous throw. Not an
   * async function itself, so a call costs no promise beyond the part's own (the hot path).
   */
  #whenOpen<T>(call: (parts: Parts) => Promise<T>): Promise<T> {
    let parts: Parts;
    try {
      parts = this.#open();
    } catch (e) {
      return Promise.reject(e);
    }
    return call(parts);
  }

  // ---- modules -------------------------------------------------------------------------------

  /**
   * Creates a module: a random 32-byte KEK wrapped under the master key and a dedicated
   * health-check key wrapped under the KEK, written in one atomic batch. MODULE_EXISTS if present.
   */
  createModule(input: CreateModuleInput): Promise<ModuleInfo> {
    return this.#whenOpen((p) => p.routed.createModule(input));
  }

  getModule(name: string): Promise<ModuleInfo | undefined> {
    return this.#whenOpen((p) => p.modules.get(name));
  }

  /** Every module, by name in byte order. */
  listModules(): Promise<ModuleInfo[]> {
    return this.#whenOpen((p) => p.modules.list());
  }

  /**
   * Sets a module's state (persisted). `maintenance` refuses every key operation with
   * MODULE_IN_MAINTENANCE, `disconnected` with MODULE_DISCONNECTED; health reports every node
   * UNAVAILABLE in both. Takes effect on the next call. MODULE_NOT_FOUND.
   */
  setModuleState(name: string, state: ModuleState): Promise<ModuleInfo> {
    return this.#whenOpen((p) => p.modules.setState(name, state));
  }

  /** How many keys a module holds. MODULE_NOT_FOUND. */
  countKeys(module: string): Promise<number> {
    return this.#whenOpen((p) => p.routed.countKeys(module));
  }

  /**
   * Deletes a module, its KEK and (with `force`) every key in it, in one atomic batch; cached
   * material is wiped. MODULE_IN_USE when it holds keys and `force` is not set; MODULE_NOT_FOUND.
   */
  deleteModule(name: string, options: { force?: boolean } = {}): Promise<{ keys: number }> {
    return this.#whenOpen((p) => p.routed.deleteModule(name, options));
  }

  // ---- keys ----------------------------------------------------------------------------------

  /**
   * Creates a key (version 1) from `material` or from the random source; durable before it
   * resolves. KEY_EXISTS, MODULE_NOT_FOUND, INVALID_INPUT.
   */
  createKey(module: string, input: CreateKeyInput): Promise<KeyInfo> {
    return this.#whenOpen((p) => p.routed.createKey(module, input));
  }

  /**
   * Creates up to MAX_BULK_KEYS keys (version 1 each) in ONE atomic store batch, synced once:
   * after it resolves every key exists, and a crash before that leaves none of them. Much faster
   * than one createKey (one sync) per key when loading many keys. KEY_EXISTS (nothing written)
   * when any id exists or repeats; MODULE_NOT_FOUND, INVALID_INPUT as createKey.
   */
  createKeys(module: string, inputs: readonly CreateKeyInput[]): Promise<KeyInfo[]> {
    return this.#whenOpen((p) => p.routed.createKeys(module, inputs));
  }

  /** The key, or undefined when it (or its module) does not exist. */
  getKey(module: string, id: string): Promise<KeyInfo | undefined> {
    return this.#whenOpen((p) => p.routed.getKey(module, id));
  }

  /**
   * Keys of a module by id in byte order, starting after the id `after`, at most `limit`: a page
   * is read from the store as a page, never the whole module. MODULE_NOT_FOUND.
   */
  listKeys(module: string, options: ListKeysOptions = {}): Promise<KeyInfo[]> {
    return this.#whenOpen((p) => p.routed.listKeys(module, options));
  }

  /** ENABLED or DISABLED; a key pending deletion cannot be enabled (INVALID_KEY_STATE). */
  setKeyStatus(module: string, id: string, status: KeyStatus): Promise<KeyInfo> {
    return this.#whenOpen((p) => p.routed.setKeyStatus(module, id, status));
  }

  /** The kill switch: a blocked key refuses every operation (KEY_BLOCKED) until unblocked. */
  setKeyBlocked(module: string, id: string, blocked: boolean): Promise<KeyInfo> {
    return this.#whenOpen((p) => p.routed.setKeyBlocked(module, id, blocked));
  }

  /**
   * Schedules the key's destruction `pendingWindowDays` (1-30, default 30) from now. The key is
   * DISABLED at once (XKS metadata reports DISABLED, crypto refuses it) and can be destroyed once
   * the date has passed. INVALID_KEY_STATE when already pending.
   */
  scheduleKeyDeletion(
    module: string,
    id: string,
    pendingWindowDays: number = PENDING_WINDOW_DAYS_DEFAULT,
  ): Promise<KeyInfo> {
    return this.#whenOpen((p) => p.routed.scheduleKeyDeletion(module, id, pendingWindowDays));
  }

  /** Cancels a scheduled deletion; the key stays DISABLED (as in AWS KMS). INVALID_KEY_STATE. */
  cancelKeyDeletion(module: string, id: string): Promise<KeyInfo> {
    return this.#whenOpen((p) => p.routed.cancelKeyDeletion(module, id));
  }

  /**
   * Destroys a key pending deletion whose date has passed: every version of its material is gone
   * and ciphertexts made under it can never be decrypted. INVALID_KEY_STATE before that.
   * `force` destroys at once, whatever the state: for short-lived test keys (as deleting a module
   * with force already does for all of its keys).
   */
  destroyKey(module: string, id: string, options: { force?: boolean } = {}): Promise<void> {
    return this.#whenOpen((p) => p.routed.destroyKey(module, id, options));
  }

  /**
   * The material of every version of an exportable key, for the caller to wrap and then wipe.
   * KEY_NOT_EXPORTABLE unless created exportable; KEY_BLOCKED; INVALID_KEY_STATE while pending
   * deletion; the module must be reachable.
   */
  exportKeyMaterial(module: string, id: string): Promise<ExportedKeyVersion[]> {
    return this.#whenOpen((p) => p.routed.exportKeyMaterial(module, id));
  }

  /**
   * The key as an XKS proxy may report it (GetKeyMetadata): the module must be reachable
   * (MODULE_DISCONNECTED, MODULE_IN_MAINTENANCE) and the key exist (KEY_NOT_FOUND) and not be
   * blocked (KEY_BLOCKED). A key pending deletion has status DISABLED.
   */
  keyMetadata(module: string, id: string): Promise<KeyInfo> {
    return this.#whenOpen((p) => p.routed.keyMetadata(module, id));
  }

  /** Appends a version of fresh random material; encrypt uses it from now on, decrypt all. */
  rotateKey(module: string, id: string): Promise<KeyInfo> {
    return this.#whenOpen((p) => p.routed.rotateKey(module, id));
  }

  // ---- cryptographic operations -------------------------------------------------------------

  /**
   * AES-256-GCM under the key's newest version with a fresh 12-byte IV from `random`. Checks, in
   * order: the key exists (KEY_NOT_FOUND; MODULE_NOT_FOUND when the module is absent), is ENABLED
   * (KEY_DISABLED), allows ENCRYPT (INVALID_KEY_USAGE). `aad` goes to GCM as is; it may be a
   * function of the key version, called once, after the checks.
   */
  encrypt(module: string, keyId: string, input: EncryptInput): Promise<EncryptOutput> {
    return this.#whenOpen((p) => p.routed.encrypt(module, keyId, input));
  }

  /**
   * AES-256-GCM decryption with version `keyVersion` of the key. Checks exists / ENABLED /
   * DECRYPT like encrypt, then: IV of 12 or 16 bytes, tag of 16 bytes, a version the key has;
   * any of those or a failed tag check is INVALID_CIPHERTEXT.
   */
  decrypt(module: string, keyId: string, input: DecryptInput): Promise<Uint8Array> {
    return this.#whenOpen((p) => p.routed.decrypt(module, keyId, input));
  }

  /**
   * A deep check of every node of the module: the module record is read from the store and
   * verified, then each node unwraps the KEK and the module's health-check key (never a customer
   * key) and encrypts and decrypts a random block. A node whose check throws is UNAVAILABLE with a
   * short detail; a store that cannot be read makes every node UNAVAILABLE (the node count is then
   * the cached one, or 1). MODULE_NOT_FOUND if the module does not exist.
   */
  healthCheck(module: string): Promise<NodeHealth[]> {
    return this.#whenOpen((p) => p.routed.healthCheck(module));
  }

  // ---- secrets --------------------------------------------------------------------------------

  /**
   * Seals a small secret (e.g. a SigV4 secret access key) under a key derived from the master key
   * (HKDF-SHA256, info 'xkslab secret seal v1'): AES-256-GCM with `context` as AAD, a random
   * 12-byte IV; the output is self-contained (iv || ciphertext || tag).
   */
  sealSecret(plaintext: Uint8Array, context: string): Uint8Array {
    return this.#open().secrets.seal(plaintext, context);
  }

  /** Opens a sealed secret; a wrong context, another master key or any alteration is CORRUPT_RECORD. */
  openSecret(sealed: Uint8Array, context: string): Uint8Array {
    return this.#open().secrets.open(sealed, context);
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
    await this.#ctx.drain();
    await this.#tokens.closeAll();
    this.#ctx.keys.wipe();
    this.#parts.secrets.wipe();
    await this.#ctx.records.close();
  }
}
