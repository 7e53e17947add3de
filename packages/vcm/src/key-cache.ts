/**
 * A Map bounded to `capacity` entries that evicts the least recently used one: `get` of a present
 * key marks it used, `set` adds or refreshes and then evicts from the old end. `onEvict` sees each
 * evicted value once (the Vcm wipes key material there). Plain Map iteration and `delete` keep
 * their meaning, so code that walks or prunes the cache needs no change.
 *
 * `offer` is `set` behind an admission filter (a "doorkeeper", as in TinyLFU): a key is only
 * admitted the second time it is offered within a recent window. A workload
 * that touches keys at random from a set far larger than the cache (a million keys, ten thousand
 * entries) would otherwise evict an entry on every miss; each of those entries lives just long
 * enough to reach the old generation of the JS heap and then dies, and the garbage collector's
 * major collections show up as latency spikes. Behind the doorkeeper a one-off key is used and
 * dropped while still young, and the entries that stay are the ones that are used again.
 */
export class LruMap<K, V> extends Map<K, V> {
  readonly capacity: number;
  readonly #onEvict: (value: V, key: K) => void;
  readonly #doorkeeper: Doorkeeper;

  constructor(capacity: number, onEvict: (value: V, key: K) => void = () => {}) {
    super();
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError('capacity must be a positive integer');
    }
    this.capacity = capacity;
    this.#onEvict = onEvict;
    this.#doorkeeper = new Doorkeeper(capacity * DOORKEEPER_WINDOW_PER_ENTRY);
  }

  override get(key: K): V | undefined {
    const value = super.get(key);
    if (value !== undefined) {
      // Re-insert: a Map iterates in insertion order, so the first key is the least recent.
      super.delete(key);
      super.set(key, value);
    }
    return value;
  }

  override set(key: K, value: V): this {
    if (super.has(key)) super.delete(key);
    super.set(key, value);
    while (this.size > this.capacity) {
      const oldest = super.keys().next();
      if (oldest.done) break;
      const evicted = super.get(oldest.value) as V;
      super.delete(oldest.value);
      this.#onEvict(evicted, oldest.value);
    }
    return this;
  }

  /**
   * Adds the value if the map holds the key already or was offered it recently; otherwise only
   * remembers the key and returns false: the caller keeps the value to itself (and the Vcm wipes
   * it after use). A key's first offer never adds it, even while there is room: filling the cache
   * with keys used once is the same old-generation growth.
   */
  offer(key: K, value: V): boolean {
    const seen = this.#doorkeeper.seen(hashString(String(key)));
    if (seen || super.has(key)) {
      this.set(key, value);
      return true;
    }
    return false;
  }
}

/** How many offers the doorkeeper remembers, per cache entry, before it starts afresh. */
const DOORKEEPER_WINDOW_PER_ENTRY = 8;

/**
 * Remembers which hashes it saw in its last `window` calls: a Bloom filter with two probes over
 * 16 bits per remembered key (false positives ~1.5 % when full), cleared when the window is used
 * up. A false positive only admits a key early; it never loses one.
 */
export class Doorkeeper {
  readonly #bits: Uint32Array;
  readonly #mask: number;
  readonly #window: number;
  #added = 0;

  constructor(window: number) {
    let size = 1024;
    while (size < window * 16) size *= 2;
    this.#bits = new Uint32Array(size / 32);
    this.#mask = size - 1;
    this.#window = window;
  }

  /** True if `hash` was seen since the last reset; records it either way. */
  seen(hash: number): boolean {
    const a = hash & this.#mask;
    // A second probe from the high bits, rotated so it differs from the first when they overlap.
    const b = ((hash >>> 16) | (hash << 16)) & this.#mask;
    const hit = this.#test(a) && this.#test(b);
    if (!hit) {
      if (++this.#added > this.#window) {
        this.#bits.fill(0);
        this.#added = 1;
      }
      this.#bits[a >>> 5] = (this.#bits[a >>> 5] as number) | (1 << (a & 31));
      this.#bits[b >>> 5] = (this.#bits[b >>> 5] as number) | (1 << (b & 31));
    }
    return hit;
  }

  #test(bit: number): boolean {
    return ((this.#bits[bit >>> 5] as number) & (1 << (bit & 31))) !== 0;
  }
}

/** FNV-1a over a string's UTF-16 code units, then a final mix so every bit depends on every unit. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
