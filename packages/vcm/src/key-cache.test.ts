import { describe, expect, it } from 'vitest';
import { LruMap } from './key-cache.ts';

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
});
