import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CipherEngine } from '../crypto/cipher-engine.ts';
import { isVcmError } from '../crypto/errors.ts';
import { nobleEngine } from '../crypto/noble-engine.ts';
import { nodeEngine } from './node-engine.ts';
import { cipherEngine, selectEngine } from './select-engine.ts';

const nativeEngine = cipherEngine('native');

const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const iv = fc.oneof(
  fc.uint8Array({ minLength: 12, maxLength: 12 }),
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
);
// size 'max': without it fast-check keeps arrays at about 10 bytes whatever maxLength says.
const plaintext = fc.uint8Array({ minLength: 0, maxLength: 5000, size: 'max' });
const aad = fc.uint8Array({ minLength: 0, maxLength: 9000, size: 'max' });

function authFails(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (e) {
    return isVcmError(e, 'INVALID_CIPHERTEXT');
  }
}

function flipped(bytes: Uint8Array, bit: number): Uint8Array {
  const out = new Uint8Array(bytes);
  const i = bit % (bytes.length * 8);
  out[i >> 3] = (out[i >> 3] as number) ^ (1 << (i & 7));
  return out;
}

describe.each([nodeEngine, nativeEngine])(
  'noble and $name engines agree (differential)',
  (other: CipherEngine) => {
    it('produce identical ciphertext and tag, and each decrypts the other', () => {
      fc.assert(
        fc.property(key, iv, plaintext, aad, (k, n, pt, a) => {
          const x = nobleEngine.encrypt(k, n, pt, a);
          const y = other.encrypt(k, n, pt, a);
          expect(y.ciphertext).toEqual(x.ciphertext);
          expect(y.tag).toEqual(x.tag);
          expect(x.tag.length).toBe(16);
          expect(other.decrypt(k, n, x.ciphertext, x.tag, a)).toEqual(pt);
          expect(nobleEngine.decrypt(k, n, y.ciphertext, y.tag, a)).toEqual(pt);
        }),
        { numRuns: 150 },
      );
      // CPU-bound (two engines, inputs up to 14 KB): about 4 s alone, more on a shared machine.
    }, 30_000);
  },
);

describe.each([nobleEngine, nodeEngine, nativeEngine])(
  '$name engine properties',
  (engine: CipherEngine) => {
    it('decrypt(encrypt(x)) = x', () => {
      fc.assert(
        fc.property(key, iv, plaintext, aad, (k, n, pt, a) => {
          const { ciphertext, tag } = engine.encrypt(k, n, pt, a);
          expect(ciphertext.length).toBe(pt.length);
          expect(engine.decrypt(k, n, ciphertext, tag, a)).toEqual(pt);
        }),
        { numRuns: 100 },
      );
    });

    it('any single bit flip in ciphertext, tag, iv or aad fails with INVALID_CIPHERTEXT', () => {
      const target = fc.constantFrom('ciphertext', 'tag', 'iv', 'aad');
      const small = fc.uint8Array({ minLength: 1, maxLength: 300, size: 'max' });
      fc.assert(
        fc.property(key, iv, small, small, target, fc.nat(), (k, n, pt, a, which, bit) => {
          const { ciphertext, tag } = engine.encrypt(k, n, pt, a);
          const args: Record<'ciphertext' | 'tag' | 'iv' | 'aad', Uint8Array> = {
            ciphertext,
            tag,
            iv: n,
            aad: a,
          };
          args[which] = flipped(args[which], bit);
          expect(
            authFails(() => engine.decrypt(k, args.iv, args.ciphertext, args.tag, args.aad)),
          ).toBe(true);
        }),
        { numRuns: 300 },
      );
    });

    it('rejects IV and tag lengths outside 12/16 and 16 bytes as INVALID_CIPHERTEXT on decrypt', () => {
      const k = new Uint8Array(32);
      const { ciphertext, tag } = engine.encrypt(
        k,
        new Uint8Array(12),
        new Uint8Array(4),
        new Uint8Array(0),
      );
      for (const n of [0, 8, 11, 13, 15, 17, 60]) {
        expect(
          authFails(() => engine.decrypt(k, new Uint8Array(n), ciphertext, tag, new Uint8Array(0))),
        ).toBe(true);
      }
      for (const t of [0, 12, 15, 17, 32]) {
        const badTag = new Uint8Array(t);
        badTag.set(tag.subarray(0, Math.min(t, tag.length)));
        expect(
          authFails(() =>
            engine.decrypt(k, new Uint8Array(12), ciphertext, badTag, new Uint8Array(0)),
          ),
        ).toBe(true);
      }
    });

    it('rejects bad encrypt arguments as INVALID_INPUT', () => {
      const bad = (fn: () => unknown) =>
        expect(fn).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
      bad(() =>
        engine.encrypt(
          new Uint8Array(16),
          new Uint8Array(12),
          new Uint8Array(1),
          new Uint8Array(0),
        ),
      );
      bad(() =>
        engine.encrypt(new Uint8Array(32), new Uint8Array(8), new Uint8Array(1), new Uint8Array(0)),
      );
      bad(() =>
        engine.encrypt(
          new Uint8Array(32),
          new Uint8Array(60),
          new Uint8Array(1),
          new Uint8Array(0),
        ),
      );
    });

    it('returns plain Uint8Arrays', () => {
      const k = new Uint8Array(32);
      const n = new Uint8Array(12);
      const out = engine.encrypt(k, n, new Uint8Array(5), new Uint8Array(3));
      expect(out.ciphertext.constructor).toBe(Uint8Array);
      expect(out.tag.constructor).toBe(Uint8Array);
      expect(engine.decrypt(k, n, out.ciphertext, out.tag, new Uint8Array(3)).constructor).toBe(
        Uint8Array,
      );
    });
  },
);

describe('cipherEngine', () => {
  it('selects the engine by name', () => {
    expect(cipherEngine('noble')).toBe(nobleEngine);
    expect(cipherEngine('node')).toBe(nodeEngine);
    expect(nobleEngine.name).toBe('noble');
    expect(nodeEngine.name).toBe('node');
    expect(nativeEngine.name).toBe('native');
    expect(cipherEngine('native')).toBe(nativeEngine); // one per process: one set of contexts
  });

  it('auto is native where the addon loads (it is built here), with no fallback reason', () => {
    expect(selectEngine('auto')).toEqual({ engine: nativeEngine });
    expect(selectEngine('node')).toEqual({ engine: nodeEngine });
  });

  it('rejects an unknown name', () => {
    expect(() => cipherEngine('openssl' as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });
});

describe('selectEngine with a loader of its own', () => {
  it('uses the loader once, and auto falls back to node with its reason', () => {
    let calls = 0;
    const missing = () => {
      calls++;
      return { reason: 'no addon here' };
    };
    expect(selectEngine('auto', missing)).toEqual({
      engine: nodeEngine,
      nativeUnavailable: 'no addon here',
    });
    expect(selectEngine('auto', missing).engine).toBe(nodeEngine);
    expect(calls).toBe(1);
    expect(() => cipherEngine('native', missing)).toThrow(
      expect.objectContaining({
        code: 'NOT_SUPPORTED',
        message: expect.stringMatching(/no addon here/),
      }),
    );
  });
});
