/**
 * An independent implementation (node:crypto) of the spec's AES-GCM use (§1.8): the GCM AAD
 * construction and the ciphertext data integrity value.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

/** uint16_be(len(aad)) || aad || uint8(len(md)) || md; absent parts are empty. */
export function specGcmAad(aad: Uint8Array | undefined, metadata: Uint8Array | undefined): Buffer {
  const a = Buffer.from(aad ?? new Uint8Array(0));
  const m = Buffer.from(metadata ?? new Uint8Array(0));
  const lenA = Buffer.alloc(2);
  lenA.writeUInt16BE(a.length);
  return Buffer.concat([lenA, a, Buffer.from([m.length]), m]);
}

export function aesGcmDecrypt(input: {
  key: Uint8Array;
  iv: Uint8Array;
  ciphertext: Uint8Array;
  tag: Uint8Array;
  gcmAad: Uint8Array;
}): Buffer {
  const d = createDecipheriv('aes-256-gcm', input.key, input.iv, { authTagLength: 16 });
  d.setAAD(input.gcmAad);
  d.setAuthTag(input.tag);
  return Buffer.concat([d.update(input.ciphertext), d.final()]);
}

export function aesGcmEncrypt(input: {
  key: Uint8Array;
  iv: Uint8Array;
  plaintext: Uint8Array;
  gcmAad: Uint8Array;
}): { ciphertext: Buffer; tag: Buffer } {
  const c = createCipheriv('aes-256-gcm', input.key, input.iv, { authTagLength: 16 });
  c.setAAD(input.gcmAad);
  const ciphertext = Buffer.concat([c.update(input.plaintext), c.final()]);
  return { ciphertext, tag: c.getAuthTag() };
}

/** Base64 SHA-256 over AAD || ciphertextMetadata || IV || ciphertext || tag (decoded bytes). */
export function specCdiv(parts: {
  aad?: Uint8Array | undefined;
  metadata?: Uint8Array | undefined;
  iv: Uint8Array;
  ciphertext: Uint8Array;
  tag: Uint8Array;
}): string {
  const h = createHash('sha256');
  if (parts.aad) h.update(parts.aad);
  if (parts.metadata) h.update(parts.metadata);
  h.update(parts.iv).update(parts.ciphertext).update(parts.tag);
  return h.digest('base64');
}
