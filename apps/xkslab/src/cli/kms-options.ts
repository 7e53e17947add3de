import { isIP } from 'node:net';
import {
  DEFAULT_ACCESS_KEY_ID,
  DEFAULT_ACCOUNT_ID,
  DEFAULT_CONNECT_DELAY_MS,
  DEFAULT_HEALTH_INTERVAL_MS,
  DEFAULT_REGION,
  DEFAULT_SECRET_ACCESS_KEY,
  XKS_QUOTA_PER_SECOND,
  XKS_TIMEOUT_MS,
} from '@xkslab/kms-emulator';
import { AwsRegion } from '@xkslab/protocol';
import { z } from 'zod';
import { commandHelp, defineCommand, HELP_OPTION, parseCommand } from './command.ts';
import { CONNECTION_FLAGS } from './connection-flags.ts';

export const DEFAULT_KMS_HOST = '127.0.0.1';
export const DEFAULT_KMS_PORT = 7781;

/** Whether a listen address reaches this machine only: localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * The emulator off loopback with the published default secret would take requests from anyone
 * who read the README; a message saying what to pass instead, or undefined.
 */
export function defaultCredentialExposure(
  host: string,
  secretAccessKey: string,
  hostFlag: string,
): string | undefined {
  if (isLoopbackHost(host) || secretAccessKey !== DEFAULT_SECRET_ACCESS_KEY) return undefined;
  return `${hostFlag} ${host} is not a loopback address and the KMS emulator would accept its published default credential there; pass --access-key-id and --secret-access-key of your own (xkslab kms), or listen on 127.0.0.1`;
}

const Port = z.coerce.number().int().min(0).max(65535);
const NonNegativeInt = z.coerce.number().int().min(0);
const PositiveInt = z.coerce.number().int().positive();
const File = z.string().min(1);

export const KmsOptions = z.strictObject({
  host: z.string().min(1).default(DEFAULT_KMS_HOST).meta({
    description:
      'address to listen on; off loopback only with --access-key-id and\n--secret-access-key of your own (not the published default)',
    value: 'HOST',
  }),
  port: Port.default(DEFAULT_KMS_PORT).meta({
    description: 'port to listen on; 0 picks a free one',
    value: 'PORT',
  }),
  region: AwsRegion.default(DEFAULT_REGION).meta({
    description: 'the Region the emulator plays',
    value: 'REGION',
  }),
  accountId: z
    .string()
    .regex(/^\d{12}$/, 'use 12 digits')
    .default(DEFAULT_ACCOUNT_ID)
    .meta({ description: 'the 12-digit account id in ARNs', value: 'ID' }),
  accessKeyId: z
    .string()
    .regex(/^[A-Za-z0-9]{16,128}$/, 'use 16-128 letters and digits')
    .default(DEFAULT_ACCESS_KEY_ID)
    .meta({ description: 'the access key id SDK clients sign with', value: 'ID' }),
  secretAccessKey: z
    .string()
    .min(16)
    .max(128)
    .default(DEFAULT_SECRET_ACCESS_KEY)
    .meta({
      description: `its secret (alias --secret; default: ${DEFAULT_SECRET_ACCESS_KEY})`,
      value: 'S',
    }),
  principalArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:\S+$/, 'not an ARN')
    .optional()
    .meta({
      description:
        'awsPrincipalArn sent to proxies for that credential\n(default: arn:aws:iam::<account-id>:user/xkslab)',
      value: 'ARN',
    }),
  viaService: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/, 'a service name such as ebs')
    .optional()
    .meta({
      description: 'kmsViaService sent to proxies for that credential (default: none)',
      value: 'NAME',
    }),
  connectDelayMs: NonNegativeInt.default(DEFAULT_CONNECT_DELAY_MS).meta({
    description: `how long CONNECTING lasts before the health check (default: ${DEFAULT_CONNECT_DELAY_MS};\nAWS takes about five minutes)`,
    value: 'N',
  }),
  healthIntervalMs: NonNegativeInt.default(DEFAULT_HEALTH_INTERVAL_MS).meta({
    description: `periodic GetHealthStatus of connected stores; 0 turns it off\n(default: ${DEFAULT_HEALTH_INTERVAL_MS})`,
    value: 'N',
  }),
  xksTimeoutMs: PositiveInt.default(XKS_TIMEOUT_MS).meta({
    description: 'deadline of one proxy call, retried once on a timeout',
    value: 'N',
  }),
  quota: PositiveInt.default(XKS_QUOTA_PER_SECOND).meta({
    description: 'cryptographic requests per second per key store',
    value: 'N',
  }),
  ca: File.optional().meta({
    description: 'trust this PEM CA certificate for https:// proxies',
    value: 'FILE',
  }),
  clientCert: File.optional().meta({
    description: 'present this PEM client certificate to proxies that require mTLS ...',
    value: 'FILE',
  }),
  clientKey: File.optional().meta({
    description: '... with this PEM private key (serve --dev-tls makes a pair: DIR/tls)',
    value: 'FILE',
  }),
  ...CONNECTION_FLAGS,
  state: File.optional().meta({
    description:
      'keep the state in FILE (key material wrapped under the master key:\nXKSLAB_KMS_MASTER_KEY, else FILE.key, created on first use)',
    value: 'FILE',
  }),
  seed: File.optional().meta({
    description:
      'create the key stores, keys, aliases, tags and policies of this JSON file\nat start, when the state is empty (docs/kms-emulator.md)',
    value: 'FILE',
  }),
  help: HELP_OPTION,
});
export type KmsOptions = z.infer<typeof KmsOptions>;

export const KMS_COMMAND = defineCommand({
  name: 'kms',
  summary: 'start the AWS KMS emulator (external key stores, SDK-compatible)',
  description: `Start the AWS KMS emulator: the KMS JSON 1.1 API (custom key stores of type
EXTERNAL_KEY_STORE, keys, aliases, Encrypt/Decrypt/ReEncrypt/GenerateDataKey) for the AWS SDKs,
calling XKS proxies exactly as AWS KMS does. Point an SDK at it with an endpoint override and the
local credentials below. Metrics: GET /metrics (Prometheus text; ?format=json for JSON).`,
  options: KmsOptions,
  aliases: { secret: 'secretAccessKey' },
  notes: `The proxy URI endpoint may be http:// and carry a port here; AWS KMS itself requires
https://<public DNS name> on port 443.`,
  check: (options) =>
    (options.clientCert === undefined) !== (options.clientKey === undefined)
      ? '--client-cert and --client-key go together'
      : defaultCredentialExposure(options.host, options.secretAccessKey, '--host'),
});

/** The help of `xkslab kms`, generated from its declaration. */
export const KMS_HELP = commandHelp(KMS_COMMAND);

/** Parses `xkslab kms` arguments; unknown flags and bad values are UsageErrors naming the flag. */
export function parseKmsArgs(args: readonly string[]): KmsOptions {
  const parsed = parseCommand(KMS_COMMAND, args);
  return parsed.help ? { ...KmsOptions.parse({}), help: true } : parsed.options;
}
