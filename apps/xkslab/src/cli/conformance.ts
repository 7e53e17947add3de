import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  type ConformanceOptions,
  ConformanceOptionsError,
  formatJunitReport,
  formatTextReport,
  type ProgressEvent,
  runConformance,
} from '@xkslab/conformance';
import { EXTERNAL_KEY_ID_PATTERN } from '@xkslab/protocol';
import { z } from 'zod';
import { CommandError, type CommandIo, errorCode } from './command-io.ts';
import { UsageError } from './flags.ts';

export const CONFORMANCE_HELP = `Usage: xkslab conformance --url URL --access-key-id ID --region R --key-id K [options]

Run a strict conformance suite against any XKS proxy (xkslab's or another vendor's): happy paths
checked against the spec's schemas, every error a black box can provoke (status and errorName),
tampering, CDIV, key usage, SigV4 negatives, method and path, robustness, TLS and, with
--load-rps, a fixed-rate load run judged against KMS's 250 ms deadline. Each check names its
section of the spec digest and its severity (MUST/SHOULD).

Required:
  --url URL                     http(s)://host[:port][/<prefix>]/kms/xks/v1 of one key store
  --access-key-id ID            SigV4 access key id of that key store
  --region R                    the key store's region (SigV4 credential scope)
  --key-id K                    an ENABLED key with ENCRYPT and DECRYPT

Secret (command lines are visible to other users; prefer the environment):
  XKSLAB_CONFORMANCE_SECRET     the secret access key
  --secret S                    the same, on the command line

More keys and credentials (checks that need them are skipped without):
  --encrypt-only-key-id K       a key with ENCRYPT but not DECRYPT
  --decrypt-only-key-id K       a key with DECRYPT but not ENCRYPT
  --no-usage-key-id K           a key with neither ENCRYPT nor DECRYPT
  --disabled-key-id K           a key the key manager reports DISABLED
  --second-credential ID[:S]    a second live credential of the key store (rotation); without
                                :S the secret comes from XKSLAB_CONFORMANCE_SECOND_SECRET

TLS:
  --ca FILE                     PEM CA bundle that issued the proxy's certificate
  --cert FILE --key FILE        PEM client certificate and key (mTLS)

Load (open loop: requests leave on schedule whatever the answers do):
  --load-rps N                  signed encrypt/decrypt requests per second
  --load-seconds T              how long (default 10)

Output:
  --json FILE                   write the full report as JSON
  --junit FILE                  write JUnit XML (one testcase per check)
  --only IDS                    comma-separated check ids or prefixes (e.g. sigv4.,encrypt.cdiv)
  --timeout-ms N                per-request timeout (default 10000)
  -h, --help                    show this help

Exit status: 0 when no MUST check failed, 1 when one did, 2 on usage errors.
`;

const Positive = z.coerce.number().positive();

const ConformanceArgs = z.strictObject({
  url: z.string({ error: 'is required' }).min(1),
  accessKeyId: z.string({ error: 'is required' }).min(1),
  region: z.string({ error: 'is required' }).regex(/^[a-z0-9-]{1,32}$/, 'not a region name'),
  keyId: z
    .string({ error: 'is required' })
    .regex(EXTERNAL_KEY_ID_PATTERN, 'not an external key id'),
  encryptOnlyKeyId: z.string().regex(EXTERNAL_KEY_ID_PATTERN, 'not an external key id').optional(),
  decryptOnlyKeyId: z.string().regex(EXTERNAL_KEY_ID_PATTERN, 'not an external key id').optional(),
  noUsageKeyId: z.string().regex(EXTERNAL_KEY_ID_PATTERN, 'not an external key id').optional(),
  disabledKeyId: z.string().regex(EXTERNAL_KEY_ID_PATTERN, 'not an external key id').optional(),
  secondCredential: z.string().min(1).optional(),
  ca: z.string().min(1).optional(),
  cert: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  loadRps: Positive.max(100_000).optional(),
  loadSeconds: Positive.max(3600).optional(),
  json: z.string().min(1).optional(),
  junit: z.string().min(1).optional(),
  only: z.string().min(1).optional(),
  timeoutMs: z.coerce.number().int().min(100).max(600_000).optional(),
});
type ConformanceArgs = z.infer<typeof ConformanceArgs>;

/** What main.ts reads from the environment for this command. */
export type ConformanceEnv = { secret?: string | undefined; secondSecret?: string | undefined };

export type ConformanceCommand =
  | { help: true }
  | { help: false; args: ConformanceArgs; secret: string; secondSecret: string | undefined };

const FLAGS = {
  url: { type: 'string' },
  'access-key-id': { type: 'string' },
  secret: { type: 'string' },
  region: { type: 'string' },
  'key-id': { type: 'string' },
  'encrypt-only-key-id': { type: 'string' },
  'decrypt-only-key-id': { type: 'string' },
  'no-usage-key-id': { type: 'string' },
  'disabled-key-id': { type: 'string' },
  'second-credential': { type: 'string' },
  ca: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  'load-rps': { type: 'string' },
  'load-seconds': { type: 'string' },
  json: { type: 'string' },
  junit: { type: 'string' },
  only: { type: 'string' },
  'timeout-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Parses `xkslab conformance` arguments; every problem is a UsageError naming the flag. */
export function parseConformanceArgs(
  argv: readonly string[],
  env: ConformanceEnv = {},
): ConformanceCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: FLAGS,
    }));
  } catch (e) {
    throw new UsageError(
      e instanceof Error ? (e.message.split('\n')[0] ?? 'bad arguments') : 'bad arguments',
    );
  }
  if (values.help) return { help: true };
  const raw: Record<string, unknown> = {};
  for (const [flag, value] of Object.entries(values)) {
    if (flag !== 'secret' && flag !== 'help') raw[camel(flag)] = value;
  }
  const parsed = ConformanceArgs.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `--${kebab(String(issue?.path[0] ?? ''))}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const args = parsed.data;
  const secret = (values.secret as string | undefined) ?? env.secret;
  if (!secret) {
    throw new UsageError(
      'no secret access key: set XKSLAB_CONFORMANCE_SECRET (or pass --secret; command lines leak into ps)',
    );
  }
  if ((args.cert === undefined) !== (args.key === undefined)) {
    throw new UsageError('--cert and --key go together');
  }
  if (args.loadSeconds !== undefined && args.loadRps === undefined) {
    throw new UsageError('--load-seconds needs --load-rps');
  }
  let secondSecret: string | undefined;
  if (args.secondCredential !== undefined) {
    const colon = args.secondCredential.indexOf(':');
    secondSecret = colon === -1 ? env.secondSecret : args.secondCredential.slice(colon + 1);
    if (!secondSecret) {
      throw new UsageError(
        '--second-credential: give ID:SECRET, or ID with XKSLAB_CONFORMANCE_SECOND_SECRET',
      );
    }
  }
  return { help: false, args, secret, secondSecret };
}

async function readPem(flag: string, path: string | undefined): Promise<Buffer | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path);
  } catch (e) {
    throw new UsageError(`--${flag}: cannot read ${path} (${errorCode(e)})`);
  }
}

/** The runner's options from the parsed command (reads the PEM files). */
export async function conformanceOptions(
  cmd: Extract<ConformanceCommand, { help: false }>,
): Promise<ConformanceOptions> {
  const { args } = cmd;
  const [ca, cert, key] = await Promise.all([
    readPem('ca', args.ca),
    readPem('cert', args.cert),
    readPem('key', args.key),
  ]);
  const second = args.secondCredential;
  return {
    url: args.url,
    accessKeyId: args.accessKeyId,
    secretAccessKey: cmd.secret,
    region: args.region,
    keyId: args.keyId,
    encryptOnlyKeyId: args.encryptOnlyKeyId,
    decryptOnlyKeyId: args.decryptOnlyKeyId,
    noUsageKeyId: args.noUsageKeyId,
    disabledKeyId: args.disabledKeyId,
    secondCredential:
      second === undefined || cmd.secondSecret === undefined
        ? undefined
        : {
            accessKeyId: second.includes(':') ? second.slice(0, second.indexOf(':')) : second,
            secretAccessKey: cmd.secondSecret,
          },
    tls: { ca, cert, key },
    load:
      args.loadRps === undefined
        ? undefined
        : { rps: args.loadRps, seconds: args.loadSeconds ?? 10 },
    timeoutMs: args.timeoutMs,
    only: args.only
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}

export type ConformanceIo = CommandIo & {
  /** stderr is a terminal: one progress line rewritten in place instead of a line per check. */
  stderrIsTty: boolean;
  /** stdout is a terminal: colours in the table. */
  stdoutIsTty: boolean;
  columns?: number | undefined;
};

function progressReporter(io: ConformanceIo): (event: ProgressEvent) => void {
  let width = 0;
  const line = (text: string) => {
    if (io.stderrIsTty) {
      const cols = io.columns ?? 100;
      const shown = text.length >= cols ? text.slice(0, cols - 1) : text;
      io.stderr(`\r${shown}${' '.repeat(Math.max(0, width - shown.length))}`);
      width = shown.length;
    } else {
      io.stderr(`${text}\n`);
    }
  };
  return (event) => {
    if (event.type === 'check-start') {
      if (io.stderrIsTty) line(`[${event.index + 1}/${event.total}] ${event.id}: ${event.title}`);
    } else if (event.type === 'check-done') {
      if (!io.stderrIsTty) {
        const r = event.result;
        line(`[${event.index + 1}/${event.total}] ${r.status.toUpperCase()} ${r.id}`);
      } else if (event.index + 1 === event.total) {
        line('');
        io.stderr('\r');
      }
    } else {
      line(
        `load: ${event.elapsedSeconds}/${event.seconds} s, sent ${event.sent}, answered ${event.completed}, errors ${event.errors}`,
      );
    }
  };
}

async function writeReport(flag: string, path: string, text: string) {
  try {
    await writeFile(path, text);
  } catch (e) {
    throw new CommandError(`--${flag}: cannot write ${path} (${errorCode(e)})`);
  }
}

/** `xkslab conformance`: runs the suite, prints the table, writes the files; the exit status. */
export async function conformanceCommand(
  argv: readonly string[],
  env: ConformanceEnv,
  io: ConformanceIo,
): Promise<number> {
  const cmd = parseConformanceArgs(argv, env);
  if (cmd.help) {
    io.stdout(CONFORMANCE_HELP);
    return 0;
  }
  const options = await conformanceOptions(cmd);
  let report: Awaited<ReturnType<typeof runConformance>>;
  try {
    report = await runConformance(options, { onProgress: progressReporter(io) });
  } catch (e) {
    if (e instanceof ConformanceOptionsError) throw new UsageError(e.message);
    throw e;
  }
  io.stdout(formatTextReport(report, { width: io.columns ?? 160, color: io.stdoutIsTty }));
  if (cmd.args.json)
    await writeReport('json', cmd.args.json, `${JSON.stringify(report, null, 2)}\n`);
  if (cmd.args.junit) await writeReport('junit', cmd.args.junit, formatJunitReport(report));
  return report.summary.ok ? 0 : 1;
}
