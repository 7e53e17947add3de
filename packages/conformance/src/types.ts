import type { Credentials } from '@xkslab/sigv4';
import type { TlsSettings } from './http-client.ts';

export type Severity = 'MUST' | 'SHOULD';
/**
 * `skip`: the check could not run because an input was missing (a key id, a credential, a client
 * certificate) or the run gave it nothing to judge; a skipped MUST check makes the run INCOMPLETE.
 * `na`: the check does not apply to this target or run (TLS over http://, load without a requested
 * rate, a tamper check of a field the proxy does not use); it is reported but not part of the
 * verdict.
 */
export type CheckStatus = 'pass' | 'fail' | 'skip' | 'na';

/**
 * The verdict of a run: DOES NOT CONFORM when a MUST check failed, else INCOMPLETE when a MUST
 * check was skipped, else CONFORMS. SHOULD checks and N/A checks never decide it.
 */
export type Verdict = 'CONFORMS' | 'DOES NOT CONFORM' | 'INCOMPLETE';

/** What the runner sent, for a report: Authorization redacted, body truncated. */
export type SentSummary = {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
};

/** What came back: a response (body truncated) or the network error instead. */
export type ReceivedSummary =
  | { status: number; headers: Record<string, string>; body: string }
  | { error: string };

export type CheckResult = {
  id: string;
  title: string;
  /** Section of ../shared/docs/xks-api.md, e.g. "§1.4". */
  specRef: string;
  severity: Severity;
  status: CheckStatus;
  message: string;
  /** The request behind a failure (or the last one of the check). */
  sent?: SentSummary;
  received?: ReceivedSummary;
  durationMs: number;
};

export type LatencySummary = {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
};

export type LoadResult = {
  targetRps: number;
  seconds: number;
  /** Requests started / answered (any status) / answered 200. */
  sent: number;
  completed: number;
  succeeded: number;
  /** Non-200 answers and network failures, by errorName, `HTTP <status>` or network code. */
  errors: Record<string, number>;
  errorCount: number;
  achievedRps: number;
  /** Milliseconds from the moment a request was sent until its response was complete. */
  latencyMs: LatencySummary;
  /** Requests slower than KMS's 250 ms deadline and its 200 ms alarm level. */
  overDeadline: number;
  overAlarm: number;
  /** Largest delay of the fixed-rate scheduler behind its plan (a busy runner shows here). */
  maxSendLagMs: number;
};

export type ConformanceSummary = {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  /** Checks that do not apply to this target or run (`na`). */
  notApplicable: number;
  mustFailed: number;
  shouldFailed: number;
  /** MUST checks skipped for a missing input: each makes the run INCOMPLETE. */
  mustSkipped: number;
  durationMs: number;
  /** True when no MUST check failed (an INCOMPLETE run is ok but does not conform). */
  ok: boolean;
  verdict: Verdict;
  /** The exit status `xkslab conformance` gives this verdict (0, 1 or 3). */
  exitStatus: number;
};

export type ConformanceReport = {
  tool: string;
  target: { url: string; region: string; keyId: string };
  startedAt: string;
  checks: CheckResult[];
  summary: ConformanceSummary;
  load?: LoadResult;
};

export type ConformanceOptions = {
  /** `http(s)://host[:port][/<prefix>]/kms/xks/v1` */
  url: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** A key with ENCRYPT and DECRYPT, ENABLED. */
  keyId: string;
  encryptOnlyKeyId?: string | undefined;
  decryptOnlyKeyId?: string | undefined;
  noUsageKeyId?: string | undefined;
  /** A key the key manager reports DISABLED. */
  disabledKeyId?: string | undefined;
  /** A second live credential of the same key store (rotation, §2.2). */
  secondCredential?: Credentials | undefined;
  tls?: TlsSettings | undefined;
  /** A fixed-rate run of signed encrypt/decrypt requests after the checks. */
  load?: { rps: number; seconds: number } | undefined;
  /** Per request; default 10 000 ms. */
  timeoutMs?: number | undefined;
  /** Only checks whose id equals or starts with one of these (e.g. 'sigv4.'). */
  only?: readonly string[] | undefined;
  /** The runner's clock for X-Amz-Date (default: the system clock). */
  clock?: (() => Date) | undefined;
};

export type ProgressEvent =
  | { type: 'check-start'; index: number; total: number; id: string; title: string }
  | { type: 'check-done'; index: number; total: number; result: CheckResult }
  | {
      type: 'load-progress';
      elapsedSeconds: number;
      seconds: number;
      sent: number;
      completed: number;
      errors: number;
    };

export type RunHooks = {
  onProgress?: (event: ProgressEvent) => void;
  /** Stops the run between checks (and aborts the request in flight): ConformanceAbortedError. */
  signal?: AbortSignal | undefined;
};
