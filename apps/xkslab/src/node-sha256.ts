import { createHmac, hash } from 'node:crypto';
import type { Sha256Functions } from '@xkslab/sigv4';

/**
 * SHA-256 and HMAC-SHA-256 from node:crypto (OpenSSL) for SigV4 verification on the hot path.
 * The hashes use the one-shot `crypto.hash` (no Hash object per call), and `sha256Hex` hands the
 * verifier the hex it needs directly (the body hash, the canonical request's hash).
 */
export const nodeSha256: Sha256Functions = {
  sha256: (data) => hash('sha256', data, 'buffer'),
  hmacSha256: (key, data) => createHmac('sha256', key).update(data).digest(),
  sha256Hex: (data) => hash('sha256', data, 'hex'),
};
