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
import { parseFlags, UsageError } from './flags.ts';

export const DEFAULT_KMS_HOST = '127.0.0.1';
export const DEFAULT_KMS_PORT = 7781;

export const KMS_HELP = `Usage: xkslab kms [options]

Start the AWS KMS emulator: the KMS JSON 1.1 API (custom key stores of type
EXTERNAL_KEY_STORE, keys, aliases, Encrypt/Decrypt/ReEncrypt/GenerateDataKey) for the AWS SDKs,
calling XKS proxies exactly as AWS KMS does. Point an SDK at it with an endpoint override and the
local credentials below. Metrics: GET /metrics (Prometheus text; ?format=json for JSON).

Options:
  --host HOST                address to listen on (default: ${DEFAULT_KMS_HOST})
  --port PORT                port to listen on; 0 picks a free one (default: ${DEFAULT_KMS_PORT})
  --region REGION            the Region the emulator plays (default: ${DEFAULT_REGION})
  --account-id ID            the 12-digit account id in ARNs (default: ${DEFAULT_ACCOUNT_ID})
  --access-key-id ID         the access key id SDK clients sign with (default: ${DEFAULT_ACCESS_KEY_ID})
  --secret-access-key S      its secret (alias --secret; default: ${DEFAULT_SECRET_ACCESS_KEY})
  --principal-arn ARN        awsPrincipalArn sent to proxies for that credential
                             (default: arn:aws:iam::<account-id>:user/xkslab)
  --via-service NAME         kmsViaService sent to proxies for that credential (default: none)
  --connect-delay-ms N       how long CONNECTING lasts before the health check (default: ${DEFAULT_CONNECT_DELAY_MS};
                             AWS takes about five minutes)
  --health-interval-ms N     periodic GetHealthStatus of connected stores; 0 turns it off
                             (default: ${DEFAULT_HEALTH_INTERVAL_MS})
  --xks-timeout-ms N         deadline of one proxy call, retried once on a timeout (default: ${XKS_TIMEOUT_MS})
  --quota N                  cryptographic requests per second per key store (default: ${XKS_QUOTA_PER_SECOND})
  --ca FILE                  trust this PEM CA certificate for https:// proxies
  --client-cert FILE         present this PEM client certificate to proxies that require mTLS ...
  --client-key FILE          ... with this PEM private key (serve --dev-tls makes a pair: DIR/tls)
  --state FILE               keep the state in FILE (key material wrapped under the master key:
                             XKSLAB_KMS_MASTER_KEY, else FILE.key, created on first use)
  -h, --help                 show this help

The proxy URI endpoint may be http:// and carry a port here; AWS KMS itself requires
https://<public DNS name> on port 443.
`;

const Port = z.coerce.number().int().min(0).max(65535);
const NonNegativeInt = z.coerce.number().int().min(0);
const PositiveInt = z.coerce.number().int().positive();

export const KmsOptions = z.strictObject({
  host: z.string().min(1).default(DEFAULT_KMS_HOST),
  port: Port.default(DEFAULT_KMS_PORT),
  region: AwsRegion.default(DEFAULT_REGION),
  accountId: z
    .string()
    .regex(/^\d{12}$/, 'use 12 digits')
    .default(DEFAULT_ACCOUNT_ID),
  accessKeyId: z
    .string()
    .regex(/^[A-Za-z0-9]{16,128}$/, 'use 16-128 letters and digits')
    .default(DEFAULT_ACCESS_KEY_ID),
  secretAccessKey: z.string().min(16).max(128).default(DEFAULT_SECRET_ACCESS_KEY),
  principalArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:\S+$/, 'not an ARN')
    .optional(),
  viaService: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/, 'a service name such as ebs')
    .optional(),
  connectDelayMs: NonNegativeInt.default(DEFAULT_CONNECT_DELAY_MS),
  healthIntervalMs: NonNegativeInt.default(DEFAULT_HEALTH_INTERVAL_MS),
  xksTimeoutMs: PositiveInt.default(XKS_TIMEOUT_MS),
  quota: PositiveInt.default(XKS_QUOTA_PER_SECOND),
  ca: z.string().min(1).optional(),
  clientCert: z.string().min(1).optional(),
  clientKey: z.string().min(1).optional(),
  state: z.string().min(1).optional(),
  help: z.boolean().default(false),
});
export type KmsOptions = z.infer<typeof KmsOptions>;

/** Parses `xkslab kms` arguments; unknown flags and bad values are UsageErrors naming the flag. */
export function parseKmsArgs(args: readonly string[]): KmsOptions {
  const options = parseFlags(args, KmsOptions, { secret: 'secretAccessKey' });
  if ((options.clientCert === undefined) !== (options.clientKey === undefined)) {
    throw new UsageError('--client-cert and --client-key go together');
  }
  return options;
}
