import { createHash, timingSafeEqual } from 'node:crypto';
import type { RecordStore } from '@xkslab/vcm';

/** Where the admin token's SHA-256 lives; the token itself is never stored by the server. */
export const ADMIN_TOKEN_RECORD = 'xks/admin/token';
export const ADMIN_TOKEN_BYTES = 32;

type StoredToken = { sha256: string; createdAt: string };

export function hashAdminToken(token: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(token, 'utf8').digest());
}

/** Compares SHA-256 digests in constant time (both are 32 bytes, so lengths never leak). */
export function adminTokenMatches(presented: string, expectedHash: Uint8Array): boolean {
  const actual = hashAdminToken(presented);
  return actual.length === expectedHash.length && timingSafeEqual(actual, expectedHash);
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +([A-Za-z0-9_-]{1,256})\s*$/.exec(header ?? '');
  return match?.[1];
}

/**
 * Loads the admin token's hash, or on first start (or when `reset`) generates a token: 32 random
 * bytes as base64url. Only the hash is stored; the new token is returned once, for the caller to
 * show and to write to the data directory.
 */
export async function ensureAdminToken(deps: {
  store: RecordStore;
  random: (n: number) => Uint8Array;
  clock: () => Date;
  reset?: boolean;
}): Promise<{ hash: Uint8Array; newToken?: string }> {
  const stored = await deps.store.get(ADMIN_TOKEN_RECORD);
  if (stored !== undefined && deps.reset !== true) {
    const record = JSON.parse(Buffer.from(stored).toString('utf8')) as StoredToken;
    return { hash: new Uint8Array(Buffer.from(record.sha256, 'base64')) };
  }
  const token = Buffer.from(deps.random(ADMIN_TOKEN_BYTES)).toString('base64url');
  const hash = hashAdminToken(token);
  const record: StoredToken = {
    sha256: Buffer.from(hash).toString('base64'),
    createdAt: deps.clock().toISOString(),
  };
  await deps.store.put(ADMIN_TOKEN_RECORD, new TextEncoder().encode(JSON.stringify(record)));
  return { hash, newToken: token };
}
