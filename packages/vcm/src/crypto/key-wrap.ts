import { aeskwp } from '@noble/ciphers/aes.js';
import { VcmError } from './errors.ts';

function checkKek(kek: unknown): asserts kek is Uint8Array {
  if (!(kek instanceof Uint8Array) || ![16, 24, 32].includes(kek.length)) {
    throw new VcmError('INVALID_INPUT', 'key-encryption key must be 16, 24 or 32 bytes');
  }
}

/** AES key wrap with padding (RFC 5649 §4.1; NIST SP 800-38F KWP-AE). */
export function wrapKey(kek: Uint8Array, material: Uint8Array): Uint8Array {
  checkKek(kek);
  if (!(material instanceof Uint8Array) || material.length === 0) {
    throw new VcmError('INVALID_INPUT', 'key material must be non-empty bytes');
  }
  return aeskwp(kek).encrypt(material);
}

/**
 * AES key unwrap with padding (RFC 5649 §4.2). The integrity check of §3 (alternative initial
 * value, message length indicator, zero padding) failing means the record was altered or the KEK
 * is wrong: VcmError('CORRUPT_RECORD').
 */
export function unwrapKey(kek: Uint8Array, wrapped: Uint8Array): Uint8Array {
  checkKek(kek);
  if (!(wrapped instanceof Uint8Array)) {
    throw new VcmError('INVALID_INPUT', 'wrapped key must be bytes');
  }
  try {
    return aeskwp(kek).decrypt(wrapped);
  } catch (e) {
    throw new VcmError('CORRUPT_RECORD', 'wrapped key failed its integrity check', { cause: e });
  }
}
