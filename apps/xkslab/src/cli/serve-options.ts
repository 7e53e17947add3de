import { z } from 'zod';
import { LOG_LEVELS } from '../logger.ts';
import { DEV_CLIENT_NAME } from '../tls/dev-tls.ts';
import { DEFAULT_LIMITS } from '../xks/limits.ts';
import { parseFlags, UsageError } from './flags.ts';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 7780;
export const DEFAULT_DATA_DIR = '.xkslab';
export const DEFAULT_MODULE_TIMEOUT_MS = 200;

export const SERVE_HELP = `Usage: xkslab serve [options]

Start the XKS proxy and its virtual cryptographic modules.

On first start in an empty data directory, xkslab creates one module with one key and one
key store with a generated credential, prints what to paste into the AWS KMS console, and
writes the console's proxy configuration file into the data directory.

Options:
  --data-dir DIR             data directory (default: ${DEFAULT_DATA_DIR})
  --host HOST                address to listen on (default: ${DEFAULT_HOST})
  --port PORT                port to listen on; 0 picks a free one (default: ${DEFAULT_PORT})
  --seed FILE                apply a seed file of modules, keys and key stores (JSON)
  --engine noble|node        AES-GCM implementation (default: noble)
  --max-plaintext-bytes N    largest plaintext/ciphertext accepted (default: ${DEFAULT_LIMITS.maxPlaintextBytes}, min 4300)
  --max-aad-bytes N          largest AAD accepted (default: ${DEFAULT_LIMITS.maxAadBytes}, min 8192)
  --module-timeout-ms N      answer DependencyTimeoutException after N ms (default: ${DEFAULT_MODULE_TIMEOUT_MS})
  --kms-port PORT            also run the AWS KMS emulator on PORT (0 picks a free one), state in
                             DIR/kms-emulator-state.json; see 'xkslab kms --help'
  --tls-cert FILE            serve HTTPS with this PEM certificate (chain: leaf first) ...
  --tls-key FILE             ... and this PEM private key
  --mtls-ca FILE             require client certificates that chain to this PEM CA bundle ...
  --mtls-subject NAME        ... and carry NAME as subject CN or SAN DNS name
                             (AWS KMS presents cks.kms.<region>.amazonaws.com)
  --dev-tls                  make (once) and use a local CA, a server certificate for localhost
                             and a client certificate named ${DEV_CLIENT_NAME}
                             in DIR/tls, with mTLS on
  --no-mtls                  with --dev-tls: HTTPS without client certificates
  --admin-host HOST          serve the admin API (/admin/v1) on a listener of its own, on HOST
                             (default ${DEFAULT_HOST}) ...
  --admin-port PORT          ... and PORT (0 picks one); the XKS listener then has no /admin.
                             Default: the admin API shares the XKS listener. Use it with TLS,
                             so the CLI talks plain HTTP on loopback
  --reset-admin-token        replace the admin token with a new one (printed once)
  --log-level LEVEL          JSON log lines on stdout (default: info), each level adding to the one before:
                               error  failures only (internal errors, audit log write failures)
                               warn   + refused TLS handshakes, fault rules switched on
                               info   + listening/stopping and one line per request (xks, admin, kms-xks)
                               debug  + start-up details (options, master key source, seed results)
  --quiet                    no per-request lines (the request handlers log warnings and errors only)
  -h, --help                 show this help

Environment:
  XKSLAB_MASTER_KEY          Base64 of 32 bytes; otherwise DIR/master.key is used (created on first start)
`;

const Port = z.coerce.number().int().min(0).max(65535);
const PositiveInt = z.coerce.number().int().positive();

export const ServeOptions = z.strictObject({
  dataDir: z.string().min(1).default(DEFAULT_DATA_DIR),
  host: z.string().min(1).default(DEFAULT_HOST),
  port: Port.default(DEFAULT_PORT),
  seed: z.string().min(1).optional(),
  engine: z.enum(['noble', 'node']).default('noble'),
  maxPlaintextBytes: PositiveInt.default(DEFAULT_LIMITS.maxPlaintextBytes),
  maxAadBytes: PositiveInt.default(DEFAULT_LIMITS.maxAadBytes),
  moduleTimeoutMs: PositiveInt.default(DEFAULT_MODULE_TIMEOUT_MS),
  kmsPort: Port.optional(),
  tlsCert: z.string().min(1).optional(),
  tlsKey: z.string().min(1).optional(),
  mtlsCa: z.string().min(1).optional(),
  mtlsSubject: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,253}$/, 'a host name such as cks.kms.us-east-1.amazonaws.com')
    .optional(),
  devTls: z.boolean().default(false),
  noMtls: z.boolean().default(false),
  adminHost: z.string().min(1).optional(),
  adminPort: Port.optional(),
  resetAdminToken: z.boolean().default(false),
  logLevel: z.enum(LOG_LEVELS).default('info'),
  quiet: z.boolean().default(false),
  help: z.boolean().default(false),
});
export type ServeOptions = z.infer<typeof ServeOptions>;

/** Parses `xkslab serve` arguments; unknown flags and bad values are UsageErrors naming the flag. */
export function parseServeArgs(args: readonly string[]): ServeOptions {
  const options = parseFlags(args, ServeOptions);
  const tlsProblem = checkTlsOptions(options);
  if (tlsProblem) throw new UsageError(tlsProblem);
  if (options.adminHost !== undefined && options.adminPort === undefined) {
    throw new UsageError('--admin-host needs --admin-port (the admin API listener of its own)');
  }
  return options;
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
