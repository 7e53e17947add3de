import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { SIGV4_KEY_PREFIX, SIGV4_TERMINATOR } from './constants.ts';

/**
 * kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
 * Intermediate keys are zeroed; JS cannot promise the strings (secret) leave no copies.
 */
export function deriveSigningKey(
  secret: string,
  date: string,
  region: string,
  service: string,
): Uint8Array {
  const kSecret = utf8ToBytes(SIGV4_KEY_PREFIX + secret);
  const kDate = hmac(sha256, kSecret, utf8ToBytes(date));
  const kRegion = hmac(sha256, kDate, utf8ToBytes(region));
  const kService = hmac(sha256, kRegion, utf8ToBytes(service));
  const kSigning = hmac(sha256, kService, utf8ToBytes(SIGV4_TERMINATOR));
  kSecret.fill(0);
  kDate.fill(0);
  kRegion.fill(0);
  kService.fill(0);
  return kSigning;
}
