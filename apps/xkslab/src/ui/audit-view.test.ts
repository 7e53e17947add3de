import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuditEntry,
  chainEntry,
  formatEntryLine,
  GENESIS_HASH,
} from '../audit/audit-entry.ts';
import { AUDIT_VIEW_ENTRIES, AUDIT_VIEW_FIELD_CHARS, AuditView } from './audit-view.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xkslab-audit-view-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A chained log of `count` Encrypt entries; entry `longAt` carries a `longChars` request id. */
async function writeLog(file: string, count: number, longAt: number, longChars: number) {
  let head = { seq: 0, hash: GENESIS_HASH };
  const lines: string[] = [];
  const time = new Date('2026-12-01T00:00:00Z');
  for (let seq = 1; seq <= count; seq++) {
    const kmsRequestId = seq === longAt ? 'r'.repeat(longChars) : `req-${seq}`;
    const entry = chainEntry({ operation: 'Encrypt', result: 'ok', kmsRequestId }, head, time);
    lines.push(formatEntryLine(entry));
    head = { seq: entry.seq, hash: entry.hash };
  }
  await writeFile(file, lines.join(''));
}

describe('AuditView', () => {
  it('reads a big log as a stream and keeps only its newest entries, long fields clipped', async () => {
    const file = join(dir, 'big.log');
    const count = AUDIT_VIEW_ENTRIES * 4;
    const longAt = count - 10;
    await writeLog(file, count, longAt, 4 * 1024 * 1024);
    const view = new AuditView({ file, flush: async () => {} });
    const snapshot = await view.snapshot();
    expect(snapshot.chain).toMatchObject({ ok: true, entries: count });
    expect(snapshot.total).toBe(count);
    expect(snapshot.bytes).toBe((await stat(file)).size);
    expect(snapshot.partial).toBe(false);
    expect(snapshot.entries).toHaveLength(AUDIT_VIEW_ENTRIES);
    expect(snapshot.entries[0]?.seq).toBe(count - AUDIT_VIEW_ENTRIES + 1);
    expect(snapshot.entries.at(-1)?.seq).toBe(count);
    const long = snapshot.entries.find((e) => e.seq === longAt) as AuditEntry;
    expect(long.kmsRequestId?.startsWith('rrrr')).toBe(true);
    expect(long.kmsRequestId?.length).toBeLessThanOrEqual(AUDIT_VIEW_FIELD_CHARS + 1);
  });

  it('does not count a last line in progress as a break', async () => {
    const file = join(dir, 'partial.log');
    await writeLog(file, 3, 0, 0);
    await writeFile(file, '{"seq":4,"ti', { flag: 'a' });
    const snapshot = await new AuditView({ file, flush: async () => {} }).snapshot();
    expect(snapshot).toMatchObject({ chain: { ok: true, entries: 3 }, total: 3, partial: true });
    expect(snapshot.entries.map((e) => e.seq)).toEqual([1, 2, 3]);
  });
});
