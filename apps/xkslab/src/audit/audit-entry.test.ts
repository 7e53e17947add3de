import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AuditEntryInput,
  chainEntry,
  chainLine,
  entryHash,
  formatEntryLine,
  GENESIS_HASH,
} from './audit-entry.ts';

const text = fc.string({ unit: 'binary', maxLength: 40 });
const input: fc.Arbitrary<AuditEntryInput> = fc.record(
  {
    operation: text,
    result: text,
    principal: text,
    kmsRequestId: text,
    kmsOperation: text,
    keyStore: text,
    keyId: text,
    module: text,
    accessKeyId: text,
    durationMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
    detail: text,
  },
  { requiredKeys: ['operation', 'result'] },
);
const head = fc.record({
  seq: fc.nat(),
  hash: fc.oneof(fc.constant(GENESIS_HASH), fc.stringMatching(/^[0-9a-f]{64}$/)),
});
const time = fc.date({ min: new Date(0), max: new Date('2100-01-01'), noInvalidDate: true });

describe('chainLine (the hot path of every audit entry)', () => {
  it('writes the same bytes and hash as formatEntryLine(chainEntry(...)) for any input', () => {
    fc.assert(
      fc.property(input, head, time, (i, h, t) => {
        const reference = chainEntry(i, h, t);
        const fast = chainLine(i, h, t);
        expect(fast).toEqual({
          seq: reference.seq,
          hash: reference.hash,
          line: formatEntryLine(reference),
        });
        // and the line verifies as the chain's verifier reads it
        expect(entryHash(JSON.parse(fast.line))).toBe(fast.hash);
      }),
      { numRuns: 2000 },
    );
  });

  it('takes the general path for a member outside the known set, with the same result', () => {
    const odd = { operation: 'admin:X', result: 'ok', extra: 'x"y' } as AuditEntryInput;
    const h = { seq: 4, hash: GENESIS_HASH };
    const t = new Date('2026-12-05T00:00:00Z');
    const reference = chainEntry(odd, h, t);
    expect(chainLine(odd, h, t)).toEqual({
      seq: 5,
      hash: reference.hash,
      line: formatEntryLine(reference),
    });
    expect(chainLine(odd, h, t).line).toContain('"extra":"x\\"y"');
  });

  it('refuses a non-finite duration as the general path does', () => {
    const bad = { operation: 'Encrypt', result: 'ok', durationMs: Number.POSITIVE_INFINITY };
    const h = { seq: 0, hash: GENESIS_HASH };
    expect(() => chainEntry(bad, h, new Date())).toThrow(/non-finite/);
    expect(() => chainLine(bad, h, new Date())).toThrow(/non-finite/);
  });
});
