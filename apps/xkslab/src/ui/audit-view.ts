import { stat } from 'node:fs/promises';
import type { AuditEntry } from '../audit/audit-entry.ts';
import { readLogLines } from '../audit/log-lines.ts';
import { type ChainResult, ChainVerifier, parseEntryLine } from '../audit/verify-chain.ts';
import type { AuditReader } from './ui-deps.ts';

/**
 * The dashboard keeps the newest 5,000 entries of the log (its search and pages cover those;
 * `xkslab audit query` searches the whole file), each text field clipped to 2,048 characters:
 * the memory a page costs is bounded whatever the size of the log or of one of its lines.
 */
export const AUDIT_VIEW_ENTRIES = 5000;
export const AUDIT_VIEW_FIELD_CHARS = 2048;

/** The audit log as the dashboard shows it: its newest entries and whether its chain verifies. */
export type AuditSnapshot = {
  /** The newest AUDIT_VIEW_ENTRIES entries, oldest first. */
  entries: AuditEntry[];
  /** Entries in the whole file. */
  total: number;
  chain: ChainResult;
  bytes: number;
  /** The text ended in the middle of a line (a write in progress): not counted as a break. */
  partial: boolean;
};

/** Entries a search can match: every field's text, lower-cased once. */
function haystack(e: AuditEntry): string {
  return [
    e.operation,
    e.result,
    e.principal,
    e.kmsRequestId,
    e.kmsOperation,
    e.keyStore,
    e.module,
    e.keyId,
    e.accessKeyId,
    e.detail,
  ]
    .filter((v) => v !== undefined)
    .join(' ')
    .toLowerCase();
}

export type AuditSearch = {
  /** Words that must all appear in some field (case-insensitive). */
  q?: string | undefined;
  operation?: string | undefined;
  /** `ok`, `error` (anything but ok), or one error name. */
  result?: string | undefined;
  keyStore?: string | undefined;
  keyId?: string | undefined;
  module?: string | undefined;
};

export function searchEntries(entries: readonly AuditEntry[], s: AuditSearch): AuditEntry[] {
  const words = (s.q ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  return entries.filter((e) => {
    if (s.operation && e.operation !== s.operation) return false;
    if (s.result === 'error' ? e.result === 'ok' : s.result && e.result !== s.result) return false;
    if (s.keyStore && e.keyStore !== s.keyStore) return false;
    if (s.keyId && e.keyId !== s.keyId) return false;
    if (s.module && e.module !== undefined && e.module !== s.module) return false;
    if (words.length) {
      const text = haystack(e);
      if (!words.every((w) => text.includes(w))) return false;
    }
    return true;
  });
}

/** An entry with every text field over AUDIT_VIEW_FIELD_CHARS cut there (marked with '…'). */
function clipped(entry: AuditEntry): AuditEntry {
  let copy: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(entry)) {
    if (typeof v === 'string' && v.length > AUDIT_VIEW_FIELD_CHARS) {
      copy ??= { ...entry };
      copy[k] = `${v.slice(0, AUDIT_VIEW_FIELD_CHARS)}…`;
    }
  }
  return (copy as AuditEntry | undefined) ?? entry;
}

/** Reads the log as a stream: verifies the whole chain, keeps the newest entries. */
async function readSnapshot(file: string): Promise<AuditSnapshot> {
  const verifier = new ChainVerifier();
  let kept: AuditEntry[] = [];
  let total = 0;
  const end = await readLogLines(file, (line) => {
    verifier.add(line);
    const parsed = parseEntryLine(line);
    if (!('entry' in parsed)) return;
    total++;
    kept.push(clipped(parsed.entry));
    if (kept.length >= 2 * AUDIT_VIEW_ENTRIES) kept = kept.slice(-AUDIT_VIEW_ENTRIES);
  });
  return {
    entries: kept.slice(-AUDIT_VIEW_ENTRIES),
    total,
    // A last line without its newline is an append in progress, not a break.
    chain: verifier.result(),
    bytes: end.completeBytes + (end.partial === undefined ? 0 : Buffer.byteLength(end.partial)),
    partial: end.partial !== undefined,
  };
}

/**
 * Reads and verifies the audit log, again only when the file changed (by size and mtime), as a
 * stream (log-lines.ts) keeping the newest entries only.
 */
export class AuditView {
  readonly #reader: AuditReader;
  #cache: { size: number; mtimeMs: number; snapshot: AuditSnapshot } | undefined;

  constructor(reader: AuditReader) {
    this.#reader = reader;
  }

  async snapshot(): Promise<AuditSnapshot> {
    await this.#reader.flush();
    const info = await stat(this.#reader.file);
    const cached = this.#cache;
    if (cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs) {
      return cached.snapshot;
    }
    const snapshot = await readSnapshot(this.#reader.file);
    this.#cache = { size: info.size, mtimeMs: info.mtimeMs, snapshot };
    return snapshot;
  }
}
