import type { IncomingHttpHeaders } from 'node:http';
import { parseAuthorization } from '@xkslab/sigv4';
import type { WireRequest } from './http-client.ts';
import type { ReceivedSummary, SentSummary } from './types.ts';

/** Longest body text kept in a report. */
export const REPORT_BODY_MAX = 400;

function truncate(text: string): string {
  return text.length > REPORT_BODY_MAX
    ? `${text.slice(0, REPORT_BODY_MAX)}... (${text.length} characters)`
    : text;
}

/**
 * An Authorization header fit for a report: the credential scope and the signed header list,
 * never the signature; anything unparsable is replaced whole.
 */
export function redactAuthorization(value: string): string {
  const parsed = parseAuthorization(value);
  if (!parsed) return `<redacted, ${value.length} characters>`;
  return `AWS4-HMAC-SHA256 Credential=${parsed.accessKeyId}/${parsed.date}/${parsed.region}/${parsed.service}/aws4_request, SignedHeaders=${parsed.signedHeaders.join(';')}, Signature=<redacted>`;
}

export function summarizeRequest(req: WireRequest): SentSummary {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name] = name.toLowerCase() === 'authorization' ? redactAuthorization(value) : value;
  }
  const body = req.body ? Buffer.from(req.body).toString('utf8') : '';
  return { method: req.method, path: req.path, headers, body: truncate(body) };
}

export function summarizeResponse(
  status: number,
  headers: IncomingHttpHeaders,
  text: string,
): ReceivedSummary {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name === 'set-cookie') continue;
    kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { status, headers: kept, body: truncate(text) };
}

/** Headers whose value is a credential or a session: never shown as they are. */
const SECRET_HEADERS = new Set(['authorization', 'x-amz-security-token', 'cookie', 'set-cookie']);

/**
 * A header value fit for a shared report. An Authorization the runner already redacted is kept
 * (it names the credential scope); any other credential header is replaced. Used again when a
 * report is rendered, so a report file edited or produced elsewhere cannot carry one through.
 */
export function redactHeaderValue(name: string, value: string): string {
  const lower = name.toLowerCase();
  if (!SECRET_HEADERS.has(lower)) return value;
  if (lower === 'authorization' && /, Signature=<redacted>$/.test(value)) return value;
  return lower === 'authorization'
    ? redactAuthorization(value)
    : `<redacted, ${value.length} characters>`;
}

/** `text` with every occurrence of each secret (at least 8 characters long) replaced. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 8) out = out.split(secret).join('<redacted secret>');
  }
  return out;
}
