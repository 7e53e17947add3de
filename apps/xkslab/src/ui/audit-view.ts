import { readFile, stat } from 'node:fs/promises';
import type { AuditEntry } from '../audit/audit-entry.ts';
import { readEntries } from '../audit/audit-query.ts';
import { type ChainResult, verifyChain } from '../audit/verify-chain.ts';
import type { AuditReader } from './ui-deps.ts';

/** The audit log as the dashboard shows it: its entries and whether its chain verifies. */
export type AuditSnapshot = {
  entries: AuditEntry[];
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

/**
 * Reads and verifies the audit log, again only when the file changed (by size and mtime). The
 * whole file is read: fine for a lab's log; `xkslab audit` streams for bigger ones.
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
    const text = await readFile(this.#reader.file, 'utf8');
    // A last line without its newline is an append in progress: verify up to the last newline.
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    const snapshot: AuditSnapshot = {
      entries: readEntries(complete),
      chain: verifyChain(complete),
      bytes: Buffer.byteLength(text),
      partial: complete.length !== text.length,
    };
    this.#cache = { size: info.size, mtimeMs: info.mtimeMs, snapshot };
    return snapshot;
  }
}
