import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildGcmAad, computeCdiv } from './integrity.ts';

const bytes = (...b: number[]) => new Uint8Array(b);

describe('buildGcmAad (spec §1.8)', () => {
  it('length-prefixes AAD (2 bytes) and metadata (1 byte)', () => {
    expect([...buildGcmAad(bytes(0xaa, 0xbb), bytes(0x01))]).toEqual([0, 2, 0xaa, 0xbb, 1, 0x01]);
  });

  it('absent parts contribute a zero length and no bytes', () => {
    expect([...buildGcmAad(undefined, undefined)]).toEqual([0, 0, 0]);
    expect([...buildGcmAad(undefined, bytes(9))]).toEqual([0, 0, 1, 9]);
  });

  it('moving bytes between AAD and metadata changes the result', () => {
    const a = buildGcmAad(bytes(1, 2), bytes(3));
    const b = buildGcmAad(bytes(1), bytes(2, 3));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it('refuses an AAD the 2-byte length cannot carry and metadata over 20 bytes', () => {
    expect(() => buildGcmAad(new Uint8Array(65536), undefined)).toThrow(RangeError);
    expect(() => buildGcmAad(undefined, new Uint8Array(21))).toThrow(RangeError);
  });
});

describe('computeCdiv (spec §1.8)', () => {
  it('is SHA-256 over AAD || metadata || IV || ciphertext || tag', () => {
    const parts = {
      aad: bytes(1),
      ciphertextMetadata: bytes(2, 3),
      iv: bytes(4),
      ciphertext: bytes(5),
      tag: bytes(6),
    };
    const expected = createHash('sha256')
      .update(Buffer.from([1, 2, 3, 4, 5, 6]))
      .digest();
    expect(Buffer.from(computeCdiv(parts)).equals(expected)).toBe(true);
  });

  it('treats absent AAD and metadata as empty', () => {
    const expected = createHash('sha256')
      .update(Buffer.from([4, 5, 6]))
      .digest();
    expect(
      Buffer.from(computeCdiv({ iv: bytes(4), ciphertext: bytes(5), tag: bytes(6) })).equals(
        expected,
      ),
    ).toBe(true);
  });
});
