import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { CipherEngine } from '../crypto/cipher-engine.ts';
import { GCM_TAG_BYTES } from '../crypto/constants.ts';
import { VcmError } from '../crypto/errors.ts';
import {
  checkDecryptArgs,
  checkEncryptArgs,
  INVALID_CIPHERTEXT_MESSAGE,
} from '../crypto/gcm-params.ts';

/** A plain Uint8Array view of a Buffer, so callers never see Buffer-specific behaviour. */
function plain(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function joined(head: Buffer, tail: Buffer): Uint8Array {
  return plain(tail.length === 0 ? head : Buffer.concat([head, tail]));
}

/**
 * AES-256-GCM on node:crypto (OpenSSL). Accepts 96- and 128-bit IVs (OpenSSL derives J0 through
 * GHASH for the latter, NIST SP 800-38D §7.1) and AAD of any length.
 */
export const nodeEngine: CipherEngine = Object.freeze({
  name: 'node' as const,

  forget() {},

  encrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array) {
    checkEncryptArgs(key, iv, plaintext, aad);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
    cipher.setAAD(aad);
    const ciphertext = joined(cipher.update(plaintext), cipher.final());
    return { ciphertext, tag: plain(cipher.getAuthTag()) };
  },

  decrypt(
    key: Uint8Array,
    iv: Uint8Array,
    ciphertext: Uint8Array,
    tag: Uint8Array,
    aad: Uint8Array,
  ) {
    checkDecryptArgs(key, iv, ciphertext, tag, aad);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
      decipher.setAuthTag(tag);
      decipher.setAAD(aad);
      const head = decipher.update(ciphertext);
      // final() verifies the tag (SP 800-38D §7.2 step 8). On failure the decrypted bytes
      // already produced are wiped and never returned.
      let tail: Buffer;
      try {
        tail = decipher.final();
      } catch (e) {
        head.fill(0);
        throw e;
      }
      return joined(head, tail);
    } catch (e) {
      throw new VcmError('INVALID_CIPHERTEXT', INVALID_CIPHERTEXT_MESSAGE, { cause: e });
    }
  },
});
