/**
 * ciphertextMetadata of this proxy (spec §1.4: vendor housekeeping, at most 20 bytes):
 *   byte 0     format: 0x01 = AES-256-GCM, spec length-prefixed AAD with this metadata bound in
 *   bytes 1-4  key version, uint32 big-endian
 * Recording the format lets a later construction change keep old ciphertexts decryptable (§1.8).
 */
export const METADATA_FORMAT_V1 = 0x01;
const METADATA_V1_BYTES = 5;

export function encodeCiphertextMetadata(keyVersion: number): Uint8Array {
  const out = new Uint8Array(METADATA_V1_BYTES);
  out[0] = METADATA_FORMAT_V1;
  new DataView(out.buffer).setUint32(1, keyVersion);
  return out;
}

/** The key version recorded in metadata this proxy wrote; 0 (no such version) for anything else. */
export function keyVersionOf(metadata: Uint8Array | undefined): number {
  if (!metadata || metadata.length !== METADATA_V1_BYTES || metadata[0] !== METADATA_FORMAT_V1) {
    return 0;
  }
  return new DataView(metadata.buffer, metadata.byteOffset).getUint32(1);
}
