/**
 * Double encryption (§5): the emulator first encrypts under its own per-key material, so the XKS
 * proxy only ever sees KMS ciphertext. This file is that inner layer and the AAD of both layers.
 *
 * - Inner AAD = "xkslab-kms-emulator/inner/1" || key id (16 bytes) || canonical(EncryptionContext):
 *   the encryption context is bound here, so a wrong context fails as InvalidCiphertextException,
 *   as it does with AWS KMS.
 * - Proxy AAD = SHA-256("xkslab-kms-emulator/proxy/1" || key ARN || inner IV || inner tag): binds
 *   the proxy's layer to the key and to the inner layer's header (32 bytes, well inside the 8192
 *   bytes every proxy must accept), and reveals nothing of the context to the proxy.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { concatBytes } from '@noble/ciphers/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { GCM_TAG_BYTES, INNER_IV_BYTES } from './constants.ts';
import { uuidToBytes } from './ids.ts';

const encoder = new TextEncoder();
const INNER_DOMAIN = encoder.encode('xkslab-kms-emulator/inner/1');
const PROXY_DOMAIN = encoder.encode('xkslab-kms-emulator/proxy/1');

export type EncryptionContext = Readonly<Record<string, string>>;

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

/**
 * The encryption context as bytes, independent of the order the caller listed it in: pairs sorted
 * by key (UTF-16 code units, like AWS), each key and value length-prefixed so no two contexts
 * share an encoding.
 */
export function canonicalContext(context: EncryptionContext | undefined): Uint8Array {
  const entries = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: Uint8Array[] = [u32(entries.length)];
  for (const [k, v] of entries) {
    const key = encoder.encode(k);
    const value = encoder.encode(v);
    parts.push(u32(key.length), key, u32(value.length), value);
  }
  return concatBytes(...parts);
}

export function innerAad(keyId: string, context: EncryptionContext | undefined): Uint8Array {
  return concatBytes(INNER_DOMAIN, uuidToBytes(keyId), canonicalContext(context));
}

export function proxyAad(keyArn: string, innerIv: Uint8Array, innerTag: Uint8Array): Uint8Array {
  return sha256(concatBytes(PROXY_DOMAIN, encoder.encode(keyArn), innerIv, innerTag));
}

export type InnerCiphertext = { iv: Uint8Array; ciphertext: Uint8Array; tag: Uint8Array };

/** AES-256-GCM (NIST SP 800-38D) with a 12-byte IV from `random` and the tag split off. */
export function innerEncrypt(
  material: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  random: (n: number) => Uint8Array,
): InnerCiphertext {
  const iv = random(INNER_IV_BYTES);
  const sealed = gcm(material, iv, aad).encrypt(plaintext);
  const cut = sealed.length - GCM_TAG_BYTES;
  return { iv, ciphertext: sealed.slice(0, cut), tag: sealed.slice(cut) };
}

/** The inverse; undefined when the tag does not verify (wrong context, key or bytes). */
export function innerDecrypt(
  material: Uint8Array,
  inner: InnerCiphertext,
  aad: Uint8Array,
): Uint8Array | undefined {
  try {
    return gcm(material, inner.iv, aad).decrypt(concatBytes(inner.ciphertext, inner.tag));
  } catch {
    return undefined;
  }
}
