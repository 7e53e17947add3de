import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_LIMITS } from '../xks/limits.ts';

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
  help: z.boolean().default(false),
});
export type ServeOptions = z.infer<typeof ServeOptions>;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parses `xkslab serve` arguments; unknown flags and bad values are UsageErrors naming the flag. */
export function parseServeArgs(args: readonly string[]): ServeOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        'data-dir': { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        seed: { type: 'string' },
        engine: { type: 'string' },
        'max-plaintext-bytes': { type: 'string' },
        'max-aad-bytes': { type: 'string' },
        'module-timeout-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError(
      e instanceof Error ? (e.message.split('\n')[0] ?? 'bad arguments') : 'bad arguments',
    );
  }
  const parsed = ServeOptions.safeParse({
    dataDir: values['data-dir'],
    host: values.host,
    port: values.port,
    seed: values.seed,
    engine: values.engine,
    maxPlaintextBytes: values['max-plaintext-bytes'],
    maxAadBytes: values['max-aad-bytes'],
    moduleTimeoutMs: values['module-timeout-ms'],
    help: values.help,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = String(issue?.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw new UsageError(`--${flag}: ${issue?.message ?? 'invalid value'}`);
  }
  return parsed.data;
}
