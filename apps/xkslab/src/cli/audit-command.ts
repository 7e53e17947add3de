import { open, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { AUDIT_LOG_FILE } from '../audit/audit-log.ts';
import { formatRow, formatTable, matchesFilter, readEntries } from '../audit/audit-query.ts';
import { verifyChain } from '../audit/verify-chain.ts';
import { CommandError, type CommandIo, errorCode } from './command-io.ts';
import { parseArgsUsageError, UsageError } from './flags.ts';
import { DEFAULT_DATA_DIR } from './serve-options.ts';
import { didYouMean } from './suggest.ts';

export const AUDIT_HELP = `Usage: xkslab audit <verify|tail|query> [options]

Read the audit log (<data-dir>/${AUDIT_LOG_FILE}) directly: works while the server runs.

  xkslab audit verify                 check the hash chain; exit 1 naming the first bad entry
  xkslab audit tail [-n N] [--follow] the last N entries (default 10); --follow waits for more
  xkslab audit query [filters]        entries matching every filter given

Filters (query):
  --since ISO-TIME      entries at or after this time (e.g. 2025-01-31T12:00:00Z)
  --until ISO-TIME      entries at or before this time
  --key ID              external key id
  --key-store NAME      key store name
  --request-id ID       kmsRequestId
  --operation NAME      Encrypt, Decrypt, GetKeyMetadata, GetHealthStatus, admin:..., ...
  --result ok|ERROR     ok, or an error name such as AuthenticationFailedException

Options:
  --data-dir DIR        data directory (default: ${DEFAULT_DATA_DIR})
  --json                one JSON entry per line instead of a table (tail, query)
  -h, --help            show this help
`;

const FOLLOW_POLL_MS = 250;
/** A last line without its newline may be a write in progress: look once more after this. */
const PARTIAL_LINE_RETRY_MS = 300;

const IsoTime = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'not an ISO 8601 time')
  .transform((s) => new Date(s));

const AuditOptions = z.strictObject({
  dataDir: z.string().min(1).default(DEFAULT_DATA_DIR),
  json: z.boolean().default(false),
  follow: z.boolean().default(false),
  lines: z.coerce.number().int().min(0).max(1_000_000).default(10),
  since: IsoTime.optional(),
  until: IsoTime.optional(),
  key: z.string().min(1).optional(),
  keyStore: z.string().min(1).optional(),
  requestId: z.string().min(1).optional(),
  operation: z.string().min(1).optional(),
  result: z.string().min(1).optional(),
  help: z.boolean().default(false),
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

const AUDIT_OPTIONS = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  follow: { type: 'boolean', short: 'f' },
  lines: { type: 'string', short: 'n' },
  since: { type: 'string' },
  until: { type: 'string' },
  key: { type: 'string' },
  'key-store': { type: 'string' },
  'request-id': { type: 'string' },
  operation: { type: 'string' },
  result: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseAuditArgs(args: readonly string[]): {
  sub: Subcommand | undefined;
  options: AuditOptions;
} {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: true,
      options: AUDIT_OPTIONS,
    }));
  } catch (e) {
    throw parseArgsUsageError(e, AUDIT_OPTIONS);
  }
  const [subName, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  if (subName !== undefined && !SUBCOMMANDS.includes(subName as Subcommand)) {
    throw new UsageError(
      `unknown audit command '${subName}'${didYouMean(subName, SUBCOMMANDS) || '.'} Use verify, tail or query`,
    );
  }
  const sub = subName as Subcommand | undefined;
  const raw = {
    dataDir: values['data-dir'],
    json: values.json,
    follow: values.follow,
    lines: values.lines,
    since: values.since,
    until: values.until,
    key: values.key,
    keyStore: values['key-store'],
    requestId: values['request-id'],
    operation: values.operation,
    result: values.result,
    help: values.help,
  };
  if (sub && !values.help) {
    for (const [name, value] of Object.entries(raw)) {
      if (value === undefined || name === 'dataDir' || name === 'help') continue;
      if (!ALLOWED[sub].includes(name)) {
        throw new UsageError(`--${flagName(name)} does not apply to 'audit ${sub}'`);
      }
    }
  }
  const parsed = AuditOptions.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--${flagName(String(issue?.path[0] ?? ''))}: ${issue?.message}`);
  }
  return { sub, options: parsed.data };
}

function flagName(key: string): string {
  if (key === 'lines') return 'lines (-n)';
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

async function readLog(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if (errorCode(e) === 'ENOENT') {
      throw new CommandError(`no audit log at ${file} (has the server run with this --data-dir?)`);
    }
    throw new CommandError(`cannot read ${file} (${errorCode(e)})`, { cause: e });
  }
}

/** `xkslab audit ...`: resolves with the exit code (never resolves with --follow). */
export async function auditCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { sub, options } = parseAuditArgs(args);
  if (options.help || sub === undefined) {
    io.stdout(AUDIT_HELP);
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

async function verify(file: string, io: CommandIo): Promise<number> {
  let text = await readLog(file);
  if (text.length > 0 && !text.endsWith('\n')) {
    // The server may be in the middle of a write; a real truncation is still there after a pause.
    await new Promise((r) => setTimeout(r, PARTIAL_LINE_RETRY_MS));
    text = await readLog(file);
  }
  const result = verifyChain(text);
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

function render(entries: ReturnType<typeof readEntries>, json: boolean, header: boolean): string {
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
  const entries = readEntries(await readLog(file)).filter((e) => matchesFilter(e, filter));
  io.stdout(render(entries, options.json, true));
  if (!options.json && entries.length === 0) io.stderr('no matching entries\n');
  return 0;
}

async function tail(file: string, options: AuditOptions, io: CommandIo): Promise<number> {
  const text = await readLog(file);
  const entries = readEntries(text);
  const last = options.lines === 0 ? [] : entries.slice(-options.lines);
  io.stdout(render(last, options.json, true));
  if (!options.follow) return 0;
  // Follow: poll for growth from the end of the last complete line we have read.
  let offset = Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1), 'utf8');
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
