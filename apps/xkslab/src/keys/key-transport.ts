import {
  constants,
  createPublicKey,
  type KeyObject,
  privateDecrypt,
  publicEncrypt,
} from 'node:crypto';
import { aeskwp } from '@noble/ciphers/aes.js';

/**
 * Key transport in AWS KMS's RSA_AES_KEY_WRAP_SHA_256 format, for import (BYOK) and export:
 *
 *   wrapped = RSAES-OAEP(SHA-256, MGF1-SHA-256)(rsaPublicKey, K) || AES-KWP(K, keyMaterial)
 *
 * where K is a fresh random AES-256 key and AES-KWP is AES key wrap with padding (RFC 5649). The
 * RSA part is exactly as long as the modulus, so the two halves split without a length field.
 * RSA comes from node:crypto (OpenSSL); key wrap from @noble/ciphers.
 */
export const AES_256_KEY_BYTES = 32;
export const MIN_RSA_BITS = 2048;
export const MAX_RSA_BITS = 8192;

/** A wrapped blob or a public key that cannot be used. The message is safe to show. */
export class KeyTransportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeyTransportError';
  }
}

function modulusBytes(key: KeyObject): number {
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (key.asymmetricKeyType !== 'rsa' || bits === undefined) {
    throw new KeyTransportError('the wrapping key must be an RSA key');
  }
  return Math.ceil(bits / 8);
}

/** Parses a caller's RSA public key (PEM: SPKI or PKCS#1) of 2048-8192 bits. */
export function parseRsaPublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new KeyTransportError('publicKey is not a PEM public key', { cause: e });
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa') {
    throw new KeyTransportError('publicKey must be an RSA key (RSA-OAEP wraps the key)');
  }
  if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
    throw new KeyTransportError(`publicKey must have ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits`);
  }
  return key;
}

/** Wraps key material for the holder of `publicKey`'s private key. */
export function wrapKeyMaterial(
  publicKey: KeyObject,
  material: Uint8Array,
  random: (n: number) => Uint8Array,
): Uint8Array {
  modulusBytes(publicKey);
  const ephemeral = random(AES_256_KEY_BYTES);
  try {
    const rsaPart = publicEncrypt(
      { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      ephemeral,
    );
    const kwp = aeskwp(ephemeral).encrypt(material);
    const out = new Uint8Array(rsaPart.length + kwp.length);
    out.set(rsaPart, 0);
    out.set(kwp, rsaPart.length);
    return out;
  } finally {
    ephemeral.fill(0);
  }
}

/**
 * Unwraps key material with the private key. Any failure (wrong length, RSA-OAEP or RFC 5649
 * integrity check) is the same KeyTransportError, so callers learn nothing about which part failed.
 */
export function unwrapKeyMaterial(privateKey: KeyObject, wrapped: Uint8Array): Uint8Array {
  const rsaBytes = modulusBytes(privateKey);
  const failed = () => new KeyTransportError('wrappedKeyMaterial could not be unwrapped');
  // RFC 5649: at least one 64-bit semiblock of data plus the 64-bit integrity check.
  if (wrapped.length < rsaBytes + 16 || (wrapped.length - rsaBytes) % 8 !== 0) throw failed();
  let ephemeral: Uint8Array | undefined;
  try {
    ephemeral = new Uint8Array(
      privateDecrypt(
        { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        wrapped.subarray(0, rsaBytes),
      ),
    );
    if (ephemeral.length !== AES_256_KEY_BYTES) throw failed();
    return aeskwp(ephemeral).decrypt(wrapped.subarray(rsaBytes));
  } catch (e) {
    if (e instanceof KeyTransportError) throw e;
    throw new KeyTransportError('wrappedKeyMaterial could not be unwrapped', { cause: e });
  } finally {
    ephemeral?.fill(0);
  }
}
