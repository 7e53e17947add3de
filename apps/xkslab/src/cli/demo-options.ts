import { DEFAULT_SECRET_ACCESS_KEY } from '@xkslab/kms-emulator';
import { z } from 'zod';
import { commandHelp, defineCommand, HELP_OPTION, parseCommand } from './command.ts';
import { DEFAULT_KMS_HOST, defaultCredentialExposure } from './kms-options.ts';

export const DEFAULT_DEMO_CONNECT_DELAY_MS = 1500;
const DEFAULT_HOST = '127.0.0.1';
const Port = z.coerce.number().int().min(0).max(65535);

export const DemoOptions = z.strictObject({
  step: z.boolean().default(false).meta({
    description: 'pause before each step until Enter is pressed (for live demos)',
  }),
  connectDelayMs: z.coerce
    .number()
    .int()
    .min(0)
    .max(600_000)
    .default(DEFAULT_DEMO_CONNECT_DELAY_MS)
    .meta({ description: 'how long the key store stays CONNECTING', value: 'N' }),
  host: z
    .string()
    .min(1)
    .default(DEFAULT_HOST)
    .meta({
      description: `address the XKS proxy binds (default: ${DEFAULT_HOST}); another address\nlets other machines reach the demo's proxy`,
      value: 'HOST',
    }),
  kmsHost: z
    .string()
    .min(1)
    .default(DEFAULT_KMS_HOST)
    .meta({
      description: `address the KMS emulator binds (default: ${DEFAULT_KMS_HOST}, loopback whatever\n--host is): it has the published default credential, so loopback only`,
      value: 'HOST',
    }),
  port: Port.default(0).meta({
    description: "the XKS proxy's port (default: 0, a free one)",
    value: 'PORT',
  }),
  kmsPort: Port.default(0).meta({
    description:
      "the KMS emulator's port (default: 0, a free one); fixed ports let you\npoint the AWS CLI/SDK at the emulator during --step",
    value: 'PORT',
  }),
  help: HELP_OPTION,
});
export type DemoOptions = z.infer<typeof DemoOptions>;

export const DEMO_COMMAND = defineCommand({
  name: 'demo',
  summary: 'walk through a whole external key store story in one process',
  description: `Walk through the whole external key store story in one process, on loopback ports (free ones unless
--port/--kms-port say otherwise), with a
temporary data directory that is removed at the end: a virtual HSM module, xkslab's XKS proxy in
front of it and the AWS KMS emulator calling the proxy. Step by step: create the external key
store, connect it, create a KMS key backed by the module, envelope-encrypt a file with a data key,
disconnect the key manager and see that nothing can decrypt, reconnect, and read the audit trail
that links KMS request ids to proxy calls.`,
  options: DemoOptions,
  check: (options) =>
    (options.port !== 0 && options.port === options.kmsPort && options.host === options.kmsHost
      ? '--port and --kms-port must differ (the proxy and the KMS emulator each need one)'
      : undefined) ??
    defaultCredentialExposure(options.kmsHost, DEFAULT_SECRET_ACCESS_KEY, '--kms-host'),
});

/** The help of `xkslab demo`, generated from its declaration. */
export const DEMO_HELP = commandHelp(DEMO_COMMAND);

/** Parses `xkslab demo` arguments; unknown flags and bad values are UsageErrors naming the flag. */
export function parseDemoArgs(args: readonly string[]): DemoOptions {
  const parsed = parseCommand(DEMO_COMMAND, args);
  return parsed.help ? { ...DemoOptions.parse({}), help: true } : parsed.options;
}
