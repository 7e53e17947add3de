/**
 * Builds the AWS KMS emulator for `xkslab kms`, `xkslab serve --kms-port` and `xkslab demo`: the
 * emulator with its transport (node:http / node:https, an extra CA when given), its log lines
 * (one per KMS request, one per proxy call, never data or secrets) and its Hono app. Listening is
 * the caller's (main.ts).
 */
import {
  createKmsApp,
  DEFAULT_ACCESS_KEY_ID,
  DEFAULT_ACCOUNT_ID,
  DEFAULT_CONNECT_DELAY_MS,
  DEFAULT_HEALTH_INTERVAL_MS,
  DEFAULT_REGION,
  DEFAULT_SECRET_ACCESS_KEY,
  KmsEmulator,
  nodeTransport,
  type StateStorage,
  XKS_QUOTA_PER_SECOND,
  XKS_TIMEOUT_MS,
  type XksCallRecord,
} from '@xkslab/kms-emulator';
import type { Hono } from 'hono';
import type { Logger } from '../logger.ts';

export type KmsSettings = {
  region: string;
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  principalArn?: string | undefined;
  viaService?: string | undefined;
  connectDelayMs: number;
  healthIntervalMs: number;
  xksTimeoutMs: number;
  quota: number;
};

/** What `serve --kms-port` runs with. */
export const DEFAULT_KMS_SETTINGS: KmsSettings = {
  region: DEFAULT_REGION,
  accountId: DEFAULT_ACCOUNT_ID,
  accessKeyId: DEFAULT_ACCESS_KEY_ID,
  secretAccessKey: DEFAULT_SECRET_ACCESS_KEY,
  connectDelayMs: DEFAULT_CONNECT_DELAY_MS,
  healthIntervalMs: DEFAULT_HEALTH_INTERVAL_MS,
  xksTimeoutMs: XKS_TIMEOUT_MS,
  quota: XKS_QUOTA_PER_SECOND,
};

export type KmsRuntimeDeps = {
  logger: Logger;
  clock: () => Date;
  random: (n: number) => Uint8Array;
  /** PEM of an extra CA for https:// proxies. */
  ca?: string | undefined;
  /** PEM client certificate and key for proxies that require mTLS. */
  clientCert?: string | undefined;
  clientKey?: string | undefined;
  persistence?: { storage: StateStorage; masterKey: Uint8Array } | undefined;
  /** Also told about every proxy call (the demo keeps them for its audit trail). */
  onXksCall?: (record: XksCallRecord) => void;
};

export type KmsRuntime = { emulator: KmsEmulator; app: Hono };

export async function createKmsRuntime(
  settings: KmsSettings,
  deps: KmsRuntimeDeps,
): Promise<KmsRuntime> {
  const { logger } = deps;
  const emulator = await KmsEmulator.create({
    transport: nodeTransport({
      ca: deps.ca,
      clientCert: deps.clientCert,
      clientKey: deps.clientKey,
    }),
    options: {
      region: settings.region,
      accountId: settings.accountId,
      credentials: [
        {
          accessKeyId: settings.accessKeyId,
          secretAccessKey: settings.secretAccessKey,
          principalArn: settings.principalArn ?? `arn:aws:iam::${settings.accountId}:user/xkslab`,
          viaService: settings.viaService,
        },
      ],
      connectDelayMs: settings.connectDelayMs,
      healthIntervalMs: settings.healthIntervalMs,
      xksTimeoutMs: settings.xksTimeoutMs,
      quotaPerSecond: settings.quota,
    },
    clock: deps.clock,
    random: deps.random,
    logger,
    ...(deps.persistence ? { persistence: deps.persistence } : {}),
    onXksCall: (record) => {
      logger.info('kms-xks', {
        keyStoreId: record.keyStoreId,
        xksOperation: record.xksOperation,
        kmsOperation: record.kmsOperation,
        kmsRequestId: record.kmsRequestId,
        externalKeyId: record.externalKeyId,
        attempts: record.attempts,
        status: record.status,
        outcome: record.outcome,
        errorName: record.errorName,
        detail: record.detail,
        latencyMs: record.latencyMs,
      });
      deps.onXksCall?.(record);
    },
  });
  return { emulator, app: createKmsApp(emulator, { logger }) };
}

/** What `xkslab kms` and `serve --kms-port` print at start (stderr): where and how to connect. */
export function kmsBannerText(url: string, emulator: KmsEmulator): string {
  const credential = emulator.credentials()[0];
  const { region, accountId } = emulator.account;
  return [
    `AWS KMS emulator listening on ${url}  (region ${region}, account ${accountId})`,
    '  Local credentials (accepted only by this emulator, not AWS secrets):',
    `    AWS_ACCESS_KEY_ID=${credential?.accessKeyId ?? ''}`,
    credential?.secretAccessKey === DEFAULT_SECRET_ACCESS_KEY
      ? `    AWS_SECRET_ACCESS_KEY=${DEFAULT_SECRET_ACCESS_KEY}`
      : '    AWS_SECRET_ACCESS_KEY=(the one given with --secret-access-key; not shown)',
    `    principal ${credential?.principalArn ?? ''}`,
    `  aws kms list-keys --endpoint-url ${url} --region ${region}`,
    `  new KMSClient({ endpoint: '${url}', region: '${region}', credentials: { accessKeyId, secretAccessKey } })`,
    `  Metrics: ${url}/metrics`,
    '',
  ].join('\n');
}
