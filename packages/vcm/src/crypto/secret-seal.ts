import { gcm } from '@noble/ciphers/aes.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { GCM_IV_BYTES, GCM_TAG_BYTES } from './constants.ts';
import { VcmError } from './errors.ts';

/**
 * Seals a small secret: AES-256-GCM (NIST SP 800-38D) under `key` with the caller's context as
 * AAD, so a sealed value only opens for the context it was sealed for. Output: iv || ct || tag.
 */
export function sealSecretWithKey(
  key: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array,
  context: string,
): Uint8Array {
  if (iv.length !== GCM_IV_BYTES) {
    throw new VcmError('INVALID_INPUT', `seal iv must be ${GCM_IV_BYTES} bytes`);
  }
  const sealed = gcm(key, iv, utf8ToBytes(context)).encrypt(plaintext);
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv, 0);
  out.set(sealed, iv.length);
  return out;
}

/** Opens what sealSecretWithKey produced; any failure is VcmError('CORRUPT_RECORD'). */
export function openSecretWithKey(
  key: Uint8Array,
  sealed: Uint8Array,
  context: string,
): Uint8Array {
  if (!(sealed instanceof Uint8Array) || sealed.length < GCM_IV_BYTES + GCM_TAG_BYTES) {
    throw new VcmError('CORRUPT_RECORD', 'sealed secret is malformed');
  }
  const iv = sealed.subarray(0, GCM_IV_BYTES);
  try {
    return gcm(key, iv, utf8ToBytes(context)).decrypt(sealed.subarray(GCM_IV_BYTES));
  } catch (e) {
    throw new VcmError('CORRUPT_RECORD', 'sealed secret could not be opened', { cause: e });
  }
}
