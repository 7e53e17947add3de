/**
 * A Map bounded to `capacity` entries that evicts the least recently used one: `get` of a present
 * key marks it used, `set` adds or refreshes and then evicts from the old end. `onEvict` sees each
 * evicted value once (the Vcm wipes key material there). Plain Map iteration and `delete` keep
 * their meaning, so code that walks or prunes the cache needs no change.
 */
export class LruMap<K, V> extends Map<K, V> {
  readonly capacity: number;
  readonly #onEvict: (value: V, key: K) => void;

  constructor(capacity: number, onEvict: (value: V, key: K) => void = () => {}) {
    super();
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError('capacity must be a positive integer');
    }
    this.capacity = capacity;
    this.#onEvict = onEvict;
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
}
