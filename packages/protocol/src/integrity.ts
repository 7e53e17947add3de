import { sha256 } from '@noble/hashes/sha2.js';
import { AAD_LENGTH_PREFIX_MAX, CIPHERTEXT_METADATA_MAX_BYTES } from './constants.ts';

/**
 * The AAD an XKS proxy feeds to AES-GCM (spec §1.8 guidance), binding ciphertextMetadata so that
 * tampering with it fails decryption:
 *   uint16_be(len(AAD)) || AAD || uint8(len(ciphertextMetadata)) || ciphertextMetadata
 * An absent part contributes a zero length and no bytes.
 */
export function buildGcmAad(
  aad: Uint8Array | undefined,
  metadata: Uint8Array | undefined,
): Uint8Array {
  const a = aad ?? new Uint8Array(0);
  const m = metadata ?? new Uint8Array(0);
  if (a.length > AAD_LENGTH_PREFIX_MAX) throw new RangeError('AAD longer than 65535 bytes');
  if (m.length > CIPHERTEXT_METADATA_MAX_BYTES)
    throw new RangeError('ciphertextMetadata over 20 bytes');
  const out = new Uint8Array(2 + a.length + 1 + m.length);
  out[0] = a.length >>> 8;
  out[1] = a.length & 0xff;
  out.set(a, 2);
  out[2 + a.length] = m.length;
  out.set(m, 3 + a.length);
  return out;
}

export type CdivInput = {
  aad?: Uint8Array | undefined;
  ciphertextMetadata?: Uint8Array | undefined;
  iv: Uint8Array;
  ciphertext: Uint8Array;
  tag: Uint8Array;
};

/**
 * ciphertextDataIntegrityValue (spec §1.8): SHA-256 over the decoded
 * AAD || ciphertextMetadata || IV || ciphertext || tag, absent parts empty.
 */
export function computeCdiv(input: CdivInput): Uint8Array {
  const h = sha256.create();
  if (input.aad) h.update(input.aad);
  if (input.ciphertextMetadata) h.update(input.ciphertextMetadata);
  h.update(input.iv);
  h.update(input.ciphertext);
  h.update(input.tag);
  return h.digest();
}
