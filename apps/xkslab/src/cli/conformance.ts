import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ConformanceAbortedError,
  type ConformanceOptions,
  ConformanceOptionsError,
  checkReachable,
  EXIT_STATUS,
  formatJunitReport,
  formatTextReport,
  type ProgressEvent,
  runConformance,
  statusText,
  TargetUnreachableError,
  type TlsSettings,
} from '@xkslab/conformance';
import { EXTERNAL_KEY_ID_PATTERN } from '@xkslab/protocol';
import { z } from 'zod';
import { CommandError, type CommandIo, errorCode } from './command-io.ts';
import {
  cleanupLocalTarget,
  type LocalMade,
  type LocalTarget,
  prepareLocalTarget,
} from './conformance-local.ts';
import { UsageError } from './flags.ts';
import { DEFAULT_DATA_DIR } from './serve-options.ts';

export const CONFORMANCE_HELP = `Usage: xkslab conformance --local [--keystore NAME] [--data-dir DIR] [options]
       xkslab conformance --url URL --access-key-id ID --region R --key-id K [options]

Run a strict conformance suite against any XKS proxy (xkslab's or another vendor's): happy paths
checked against the spec's schemas, every error a black box can provoke (status and errorName),
tampering, CDIV, key usage, SigV4 negatives, method and path, robustness, TLS and, with
--load-rps, a fixed-rate load run judged against KMS's 250 ms deadline. Each check names its
section of the spec digest and its severity (MUST/SHOULD).

The xkslab running from a data directory (no secret to give):
  --local                       test the xkslab serving DIR: its URL and token from DIR/admin.json
                                and DIR/admin-token, the key store's path and region from the
                                admin API. The run adds two temporary credentials and the test
                                keys the key store's module lacks (encrypt-only, decrypt-only,
                                no usage, disabled), and removes them afterwards, also after a
                                failure or Ctrl-C. Key flags below override its choice of keys.
  --keystore NAME               the key store to test (default: the only one, else 'default')
  --data-dir DIR                the server's data directory (default: ${DEFAULT_DATA_DIR})

Any proxy:
  --url URL                     http(s)://host[:port][/<prefix>]/kms/xks/v1 of one key store
  --access-key-id ID            SigV4 access key id of that key store
  --region R                    the key store's region (SigV4 credential scope)
  --key-id K                    an ENABLED key with ENCRYPT and DECRYPT

Secret (command lines are visible to other users; prefer the environment):
  XKSLAB_CONFORMANCE_SECRET     the secret access key
  --secret S                    the same, on the command line

More keys and credentials (MUST checks that need them are skipped without: INCOMPLETE):
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
  --json FILE                   write the full report as JSON (summary.verdict, summary.exitStatus)
  --junit FILE                  write JUnit XML (one testcase per check; verdict as a property)
  --only IDS                    comma-separated check ids or prefixes (e.g. sigv4.,encrypt.cdiv)
  --timeout-ms N                per-request timeout (default 10000)
  -h, --help                    show this help

Results: PASS, FAIL, SKIP (an input is missing: a key, a credential, a client certificate) and
N/A (does not apply to this target or run: tls.* over http://, load.* without --load-rps, a
field the proxy never sends). N/A checks are listed but never decide the verdict.

Exit status:
  0  CONFORMS          every applicable MUST check ran and passed
  1  DOES NOT CONFORM  a MUST check failed
  2                    usage error (bad flags; --keystore names no key store)
  3  INCOMPLETE        no MUST check failed, but one was skipped (named in the report)
  4                    nothing was tested: nothing listens at the URL, its TLS certificate is
                       not trusted (--ca), a client certificate is required (--cert), or the
                       local server's data directory or admin API cannot be used
  130                  interrupted (Ctrl-C); --local has removed what it made
`;

const Positive = z.coerce.number().positive();

const ConformanceArgs = z.strictObject({
  local: z.boolean().optional(),
  keystore: z.string().min(1).optional(),
  dataDir: z.string().min(1).optional(),
  url: z.string().min(1).optional(),
  accessKeyId: z.string().min(1).optional(),
  region: z
    .string()
    .regex(/^[a-z0-9-]{1,32}$/, 'not a region name')
    .optional(),
  keyId: z.string().regex(EXTERNAL_KEY_ID_PATTERN, 'not an external key id').optional(),
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

/** The proxy named on the command line. */
export type RemoteTarget = {
  url: string;
  accessKeyId: string;
  region: string;
  keyId: string;
  secret: string;
  secondSecret: string | undefined;
};

export type ConformanceCommand =
  | { help: true }
  | { help: false; args: ConformanceArgs; local: { dataDir: string; keyStore?: string } }
  | { help: false; args: ConformanceArgs; remote: RemoteTarget };

/** Flags --local finds for itself: giving them as well is a mistake worth saying. */
const NOT_WITH_LOCAL = ['url', 'accessKeyId', 'region', 'secondCredential'] as const;
const REMOTE_REQUIRED = ['url', 'accessKeyId', 'region', 'keyId'] as const;

const FLAGS = {
  local: { type: 'boolean' },
  keystore: { type: 'string' },
  'data-dir': { type: 'string' },
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
  if ((args.cert === undefined) !== (args.key === undefined)) {
    throw new UsageError('--cert and --key go together');
  }
  if (args.loadSeconds !== undefined && args.loadRps === undefined) {
    throw new UsageError('--load-seconds needs --load-rps');
  }
  if (args.local) {
    const extra = NOT_WITH_LOCAL.find((k) => args[k] !== undefined);
    if (extra !== undefined || values.secret !== undefined) {
      throw new UsageError(
        `--${extra === undefined ? 'secret' : kebab(extra)}: not with --local, which finds the URL, region and credentials through the data directory`,
      );
    }
    return {
      help: false,
      args,
      local: {
        dataDir: args.dataDir ?? DEFAULT_DATA_DIR,
        ...(args.keystore === undefined ? {} : { keyStore: args.keystore }),
      },
    };
  }
  for (const flag of ['keystore', 'dataDir'] as const) {
    if (args[flag] !== undefined) throw new UsageError(`--${kebab(flag)}: only with --local`);
  }
  const missing = REMOTE_REQUIRED.find((k) => args[k] === undefined);
  if (missing !== undefined) {
    throw new UsageError(
      `--${kebab(missing)}: is required (or test the local xkslab with --local)`,
    );
  }
  const secret = (values.secret as string | undefined) ?? env.secret;
  if (!secret) {
    throw new UsageError(
      'no secret access key: set XKSLAB_CONFORMANCE_SECRET (or pass --secret; command lines leak into ps)',
    );
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
  return {
    help: false,
    args,
    remote: {
      url: args.url as string,
      accessKeyId: args.accessKeyId as string,
      region: args.region as string,
      keyId: args.keyId as string,
      secret,
      secondSecret,
    },
  };
}

async function readPem(flag: string, path: string | undefined): Promise<Buffer | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path);
  } catch (e) {
    throw new UsageError(`--${flag}: cannot read ${path} (${errorCode(e)})`);
  }
}

/** The PEM files of --ca, --cert and --key. */
async function tlsOf(args: ConformanceArgs): Promise<TlsSettings> {
  const [ca, cert, key] = await Promise.all([
    readPem('ca', args.ca),
    readPem('cert', args.cert),
    readPem('key', args.key),
  ]);
  return { ca, cert, key };
}

/** What the runner is pointed at: the remote flags, or what --local found and made. */
type Target = Pick<
  ConformanceOptions,
  | 'url'
  | 'accessKeyId'
  | 'secretAccessKey'
  | 'region'
  | 'keyId'
  | 'encryptOnlyKeyId'
  | 'decryptOnlyKeyId'
  | 'noUsageKeyId'
  | 'disabledKeyId'
  | 'secondCredential'
>;

function remoteTarget(args: ConformanceArgs, remote: RemoteTarget): Target {
  const second = args.secondCredential;
  return {
    url: remote.url,
    accessKeyId: remote.accessKeyId,
    secretAccessKey: remote.secret,
    region: remote.region,
    keyId: remote.keyId,
    encryptOnlyKeyId: args.encryptOnlyKeyId,
    decryptOnlyKeyId: args.decryptOnlyKeyId,
    noUsageKeyId: args.noUsageKeyId,
    disabledKeyId: args.disabledKeyId,
    secondCredential:
      second === undefined || remote.secondSecret === undefined
        ? undefined
        : {
            accessKeyId: second.includes(':') ? second.slice(0, second.indexOf(':')) : second,
            secretAccessKey: remote.secondSecret,
          },
  };
}

function localTarget(local: LocalTarget): Target {
  return {
    url: local.url,
    accessKeyId: local.credential.accessKeyId,
    secretAccessKey: local.credential.secretAccessKey,
    region: local.region,
    keyId: local.keys.keyId as string,
    encryptOnlyKeyId: local.keys.encryptOnlyKeyId,
    decryptOnlyKeyId: local.keys.decryptOnlyKeyId,
    noUsageKeyId: local.keys.noUsageKeyId,
    disabledKeyId: local.keys.disabledKeyId,
    secondCredential: local.secondCredential,
  };
}

/**
 * The runner's options from the parsed command (reads the PEM files). A --local command needs
 * the target `prepareLocalTarget` found.
 */
export async function conformanceOptions(
  cmd: Exclude<ConformanceCommand, { help: true }>,
  local?: LocalTarget,
): Promise<ConformanceOptions> {
  const { args } = cmd;
  const tls = await tlsOf(args);
  let target: Target;
  if ('remote' in cmd) target = remoteTarget(args, cmd.remote);
  else if (local) target = localTarget(local);
  else throw new Error('conformanceOptions: a --local command needs its local target');
  return {
    ...target,
    tls,
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
        line(`[${event.index + 1}/${event.total}] ${statusText(r.status)} ${r.id}`);
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

/** What the command needs from the composition root besides its output. */
export type ConformanceDeps = {
  /** Resolves on SIGINT/SIGTERM: the run stops, --local removes what it made, exit 130. */
  interrupted?: Promise<string> | undefined;
  /** Random bytes, for the suffix of the test keys' ids. */
  random: (n: number) => Uint8Array;
};

/** Exit status of an interrupted run (128 + SIGINT, as shells report it). */
export const EXIT_INTERRUPTED = 130;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `xkslab conformance`: runs the suite, prints the table, writes the files; the exit status. */
export async function conformanceCommand(
  argv: readonly string[],
  env: ConformanceEnv,
  io: ConformanceIo,
  deps: ConformanceDeps,
): Promise<number> {
  const cmd = parseConformanceArgs(argv, env);
  if (cmd.help) {
    io.stdout(CONFORMANCE_HELP);
    return 0;
  }
  const controller = new AbortController();
  void deps.interrupted?.then(() => controller.abort());
  const made: LocalMade = { keys: [], credentials: [] };
  try {
    let local: LocalTarget | undefined;
    if ('local' in cmd) {
      local = await prepareLocalTarget({
        dataDir: cmd.local.dataDir,
        keyStore: cmd.local.keyStore,
        given: {
          keyId: cmd.args.keyId,
          encryptOnlyKeyId: cmd.args.encryptOnlyKeyId,
          decryptOnlyKeyId: cmd.args.decryptOnlyKeyId,
          noUsageKeyId: cmd.args.noUsageKeyId,
          disabledKeyId: cmd.args.disabledKeyId,
        },
        suffix: Buffer.from(deps.random(4)).toString('hex'),
        made,
        beforeChanges: async (url) => {
          await checkReachable(url, { tls: await tlsOf(cmd.args), timeoutMs: cmd.args.timeoutMs });
        },
      });
      io.stderr(
        `testing key store ${local.keyStore} (module ${local.module}) at ${local.url}; made for this run: ${plural(made.credentials.length, 'temporary credential')}${made.keys.length ? `, test keys ${made.keys.join(', ')}` : ''}\n`,
      );
    }
    if (controller.signal.aborted) throw new ConformanceAbortedError();
    const options = await conformanceOptions(cmd, local);
    const report = await runConformance(options, {
      onProgress: progressReporter(io),
      signal: controller.signal,
    });
    io.stdout(formatTextReport(report, { width: io.columns ?? 160, color: io.stdoutIsTty }));
    if (cmd.args.json) {
      await writeReport('json', cmd.args.json, `${JSON.stringify(report, null, 2)}\n`);
    }
    if (cmd.args.junit) await writeReport('junit', cmd.args.junit, formatJunitReport(report));
    return report.summary.exitStatus;
  } catch (e) {
    if (e instanceof ConformanceOptionsError) throw new UsageError(e.message);
    if (e instanceof ConformanceAbortedError) {
      io.stderr('\nxkslab: interrupted\n');
      return EXIT_INTERRUPTED;
    }
    if (e instanceof TargetUnreachableError) {
      io.stderr(
        `xkslab: ${unreachableMessage(e, 'local' in cmd ? cmd.local.dataDir : undefined)}\n`,
      );
      return EXIT_STATUS.UNREACHABLE;
    }
    if (e instanceof CommandError) {
      io.stderr(`xkslab: ${e.message}\n`);
      return EXIT_STATUS.UNREACHABLE;
    }
    throw e;
  } finally {
    if (made.client) {
      const left = await cleanupLocalTarget(made);
      const removed = made.keys.length + made.credentials.length - left.length;
      if (removed > 0) {
        io.stderr(
          `removed what this run made: ${plural(made.keys.length, 'test key')}, ${plural(made.credentials.length, 'temporary credential')}${left.length ? ` (${left.length} could not be removed)` : ''}\n`,
        );
      }
      for (const line of left) io.stderr(`xkslab: warning: could not remove ${line}\n`);
    }
  }
}

/** The runner's message, with what to do about it when the target is the local xkslab. */
function unreachableMessage(e: TargetUnreachableError, localDataDir: string | undefined): string {
  if (localDataDir === undefined) return e.message;
  if (e.reason === 'CONNECTION_REFUSED') {
    return `nothing listens at ${e.origin}; is xkslab serve running? (start it with \`pnpm start\` or \`xkslab serve --data-dir ${localDataDir}\`)`;
  }
  const tls = join(localDataDir, 'tls');
  if (e.reason === 'UNTRUSTED_CERTIFICATE' && e.code !== 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `${e.message} (for \`serve --dev-tls\`: --ca ${join(tls, 'ca.pem')})`;
  }
  if (e.reason === 'CLIENT_CERTIFICATE_REQUIRED') {
    return `${e.message} (for \`serve --dev-tls\`: --cert ${join(tls, 'client.pem')} --key ${join(tls, 'client-key.pem')})`;
  }
  return e.message;
}
