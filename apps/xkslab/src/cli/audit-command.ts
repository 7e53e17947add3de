import { open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { AuditEntry } from '../audit/audit-entry.ts';
import { AUDIT_LOG_FILE } from '../audit/audit-log.ts';
import { formatRow, formatTable, matchesFilter, readEntries } from '../audit/audit-query.ts';
import { type LogEnd, readLogLines } from '../audit/log-lines.ts';
import { ChainVerifier, parseEntryLine } from '../audit/verify-chain.ts';
import { commandHelp, defineCommand, HELP_OPTION, parseCommand } from './command.ts';
import { CommandError, type CommandIo, errorCode } from './command-io.ts';
import { UsageError } from './flags.ts';
import { DATA_DIR_OPTION } from './serve-options.ts';
import { didYouMean } from './suggest.ts';

const FOLLOW_POLL_MS = 250;
/** A last line without its newline may be a write in progress: look once more after this. */
const PARTIAL_LINE_RETRY_MS = 300;

const IsoTime = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'not an ISO 8601 time')
  .transform((s) => new Date(s));

const Filter = (description: string, value: string) =>
  z.string().min(1).optional().meta({ description, value, section: 'Filters (query):' });

const AuditOptions = z.strictObject({
  since: IsoTime.optional().meta({
    description: 'entries at or after this time (e.g. 2025-01-31T12:00:00Z)',
    value: 'ISO-TIME',
    section: 'Filters (query):',
  }),
  until: IsoTime.optional().meta({
    description: 'entries at or before this time',
    value: 'ISO-TIME',
    section: 'Filters (query):',
  }),
  key: Filter('external key id', 'ID'),
  keyStore: Filter('key store name', 'NAME'),
  requestId: Filter('kmsRequestId', 'ID'),
  operation: Filter('Encrypt, Decrypt, GetKeyMetadata, GetHealthStatus, admin:..., ...', 'NAME'),
  result: Filter('ok, or an error name such as AuthenticationFailedException', 'ok|ERROR'),
  lines: z.coerce.number().int().min(0).max(1_000_000).default(10).meta({
    description: 'how many of the last entries to show',
    value: 'N',
    short: 'n',
    section: 'Tail:',
  }),
  follow: z.boolean().default(false).meta({
    description: 'wait for more entries and print them as they come',
    short: 'f',
    section: 'Tail:',
  }),
  dataDir: DATA_DIR_OPTION,
  json: z.boolean().default(false).meta({
    description: 'one JSON entry per line instead of a table (tail, query)',
  }),
  help: HELP_OPTION,
});
type AuditOptions = z.infer<typeof AuditOptions>;

const SUBCOMMANDS = ['verify', 'tail', 'query'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

/** Which flags each subcommand takes (beyond --data-dir and --help). */
const ALLOWED: Record<Subcommand, readonly string[]> = {
  verify: [],
  tail: ['json', 'follow', 'lines'],
  query: ['json', 'since', 'until', 'key', 'keyStore', 'requestId', 'operation', 'result'],
};

export const AUDIT_COMMAND = defineCommand({
  name: 'audit',
  summary: 'verify, tail or query the audit log (verify | tail | query)',
  usage: ['audit <verify|tail|query> [options]'],
  description: `Read the audit log (<data-dir>/${AUDIT_LOG_FILE}) directly: works while the server runs.

  xkslab audit verify                 check the hash chain; exit 1 naming the first bad entry
  xkslab audit tail [-n N] [--follow] the last N entries (default 10); --follow waits for more
  xkslab audit query [filters]        entries matching every filter given`,
  args: [{ name: 'COMMAND' }],
  options: AuditOptions,
});

export function parseAuditArgs(args: readonly string[]): {
  sub: Subcommand | undefined;
  options: AuditOptions;
} {
  const parsed = parseCommand(AUDIT_COMMAND, args);
  if (parsed.help) return { sub: undefined, options: { ...AuditOptions.parse({}), help: true } };
  const subName = parsed.args[0];
  if (subName !== undefined && !SUBCOMMANDS.includes(subName as Subcommand)) {
    throw new UsageError(
      `unknown audit command '${subName}'${didYouMean(subName, SUBCOMMANDS) || '.'} Use verify, tail or query`,
    );
  }
  const sub = subName as Subcommand | undefined;
  for (const name of parsed.given) {
    if (sub === undefined || name === 'dataDir' || ALLOWED[sub].includes(name)) continue;
    throw new UsageError(`--${flagName(name)} does not apply to 'audit ${sub}'`);
  }
  return { sub, options: parsed.options };
}

function flagName(key: string): string {
  if (key === 'lines') return 'lines (-n)';
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Streams the log's newline-terminated lines to `onLine` (the readers never hold the whole file in
 * one string: a large log, or one giant line, is read a line at a time).
 */
async function readLog(file: string, onLine: (line: string) => void): Promise<LogEnd> {
  try {
    return await readLogLines(file, onLine);
  } catch (e) {
    if (errorCode(e) === 'ENOENT') {
      throw new CommandError(`no audit log at ${file} (has the server run with this --data-dir?)`);
    }
    throw new CommandError(`cannot read ${file} (${errorCode(e)})`, { cause: e });
  }
}

/** Streams the readable entries of the log (unreadable lines are skipped: `verify` reports them). */
function readLogEntries(file: string, onEntry: (entry: AuditEntry) => void): Promise<LogEnd> {
  return readLog(file, (line) => {
    const parsed = parseEntryLine(line);
    if ('entry' in parsed) onEntry(parsed.entry);
  });
}

/** `xkslab audit ...`: resolves with the exit code (never resolves with --follow). */
export async function auditCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { sub, options } = parseAuditArgs(args);
  if (options.help || sub === undefined) {
    io.stdout(commandHelp(AUDIT_COMMAND));
    return options.help ? 0 : 2;
  }
  const file = join(resolve(options.dataDir), AUDIT_LOG_FILE);
  switch (sub) {
    case 'verify':
      return verify(file, io);
    case 'tail':
      return tail(file, options, io);
    case 'query':
      return query(file, options, io);
  }
}

async function verifyLog(file: string) {
  const verifier = new ChainVerifier();
  const end = await readLog(file, (line) => void verifier.add(line));
  return { verifier, end };
}

async function verify(file: string, io: CommandIo): Promise<number> {
  let { verifier, end } = await verifyLog(file);
  if (end.partial !== undefined && end.partial !== '') {
    // The server may be in the middle of a write; a real truncation is still there after a pause.
    await new Promise((r) => setTimeout(r, PARTIAL_LINE_RETRY_MS));
    ({ verifier, end } = await verifyLog(file));
  }
  const result = verifier.result(end.partial);
  if (result.ok) {
    io.stdout(
      `chain OK, ${result.entries} entries${result.entries ? ` (head seq ${result.head.seq}, hash ${result.head.hash})` : ''}\n`,
    );
    return 0;
  }
  const { bad } = result;
  const which = bad.seq === undefined ? `line ${bad.line}` : `seq ${bad.seq} at line ${bad.line}`;
  io.stdout(
    `chain BROKEN: first bad entry is ${which}: ${bad.reason}\n${result.entries} entries before it verified\n`,
  );
  return 1;
}

function render(entries: readonly AuditEntry[], json: boolean, header: boolean): string {
  if (json) return entries.map((e) => `${JSON.stringify(e)}\n`).join('');
  return entries.length === 0 && header ? '' : formatTable(entries, header);
}

async function query(file: string, options: AuditOptions, io: CommandIo): Promise<number> {
  const filter = {
    since: options.since,
    until: options.until,
    keyId: options.key,
    keyStore: options.keyStore,
    requestId: options.requestId,
    operation: options.operation,
    result: options.result,
  };
  // JSON goes out entry by entry; the table needs every row first to size its columns.
  const rows: AuditEntry[] = [];
  let matched = 0;
  await readLogEntries(file, (e) => {
    if (!matchesFilter(e, filter)) return;
    matched++;
    if (options.json) io.stdout(`${JSON.stringify(e)}\n`);
    else rows.push(e);
  });
  if (!options.json) io.stdout(render(rows, false, true));
  if (!options.json && matched === 0) io.stderr('no matching entries\n');
  return 0;
}

async function tail(file: string, options: AuditOptions, io: CommandIo): Promise<number> {
  // Keep only the last N entries while streaming (trimmed in batches: amortized O(1) per entry).
  let last: AuditEntry[] = [];
  const end = await readLogEntries(file, (e) => {
    if (options.lines === 0) return;
    last.push(e);
    if (last.length >= 2 * options.lines) last = last.slice(-options.lines);
  });
  last = last.slice(-options.lines);
  io.stdout(render(last, options.json, true));
  if (!options.follow) return 0;
  // Follow: poll for growth from the end of the last complete line we have read.
  let offset = end.completeBytes;
  const fd = await open(file, 'r');
  for (;;) {
    await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
    const { size } = await fd.stat();
    if (size < offset) offset = 0; // the file was replaced or cut: start over
    if (size === offset) continue;
    const chunk = Buffer.alloc(size - offset);
    await fd.read(chunk, 0, chunk.length, offset);
    const complete = chunk.lastIndexOf(0x0a) + 1;
    if (complete === 0) continue;
    offset += complete;
    for (const e of readEntries(chunk.subarray(0, complete).toString('utf8'))) {
      io.stdout(options.json ? `${JSON.stringify(e)}\n` : `${formatRow(e)}\n`);
    }
  }
}
