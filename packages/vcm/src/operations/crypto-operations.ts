import { equalBytes } from '@noble/ciphers/utils.js';
import { HEALTH_CHECK_BLOCK_BYTES, MAX_DATA_BYTES } from '../constants.ts';
import type { VcmContext } from '../context.ts';
import type { CipherEngine } from '../crypto/cipher-engine.ts';
import { GCM_IV_BYTES, GCM_IV_LENGTHS, GCM_TAG_BYTES } from '../crypto/constants.ts';
import { isVcmError, VcmError } from '../crypto/errors.ts';
import { INVALID_CIPHERTEXT_MESSAGE } from '../crypto/gcm-params.ts';
import type { Guard } from '../guard.ts';
import type { KeyEntry, KeyLoader } from '../key-loader.ts';
import type { ModuleRecord } from '../records/module-record.ts';
import type { DecryptInput, EncryptInput, EncryptOutput, NodeHealth } from '../types.ts';
import {
  checkBytes,
  checkDecryptInput,
  checkKeyId,
  checkModuleName,
  checkObject,
} from '../validation.ts';
import { assertNotBlocked, assertReachable } from './key-rules.ts';

const encoder = new TextEncoder();

function invalidCiphertext(): VcmError {
  return new VcmError('INVALID_CIPHERTEXT', INVALID_CIPHERTEXT_MESSAGE);
}

function healthDetail(e: unknown): string {
  if (isVcmError(e, 'CORRUPT_RECORD')) return 'health-check key failed its integrity check';
  if (isVcmError(e)) return `health check failed (${e.code})`;
  return 'health check failed';
}

/**
 * AES-256-GCM with a module's keys (encrypt, decrypt) and with its health-check key (one node's
 * round trip). The hot path: a cached key is used without touching the store.
 */
export class CryptoOperations {
  readonly #ctx: VcmContext;
  readonly #keys: KeyLoader;
  readonly #guard: Guard;
  readonly #engine: CipherEngine;

  constructor(ctx: VcmContext) {
    this.#ctx = ctx;
    this.#keys = ctx.keys;
    this.#guard = ctx.guard;
    this.#engine = ctx.engine;
  }

  async encrypt(module: string, keyId: string, input: EncryptInput): Promise<EncryptOutput> {
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
    this.#guard.assertKeys();
    const iv = this.#ctx.bytes(GCM_IV_BYTES);
    const { ciphertext, tag } = this.#engine.encrypt(material, iv, plaintext, aad);
    return { ciphertext, iv, tag, keyVersion: version };
  }

  async decrypt(module: string, keyId: string, input: DecryptInput): Promise<Uint8Array> {
    checkModuleName(module);
    checkKeyId(keyId);
    checkDecryptInput(input);
    const { ciphertext, iv, tag, aad, keyVersion } = input;
    const entry = await this.#usableKey(module, keyId, 'DECRYPT');
    if (!GCM_IV_LENGTHS.includes(iv.length) || tag.length !== GCM_TAG_BYTES) {
      throw invalidCiphertext();
    }
    const material = Number.isSafeInteger(keyVersion) ? entry.materials.get(keyVersion) : undefined;
    if (material === undefined) throw invalidCiphertext();
    return this.#engine.decrypt(material, iv, ciphertext, tag, aad);
  }

  /**
   * One node's check: the module's health-check key (never a customer key; unwrapped through the
   * KEK at most once a second, KeyLoader.healthKey), encrypt and decrypt a random block. A check that throws is UNAVAILABLE with a short detail.
   */
  checkNode(id: string, record: ModuleRecord): NodeHealth {
    let block: Uint8Array | undefined;
    let back: Uint8Array | undefined;
    try {
      const healthKey = this.#keys.healthKey(record, this.#ctx.clock().getTime());
      block = this.#ctx.bytes(HEALTH_CHECK_BLOCK_BYTES);
      const iv = this.#ctx.bytes(GCM_IV_BYTES);
      const aad = encoder.encode(id);
      const { ciphertext, tag } = this.#engine.encrypt(healthKey, iv, block, aad);
      back = this.#engine.decrypt(healthKey, iv, ciphertext, tag, aad);
      if (!equalBytes(back, block)) {
        return { id, status: 'UNAVAILABLE', detail: 'health check round trip mismatch' };
      }
      return { id, status: 'ACTIVE' };
    } catch (e) {
      return { id, status: 'UNAVAILABLE', detail: healthDetail(e) };
    } finally {
      block?.fill(0);
      back?.fill(0);
    }
  }

  /**
   * The key, checked in this order: the module is reachable (MODULE_DISCONNECTED,
   * MODULE_IN_MAINTENANCE: a proxy that cannot reach its HSM cannot tell whether a key exists),
   * the key exists, is not blocked, is ENABLED, and allows the usage.
   */
  async #usableKey(module: string, id: string, usage: 'ENCRYPT' | 'DECRYPT'): Promise<KeyEntry> {
    const keys = this.#keys;
    const mod = keys.cachedModule(module) ?? (await keys.loadModule(module));
    if (mod !== undefined) assertReachable(mod.record);
    let entry = keys.cachedKey(module, id);
    if (entry === undefined) {
      entry = await keys.loadKey(module, id);
      if (entry === undefined) throw await keys.notFound(module, id);
      this.#guard.assertKeys();
    }
    assertNotBlocked(module, entry.record);
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
}
