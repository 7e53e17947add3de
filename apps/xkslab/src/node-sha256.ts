import { createHash, createHmac } from 'node:crypto';
import type { Sha256Functions } from '@xkslab/sigv4';

/**
 * SHA-256 and HMAC-SHA-256 from node:crypto (OpenSSL) for SigV4 verification on the hot path:
 * about 2x the verify rate of @noble/hashes on an XKS encrypt request (packages/sigv4/bench),
 * which is ~10% of an encrypt's CPU time on the server (docs/performance.md).
 */
export const nodeSha256: Sha256Functions = {
  sha256: (data) => createHash('sha256').update(data).digest(),
  hmacSha256: (key, data) => createHmac('sha256', key).update(data).digest(),
};
