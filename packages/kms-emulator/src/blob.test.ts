import { describe, expect, it } from 'vitest';
import { BLOB_VERSION, type CiphertextBlob, decodeBlob, encodeBlob } from './blob.ts';

const blob: CiphertextBlob = {
  keyId: '0f8e2a34-5b6c-4d7e-8f90-a1b2c3d4e5f6',
  innerIv: new Uint8Array(12).fill(1),
  innerTag: new Uint8Array(16).fill(2),
  proxyIv: new Uint8Array(12).fill(3),
  proxyTag: new Uint8Array(16).fill(4),
  ciphertextMetadata: Uint8Array.of(9, 8, 7),
  proxyCiphertext: Uint8Array.of(5, 6, 7, 8),
};

describe('ciphertext blob', () => {
  it('round-trips every field and has the documented layout', () => {
    const bytes = encodeBlob(blob);
    expect(bytes.length).toBe(1 + 16 + 12 + 16 + 1 + 12 + 16 + 1 + 3 + 4);
    expect(bytes[0]).toBe(BLOB_VERSION);
    expect(Buffer.from(bytes.slice(1, 17)).toString('hex')).toBe(
      '0f8e2a345b6c4d7e8f90a1b2c3d4e5f6',
    );
    expect(bytes[45]).toBe(12);
    expect(bytes[45 + 1 + 12 + 16]).toBe(3);
    expect(decodeBlob(bytes)).toEqual(blob);
  });

  it('carries a 16-byte proxy IV and empty metadata', () => {
    const other = {
      ...blob,
      proxyIv: new Uint8Array(16).fill(3),
      ciphertextMetadata: new Uint8Array(0),
    };
    expect(decodeBlob(encodeBlob(other))).toEqual(other);
  });

  it('refuses to encode what the format cannot carry', () => {
    expect(() => encodeBlob({ ...blob, keyId: 'alias/x' })).toThrow(RangeError);
    expect(() => encodeBlob({ ...blob, proxyIv: new Uint8Array(8) })).toThrow(RangeError);
    expect(() => encodeBlob({ ...blob, ciphertextMetadata: new Uint8Array(21) })).toThrow(
      RangeError,
    );
    expect(() => encodeBlob({ ...blob, proxyCiphertext: new Uint8Array(0) })).toThrow(RangeError);
  });

  it('decodes nothing that is not a blob: truncations, wrong version, bad lengths', () => {
    const bytes = encodeBlob(blob);
    for (let n = 0; n < bytes.length - 4; n++)
      expect(decodeBlob(bytes.slice(0, n))).toBeUndefined();
    const wrongVersion = bytes.slice();
    wrongVersion[0] = 2;
    expect(decodeBlob(wrongVersion)).toBeUndefined();
    const badIv = bytes.slice();
    badIv[45] = 13;
    expect(decodeBlob(badIv)).toBeUndefined();
    const longMetadata = bytes.slice();
    longMetadata[45 + 1 + 12 + 16] = 21;
    expect(decodeBlob(longMetadata)).toBeUndefined();
    // All of the body after the metadata is ciphertext: none left is invalid.
    expect(decodeBlob(bytes.slice(0, bytes.length - 4))).toBeUndefined();
  });
});
