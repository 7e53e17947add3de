import { describe, expect, it } from 'vitest';
import { Doorkeeper, hashString, LruMap } from './key-cache.ts';

describe('LruMap', () => {
  it('evicts the least recently used entry and reports it', () => {
    const evicted: string[] = [];
    const m = new LruMap<string, number>(2, (_, k) => evicted.push(k));
    m.set('a', 1).set('b', 2);
    expect(m.get('a')).toBe(1); // a is now the most recent
    m.set('c', 3);
    expect(evicted).toEqual(['b']);
    expect([...m.keys()]).toEqual(['a', 'c']);
    expect(m.size).toBe(2);
  });

  it('refreshes on set of a present key without evicting', () => {
    const evicted: string[] = [];
    const m = new LruMap<string, number>(2, (_, k) => evicted.push(k));
    m.set('a', 1).set('b', 2).set('a', 3);
    expect(evicted).toEqual([]);
    expect([...m.entries()]).toEqual([
      ['b', 2],
      ['a', 3],
    ]);
  });

  it('never grows past its capacity', () => {
    const m = new LruMap<number, number>(100);
    for (let i = 0; i < 10_000; i++) m.set(i, i);
    expect(m.size).toBe(100);
    expect(m.get(9_999)).toBe(9_999);
    expect(m.get(0)).toBeUndefined();
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new LruMap(0)).toThrow(RangeError);
    expect(() => new LruMap(1.5)).toThrow(RangeError);
  });

  it('offer admits a key on its second offer, then evicts the least recent', () => {
    const evicted: string[] = [];
    const m = new LruMap<string, number>(2, (_, k) => evicted.push(k));
    const offer = (k: string, v: number) => m.offer(k, v);
    // A first offer is refused even while there is room; the second is admitted.
    expect(offer('a', 1)).toBe(false);
    expect(m.has('a')).toBe(false);
    expect(offer('a', 1)).toBe(true);
    expect(offer('b', 2)).toBe(false);
    expect(offer('b', 2)).toBe(true);
    // Full: a first offer of c is refused and evicts nothing.
    expect(offer('c', 3)).toBe(false);
    expect(evicted).toEqual([]);
    // The second offer of c admits it and evicts the least recently used (a).
    expect(offer('c', 3)).toBe(true);
    expect(evicted).toEqual(['a']);
    expect([...m.keys()]).toEqual(['b', 'c']);
    // A key already present is refreshed, not refused.
    expect(offer('b', 20)).toBe(true);
    expect(m.get('b')).toBe(20);
  });

  it('offer keeps one-off keys out of a full cache: a random sweep evicts almost nothing', () => {
    let evictions = 0;
    const m = new LruMap<string, number>(1000, () => evictions++);
    for (let i = 0; i < 1000; i++) {
      m.offer(`hot${i}`, i);
      m.offer(`hot${i}`, i);
    }
    expect(m.size).toBe(1000);
    for (let i = 0; i < 20_000; i++) m.offer(`cold${i}`, i);
    // Bloom false positives admit a few; without the doorkeeper every one of 20,000 would evict.
    expect(evictions).toBeLessThan(400);
    expect(m.size).toBe(1000);
  });
});

describe('Doorkeeper', () => {
  it('remembers what it saw and starts afresh after its window', () => {
    const d = new Doorkeeper(100);
    expect(d.seen(hashString('x'))).toBe(false);
    expect(d.seen(hashString('x'))).toBe(true);
    for (let i = 0; i < 100; i++) d.seen(hashString(`other${i}`));
    expect(d.seen(hashString('x'))).toBe(false);
  });

  it('has few false positives when its window is full', () => {
    const d = new Doorkeeper(10_000);
    for (let i = 0; i < 9_999; i++) d.seen(hashString(`k${i}`));
    let falsePositives = 0;
    for (let i = 0; i < 10_000; i++) if (d.seen(hashString(`fresh${i}`))) falsePositives++;
    // Each fresh key is added too, so the window resets once on the way; 16 bits a key and two
    // probes give ~1.5 % when full.
    expect(falsePositives).toBeLessThan(300);
  });
});

describe('hashString', () => {
  it('is stable and spreads similar strings', () => {
    expect(hashString('bench/k1')).toBe(hashString('bench/k1'));
    const hashes = new Set(Array.from({ length: 10_000 }, (_, i) => hashString(`bench/k${i}`)));
    expect(hashes.size).toBe(10_000);
    for (const h of hashes) expect(h >>> 0).toBe(h);
  });
});
