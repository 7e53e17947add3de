import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * SHA-256 and HMAC-SHA-256 as SigV4 verification needs them (body hash, canonical request hash,
 * signature). The default is @noble/hashes. A caller may pass another implementation of the same
 * two functions, e.g. node:crypto's, which verifies an XKS request about twice as fast
 * (packages/sigv4/bench): the package itself stays free of I/O and platform imports.
 */
export type Sha256Functions = {
  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /**
   * Lower-case hex SHA-256 of bytes or of a string's UTF-8, when the implementation has a faster
   * way than `sha256` plus encoding (node's one-shot `crypto.hash`); absent: derived from `sha256`.
   */
  sha256Hex?(data: Uint8Array | string): string;
};

/** Hex SHA-256 through `sha256Hex` when the implementation has it, else `sha256`. */
export function sha256Hex(hash: Sha256Functions, data: Uint8Array | string): string {
  if (hash.sha256Hex !== undefined) return hash.sha256Hex(data);
  return bytesToHex(hash.sha256(typeof data === 'string' ? utf8ToBytes(data) : data));
}

export const NOBLE_SHA256: Sha256Functions = {
  sha256: (data) => sha256(data),
  hmacSha256: (key, data) => hmac(sha256, key, data),
};
