import { createHash } from 'node:crypto';
import { bytesToHex } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NOBLE_SHA256, type Sha256Functions } from './hash.ts';
import { deriveSigningKey } from './signing-key.ts';
import { SigningKeyCache } from './signing-key-cache.ts';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

describe('SigningKeyCache', () => {
  it('returns the key deriveSigningKey derives', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.stringMatching(/^\d{8}$/),
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        (secret, date, region, service) => {
          const cache = new SigningKeyCache(4);
          const expected = bytesToHex(deriveSigningKey(secret, date, region, service));
          expect(bytesToHex(cache.signingKey(secret, date, region, service))).toBe(expected);
          expect(bytesToHex(cache.signingKey(secret, date, region, service))).toBe(expected);
        },
      ),
    );
  });

  it('serves a hit without deriving again and keys every input', () => {
    const cache = new SigningKeyCache(8);
    const key = cache.signingKey(SECRET, '20240101', 'us-east-1', 'kms-xks-proxy');
    expect(cache.signingKey(SECRET, '20240101', 'us-east-1', 'kms-xks-proxy')).toBe(key);
    for (const other of [
      cache.signingKey(`${SECRET}x`, '20240101', 'us-east-1', 'kms-xks-proxy'),
      cache.signingKey(SECRET, '20240102', 'us-east-1', 'kms-xks-proxy'),
      cache.signingKey(SECRET, '20240101', 'us-east-2', 'kms-xks-proxy'),
      cache.signingKey(SECRET, '20240101', 'us-east-1', 'kms'),
    ]) {
      expect(bytesToHex(other)).not.toBe(bytesToHex(key));
    }
    expect(cache.size).toBe(5);
  });

  it('stays bounded and evicts the least recently used key, zeroing it', () => {
    const cache = new SigningKeyCache(3);
    const a = cache.signingKey(SECRET, '20240101', 'r', 's');
    const b = cache.signingKey(SECRET, '20240102', 'r', 's');
    cache.signingKey(SECRET, '20240103', 'r', 's');
    expect(cache.signingKey(SECRET, '20240101', 'r', 's')).toBe(a); // a is now the newest
    cache.signingKey(SECRET, '20240104', 'r', 's'); // evicts b
    expect(cache.size).toBe(3);
    expect(b.every((x) => x === 0)).toBe(true);
    expect(cache.signingKey(SECRET, '20240101', 'r', 's')).toBe(a);
    const b2 = cache.signingKey(SECRET, '20240102', 'r', 's');
    expect(b2).not.toBe(b);
    expect(bytesToHex(b2)).toBe(bytesToHex(deriveSigningKey(SECRET, '20240102', 'r', 's')));
    for (let i = 0; i < 100; i++) {
      cache.signingKey(`secret-${i}`, '20240101', 'r', 's');
      expect(cache.size).toBeLessThanOrEqual(3);
    }
  });

  it('clear() drops and zeroes every key', () => {
    const cache = new SigningKeyCache();
    const key = cache.signingKey(SECRET, '20240101', 'r', 's');
    cache.clear();
    expect(cache.size).toBe(0);
    expect(key.every((x) => x === 0)).toBe(true);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects maxEntries %s', (n) => {
    expect(() => new SigningKeyCache(n)).toThrow(RangeError);
  });

  it('hashes the secret with an injected SHA-256 and derives the same keys', () => {
    const hashed: string[] = [];
    const counting: Sha256Functions = {
      ...NOBLE_SHA256,
      sha256Hex: (d) => {
        hashed.push(typeof d === 'string' ? d : 'bytes');
        return createHash('sha256').update(d).digest('hex');
      },
    };
    const injected = new SigningKeyCache(4, counting);
    const plain = new SigningKeyCache(4);
    const a = injected.signingKey('s3cret', '20250101', 'us-east-1', 'kms-xks-proxy');
    expect(a).toEqual(plain.signingKey('s3cret', '20250101', 'us-east-1', 'kms-xks-proxy'));
    expect(injected.signingKey('s3cret', '20250101', 'us-east-1', 'kms-xks-proxy')).toBe(a);
    expect(hashed).toEqual(['s3cret', 's3cret']);
  });
});
