import { createHash, createHmac, hash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Sha256Functions } from './hash.ts';
import { signRequest } from './sign-request.ts';
import { SigningKeyCache } from './signing-key-cache.ts';
import { verifyRequest } from './verify-request.ts';

const nodeHash: Sha256Functions = {
  sha256: (d) => createHash('sha256').update(d).digest(),
  hmacSha256: (k, d) => createHmac('sha256', k).update(d).digest(),
};
/** The same with a direct hex digest (what the server passes): verifyRequest must use it alike. */
const nodeHashHex: Sha256Functions = {
  ...nodeHash,
  sha256Hex: (d) => hash('sha256', d, 'hex'),
};
const credentials = {
  accessKeyId: 'AKIAXKSLABEXAMPLE2345',
  secretAccessKey: 'u0Zq3nBQ8f0E9x1qv3lJmQ8bS0t8x8Jv1kq5Hc1b2aU=',
};
const region = 'us-east-1';
const service = 'kms-xks-proxy';
const now = new Date('2025-03-04T05:06:07Z');

function signed(body: Uint8Array, path: string) {
  const unsigned = { method: 'POST', path, headers: { host: 'xks.example.com' }, body };
  return {
    ...unsigned,
    headers: {
      ...unsigned.headers,
      ...signRequest(unsigned, credentials, { region, service, now }),
    },
  };
}

describe('verifyRequest with an injected SHA-256', () => {
  it('agrees with the default (noble) on valid and tampered requests', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }),
        fc.stringMatching(/^\/[a-z0-9/_-]{0,40}$/),
        fc.boolean(),
        fc.boolean(),
        (body, path, tamper, cached) => {
          const req = signed(body, path);
          const sent = tamper ? { ...req, body: Uint8Array.from([...body, 1]) } : req;
          const options = {
            region,
            service,
            now,
            resolveSecret: () => credentials.secretAccessKey,
            ...(cached ? { cache: new SigningKeyCache() } : {}),
          };
          const viaNoble = verifyRequest(sent, options);
          const viaNode = verifyRequest(sent, { ...options, hash: nodeHash });
          const viaNodeHex = verifyRequest(sent, { ...options, hash: nodeHashHex });
          expect(viaNode).toEqual(viaNoble);
          expect(viaNodeHex).toEqual(viaNoble);
          expect(viaNode.ok).toBe(!tamper);
        },
      ),
      { numRuns: 200 },
    );
  });
});
