import { hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { parseAmzDate } from './amz-date.ts';
import { type ParsedAuthorization, parseAuthorization } from './authorization.ts';
import { buildCanonicalRequest } from './canonical-request.ts';
import { constantTimeEqual } from './constant-time.ts';
import { DEFAULT_MAX_SKEW_MS } from './constants.ts';
import { NOBLE_SHA256, type Sha256Functions, sha256Hex } from './hash.ts';
import { headerValue } from './header-value.ts';
import { deriveSigningKey } from './signing-key.ts';
import type { SigningKeyCache } from './signing-key-cache.ts';
import { credentialScope, stringToSign } from './string-to-sign.ts';
import type { HttpRequestParts } from './types.ts';

export type VerifyFailure =
  | 'MISSING_AUTHORIZATION'
  | 'MALFORMED_AUTHORIZATION'
  | 'UNKNOWN_ACCESS_KEY'
  | 'WRONG_REGION'
  | 'WRONG_SERVICE'
  | 'WRONG_SCOPE_DATE'
  | 'MISSING_DATE'
  | 'MALFORMED_DATE'
  | 'CLOCK_SKEW'
  | 'HOST_NOT_SIGNED'
  | 'DATE_NOT_SIGNED'
  | 'SIGNED_HEADER_MISSING'
  | 'SIGNED_HEADERS_NOT_SORTED'
  | 'PAYLOAD_HASH_MISMATCH'
  | 'SIGNATURE_MISMATCH';

export type VerifyOptions = {
  region: string;
  service: string;
  now: Date;
  /** default 5 minutes (300_000 ms), both directions */
  maxSkewMs?: number;
  /** Secret for an access key id, or undefined when unknown. Several live credentials are normal. */
  resolveSecret: (accessKeyId: string) => string | undefined;
  cache?: SigningKeyCache;
  /** SHA-256 / HMAC-SHA-256 implementation; default @noble/hashes (see hash.ts). */
  hash?: Sha256Functions;
};

export type VerifyResult =
  | { ok: true; accessKeyId: string }
  | {
      ok: false;
      reason: VerifyFailure;
      /** short, safe: never the secret, the signature or the expected signature */
      detail: string;
    };

function fail(reason: VerifyFailure, detail: string): VerifyResult {
  return { ok: false, reason, detail };
}

/** A request-supplied value fit for a log line: bounded, printable ASCII only. */
function quote(s: string): string {
  const clipped = s.length > 64 ? `${s.slice(0, 64)}...` : s;
  return JSON.stringify(clipped.replace(/[^\x20-\x7e]/g, '?'));
}

/** The one value of a header that must not repeat, or null when it does. */
function single(value: string | readonly string[] | undefined): string | undefined | null {
  if (value === undefined || typeof value === 'string') return value;
  return value.length === 1 ? (value[0] ?? null) : null;
}

function isStrictlyAscending(names: readonly string[]): boolean {
  for (let i = 1; i < names.length; i++) {
    if ((names[i - 1] as string) >= (names[i] as string)) return false;
  }
  return true;
}

/**
 * Verifies a SigV4-signed request (Authorization header form). Checks, in order: Authorization
 * present and well-formed, X-Amz-Date present and strict, scope date = X-Amz-Date's date, region,
 * service, host and x-amz-date signed, SignedHeaders sorted without repeats, every signed header
 * present, clock skew, access key known, x-amz-content-sha256 (if sent) = the body's hash, then
 * the signature (recomputed over the raw path and the exact body bytes, compared in constant
 * time). The request's Date header is not used as a fallback: KMS and curl send X-Amz-Date.
 */
export function verifyRequest(req: HttpRequestParts, options: VerifyOptions): VerifyResult {
  const authorization = single(headerValue(req.headers, 'authorization'));
  if (authorization === undefined || authorization === '') {
    return fail('MISSING_AUTHORIZATION', 'no Authorization header');
  }
  if (authorization === null) {
    return fail('MALFORMED_AUTHORIZATION', 'more than one Authorization header');
  }
  const auth = parseAuthorization(authorization);
  if (auth === undefined) {
    return fail(
      'MALFORMED_AUTHORIZATION',
      'Authorization is not a well-formed AWS4-HMAC-SHA256 header',
    );
  }

  const amzDate = single(headerValue(req.headers, 'x-amz-date'));
  if (amzDate === undefined) return fail('MISSING_DATE', 'no X-Amz-Date header');
  if (amzDate === null) return fail('MALFORMED_DATE', 'more than one X-Amz-Date header');
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) {
    return fail('MALFORMED_DATE', `X-Amz-Date ${quote(amzDate)} is not YYYYMMDD'T'HHMMSS'Z'`);
  }
  if (auth.date !== amzDate.slice(0, 8)) {
    return fail('WRONG_SCOPE_DATE', `credential scope date ${auth.date} is not the X-Amz-Date day`);
  }
  if (auth.region !== options.region) {
    return fail('WRONG_REGION', `credential scope region ${quote(auth.region)} is not accepted`);
  }
  if (auth.service !== options.service) {
    return fail('WRONG_SERVICE', `credential scope service ${quote(auth.service)} is not accepted`);
  }
  if (!auth.signedHeaders.includes('host')) {
    return fail('HOST_NOT_SIGNED', 'SignedHeaders does not include host');
  }
  if (!auth.signedHeaders.includes('x-amz-date')) {
    return fail('DATE_NOT_SIGNED', 'SignedHeaders does not include x-amz-date');
  }
  // SigV4: SignedHeaders is sorted and lists each name once; a verifier that re-sorts or
  // de-duplicates it accepts an Authorization header that is not the one signed.
  if (!isStrictlyAscending(auth.signedHeaders)) {
    return fail('SIGNED_HEADERS_NOT_SORTED', 'SignedHeaders is not sorted or repeats a name');
  }
  for (const name of auth.signedHeaders) {
    if (headerValue(req.headers, name) === undefined) {
      return fail('SIGNED_HEADER_MISSING', `signed header ${quote(name)} is not in the request`);
    }
  }
  const maxSkewMs = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const skewMs = options.now.getTime() - signedAt.getTime();
  if (!(Math.abs(skewMs) <= maxSkewMs)) {
    const direction = skewMs > 0 ? 'old' : 'in the future';
    return fail(
      'CLOCK_SKEW',
      `X-Amz-Date is ${Math.round(Math.abs(skewMs) / 1000)} s ${direction}`,
    );
  }
  const secret = options.resolveSecret(auth.accessKeyId);
  // An unknown access key id costs the same work as a known one with a wrong signature (the same
  // hashes and HMACs, over a secret no request can match), so the time of the refusal does not
  // tell which ids exist.
  const hash = options.hash ?? NOBLE_SHA256;
  const payloadHash = sha256Hex(hash, req.body);
  const expected = expectedSignature(
    req,
    auth,
    amzDate,
    payloadHash,
    options.cache,
    hash,
    secret ?? UNKNOWN_ID_SECRET,
  );
  const matches = constantTimeEqual(expected, hexToBytes(auth.signature));
  expected.fill(0);
  if (secret === undefined) return fail('UNKNOWN_ACCESS_KEY', 'unknown access key id');
  // The payload hash is always computed from the body; a claimed one must agree with it (XKS
  // bodies are always signed: UNSIGNED-PAYLOAD would let anyone swap the body).
  const claimed = single(headerValue(req.headers, 'x-amz-content-sha256'));
  if (claimed !== undefined && claimed !== payloadHash) {
    return fail('PAYLOAD_HASH_MISMATCH', 'x-amz-content-sha256 is not the SHA-256 of the body');
  }
  if (!matches) return fail('SIGNATURE_MISMATCH', 'signature does not match');
  return { ok: true, accessKeyId: auth.accessKeyId };
}

/**
 * Stands in for the secret of an unknown access key id: as long as a real one (40 characters),
 * and never accepted, whatever signature comes with it.
 */
const UNKNOWN_ID_SECRET = 'x'.repeat(40);

/** HMAC of the string to sign under the signing key of `secret` (derived, or from the cache). */
function expectedSignature(
  req: HttpRequestParts,
  auth: ParsedAuthorization,
  amzDate: string,
  payloadHash: string,
  cache: SigningKeyCache | undefined,
  hash: Sha256Functions,
  secret: string,
): Uint8Array {
  const scope = credentialScope(auth.date, auth.region, auth.service);
  const creq = buildCanonicalRequest(req, auth.signedHeaders, payloadHash);
  const sts = utf8ToBytes(stringToSign(amzDate, scope, creq, hash));
  if (cache !== undefined) {
    return hash.hmacSha256(cache.signingKey(secret, auth.date, auth.region, auth.service), sts);
  }
  const key = deriveSigningKey(secret, auth.date, auth.region, auth.service);
  const expected = hash.hmacSha256(key, sts);
  key.fill(0);
  return expected;
}
