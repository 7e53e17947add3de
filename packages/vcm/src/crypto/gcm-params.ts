import { AES_256_KEY_BYTES, GCM_IV_LENGTHS, GCM_TAG_BYTES } from './constants.ts';
import { VcmError } from './errors.ts';

/** The one message every failed GCM decryption carries, whatever went wrong. */
export const INVALID_CIPHERTEXT_MESSAGE = 'ciphertext could not be authenticated';

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/** Checks what both engines need before encrypting; a bad argument is the caller's bug. */
export function checkEncryptArgs(
  key: unknown,
  iv: unknown,
  plaintext: unknown,
  aad: unknown,
): void {
  if (!isBytes(key) || key.length !== AES_256_KEY_BYTES) {
    throw new VcmError('INVALID_INPUT', `key must be ${AES_256_KEY_BYTES} bytes`);
  }
  if (!isBytes(iv) || !GCM_IV_LENGTHS.includes(iv.length)) {
    throw new VcmError('INVALID_INPUT', `iv must be ${GCM_IV_LENGTHS.join(' or ')} bytes`);
  }
  if (!isBytes(plaintext)) throw new VcmError('INVALID_INPUT', 'plaintext must be bytes');
  if (!isBytes(aad)) throw new VcmError('INVALID_INPUT', 'aad must be bytes');
}

/**
 * Checks the arguments of a decryption. A wrong key length is the caller's bug (INVALID_INPUT);
 * anything about the ciphertext side (IV or tag length) is INVALID_CIPHERTEXT, like a bad tag.
 */
export function checkDecryptArgs(
  key: unknown,
  iv: unknown,
  ciphertext: unknown,
  tag: unknown,
  aad: unknown,
): void {
  if (!isBytes(key) || key.length !== AES_256_KEY_BYTES) {
    throw new VcmError('INVALID_INPUT', `key must be ${AES_256_KEY_BYTES} bytes`);
  }
  if (!isBytes(ciphertext) || !isBytes(aad)) {
    throw new VcmError('INVALID_INPUT', 'ciphertext and aad must be bytes');
  }
  if (!isBytes(iv) || !GCM_IV_LENGTHS.includes(iv.length)) {
    throw new VcmError('INVALID_CIPHERTEXT', INVALID_CIPHERTEXT_MESSAGE);
  }
  if (!isBytes(tag) || tag.length !== GCM_TAG_BYTES) {
    throw new VcmError('INVALID_CIPHERTEXT', INVALID_CIPHERTEXT_MESSAGE);
  }
}

/** Ciphertext || tag (as noble and the native addon return them) split into its two parts, as views. */
export function splitSealed(sealed: Uint8Array): { ciphertext: Uint8Array; tag: Uint8Array } {
  const split = sealed.length - GCM_TAG_BYTES;
  return { ciphertext: sealed.subarray(0, split), tag: sealed.subarray(split) };
}
