/** The ways an XKS proxy call fails, as values, and how KMS's metrics name and class them (§1.7). */
import { XKS_ERRORS } from '@xkslab/protocol';
import type { ErrorType } from '../metrics.ts';

/** Why a proxy call did not give a usable answer. */
export type XksFailure =
  | { kind: 'proxy-error'; errorName: keyof typeof XKS_ERRORS; errorMessage?: string | undefined }
  | { kind: 'timeout' }
  | { kind: 'unreachable'; detail: string }
  | { kind: 'tls'; detail: string }
  /** `detail` is ours and goes to the caller; `logDetail` describes the answer, for the log only. */
  | { kind: 'invalid-response'; detail: string; logDetail?: string | undefined }
  | { kind: 'integrity'; detail: string };

export type XksOutcome<T> = { ok: true; value: T } | { ok: false; failure: XksFailure };

/** Exception names for failures that are not a proxy error body, in XksProxyErrors. */
const FAILURE_EXCEPTION_NAMES = {
  timeout: 'NetworkTimeout',
  unreachable: 'NetworkUnreachable',
  tls: 'TlsHandshakeFailure',
  'invalid-response': 'InvalidResponse',
  integrity: 'IntegrityCheckFailed',
} as const;

export function failureExceptionName(failure: XksFailure): string {
  return failure.kind === 'proxy-error' ? failure.errorName : FAILURE_EXCEPTION_NAMES[failure.kind];
}

/** §1.7/§5: retryable errors lower KMS's reliability graph; non-retryable ones do not. */
export function failureErrorType(failure: XksFailure): ErrorType {
  switch (failure.kind) {
    case 'proxy-error':
      return XKS_ERRORS[failure.errorName].retryable ? 'Retryable' : 'Non-retryable';
    case 'timeout':
    case 'unreachable':
      return 'Retryable';
    default:
      return 'Non-retryable';
  }
}

/** Whether a response check returned a failure rather than a value. */
export function isFailure(value: unknown): value is XksFailure {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    'kind' in value &&
    typeof (value as { kind: unknown }).kind === 'string'
  );
}

/** What the log says about a failed answer beyond its kind and exception name. */
export function logDetailOf(failure: XksFailure): string | undefined {
  switch (failure.kind) {
    case 'invalid-response':
      return failure.logDetail ?? failure.detail;
    case 'proxy-error':
      return failure.errorMessage;
    case 'timeout':
      return undefined;
    default:
      return failure.detail;
  }
}
