import { describe, expect, it } from 'vitest';
import {
  type AuditEntry,
  canonicalJson,
  chainEntry,
  entryHash,
  formatEntryLine,
  GENESIS_HASH,
} from './audit-entry.ts';
import { verifyChain } from './verify-chain.ts';

const T0 = Date.parse('2025-01-01T00:00:00Z');

function chain(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  let head = { seq: 0, hash: GENESIS_HASH };
  for (let i = 0; i < n; i++) {
    const e = chainEntry(
      {
        operation: i % 2 ? 'Decrypt' : 'Encrypt',
        result: i === 3 ? 'AuthenticationFailedException' : 'ok',
        principal: 'arn:aws:iam::111122223333:user/alice',
        kmsRequestId: `req-${i}`,
        keyStore: 'default',
        keyId: 'k1',
        durationMs: 1.234567,
      },
      head,
      new Date(T0 + i * 1000),
    );
    head = { seq: e.seq, hash: e.hash };
    out.push(e);
  }
  return out;
}

const text = (entries: readonly AuditEntry[]) => entries.map(formatEntryLine).join('');
const lines = (entries: readonly AuditEntry[]) => text(entries).split('\n').slice(0, -1);
const join = (ls: readonly string[]) => `${ls.join('\n')}\n`;

describe('canonicalJson', () => {
  it('sorts keys at every level, drops undefined, has no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x'], c: null }, u: undefined })).toBe(
      '{"a":{"c":null,"d":[1,"x"]},"b":1}',
    );
  });
  it('refuses non-finite numbers', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow();
  });
});

describe('chainEntry', () => {
  it('numbers from 1, links prev, rounds durations, and hashes prev + canonical JSON', () => {
    const [a, b] = chain(2) as [AuditEntry, AuditEntry];
    expect(a.seq).toBe(1);
    expect(a.prev).toBe(GENESIS_HASH);
    expect(b.prev).toBe(a.hash);
    expect(a.durationMs).toBe(1.23);
    expect(a.hash).toBe(entryHash(a));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
  });
  it('writes prev and hash last, and the field order does not change the hash', () => {
    const [a] = chain(1) as [AuditEntry];
    const line = formatEntryLine(a);
    expect(line.startsWith('{"seq":1,"time":')).toBe(true);
    expect(line.endsWith(`"prev":"${GENESIS_HASH}","hash":"${a.hash}"}\n`)).toBe(true);
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(a).reverse()));
    expect(verifyChain(`${reordered}\n`).ok).toBe(true);
  });
});

describe('verifyChain', () => {
  it('accepts an empty log and an intact one', () => {
    expect(verifyChain('')).toEqual({ ok: true, entries: 0, head: { seq: 0, hash: GENESIS_HASH } });
    const entries = chain(6);
    expect(verifyChain(text(entries))).toEqual({
      ok: true,
      entries: 6,
      head: { seq: 6, hash: entries[5]?.hash },
    });
  });

  it('names an edited entry (its own hash fails)', () => {
    const ls = lines(chain(6));
    ls[2] = (ls[2] ?? '').replace('"result":"ok"', '"result":"AccessDeniedException"');
    const r = verifyChain(join(ls));
    expect(r).toMatchObject({ ok: false, entries: 2, bad: { line: 3, seq: 3 } });
    expect(r.ok ? '' : r.bad.reason).toMatch(/edited/);
  });

  it('names the entry after a removed one', () => {
    const ls = lines(chain(6));
    ls.splice(2, 1);
    const r = verifyChain(join(ls));
    expect(r).toMatchObject({ ok: false, entries: 2, bad: { line: 3, seq: 4 } });
    expect(r.ok ? '' : r.bad.reason).toMatch(/removed/);
  });

  it('names the first of two swapped entries', () => {
    const ls = lines(chain(6));
    [ls[1], ls[2]] = [ls[2] as string, ls[1] as string];
    expect(verifyChain(join(ls))).toMatchObject({ ok: false, bad: { line: 2, seq: 3 } });
  });

  it('catches a removed first entry and a duplicated one', () => {
    const ls = lines(chain(4));
    expect(verifyChain(join(ls.slice(1)))).toMatchObject({ ok: false, bad: { line: 1, seq: 2 } });
    const dup = [...ls.slice(0, 2), ls[1] as string, ...ls.slice(2)];
    expect(verifyChain(join(dup))).toMatchObject({ ok: false, bad: { line: 3, seq: 2 } });
  });

  it('catches an entry whose hash was recomputed after an edit (the next prev breaks)', () => {
    const entries = chain(4);
    const forged = { ...(entries[1] as AuditEntry), result: 'ok', keyId: 'other' };
    forged.hash = entryHash(forged);
    const ls = lines(entries);
    ls[1] = formatEntryLine(forged).trimEnd();
    expect(verifyChain(join(ls))).toMatchObject({ ok: false, bad: { line: 3, seq: 3 } });
  });

  it('names a line cut in the middle (no newline) and a damaged line', () => {
    const full = text(chain(3));
    const cut = full.slice(0, full.length - 40);
    expect(verifyChain(cut)).toMatchObject({ ok: false, entries: 2, bad: { line: 3, seq: 3 } });
    const ls = lines(chain(3));
    ls[1] = (ls[1] ?? '').slice(0, 50);
    expect(verifyChain(join(ls))).toMatchObject({ ok: false, entries: 1, bad: { line: 2 } });
  });

  it('names an empty line and a non-object line', () => {
    const ls = lines(chain(3));
    expect(verifyChain(join([ls[0] as string, '', ...ls.slice(1)]))).toMatchObject({
      ok: false,
      bad: { line: 2 },
    });
    expect(verifyChain('[1,2]\n')).toMatchObject({ ok: false, bad: { line: 1 } });
  });
});
