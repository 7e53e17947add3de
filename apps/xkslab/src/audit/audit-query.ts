import type { AuditEntry } from './audit-entry.ts';
import { parseEntryLine } from './verify-chain.ts';

/** Which entries `xkslab audit query` shows; every given condition must hold. */
export type AuditFilter = {
  since?: Date | undefined;
  until?: Date | undefined;
  keyId?: string | undefined;
  keyStore?: string | undefined;
  requestId?: string | undefined;
  operation?: string | undefined;
  /** `ok` or an error name. */
  result?: string | undefined;
};

/**
 * The entries of a log's text, oldest first. A last line without its newline is skipped (the
 * server may be writing it); other unreadable lines are skipped too (`audit verify` reports them).
 */
export function readEntries(text: string): AuditEntry[] {
  const lines = text.split('\n');
  lines.pop();
  const out: AuditEntry[] = [];
  for (const line of lines) {
    const parsed = parseEntryLine(line);
    if ('entry' in parsed) out.push(parsed.entry);
  }
  return out;
}

export function matchesFilter(entry: AuditEntry, filter: AuditFilter): boolean {
  const time = Date.parse(entry.time);
  if (filter.since && !(time >= filter.since.getTime())) return false;
  if (filter.until && !(time <= filter.until.getTime())) return false;
  if (filter.keyId !== undefined && entry.keyId !== filter.keyId) return false;
  if (filter.keyStore !== undefined && entry.keyStore !== filter.keyStore) return false;
  if (filter.requestId !== undefined && entry.kmsRequestId !== filter.requestId) return false;
  if (filter.operation !== undefined && entry.operation !== filter.operation) return false;
  if (filter.result !== undefined && entry.result !== filter.result) return false;
  return true;
}

const COLUMNS: ReadonlyArray<{ title: string; value: (e: AuditEntry) => string }> = [
  { title: 'SEQ', value: (e) => String(e.seq) },
  { title: 'TIME', value: (e) => e.time },
  { title: 'OPERATION', value: (e) => e.operation },
  { title: 'RESULT', value: (e) => e.result },
  { title: 'KEY STORE', value: (e) => e.keyStore ?? '-' },
  { title: 'KEY', value: (e) => e.keyId ?? '-' },
  { title: 'MS', value: (e) => (e.durationMs === undefined ? '-' : String(e.durationMs)) },
  { title: 'KMS REQUEST ID', value: (e) => e.kmsRequestId ?? '-' },
  { title: 'PRINCIPAL', value: (e) => e.principal ?? '-' },
];

/**
 * The widest a table cell gets: a longer value (a 2048-character ARN, or a giant field in an old
 * log) is cut with a note, so one entry cannot pad every row of the table to its width. `--json`
 * shows every value whole.
 */
export const MAX_CELL = 256;

/**
 * Strips control characters so a crafted field cannot move the terminal's cursor, and cuts a
 * value longer than MAX_CELL.
 */
function printable(s: string): string {
  const cut =
    s.length > MAX_CELL ? `${s.slice(0, MAX_CELL)}...(${s.length - MAX_CELL} more chars)` : s;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
  return cut.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** A readable table, one entry per row, columns padded to the widest cell. */
export function formatTable(entries: readonly AuditEntry[], header = true): string {
  const rows = entries.map((e) => COLUMNS.map((c) => printable(c.value(e))));
  if (header) rows.unshift(COLUMNS.map((c) => c.title));
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** One row without a header or padding, for `audit tail --follow` (widths are not known ahead). */
export function formatRow(entry: AuditEntry): string {
  return COLUMNS.map((c) => printable(c.value(entry))).join('  ');
}
