import { describe, expect, it } from 'vitest';
import { KeyStoreQuota } from './quota.ts';

describe('key store quota', () => {
  it('admits a burst of `rate` requests, then one per 1/rate seconds', () => {
    const quota = new KeyStoreQuota(1800);
    let admitted = 0;
    for (let i = 0; i < 2000; i++) if (quota.admit('cks-1', 0)) admitted += 1;
    expect(admitted).toBe(1800);
    expect(quota.admit('cks-1', 0)).toBe(false);
    expect(quota.admit('cks-1', 1)).toBe(true); // 1 ms refills 1.8 tokens
    expect(quota.admit('cks-1', 1)).toBe(false);
    let later = 0;
    for (let i = 0; i < 2000; i++) if (quota.admit('cks-1', 1001)) later += 1;
    expect(later).toBe(1800);
  });

  it('keeps one bucket per key store', () => {
    const quota = new KeyStoreQuota(2);
    expect(quota.admit('a', 0)).toBe(true);
    expect(quota.admit('a', 0)).toBe(true);
    expect(quota.admit('a', 0)).toBe(false);
    expect(quota.admit('b', 0)).toBe(true);
    quota.forget('a');
    expect(quota.admit('a', 0)).toBe(true);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new KeyStoreQuota(0)).toThrow(RangeError);
  });
});
