import { randomBytes } from '@noble/ciphers/utils.js';
import { KEY_CACHE_ENTRIES_DEFAULT } from './constants.ts';
import type { CipherEngine } from './crypto/cipher-engine.ts';
import { AES_256_KEY_BYTES } from './crypto/constants.ts';
import { VcmError } from './crypto/errors.ts';
import { pooledRandom } from './crypto/random-pool.ts';
import { Guard } from './guard.ts';
import { KeyLoader } from './key-loader.ts';
import { RecordBarrier } from './records/record-barrier.ts';
import type { RecordStore } from './storage/record-store.ts';
import type { VcmDeps } from './types.ts';
import { checkObject } from './validation.ts';
import { WriteQueue } from './write-queue.ts';

/** VcmDeps checked, with the defaults filled in (the master key is checked but not yet copied). */
export type CheckedDeps = {
  store: RecordStore;
  engine: CipherEngine;
  masterKey: Uint8Array;
  random: (n: number) => Uint8Array;
  clock: () => Date;
  keyCacheEntries: number;
  pkcs11Pin?: VcmDeps['pkcs11Pin'];
};

export function checkDeps(deps: VcmDeps): CheckedDeps {
  checkObject(deps, 'deps');
  const { store, engine, masterKey } = deps;
  if (store === null || typeof store !== 'object' || typeof store.get !== 'function') {
    throw new VcmError('INVALID_INPUT', 'deps.store must be a RecordStore');
  }
  if (
    engine === null ||
    typeof engine !== 'object' ||
    typeof engine.encrypt !== 'function' ||
    typeof engine.forget !== 'function'
  ) {
    throw new VcmError('INVALID_INPUT', 'deps.engine must be a CipherEngine');
  }
  if (!(masterKey instanceof Uint8Array) || masterKey.length !== AES_256_KEY_BYTES) {
    throw new VcmError('INVALID_INPUT', `the master key must be ${AES_256_KEY_BYTES} bytes`);
  }
  // The default CSPRNG is pooled: a call costs about the same for 12 bytes as for 4 KiB.
  const random = deps.random ?? pooledRandom((n: number) => randomBytes(n));
  const clock = deps.clock ?? (() => new Date());
  const keyCacheEntries = deps.keyCacheEntries ?? KEY_CACHE_ENTRIES_DEFAULT;
  if (!Number.isSafeInteger(keyCacheEntries) || keyCacheEntries < 1) {
    throw new VcmError('INVALID_INPUT', 'deps.keyCacheEntries must be a positive integer');
  }
  const pin = deps.pkcs11Pin === undefined ? {} : { pkcs11Pin: deps.pkcs11Pin };
  return { store, engine, masterKey, random, clock, keyCacheEntries, ...pin };
}

/** n bytes from a random source, checked: a source returning anything else is a wiring bug. */
export function randomOf(random: (n: number) => Uint8Array, n: number): Uint8Array {
  const out = random(n);
  if (!(out instanceof Uint8Array) || out.length !== n) {
    throw new VcmError(
      'INVALID_INPUT',
      `the random source returned something other than ${n} bytes`,
    );
  }
  return out;
}

/**
 * What the parts of the Vcm share: the guard, the record barrier over the store, the key loader,
 * the engine, the clock and random source, and the single writer. Built once per open Vcm.
 */
export class VcmContext {
  readonly guard = new Guard();
  readonly records: RecordBarrier;
  readonly keys: KeyLoader;
  readonly engine: CipherEngine;
  readonly clock: () => Date;
  readonly #random: (n: number) => Uint8Array;
  readonly #writes = new WriteQueue();

  /** `masterKey` is the Vcm's own copy: the key loader keeps it and wipes it at close. */
  constructor(deps: CheckedDeps, masterKey: Uint8Array) {
    this.records = new RecordBarrier(deps.store, masterKey, this.guard);
    const { engine } = deps;
    this.keys = new KeyLoader(this.records, this.guard, masterKey, deps.keyCacheEntries, (key) =>
      engine.forget(key),
    );
    this.engine = deps.engine;
    this.clock = deps.clock;
    this.#random = deps.random;
  }

  bytes(n: number): Uint8Array {
    return randomOf(this.#random, n);
  }

  now(): string {
    return this.clock().toISOString();
  }

  /**
   * Runs a write alone (the single writer), in call order, moving the key cache's epoch around it.
   * Keys are never wiped while a write runs: close() waits for the queue first.
   */
  write<T>(task: () => Promise<T>): Promise<T> {
    return this.#writes.run(() => {
      this.guard.assertKeys();
      return this.keys.whileWriting(task);
    });
  }

  /** The first half of close(): refuses new calls and waits for queued writes. */
  async drain(): Promise<void> {
    this.guard.refuseCalls();
    await this.#writes.idle();
    this.guard.markWiped();
  }
}
