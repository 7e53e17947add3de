import { type AuditEntry, entryHash, GENESIS_HASH, HASH_PATTERN } from './audit-entry.ts';

/** Where the chain first breaks: 1-based line number, the entry's seq when readable, and why. */
export type ChainBreak = { line: number; seq?: number; reason: string };

export type ChainResult =
  | { ok: true; entries: number; head: { seq: number; hash: string } }
  | { ok: false; entries: number; bad: ChainBreak };

/** Parses one line into an entry-shaped object, or tells why it is not one. */
export function parseEntryLine(line: string): { entry: AuditEntry } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { error: 'not valid JSON (a damaged, truncated or hand-edited line)' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: 'not a JSON object' };
  }
  const e = value as Record<string, unknown>;
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 1) return { error: 'no valid seq' };
  if (typeof e.prev !== 'string' || !HASH_PATTERN.test(e.prev)) return { error: 'no valid prev' };
  if (typeof e.hash !== 'string' || !HASH_PATTERN.test(e.hash)) return { error: 'no valid hash' };
  if (typeof e.time !== 'string' || typeof e.operation !== 'string') {
    return { error: 'no time or operation' };
  }
  return { entry: e as AuditEntry };
}

/**
 * Verifies a whole audit log (the file's text, pure): every line is a complete JSON entry whose
 * hash matches its content, seq counts up from 1 by one, and prev is the previous entry's hash.
 * Returns the first entry that breaks the chain: an edited entry fails its own hash; a removed,
 * inserted or reordered one breaks seq or prev at the first line after the change; a last line
 * without its newline is a truncated write.
 *
 * What a chain alone cannot see: the last entries removed cleanly (whole lines), or a rewrite of
 * an entry together with every entry after it. Keep the head hash that `xkslab audit verify`
 * prints somewhere else to detect those.
 */
export function verifyChain(text: string): ChainResult {
  const lines = text.split('\n');
  const last = lines.pop();
  const verifier = new ChainVerifier();
  for (const line of lines) {
    if (!verifier.add(line)) break;
  }
  return verifier.result(last);
}

/**
 * `verifyChain` one line at a time, for a log read as a stream: `add` each newline-terminated
 * line in order, then `result` with the last line when it had no newline.
 */
export class ChainVerifier {
  #prevHash = GENESIS_HASH;
  #prevSeq = 0;
  #count = 0;
  #lines = 0;
  #bad: ChainBreak | undefined;

  /** Checks the next line; false once the chain is broken (later lines change nothing). */
  add(line: string): boolean {
    if (this.#bad) return false;
    const lineNo = ++this.#lines;
    const parsed = parseEntryLine(line);
    if ('error' in parsed) return this.#fail(lineNo, parsed.error, seqOf(line));
    const { entry } = parsed;
    if (entryHash(entry as Record<string, unknown>) !== entry.hash) {
      return this.#fail(
        lineNo,
        'its hash does not match its content (the entry was edited)',
        entry.seq,
      );
    }
    if (entry.seq !== this.#prevSeq + 1) {
      return this.#fail(
        lineNo,
        `seq ${entry.seq} follows seq ${this.#prevSeq} (an entry was removed, inserted or reordered)`,
        entry.seq,
      );
    }
    if (entry.prev !== this.#prevHash) {
      return this.#fail(
        lineNo,
        "prev is not the previous entry's hash (an entry was removed, replaced or reordered)",
        entry.seq,
      );
    }
    this.#prevHash = entry.hash;
    this.#prevSeq = entry.seq;
    this.#count++;
    return true;
  }

  /** The verdict; `partialLast` is a last line that had no newline (a truncated write). */
  result(partialLast?: string): ChainResult {
    if (this.#bad) return { ok: false, entries: this.#count, bad: this.#bad };
    if (partialLast !== undefined && partialLast !== '') {
      this.#fail(
        this.#lines + 1,
        'the last line is incomplete (a truncated write)',
        seqOf(partialLast),
      );
      return this.result();
    }
    return { ok: true, entries: this.#count, head: { seq: this.#prevSeq, hash: this.#prevHash } };
  }

  #fail(line: number, reason: string, seq?: number): false {
    this.#bad = seq === undefined ? { line, reason } : { line, seq, reason };
    return false;
  }
}

/** Best-effort seq of a damaged line, to name it. */
function seqOf(line: string): number | undefined {
  const m = /^\{"seq":(\d{1,15})[,}]/.exec(line);
  return m ? Number(m[1]) : undefined;
}
