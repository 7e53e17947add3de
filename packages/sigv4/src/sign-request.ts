import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { formatAmzDate } from './amz-date.ts';
import { formatAuthorization } from './authorization.ts';
import { buildCanonicalRequest } from './canonical-request.ts';
import { REQUIRED_SIGNED_HEADERS } from './constants.ts';
import { headerValue } from './header-value.ts';
import { deriveSigningKey } from './signing-key.ts';
import type { SigningKeyCache } from './signing-key-cache.ts';
import { credentialScope, stringToSign } from './string-to-sign.ts';
import type { Credentials, HttpRequestParts } from './types.ts';

export type SignOptions = {
  region: string;
  service: string;
  now: Date;
  /**
   * Header names to sign, lower-case; default ['host', 'x-amz-date'] (what KMS signs).
   * 'host' and 'x-amz-date' are always included. The value of each signed header is taken from
   * req.headers, except x-amz-date which the signer sets from `now`.
   */
  signedHeaders?: readonly string[];
  cache?: SigningKeyCache;
};

function signedHeaderList(requested: readonly string[] | undefined): string[] {
  const names = new Set<string>(REQUIRED_SIGNED_HEADERS);
  for (const name of requested ?? []) names.add(name.toLowerCase());
  return [...names].sort();
}

/**
 * Signs a request with SigV4 (Authorization header form) and returns the headers to add:
 * { authorization, 'x-amz-date' }. The payload hash is SHA-256 of the body bytes.
 * Throws TypeError if a header to sign (other than x-amz-date) is absent from req.headers.
 */
export function signRequest(
  req: HttpRequestParts,
  credentials: Credentials,
  options: SignOptions,
): { authorization: string; 'x-amz-date': string } {
  const amzDate = formatAmzDate(options.now);
  const date = amzDate.slice(0, 8);
  const signedHeaders = signedHeaderList(options.signedHeaders);
  for (const name of signedHeaders) {
    if (name !== 'x-amz-date' && headerValue(req.headers, name) === undefined) {
      throw new TypeError(`header to sign is missing from the request: ${name}`);
    }
  }
  const scope = credentialScope(date, options.region, options.service);
  const creq = buildCanonicalRequest(req, signedHeaders, bytesToHex(sha256(req.body)), amzDate);
  const sts = utf8ToBytes(stringToSign(amzDate, scope, creq));
  const { secretAccessKey } = credentials;
  let signature: Uint8Array;
  if (options.cache === undefined) {
    const key = deriveSigningKey(secretAccessKey, date, options.region, options.service);
    signature = hmac(sha256, key, sts);
    key.fill(0);
  } else {
    const key = options.cache.signingKey(secretAccessKey, date, options.region, options.service);
    signature = hmac(sha256, key, sts);
  }
  return {
    authorization: formatAuthorization(
      credentials.accessKeyId,
      scope,
      signedHeaders,
      bytesToHex(signature),
    ),
    'x-amz-date': amzDate,
  };
}
