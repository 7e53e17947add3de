import { describe, expect, it } from 'vitest';
import { encodeCiphertextMetadata, keyVersionOf } from './ciphertext-metadata.ts';

describe('ciphertextMetadata', () => {
  it('records format 1 and the key version in 5 bytes', () => {
    const md = encodeCiphertextMetadata(258);
    expect([...md]).toEqual([1, 0, 0, 1, 2]);
    expect(keyVersionOf(md)).toBe(258);
  });

  it('names no version (0) for metadata this proxy did not write', () => {
    expect(keyVersionOf(undefined)).toBe(0);
    expect(keyVersionOf(new Uint8Array([2, 0, 0, 0, 1]))).toBe(0);
    expect(keyVersionOf(new Uint8Array([1, 0, 0, 1]))).toBe(0);
    expect(keyVersionOf(new Uint8Array(20))).toBe(0);
  });
});
