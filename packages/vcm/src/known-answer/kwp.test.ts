import { readFileSync } from 'node:fs';
import { hexToBytes } from '@noble/ciphers/utils.js';
import { describe, expect, it } from 'vitest';
import { isVcmError } from '../crypto/errors.ts';
import { unwrapKey, wrapKey } from '../crypto/key-wrap.ts';

type KwpCase = {
  name: string;
  kek: string;
  key?: string;
  wrap: string;
  result: 'valid' | 'invalid';
};

function read(file: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../test/vectors/${file}`, import.meta.url), 'utf8'));
}

const rfc = read('rfc5649-kwp.json') as { source: string; tests: KwpCase[] };
const wycheproof = read('wycheproof-aes-256-kwp.json') as {
  source: string;
  testGroups: Array<{
    tests: Array<{
      tcId: number;
      comment: string;
      key: string;
      msg: string;
      ct: string;
      result: 'valid' | 'invalid';
    }>;
  }>;
};

const sets: Array<[string, string, KwpCase[]]> = [
  ['RFC 5649 §6', rfc.source, rfc.tests],
  [
    'Wycheproof aes_kwp (AES-256)',
    wycheproof.source,
    wycheproof.testGroups.flatMap((g) =>
      g.tests.map((t) => ({
        name: `tcId ${t.tcId} ${t.comment}`,
        kek: t.key,
        key: t.msg,
        wrap: t.ct,
        result: t.result,
      })),
    ),
  ],
];

function expectCorrupt(fn: () => unknown): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(isVcmError(thrown, 'CORRUPT_RECORD')).toBe(true);
}

describe.each(sets)('AES key wrap with padding: %s', (_label, source, cases) => {
  const valid = cases.filter((c) => c.result === 'valid');
  const invalid = cases.filter((c) => c.result === 'invalid');

  it('names its source and has valid and invalid cases', () => {
    expect(source.length).toBeGreaterThan(20);
    expect(valid.length).toBeGreaterThan(0);
    expect(invalid.length).toBeGreaterThan(0);
  });

  it.each(valid)('wraps $name to the expected output', (c) => {
    expect(wrapKey(hexToBytes(c.kek), hexToBytes(c.key ?? ''))).toEqual(hexToBytes(c.wrap));
  });

  it.each(valid)('unwraps $name to the key data', (c) => {
    expect(unwrapKey(hexToBytes(c.kek), hexToBytes(c.wrap))).toEqual(hexToBytes(c.key ?? ''));
  });

  it.each(invalid)('refuses to unwrap $name (CORRUPT_RECORD)', (c) => {
    expectCorrupt(() => unwrapKey(hexToBytes(c.kek), hexToBytes(c.wrap)));
  });
});

describe('wrapKey / unwrapKey arguments', () => {
  const kek = new Uint8Array(32).fill(1);

  it('round-trips 32 bytes of key material under a 256-bit KEK', () => {
    const material = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
    const wrapped = wrapKey(kek, material);
    expect(wrapped.length).toBe(40);
    expect(unwrapKey(kek, wrapped)).toEqual(material);
  });

  it('rejects a KEK of the wrong size and empty material as INVALID_INPUT', () => {
    expect(() => wrapKey(new Uint8Array(31), new Uint8Array(32))).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(() => wrapKey(kek, new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });

  it('refuses material wrapped under another KEK', () => {
    const wrapped = wrapKey(kek, new Uint8Array(32).fill(9));
    expectCorrupt(() => unwrapKey(new Uint8Array(32).fill(2), wrapped));
  });
});
