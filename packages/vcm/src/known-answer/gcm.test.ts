import { readFileSync } from 'node:fs';
import { hexToBytes } from '@noble/ciphers/utils.js';
import { describe, expect, it } from 'vitest';
import type { CipherEngine } from '../crypto/cipher-engine.ts';
import { isVcmError } from '../crypto/errors.ts';
import { nobleEngine } from '../crypto/noble-engine.ts';
import { nodeEngine } from '../engines/node-engine.ts';
import { cipherEngine } from '../engines/select-engine.ts';

type GcmCase = {
  name: string;
  key: string;
  iv: string;
  aad: string;
  msg: string;
  ct: string;
  tag: string;
  result: 'valid' | 'invalid';
};

function load(file: string): { source: string; cases: GcmCase[] } {
  const raw = JSON.parse(
    readFileSync(new URL(`../../test/vectors/${file}`, import.meta.url), 'utf8'),
  ) as {
    source: string;
    tests?: Array<Omit<GcmCase, 'name'> & { name: string }>;
    testGroups?: Array<{ tests: Array<Omit<GcmCase, 'name'> & { tcId: number; comment: string }> }>;
  };
  const cases: GcmCase[] = raw.tests
    ? raw.tests
    : (raw.testGroups ?? []).flatMap((g) =>
        g.tests.map((t) => ({ ...t, name: `tcId ${t.tcId} ${t.comment}`.trim() })),
      );
  return { source: raw.source, cases };
}

const FILES = ['gcm-spec-aes256.json', 'wycheproof-aes-256-gcm.json'];
const ENGINES: CipherEngine[] = [nobleEngine, nodeEngine, cipherEngine('native')];

describe.each(FILES)('AES-256-GCM known answers from %s', (file) => {
  const { source, cases } = load(file);

  it('names its source and has valid and (for Wycheproof) invalid cases', () => {
    expect(source.length).toBeGreaterThan(20);
    expect(cases.some((c) => c.result === 'valid')).toBe(true);
    if (file.startsWith('wycheproof')) expect(cases.some((c) => c.result === 'invalid')).toBe(true);
    for (const c of cases) expect([24, 32]).toContain(c.iv.length);
  });

  describe.each(ENGINES)('$name engine', (engine) => {
    const valid = cases.filter((c) => c.result === 'valid');
    const invalid = cases.filter((c) => c.result === 'invalid');

    it.each(valid)('encrypts $name to the expected ciphertext and tag', (c) => {
      const out = engine.encrypt(
        hexToBytes(c.key),
        hexToBytes(c.iv),
        hexToBytes(c.msg),
        hexToBytes(c.aad),
      );
      expect(out.ciphertext).toEqual(hexToBytes(c.ct));
      expect(out.tag).toEqual(hexToBytes(c.tag));
    });

    it.each(valid)('decrypts $name to the expected plaintext', (c) => {
      const pt = engine.decrypt(
        hexToBytes(c.key),
        hexToBytes(c.iv),
        hexToBytes(c.ct),
        hexToBytes(c.tag),
        hexToBytes(c.aad),
      );
      expect(pt).toEqual(hexToBytes(c.msg));
    });

    if (invalid.length > 0) {
      it.each(invalid)('rejects $name with INVALID_CIPHERTEXT', (c) => {
        let thrown: unknown;
        try {
          engine.decrypt(
            hexToBytes(c.key),
            hexToBytes(c.iv),
            hexToBytes(c.ct),
            hexToBytes(c.tag),
            hexToBytes(c.aad),
          );
        } catch (e) {
          thrown = e;
        }
        expect(isVcmError(thrown, 'INVALID_CIPHERTEXT')).toBe(true);
      });
    }
  });
});
