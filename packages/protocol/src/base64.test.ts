import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64Length, decodeBase64, decodedLength, isStandardBase64 } from './base64.ts';

describe('standard Base64', () => {
  it('accepts canonical standard Base64 (RFC 4648 §10 vectors)', () => {
    for (const s of ['', 'Zg==', 'Zm8=', 'Zm9v', 'Zm9vYg==', 'Zm9vYmE=', 'Zm9vYmFy', '+/+/']) {
      expect(isStandardBase64(s), s).toBe(true);
    }
  });

  it('refuses URL-safe, unpadded, non-canonical and stray characters', () => {
    for (const s of ['-_-_', 'Zg', 'Zm8', 'Zh==', 'Zm9=', 'Zm9v\n', ' Zm9v', 'Zm9v====', 'Z===']) {
      expect(isStandardBase64(s), s).toBe(false);
    }
  });

  it('computes decoded sizes without decoding', () => {
    expect(decodedLength('Zm9vYg==')).toBe(4);
    expect(decodedLength('Zm9vYmE=')).toBe(5);
    expect(base64Length(4300)).toBe(5736);
    expect(base64Length(8192)).toBe(10924);
  });

  it('checks the size limit before decoding', () => {
    expect(decodeBase64('Zm9vYmFy', 6)).toMatchObject({ ok: true });
    expect(decodeBase64('Zm9vYmFy', 5)).toEqual({ ok: false, reason: 'too-large' });
    expect(decodeBase64('Zm9vYmF', 100)).toEqual({ ok: false, reason: 'malformed' });
    const r = decodeBase64('Zm9vYmFy', 6);
    expect(r.ok && new TextDecoder().decode(r.bytes)).toBe('foobar');
  });

  it('agrees with the RFC 4648 grammar plus the canonical-trailing-bits rule on any text', () => {
    const grammar = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
    const reference = (text: string) => {
      if (!grammar.test(text)) return false;
      const tail = text.slice(-4);
      return Buffer.from(tail, 'base64').toString('base64') === tail;
    };
    const text = fc.oneof(
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64')),
      fc.string({ unit: fc.constantFrom(...'AQZgh09+/-_= \n.'), maxLength: 16 }),
    );
    fc.assert(
      fc.property(text, (t) => {
        expect(isStandardBase64(t)).toBe(reference(t));
      }),
      { numRuns: 5000 },
    );
  });
});
