import { DEFAULT_SECRET_ACCESS_KEY } from '@xkslab/kms-emulator';
import { z } from 'zod';
import { LOG_LEVELS } from '../logger.ts';
import { DEV_CLIENT_NAME } from '../tls/dev-tls.ts';
import { DEFAULT_LIMITS } from '../xks/limits.ts';
import { commandHelp, defineCommand, HELP_OPTION, parseCommand } from './command.ts';
import { CONNECTION_FLAGS } from './connection-flags.ts';
import { DEFAULT_KMS_HOST, defaultCredentialExposure } from './kms-options.ts';

export const DEFAULT_HOST = '127.0.0.1';
/** Where the admin listener of its own binds without --admin-host, whatever --host is. */
export const ADMIN_DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 7780;
export const DEFAULT_DATA_DIR = '.xkslab';

/** `--data-dir DIR`, as every command that opens a data directory declares it. */
export const DATA_DIR_OPTION = z
  .string()
  .min(1)
  .default(DEFAULT_DATA_DIR)
  .meta({ description: 'data directory', value: 'DIR' });
export const DEFAULT_MODULE_TIMEOUT_MS = 200;

const Port = z.coerce.number().int().min(0).max(65535);
const PositiveInt = z.coerce.number().int().positive();
const File = z.string().min(1);

export const ServeOptions = z.strictObject({
  dataDir: DATA_DIR_OPTION,
  host: z
    .string()
    .min(1)
    .default(DEFAULT_HOST)
    .meta({ description: 'address to listen on', value: 'HOST' }),
  port: Port.default(DEFAULT_PORT).meta({
    description: 'port to listen on; 0 picks a free one',
    value: 'PORT',
  }),
  seed: File.optional().meta({
    description: 'apply a seed file of modules, keys and key stores (JSON)',
    value: 'FILE',
  }),
  engine: z.enum(['auto', 'native', 'node', 'noble']).default('auto').meta({
    description:
      'AES-GCM implementation: native (OpenSSL, one context per key),\nnode (node:crypto), noble (pure JS reference) or auto (default:\nnative where its addon loads, node otherwise)',
  }),
  maxPlaintextBytes: PositiveInt.default(DEFAULT_LIMITS.maxPlaintextBytes).meta({
    description: `largest plaintext/ciphertext accepted (default: ${DEFAULT_LIMITS.maxPlaintextBytes}, min 4300)`,
    value: 'N',
  }),
  maxAadBytes: PositiveInt.default(DEFAULT_LIMITS.maxAadBytes).meta({
    description: `largest AAD accepted (default: ${DEFAULT_LIMITS.maxAadBytes}, min 8192)`,
    value: 'N',
  }),
  moduleTimeoutMs: PositiveInt.default(DEFAULT_MODULE_TIMEOUT_MS).meta({
    description: 'answer DependencyTimeoutException after N ms',
    value: 'N',
  }),
  workers: z.coerce.number().int().min(1).max(64).default(1).meta({
    description:
      'serve XKS requests from N processes sharing the port (default: 1); the\nfirst keeps the database, the audit log and the admin API on a listener\nof its own (docs/performance.md, "Workers")',
    value: 'N',
  }),
  ...CONNECTION_FLAGS,
  kmsPort: Port.optional().meta({
    description:
      "also run the AWS KMS emulator on PORT (0 picks a free one), state in\nDIR/kms-emulator-state.json; see 'xkslab kms --help'",
    value: 'PORT',
  }),
  kmsHost: z
    .string()
    .min(1)
    .optional()
    .meta({
      description: `... on HOST (default ${DEFAULT_KMS_HOST}, loopback whatever --host is; it has the\npublished default credential, so off loopback run 'xkslab kms' with your own)`,
      value: 'HOST',
    }),
  kmsSeed: File.optional().meta({
    description:
      "... and create the key stores, keys, aliases, tags and policies of this JSON\nfile when its state is empty (the file of 'xkslab kms --seed')",
    value: 'FILE',
  }),
  tlsCert: File.optional().meta({
    description: 'serve HTTPS with this PEM certificate (chain: leaf first) ...',
    value: 'FILE',
  }),
  tlsKey: File.optional().meta({ description: '... and this PEM private key', value: 'FILE' }),
  mtlsCa: File.optional().meta({
    description: 'require client certificates that chain to this PEM CA bundle ...',
    value: 'FILE',
  }),
  mtlsSubject: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,253}$/, 'a host name such as cks.kms.us-east-1.amazonaws.com')
    .optional()
    .meta({
      description:
        '... and carry NAME as subject CN or SAN DNS name\n(AWS KMS presents cks.kms.<region>.amazonaws.com)',
      value: 'NAME',
    }),
  devTls: z
    .boolean()
    .default(false)
    .meta({
      description: `make (once) and use a local CA, a server certificate for localhost\nand a client certificate named ${DEV_CLIENT_NAME}\nin DIR/tls, with mTLS on`,
    }),
  noMtls: z
    .boolean()
    .default(false)
    .meta({ description: 'with --dev-tls: HTTPS without client certificates' }),
  adminHost: z
    .string()
    .min(1)
    .optional()
    .meta({
      description: `serve the admin API (/admin/v1) on a listener of its own, on HOST\n(default ${ADMIN_DEFAULT_HOST}, loopback whatever --host is) ...`,
      value: 'HOST',
    }),
  adminPort: Port.optional().meta({
    description:
      '... and PORT (0 picks one); the XKS listener then has no /admin.\nDefault: the admin API shares the XKS listener. Use it with TLS,\nso the CLI talks plain HTTP on loopback',
    value: 'PORT',
  }),
  resetAdminToken: z
    .boolean()
    .default(false)
    .meta({ description: 'replace the admin token with a new one (printed once)' }),
  logLevel: z
    .enum(LOG_LEVELS)
    .default('info')
    .meta({
      description: [
        'JSON log lines on stdout (default: info), each level adding to the one before:',
        '  error  failures only (internal errors, audit log write failures)',
        '  warn   + refused TLS handshakes, fault rules switched on',
        '  info   + listening/stopping and one line per request (xks, admin, kms-xks)',
        '  debug  + start-up details (options, master key source, seed results)',
      ].join('\n'),
      value: 'LEVEL',
    }),
  quiet: z.boolean().default(false).meta({
    description: 'no per-request lines (the request handlers log warnings and errors only)',
  }),
  help: HELP_OPTION,
});
export type ServeOptions = z.infer<typeof ServeOptions>;

export const SERVE_COMMAND = defineCommand({
  name: 'serve',
  summary: 'start the XKS proxy and its virtual cryptographic modules',
  description: `Start the XKS proxy and its virtual cryptographic modules.

On first start in an empty data directory, xkslab creates one module with one key and one
key store with a generated credential, prints what to paste into the AWS KMS console, and
writes the console's proxy configuration file into the data directory.`,
  options: ServeOptions,
  env: {
    XKSLAB_MASTER_KEY:
      'Base64 of 32 bytes; otherwise DIR/master.key is used (created on first start)',
  },
  check: (options) =>
    checkTlsOptions(options) ??
    (options.adminHost !== undefined && options.adminPort === undefined
      ? '--admin-host needs --admin-port (the admin API listener of its own)'
      : undefined) ??
    checkKmsHost(options),
});

/** The help of `xkslab serve`, generated from its declaration. */
export const SERVE_HELP = commandHelp(SERVE_COMMAND);

/**
 * Parses `xkslab serve` arguments; unknown flags and bad values are UsageErrors naming the flag.
 * `--help` comes back as `{ help: true }` with the defaults.
 */
export function parseServeArgs(args: readonly string[]): ServeOptions {
  const parsed = parseCommand(SERVE_COMMAND, args);
  return parsed.help ? { ...ServeOptions.parse({}), help: true } : parsed.options;
}

/** --kms-seed and --kms-host: with --kms-port; --kms-host on loopback (the emulator beside serve has the default credential). */
function checkKmsHost(o: ServeOptions): string | undefined {
  if (o.kmsSeed !== undefined && o.kmsPort === undefined) {
    return '--kms-seed needs --kms-port (the KMS emulator beside the proxy)';
  }
  if (o.kmsHost === undefined) return undefined;
  if (o.kmsPort === undefined) {
    return '--kms-host needs --kms-port (the KMS emulator beside the proxy)';
  }
  return defaultCredentialExposure(o.kmsHost, DEFAULT_SECRET_ACCESS_KEY, '--kms-host');
}

/** Flags that only make sense together (or not at all together); a message, or undefined. */
function checkTlsOptions(o: ServeOptions): string | undefined {
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) {
    return '--tls-cert and --tls-key go together';
  }
  if ((o.mtlsCa === undefined) !== (o.mtlsSubject === undefined)) {
    return '--mtls-ca and --mtls-subject go together';
  }
  if (o.devTls && o.tlsCert !== undefined) {
    return '--dev-tls makes its own certificates; drop it or --tls-cert/--tls-key';
  }
  if (o.devTls && o.mtlsCa !== undefined) {
    return '--dev-tls uses its own CA for client certificates; use --tls-cert/--tls-key with --mtls-ca';
  }
  if (o.mtlsCa !== undefined && o.tlsCert === undefined) {
    return '--mtls-ca needs --tls-cert and --tls-key (mTLS is part of HTTPS)';
  }
  if (o.noMtls && !o.devTls) {
    return '--no-mtls only applies to --dev-tls (elsewhere mTLS is on only with --mtls-ca)';
  }
  return undefined;
}
