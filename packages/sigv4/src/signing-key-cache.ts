import { DEFAULT_SIGNING_KEY_CACHE_ENTRIES } from './constants.ts';
import { NOBLE_SHA256, type Sha256Functions, sha256Hex } from './hash.ts';
import { deriveSigningKey } from './signing-key.ts';

/**
 * Derived signing keys per (secret, date, region, service), least recently used evicted first.
 * Entries are keyed by hex(SHA-256(secret)) so the secret itself is not kept as a Map key; that
 * hash is taken on every lookup, with `hash` (default @noble/hashes; the server passes node's).
 * A key returned by signingKey() belongs to the cache: use it at once, do not keep or mutate it
 * (it is zeroed when evicted or cleared).
 */
export class SigningKeyCache {
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Uint8Array>();
  readonly #hash: Sha256Functions;

  constructor(
    maxEntries: number = DEFAULT_SIGNING_KEY_CACHE_ENTRIES,
    hash: Sha256Functions = NOBLE_SHA256,
  ) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError('maxEntries must be a positive integer');
    }
    this.#maxEntries = maxEntries;
    this.#hash = hash;
  }

  /** Number of keys held (never more than maxEntries). */
  get size(): number {
    return this.#entries.size;
  }

  signingKey(secret: string, date: string, region: string, service: string): Uint8Array {
    const id = `${sha256Hex(this.#hash, secret)}\n${date}\n${region}\n${service}`;
    const hit = this.#entries.get(id);
    if (hit !== undefined) {
      // Re-insert: Map iteration order is insertion order, so the first entry is the LRU one.
      this.#entries.delete(id);
      this.#entries.set(id, hit);
      return hit;
    }
    const key = deriveSigningKey(secret, date, region, service);
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.entries().next();
      if (oldest.done === true) break;
      const [oldestId, oldestKey] = oldest.value;
      this.#entries.delete(oldestId);
      oldestKey.fill(0);
    }
    this.#entries.set(id, key);
    return key;
  }

  /** Drops and zeroes every key (e.g. after a credential is removed). */
  clear(): void {
    for (const key of this.#entries.values()) key.fill(0);
    this.#entries.clear();
  }
}
