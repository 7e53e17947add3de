import { createHash } from 'node:crypto';
import { type CdivInput, computeCdiv } from '@xkslab/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeCdiv } from './node-sha256.ts';

const bytes = (maxLength: number) => fc.uint8Array({ maxLength });
const cdivInput: fc.Arbitrary<CdivInput> = fc.record(
  {
    aad: fc.option(bytes(300), { nil: undefined }),
    ciphertextMetadata: fc.option(bytes(4), { nil: undefined }),
    iv: bytes(16),
    ciphertext: bytes(2000),
    tag: bytes(16),
  },
  { requiredKeys: ['iv', 'ciphertext', 'tag'] },
);

describe('nodeCdiv', () => {
  it('gives the bytes of the protocol package computeCdiv for any parts, absent or empty', () => {
    fc.assert(
      fc.property(cdivInput, (input) => {
        expect(nodeCdiv(input)).toEqual(computeCdiv(input));
      }),
      { numRuns: 500 },
    );
  });

  it('hashes the parts in the spec order (AAD, metadata, IV, ciphertext, tag)', () => {
    const input = {
      aad: Uint8Array.of(1, 2),
      ciphertextMetadata: Uint8Array.of(3),
      iv: Uint8Array.of(4),
      ciphertext: Uint8Array.of(5, 6),
      tag: Uint8Array.of(7),
    };
    const expected = createHash('sha256')
      .update(Uint8Array.of(1, 2, 3, 4, 5, 6, 7))
      .digest();
    const out = nodeCdiv(input);
    expect(out).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(out).equals(expected)).toBe(true);
    expect(nodeCdiv({ ...input, aad: Uint8Array.of(2, 1) })).not.toEqual(out);
  });
});
