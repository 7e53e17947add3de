/** The rules the alias, tag, policy, grant and rotation actions share. */

import type { Core } from '../core.ts';
import { findKey, keyMetadataOf } from '../core.ts';
import { KmsError } from '../errors.ts';
import { MAX_TAGS_PER_KEY, POLICY_MAX_BYTES, RESERVED_TAG_PREFIX, type Tag } from '../key-meta.ts';
import type { KmsKey } from '../model.ts';

/** The key a KeyId names, refused while it is pending deletion (KMS's key state table). */
export function changeableKey(core: Core, keyIdParam: string): KmsKey {
  const key = findKey(core, keyIdParam);
  if (key.state === 'PendingDeletion') {
    throw new KmsError('KMSInvalidStateException', `${key.arn} is pending deletion.`);
  }
  return key;
}

/** Refuses a disabled or pending-deletion key. */
export function enabledKey(core: Core, keyIdParam: string): KmsKey {
  const key = changeableKey(core, keyIdParam);
  if (key.state === 'Disabled') throw new KmsError('DisabledException', `${key.arn} is disabled.`);
  return key;
}

export function dryRun(flag: boolean | undefined): void {
  if (flag === true) {
    throw new KmsError(
      'DryRunOperationException',
      'The request would have succeeded, but the DryRun parameter was set.',
    );
  }
}

/**
 * KMS's tag rules: no tag key beginning with aws:, no key twice in one request (TagException),
 * at most 50 tags on a key (LimitExceededException).
 */
export function checkTags(current: ReadonlyMap<string, string>, tags: readonly Tag[]): void {
  const seen = new Set<string>();
  for (const tag of tags) {
    if (tag.TagKey.toLowerCase().startsWith(RESERVED_TAG_PREFIX)) {
      throw new KmsError(
        'TagException',
        `Tag keys beginning with ${RESERVED_TAG_PREFIX} are reserved for AWS use: ${tag.TagKey}`,
      );
    }
    if (seen.has(tag.TagKey)) {
      throw new KmsError('TagException', `Duplicate tag key in the request: ${tag.TagKey}`);
    }
    seen.add(tag.TagKey);
  }
  const total = new Set([...current.keys(), ...seen]).size;
  if (total > MAX_TAGS_PER_KEY) {
    throw new KmsError(
      'LimitExceededException',
      `A KMS key can have at most ${MAX_TAGS_PER_KEY} tags; this request would leave ${total}.`,
    );
  }
}

/** A key policy must be a JSON object of at most 32 KB; it is then stored exactly as given. */
export function checkPolicy(policy: string): void {
  if (Buffer.byteLength(policy, 'utf8') > POLICY_MAX_BYTES) {
    throw new KmsError(
      'LimitExceededException',
      `The key policy is larger than ${POLICY_MAX_BYTES} bytes.`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch {
    throw new KmsError('MalformedPolicyDocumentException', 'The policy is not valid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new KmsError('MalformedPolicyDocumentException', 'The policy is not a JSON object.');
  }
  if (!('Statement' in doc)) {
    throw new KmsError('MalformedPolicyDocumentException', 'The policy has no Statement.');
  }
}

/**
 * Only symmetric encryption keys with KMS-made material rotate: not asymmetric or HMAC keys,
 * imported key material, or keys in a custom key store (UnsupportedOperationException).
 */
export function rotatable(core: Core, key: KmsKey): { ok: true } | { ok: false; why: string } {
  const metadata = keyMetadataOf(core, key);
  if (metadata.CustomKeyStoreId !== undefined || metadata.Origin === 'EXTERNAL_KEY_STORE') {
    return { ok: false, why: 'KMS keys in a custom key store' };
  }
  if (metadata.KeySpec !== 'SYMMETRIC_DEFAULT')
    return { ok: false, why: 'asymmetric and HMAC KMS keys' };
  if (metadata.Origin !== 'AWS_KMS')
    return { ok: false, why: 'KMS keys with imported key material' };
  return { ok: true };
}

export function requireRotatable(core: Core, key: KmsKey, operation: string): void {
  const check = rotatable(core, key);
  if (!check.ok) {
    throw new KmsError(
      'UnsupportedOperationException',
      `${key.arn}: ${operation} is not supported for ${check.why}.`,
    );
  }
}
