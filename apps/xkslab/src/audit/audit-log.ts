import { writeSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import type { Logger } from '../logger.ts';
import { UserFacingError } from '../user-facing-error.ts';
import { type AuditEntryInput, type ChainedLine, chainLine, GENESIS_HASH } from './audit-entry.ts';
import { parseEntryLine } from './verify-chain.ts';

export const AUDIT_LOG_FILE = 'audit.log';
/** How often written entries are fsynced while the server runs. */
export const AUDIT_SYNC_INTERVAL_MS = 1000;
const TAIL_CHUNK_BYTES = 64 * 1024;

/**
 * What the XKS handler and the admin API need: record one entry. The promise settles once the
 * entry is written to the file (handed to the OS), so a caller that awaits it before answering
 * never answers a call the log does not hold. Never throws, never rejects.
 */
export type AuditSink = { append(input: AuditEntryInput): Promise<void> };

const SETTLED: Promise<void> = Promise.resolve();

/** An audit sink that drops everything (unit tests, tools that have no data directory). */
export const NO_AUDIT: AuditSink = { append: () => SETTLED };

export class AuditLogError extends UserFacingError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuditLogError';
  }
}

type Head = { seq: number; hash: string };

/**
 * The append-only, hash-chained audit log (`<dataDir>/audit.log`, JSON lines, mode 0600).
 *
 * Ordering: `append` assigns seq, prev and hash and writes the line at once, in call order, so
 * the chain order is the order of calls and writes never interleave.
 *
 * Durability (a choice, not an accident): `append` writes the entry to the file (the OS's page
 * cache) with one write(2) before it returns. The XKS handler and the admin API await it before
 * their answer is sent, so a crash of the xkslab process loses nothing that was answered. Not
 * batched per event-loop turn on purpose: a batch holds every answer of the turn until the turn
 * ends, which cost about 40 % of closed-loop encrypt throughput in an A/B, where a write(2) per
 * entry cost nothing measurable (docs/performance.md, "Audit before answer"). An entry is fsynced
 * at most AUDIT_SYNC_INTERVAL_MS later and on close, so a power loss or kernel crash can lose
 * about the last second of entries: KMS gives a call 250 ms, and an fsync per call would spend
 * most of it. A write that fails (disk full) is logged, the answer is not held by a failing disk,
 * and the unwritten bytes go first in the next write (the next entry or the next sync tick).
 */
export class AuditLog implements AuditSink {
  readonly file: string;
  readonly #fd: FileHandle;
  readonly #clock: () => Date;
  readonly #logger: Logger | undefined;
  readonly #timer: NodeJS.Timeout;
  #head: Head;
  /** The bytes a failed write left (all or part of an entry): written first by the next write. */
  #unwritten: Buffer | undefined;
  #dirty = false;
  #closed: Promise<void> | undefined;
  #fdClosed = false;

  private constructor(
    file: string,
    fd: FileHandle,
    head: Head,
    options: { clock: () => Date; logger: Logger | undefined; syncIntervalMs: number },
  ) {
    this.file = file;
    this.#fd = fd;
    this.#head = head;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#timer = setInterval(() => {
      if (this.#unwritten) this.#write('');
      void this.#syncIfDirty();
    }, options.syncIntervalMs);
    this.#timer.unref();
  }

  /**
   * Opens (creating, 0600) the log and recovers the chain head from its last line. A last line
   * cut short by a crash mid-write is removed (it never was a complete entry) and an
   * `audit:TornWriteRemoved` entry records how many bytes went. A last complete line that is not
   * an entry stops the start: the chain cannot be continued from it.
   */
  static async open(
    file: string,
    options: { clock?: () => Date; logger?: Logger; syncIntervalMs?: number } = {},
  ): Promise<AuditLog> {
    let fd: FileHandle;
    try {
      fd = await open(file, 'a+', 0o600);
    } catch (e) {
      const code = e instanceof Error && 'code' in e ? String(e.code) : 'error';
      throw new AuditLogError(`cannot open the audit log ${file} (${code})`, { cause: e });
    }
    try {
      const { head, tornBytes } = await recoverHead(fd, file);
      const log = new AuditLog(file, fd, head, {
        clock: options.clock ?? (() => new Date()),
        logger: options.logger,
        syncIntervalMs: options.syncIntervalMs ?? AUDIT_SYNC_INTERVAL_MS,
      });
      if (tornBytes > 0) {
        options.logger?.warn('audit log: removed an incomplete last line', { bytes: tornBytes });
        void log.append({
          operation: 'audit:TornWriteRemoved',
          result: 'ok',
          detail: `${tornBytes} bytes of an incomplete last line removed at start`,
        });
        await log.flush();
      }
      return log;
    } catch (e) {
      await fd.close().catch(() => undefined);
      throw e;
    }
  }

  /** The seq and hash of the last entry appended (GENESIS_HASH and 0 for an empty log). */
  get head(): Head {
    return { ...this.#head };
  }

  /**
   * Appends an entry to the chain and writes it; the promise is settled when this returns (an
   * AuditSink may be asynchronous, this one is not). Never throws, never rejects.
   */
  append(input: AuditEntryInput): Promise<void> {
    if (this.#closed) {
      this.#logger?.error('audit log: entry after close dropped', { operation: input.operation });
      return SETTLED;
    }
    let entry: ChainedLine;
    try {
      entry = chainLine(input, this.#head, this.#clock());
    } catch (e) {
      this.#logger?.error('audit log: entry refused', {
        operation: input.operation,
        cause: e instanceof Error ? e.message : String(e),
      });
      return SETTLED;
    }
    this.#head = { seq: entry.seq, hash: entry.hash };
    this.#write(entry.line);
    return SETTLED;
  }

  /** Writes what an earlier failed write left (every appended entry is written at once). */
  flush(): Promise<void> {
    this.#write('');
    return SETTLED;
  }

  /** One write(2) of what failed before and `line`, at the end of the file. */
  #write(line: string): void {
    if (this.#fdClosed || (line === '' && !this.#unwritten)) return;
    const fresh = Buffer.from(line, 'utf8');
    const bytes = this.#unwritten ? Buffer.concat([this.#unwritten, fresh]) : fresh;
    this.#unwritten = undefined;
    let offset = 0;
    try {
      while (offset < bytes.length) offset += writeSync(this.#fd.fd, bytes, offset);
      this.#dirty = true;
    } catch (e) {
      this.#unwritten = bytes.subarray(offset);
      this.#logger?.error('audit log: write failed, will retry', {
        cause: e instanceof Error ? e.message : String(e),
        unwrittenBytes: this.#unwritten.length,
      });
    }
  }

  /** Writes what is pending, fsyncs and closes the file. Later appends are dropped (and logged). */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#timer);
      await this.flush();
      await this.#fd.sync().catch(() => undefined);
      this.#fdClosed = true;
      await this.#fd.close();
    })();
    return this.#closed;
  }

  async #syncIfDirty(): Promise<void> {
    if (!this.#dirty || this.#closed) return;
    this.#dirty = false;
    try {
      await this.#fd.datasync();
    } catch (e) {
      this.#dirty = true;
      this.#logger?.error('audit log: fsync failed', {
        cause: e instanceof Error ? e.message : String(e),
      });
    }
  }
}

/** The offset of the last '\n' before `before`, or -1: reads backwards in chunks. */
async function lastNewlineBefore(fd: FileHandle, before: number): Promise<number> {
  let end = before;
  while (end > 0) {
    const start = Math.max(0, end - TAIL_CHUNK_BYTES);
    const chunk = Buffer.alloc(end - start);
    await fd.read(chunk, 0, chunk.length, start);
    const idx = chunk.lastIndexOf(0x0a);
    if (idx !== -1) return start + idx;
    end = start;
  }
  return -1;
}

/** Finds the last complete line and its entry; cuts off an incomplete line after it. */
async function recoverHead(
  fd: FileHandle,
  file: string,
): Promise<{ head: Head; tornBytes: number }> {
  const { size } = await fd.stat();
  const lastNewline = await lastNewlineBefore(fd, size);
  const tornBytes = size - (lastNewline + 1);
  if (tornBytes > 0) {
    await fd.truncate(lastNewline + 1);
    await fd.sync();
  }
  if (lastNewline === -1) return { head: { seq: 0, hash: GENESIS_HASH }, tornBytes };
  const lineStart = (await lastNewlineBefore(fd, lastNewline)) + 1;
  const bytes = Buffer.alloc(lastNewline - lineStart);
  await fd.read(bytes, 0, bytes.length, lineStart);
  const parsed = parseEntryLine(bytes.toString('utf8'));
  if ('error' in parsed) {
    throw new AuditLogError(
      `the last entry of ${file} is unreadable (${parsed.error}); run 'xkslab audit verify', then move the file aside to start a new log`,
    );
  }
  return { head: { seq: parsed.entry.seq, hash: parsed.entry.hash }, tornBytes };
}
