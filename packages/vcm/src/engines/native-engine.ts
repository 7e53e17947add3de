import type { AesGcmBinding, KeyContext } from '@xkslab/aes-gcm-native';
import type { CipherEngine } from '../crypto/cipher-engine.ts';
import { VcmError } from '../crypto/errors.ts';
import {
  checkDecryptArgs,
  checkEncryptArgs,
  INVALID_CIPHERTEXT_MESSAGE,
  splitSealed,
} from '../crypto/gcm-params.ts';

/**
 * AES-256-GCM on the OpenSSL inside Node.js, through @xkslab/aes-gcm-native: one cipher context
 * per key array, keyed once (node:crypto sets up a context and its key schedule on every call).
 * Contexts are found by the identity of the key array the Vcm holds; the addon still compares the
 * key bytes on every call and rekeys when they differ, so a stale context can never encrypt under
 * the wrong key. `forget` frees a key's context (and so its key schedule) before the Vcm wipes the
 * key; a context nobody forgot is freed by the garbage collector.
 */
export function nativeEngine(binding: AesGcmBinding): CipherEngine {
  const contexts = new WeakMap<Uint8Array, KeyContext>();
  const contextFor = (key: Uint8Array): KeyContext => {
    let context = contexts.get(key);
    if (context === undefined) {
      context = binding.newContext();
      contexts.set(key, context);
    }
    return context;
  };

  return Object.freeze({
    name: 'native' as const,

    forget(key: Uint8Array) {
      const context = contexts.get(key);
      if (context === undefined) return;
      contexts.delete(key);
      binding.release(context);
    },

    encrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array) {
      checkEncryptArgs(key, iv, plaintext, aad);
      return splitSealed(binding.encrypt(contextFor(key), key, iv, plaintext, aad));
    },

    decrypt(
      key: Uint8Array,
      iv: Uint8Array,
      ciphertext: Uint8Array,
      tag: Uint8Array,
      aad: Uint8Array,
    ) {
      checkDecryptArgs(key, iv, ciphertext, tag, aad);
      // SP 800-38D §7.2: OpenSSL checks the tag; on failure the addon cleanses what it decrypted.
      const plaintext = binding.decrypt(contextFor(key), key, iv, ciphertext, tag, aad);
      if (plaintext === null) throw new VcmError('INVALID_CIPHERTEXT', INVALID_CIPHERTEXT_MESSAGE);
      return plaintext;
    },
  });
}
