/**
 * The parameters GetParametersForImport hands out, kept until ImportKeyMaterial uses them: in
 * memory and in the state file (the wrapping private key wrapped under the master key, like key
 * material; the token only as its SHA-256), so an import survives a restart. KMS keeps them 24
 * hours; after that ImportKeyMaterial answers ExpiredImportTokenException.
 */
import { createHash } from 'node:crypto';
import type { KmsKey, PendingImport } from './model.ts';

export const IMPORT_PARAMETERS_VALID_MS = 24 * 60 * 60 * 1000;

/** How an import token is looked up and stored: never the token itself. */
export function tokenDigest(token: Uint8Array): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Expired parameters lose their wrapping key at once (it can no longer serve), and are forgotten
 * a day later (until then their token is refused as expired, not unknown), or with their key.
 * True when anything changed.
 */
export function expireImports(
  imports: Map<string, PendingImport>,
  keys: ReadonlyMap<string, KmsKey>,
  now: number,
): boolean {
  let changed = false;
  for (const [digest, pending] of imports) {
    if (pending.validTo + IMPORT_PARAMETERS_VALID_MS <= now || !keys.has(pending.keyId)) {
      pending.wrappingKey?.fill(0);
      imports.delete(digest);
      changed = true;
    } else if (pending.validTo <= now && pending.wrappingKey) {
      pending.wrappingKey.fill(0);
      pending.wrappingKey = undefined;
      changed = true;
    }
  }
  return changed;
}
