import { gcm } from '@noble/ciphers/aes.js';
import type { CipherEngine } from './cipher-engine.ts';
import { GCM_TAG_BYTES } from './constants.ts';
import { VcmError } from './errors.ts';
import {
  checkDecryptArgs,
  checkEncryptArgs,
  INVALID_CIPHERTEXT_MESSAGE,
  splitSealed,
} from './gcm-params.ts';

/**
 * AES-256-GCM on @noble/ciphers (pure JS, audited). NIST SP 800-38D: 96-bit IVs form J0 directly,
 * other lengths go through GHASH (§7.1 step 2); noble's `gcm` implements both.
 */
export const nobleEngine: CipherEngine = Object.freeze({
  name: 'noble' as const,

  forget() {},

  encrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array) {
    checkEncryptArgs(key, iv, plaintext, aad);
    // noble returns ciphertext || tag (SP 800-38D §7.1 step 7 output C, T).
    return splitSealed(gcm(key, iv, aad).encrypt(plaintext));
  },

  decrypt(
    key: Uint8Array,
    iv: Uint8Array,
    ciphertext: Uint8Array,
    tag: Uint8Array,
    aad: Uint8Array,
  ) {
    checkDecryptArgs(key, iv, ciphertext, tag, aad);
    const sealed = new Uint8Array(ciphertext.length + GCM_TAG_BYTES);
    sealed.set(ciphertext, 0);
    sealed.set(tag, ciphertext.length);
    try {
      // SP 800-38D §7.2: the tag is checked (in constant time) before any plaintext is returned.
      return gcm(key, iv, aad).decrypt(sealed);
    } catch (e) {
      throw new VcmError('INVALID_CIPHERTEXT', INVALID_CIPHERTEXT_MESSAGE, { cause: e });
    }
  },
});
