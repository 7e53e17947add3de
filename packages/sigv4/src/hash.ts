import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

/**
 * SHA-256 and HMAC-SHA-256 as SigV4 verification needs them (body hash, canonical request hash,
 * signature). The default is @noble/hashes. A caller may pass another implementation of the same
 * two functions, e.g. node:crypto's, which verifies an XKS request about twice as fast
 * (packages/sigv4/bench): the package itself stays free of I/O and platform imports.
 */
export type Sha256Functions = {
  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
};

export const NOBLE_SHA256: Sha256Functions = {
  sha256: (data) => sha256(data),
  hmacSha256: (key, data) => hmac(sha256, key, data),
};
