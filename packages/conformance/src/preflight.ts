import { parseEndpoint } from './endpoint.ts';
import { type Endpoint, NetworkError, send, type TlsSettings } from './http-client.ts';

/** Per request, unless the run says otherwise. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Why the target could not be tested at all. */
export type UnreachableReason =
  | 'CONNECTION_REFUSED'
  | 'UNTRUSTED_CERTIFICATE'
  | 'CLIENT_CERTIFICATE_REQUIRED'
  | 'TIMEOUT'
  | 'NETWORK';

/** One request before the checks got no HTTP answer: the run would only repeat that failure. */
export class TargetUnreachableError extends Error {
  readonly reason: UnreachableReason;
  /** The network or TLS error code (ECONNREFUSED, SELF_SIGNED_CERT_IN_CHAIN, ...). */
  readonly code: string;
  /** `scheme://host:port` of the target. */
  readonly origin: string;
  constructor(reason: UnreachableReason, code: string, origin: string, message: string) {
    super(message);
    this.name = 'TargetUnreachableError';
    this.reason = reason;
    this.code = code;
    this.origin = origin;
  }
}

/** Node's codes for a server certificate the client does not trust (or that names another host). */
const UNTRUSTED_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** TLS alerts a server sends when the client shows no (acceptable) certificate. */
const CLIENT_CERT_CODES = new Set([
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
]);

export function origin(endpoint: Endpoint): string {
  const host = endpoint.hostname.includes(':') ? `[${endpoint.hostname}]` : endpoint.hostname;
  return `${endpoint.protocol}//${host}:${endpoint.port}`;
}

/** OpenSSL's multi-line "...:SSL routines:fn:reason:file:line:..." cut to its reason. */
function shortReason(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return /:SSL routines:[^:]*:([^:]+):/.exec(first)?.[1] ?? first;
}

/** The one error for a network failure of the preflight request. */
export function unreachable(endpoint: Endpoint, e: NetworkError): TargetUnreachableError {
  const at = origin(endpoint);
  const why = `${e.code}: ${shortReason(e.message)}`;
  if (e.code === 'ECONNREFUSED') {
    return new TargetUnreachableError(
      'CONNECTION_REFUSED',
      e.code,
      at,
      `nothing listens at ${at} (connection refused): is the proxy running?`,
    );
  }
  if (UNTRUSTED_CODES.has(e.code)) {
    const hint =
      e.code === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? 'use a URL with a host name the certificate names'
        : 'pass --ca FILE with the PEM of the CA that issued it';
    return new TargetUnreachableError(
      'UNTRUSTED_CERTIFICATE',
      e.code,
      at,
      `the TLS certificate of ${at} is not trusted (${why}): ${hint}`,
    );
  }
  if (CLIENT_CERT_CODES.has(e.code)) {
    const hint = endpoint.tls.cert
      ? 'it refused the client certificate given with --cert'
      : 'pass --cert FILE --key FILE (mTLS)';
    return new TargetUnreachableError(
      'CLIENT_CERTIFICATE_REQUIRED',
      e.code,
      at,
      `${at} ended the TLS handshake (${why}): ${hint}`,
    );
  }
  if (e.code === 'TIMEOUT') {
    return new TargetUnreachableError('TIMEOUT', e.code, at, `no answer from ${at}: ${e.message}`);
  }
  const mtlsHint =
    endpoint.protocol === 'https:' && !endpoint.tls.cert
      ? ': if it requires a client certificate, pass --cert FILE --key FILE'
      : '';
  return new TargetUnreachableError(
    'NETWORK',
    e.code,
    at,
    `no HTTP answer from ${at} (${why})${mtlsHint}`,
  );
}

/** `preflight` for a URL as the runner takes it (parses it first: ConformanceOptionsError). */
export async function checkReachable(
  url: string,
  options: { tls?: TlsSettings | undefined; timeoutMs?: number | undefined },
): Promise<void> {
  await preflight(parseEndpoint(url, options.tls ?? {}), {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}

/**
 * Sends one unsigned POST to `<base>/health` and throws TargetUnreachableError unless some HTTP
 * answer comes back (any status will do: judging it is the checks' job).
 */
export async function preflight(
  endpoint: Endpoint,
  options: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<void> {
  try {
    await send(
      endpoint,
      {
        method: 'POST',
        path: `${endpoint.basePath}/health`,
        headers: { 'content-type': 'application/json' },
        body: new TextEncoder().encode('{}'),
      },
      options,
    );
  } catch (e) {
    if (e instanceof NetworkError) throw unreachable(endpoint, e);
    throw e;
  }
}
