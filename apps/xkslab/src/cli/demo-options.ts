import { z } from 'zod';
import { parseFlags, UsageError } from './flags.ts';

export const DEFAULT_DEMO_CONNECT_DELAY_MS = 1500;
const DEFAULT_HOST = '127.0.0.1';
const Port = z.coerce.number().int().min(0).max(65535);

export const DEMO_HELP = `Usage: xkslab demo [options]

Walk through the whole external key store story in one process, on loopback ports (free ones unless
--port/--kms-port say otherwise), with a
temporary data directory that is removed at the end: a virtual HSM module, xkslab's XKS proxy in
front of it and the AWS KMS emulator calling the proxy. Step by step: create the external key
store, connect it, create a KMS key backed by the module, envelope-encrypt a file with a data key,
disconnect the key manager and see that nothing can decrypt, reconnect, and read the audit trail
that links KMS request ids to proxy calls.

Options:
  --step                     pause before each step until Enter is pressed (for live demos)
  --connect-delay-ms N       how long the key store stays CONNECTING (default: ${DEFAULT_DEMO_CONNECT_DELAY_MS})
  --host HOST                address both listeners bind (default: ${DEFAULT_HOST}); another address
                             lets other machines reach the demo's proxy and KMS emulator
  --port PORT                the XKS proxy's port (default: 0, a free one)
  --kms-port PORT            the KMS emulator's port (default: 0, a free one); fixed ports let you
                             point the AWS CLI/SDK at the emulator during --step
  -h, --help                 show this help
`;

export const DemoOptions = z.strictObject({
  step: z.boolean().default(false),
  connectDelayMs: z.coerce
    .number()
    .int()
    .min(0)
    .max(600_000)
    .default(DEFAULT_DEMO_CONNECT_DELAY_MS),
  host: z.string().min(1).default(DEFAULT_HOST),
  port: Port.default(0),
  kmsPort: Port.default(0),
  help: z.boolean().default(false),
});
export type DemoOptions = z.infer<typeof DemoOptions>;

/** Parses `xkslab demo` arguments; unknown flags and bad values are UsageErrors naming the flag. */
export function parseDemoArgs(args: readonly string[]): DemoOptions {
  const options = parseFlags(args, DemoOptions);
  if (options.port !== 0 && options.port === options.kmsPort) {
    throw new UsageError(
      '--port and --kms-port must differ (the proxy and the KMS emulator each need one)',
    );
  }
  return options;
}
