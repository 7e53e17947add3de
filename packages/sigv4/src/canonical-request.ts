import { canonicalQueryString } from './canonical-query.ts';
import { canonicalHeaderValue, headerValue } from './header-value.ts';
import type { HttpRequestParts } from './types.ts';

/**
 * Builds the canonical request; `amzDate`, when given, replaces the x-amz-date header value
 * (the signer sets the date it signs rather than reading it from the request).
 */
export function buildCanonicalRequest(
  req: HttpRequestParts,
  signedHeaders: readonly string[],
  payloadHashHex: string,
  amzDate?: string,
): string {
  const q = req.path.indexOf('?');
  const rawPath = q === -1 ? req.path : req.path.slice(0, q);
  const rawQuery = q === -1 ? '' : req.path.slice(q + 1);
  let headerLines = '';
  for (const name of signedHeaders) {
    const raw =
      amzDate !== undefined && name === 'x-amz-date' ? amzDate : headerValue(req.headers, name);
    headerLines += `${name}:${raw === undefined ? '' : canonicalHeaderValue(raw)}\n`;
  }
  return `${req.method}\n${rawPath === '' ? '/' : rawPath}\n${canonicalQueryString(rawQuery)}\n${headerLines}\n${signedHeaders.join(';')}\n${payloadHashHex}`;
}

/**
 * SigV4 CanonicalRequest:
 *   Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedPayload
 * CanonicalURI is the raw path exactly as sent (before '?'), neither normalized nor re-encoded, as
 * KMS and curl sign it. `signedHeaders` must be lower-case and sorted, as in an Authorization
 * header; they are used in the given order. A signed header absent from `req.headers` yields an
 * empty value (callers check presence first).
 */
export function canonicalRequest(
  req: HttpRequestParts,
  signedHeaders: readonly string[],
  payloadHashHex: string,
): string {
  return buildCanonicalRequest(req, signedHeaders, payloadHashHex);
}
