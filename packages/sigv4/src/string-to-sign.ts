import { SIGV4_ALGORITHM, SIGV4_TERMINATOR } from './constants.ts';
import { NOBLE_SHA256, type Sha256Functions, sha256Hex } from './hash.ts';

/** Credential scope 'YYYYMMDD/region/service/aws4_request'. */
export function credentialScope(date: string, region: string, service: string): string {
  return `${date}/${region}/${service}/${SIGV4_TERMINATOR}`;
}

/** SigV4 StringToSign: algorithm \n X-Amz-Date \n scope \n hex(SHA-256(canonical request)). */
export function stringToSign(
  amzDate: string,
  scope: string,
  canonicalRequestText: string,
  hash: Sha256Functions = NOBLE_SHA256,
): string {
  const hashed = sha256Hex(hash, canonicalRequestText);
  return `${SIGV4_ALGORITHM}\n${amzDate}\n${scope}\n${hashed}`;
}
