/** What a KmsEmulator is built from: its options, its injected parts, its logger. */
import type { SigningKeyCache } from '@xkslab/sigv4';
import {
  DEFAULT_ACCESS_KEY_ID,
  DEFAULT_PRINCIPAL_ARN,
  DEFAULT_SECRET_ACCESS_KEY,
} from './constants.ts';
import type { KmsCredential } from './model.ts';
import type { StateStorage } from './persistence.ts';
import type { Scheduler } from './scheduler.ts';
import type { XksTransport } from './xks/transport.ts';
import type { XksCallRecord } from './xks/xks-client.ts';

export type KmsLogFields = Record<string, string | number | boolean | undefined>;
export type KmsLogger = {
  info(msg: string, fields?: KmsLogFields): void;
  warn(msg: string, fields?: KmsLogFields): void;
  error(msg: string, fields?: KmsLogFields): void;
};

/** A logger that drops everything (the default). */
export const silentLogger: KmsLogger = { info() {}, warn() {}, error() {} };

export type KmsEmulatorOptions = {
  region?: string;
  accountId?: string;
  /** Local credentials the emulator accepts (default: DEFAULT_ACCESS_KEY_ID / ..._SECRET). */
  credentials?: readonly KmsCredential[];
  connectDelayMs?: number;
  disconnectDelayMs?: number;
  /** 0 turns periodic health checks off. */
  healthIntervalMs?: number;
  xksTimeoutMs?: number;
  quotaPerSecond?: number;
};

export type KmsEmulatorDeps = {
  transport: XksTransport;
  options?: KmsEmulatorOptions;
  clock?: () => Date;
  random?: (n: number) => Uint8Array;
  monotonic?: () => number;
  scheduler?: Scheduler;
  /** Where the state is kept between runs, and the key that seals it; in memory when absent. */
  persistence?: { storage: StateStorage; masterKey: Uint8Array };
  logger?: KmsLogger;
  /** Called after every proxy call (one per KMS-initiated XKS request, retries included). */
  onXksCall?: (record: XksCallRecord) => void;
  sigv4Cache?: SigningKeyCache;
};

export const DEFAULT_CREDENTIAL: KmsCredential = {
  accessKeyId: DEFAULT_ACCESS_KEY_ID,
  secretAccessKey: DEFAULT_SECRET_ACCESS_KEY,
  principalArn: DEFAULT_PRINCIPAL_ARN,
};
