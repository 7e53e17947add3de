import { readFile } from 'node:fs/promises';
import type { ConformanceOptions, TlsSettings } from '@xkslab/conformance';
import { EXTERNAL_KEY_ID_PATTERN } from '@xkslab/protocol';
import { z } from 'zod';
import { defineCommand, HELP_OPTION, parseCommand } from './command.ts';
import { errorCode } from './command-io.ts';
import type { LocalTarget } from './conformance-local.ts';
import { UsageError } from './flags.ts';
import { DEFAULT_DATA_DIR } from './serve-options.ts';

const Positive = z.coerce.number().positive();

const LOCAL = 'The xkslab running from a data directory (no secret to give):';
const REMOTE = 'Any proxy:';
const SECRET = 'Secret (command lines are visible to other users; prefer the environment):';
const MORE =
  'More keys and credentials (MUST checks that need them are skipped without: INCOMPLETE):';
const LOAD = 'Load (open loop: requests leave on schedule whatever the answers do):';
const OUTPUT = 'Output:';

const KeyId = (description: string, section: string) =>
  z
    .string()
    .regex(EXTERNAL_KEY_ID_PATTERN, 'not an external key id')
    .optional()
    .meta({ description, value: 'K', section });
const Text = (description: string, value: string, section: string) =>
  z.string().min(1).optional().meta({ description, value, section });

const ConformanceFlags = z.strictObject({
  local: z
    .boolean()
    .optional()
    .meta({
      description: [
        'test the xkslab serving DIR: its URL and token from DIR/admin.json',
        "and DIR/admin-token, the key store's path and region from the",
        'admin API. The run adds two temporary credentials and the test',
        "keys the key store's module lacks (encrypt-only, decrypt-only,",
        'no usage, disabled), and removes them afterwards, also after a',
        'failure or Ctrl-C. Key flags below override its choice of keys.',
      ].join('\n'),
      section: LOCAL,
    }),
  keystore: Text("the key store to test (default: the only one, else 'default')", 'NAME', LOCAL),
  dataDir: Text(`the server's data directory (default: ${DEFAULT_DATA_DIR})`, 'DIR', LOCAL),
  url: Text('http(s)://host[:port][/<prefix>]/kms/xks/v1 of one key store', 'URL', REMOTE),
  accessKeyId: Text('SigV4 access key id of that key store', 'ID', REMOTE),
  region: z
    .string()
    .regex(/^[a-z0-9-]{1,32}$/, 'not a region name')
    .optional()
    .meta({
      description: "the key store's region (SigV4 credential scope)",
      value: 'R',
      section: REMOTE,
    }),
  keyId: KeyId('an ENABLED key with ENCRYPT and DECRYPT', REMOTE),
  secret: Text(
    'the secret access key, on the command line (rather set XKSLAB_CONFORMANCE_SECRET)',
    'S',
    SECRET,
  ),
  encryptOnlyKeyId: KeyId('a key with ENCRYPT but not DECRYPT', MORE),
  decryptOnlyKeyId: KeyId('a key with DECRYPT but not ENCRYPT', MORE),
  noUsageKeyId: KeyId('a key with neither ENCRYPT nor DECRYPT', MORE),
  disabledKeyId: KeyId('a key the key manager reports DISABLED', MORE),
  secondCredential: Text(
    'a second live credential of the key store (rotation); without\n:S the secret comes from XKSLAB_CONFORMANCE_SECOND_SECRET',
    'ID[:S]',
    MORE,
  ),
  ca: Text("PEM CA bundle that issued the proxy's certificate", 'FILE', 'TLS:'),
  cert: Text('PEM client certificate (mTLS), with --key', 'FILE', 'TLS:'),
  key: Text('its PEM private key', 'FILE', 'TLS:'),
  loadRps: Positive.max(100_000).optional().meta({
    description: 'signed encrypt/decrypt requests per second',
    value: 'N',
    section: LOAD,
  }),
  loadSeconds: Positive.max(3600).optional().meta({
    description: 'how long (default 10)',
    value: 'T',
    section: LOAD,
  }),
  json: Text('write the full report as JSON (summary.verdict, summary.exitStatus)', 'FILE', OUTPUT),
  junit: Text('write JUnit XML (one testcase per check; verdict as a property)', 'FILE', OUTPUT),
  html: Text(
    'write a self-contained HTML report (one file, readable offline;\nfailures with what was sent and received, secrets redacted)',
    'FILE',
    OUTPUT,
  ),
  only: Text('comma-separated check ids or prefixes (e.g. sigv4.,encrypt.cdiv)', 'IDS', OUTPUT),
  timeoutMs: z.coerce.number().int().min(100).max(600_000).optional().meta({
    description: 'per-request timeout (default 10000)',
    value: 'N',
    section: OUTPUT,
  }),
  help: HELP_OPTION.meta({ description: 'show this help', short: 'h', section: OUTPUT }),
});

export const CONFORMANCE_COMMAND = defineCommand({
  name: 'conformance',
  summary: 'run the XKS conformance suite against a proxy (this one or any other)',
  usage: [
    'conformance --local [--keystore NAME] [--data-dir DIR] [options]',
    'conformance --url URL --access-key-id ID --region R --key-id K [options]',
    'conformance compare A.json B.json [--json] [--fail-on differs|regressed]',
  ],
  description: `Run a strict conformance suite against any XKS proxy (xkslab's or another vendor's): happy paths
checked against the spec's schemas, every error a black box can provoke (status and errorName),
tampering, CDIV, key usage, a SigV4 negative matrix, nonce and size hygiene, method and path,
robustness, keep-alive, pipelining and slow connections, TLS, every answer against KMS's 250 ms
deadline and, with --load-rps, a fixed-rate load run judged on its percentiles. Each check names its
section of the spec digest and its severity (MUST/SHOULD).`,
  options: ConformanceFlags,
  env: {
    XKSLAB_CONFORMANCE_SECRET: 'the secret access key (rather than --secret)',
    XKSLAB_CONFORMANCE_SECOND_SECRET: 'the secret of --second-credential ID',
  },
  notes: `Results: PASS, FAIL, SKIP (an input is missing: a key, a credential, a client certificate) and
N/A (does not apply to this target or run: tls.* over http://, load.* without --load-rps, a
field the proxy never sends). N/A checks are listed but never decide the verdict.

Exit status:
  0  CONFORMS          every applicable MUST check ran and passed
  1  DOES NOT CONFORM  a MUST check failed
  2                    usage error (bad flags; --keystore names no key store; a --json,
                       --junit or --html file that cannot be written)
  3  INCOMPLETE        no MUST check failed, but one was skipped (named in the report)
  4                    nothing was tested: nothing listens at the URL, its TLS certificate is
                       not trusted (--ca), a client certificate is required (--cert), or the
                       local server's data directory or admin API cannot be used
  130                  interrupted (Ctrl-C); --local has removed what it made

\`xkslab conformance compare --help\` compares two JSON reports (its own exit statuses).`,
  check: (args) => {
    if ((args.cert === undefined) !== (args.key === undefined)) {
      return '--cert and --key go together';
    }
    if (args.loadSeconds !== undefined && args.loadRps === undefined) {
      return '--load-seconds needs --load-rps';
    }
    return undefined;
  },
});

/** The parsed flags, without --secret (kept out of everything that could be printed) and --help. */
type ConformanceArgs = Omit<z.infer<typeof ConformanceFlags>, 'secret' | 'help'>;

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

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Parses `xkslab conformance` arguments; every problem is a UsageError naming the flag. */
export function parseConformanceArgs(
  argv: readonly string[],
  env: ConformanceEnv = {},
): ConformanceCommand {
  const parsed = parseCommand(CONFORMANCE_COMMAND, argv);
  if (parsed.help) return { help: true };
  const { secret: secretFlag, help: _help, ...args } = parsed.options;
  if (args.local) {
    const extra = NOT_WITH_LOCAL.find((k) => args[k] !== undefined);
    if (extra !== undefined || secretFlag !== undefined) {
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
  const secret = secretFlag ?? env.secret;
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
export async function tlsOf(args: ConformanceArgs): Promise<TlsSettings> {
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
