/**
 * The emulator's ciphertext blob: what Decrypt needs to undo both layers, in one byte string.
 *
 *   offset  size  field
 *   0       1     format version (BLOB_VERSION)
 *   1       16    KMS key id (UUID bytes)
 *   17      12    inner IV      (the emulator's own AES-256-GCM layer)
 *   29      16    inner tag
 *   45      1     n = proxy IV length (12 or 16)
 *   46      n     proxy IV      (what the XKS proxy returned)
 *   46+n    16    proxy tag
 *   62+n    1     m = ciphertextMetadata length (0..20)
 *   63+n    m     ciphertextMetadata
 *   63+n+m  rest  proxy ciphertext (as long as the inner ciphertext, at least 1 byte)
 *
 * Nothing in it is secret on its own; its integrity comes from the two GCM tags, and from the
 * HMAC-SHA256 that actions/xks-envelope.ts appends to this encoding (32 bytes) and checks before
 * asking the proxy, so an altered blob fails the same way whichever byte changed.
 */
import { CIPHERTEXT_METADATA_MAX_BYTES, GCM_IV_LENGTHS } from '@xkslab/protocol';
import { GCM_TAG_BYTES, INNER_IV_BYTES } from './constants.ts';
import { isUuid, uuidFromBytes, uuidToBytes } from './ids.ts';

export const BLOB_VERSION = 1;
const KEY_ID_BYTES = 16;

export type CiphertextBlob = {
  keyId: string;
  innerIv: Uint8Array;
  innerTag: Uint8Array;
  proxyIv: Uint8Array;
  proxyTag: Uint8Array;
  ciphertextMetadata: Uint8Array;
  proxyCiphertext: Uint8Array;
};

/** Serializes a blob; throws RangeError when a field breaks the format's rules. */
export function encodeBlob(blob: CiphertextBlob): Uint8Array {
  if (!isUuid(blob.keyId)) throw new RangeError('key id must be a UUID');
  if (blob.innerIv.length !== INNER_IV_BYTES) throw new RangeError('inner IV must be 12 bytes');
  if (blob.innerTag.length !== GCM_TAG_BYTES) throw new RangeError('inner tag must be 16 bytes');
  if (!GCM_IV_LENGTHS.includes(blob.proxyIv.length)) {
    throw new RangeError('proxy IV must be 12 or 16 bytes');
  }
  if (blob.proxyTag.length !== GCM_TAG_BYTES) throw new RangeError('proxy tag must be 16 bytes');
  if (blob.ciphertextMetadata.length > CIPHERTEXT_METADATA_MAX_BYTES) {
    throw new RangeError('ciphertextMetadata must be at most 20 bytes');
  }
  if (blob.proxyCiphertext.length === 0) throw new RangeError('ciphertext must not be empty');
  const parts: Uint8Array[] = [
    Uint8Array.of(BLOB_VERSION),
    uuidToBytes(blob.keyId),
    blob.innerIv,
    blob.innerTag,
    Uint8Array.of(blob.proxyIv.length),
    blob.proxyIv,
    blob.proxyTag,
    Uint8Array.of(blob.ciphertextMetadata.length),
    blob.ciphertextMetadata,
    blob.proxyCiphertext,
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Parses a blob; undefined for anything that is not one (Decrypt answers InvalidCiphertextException). */
export function decodeBlob(bytes: Uint8Array): CiphertextBlob | undefined {
  let at = 0;
  const take = (n: number): Uint8Array | undefined => {
    if (at + n > bytes.length) return undefined;
    const out = bytes.slice(at, at + n);
    at += n;
    return out;
  };
  const version = take(1);
  if (!version || version[0] !== BLOB_VERSION) return undefined;
  const keyId = take(KEY_ID_BYTES);
  const innerIv = take(INNER_IV_BYTES);
  const innerTag = take(GCM_TAG_BYTES);
  const ivLength = take(1)?.[0];
  if (!keyId || !innerIv || !innerTag || ivLength === undefined) return undefined;
  if (!GCM_IV_LENGTHS.includes(ivLength)) return undefined;
  const proxyIv = take(ivLength);
  const proxyTag = take(GCM_TAG_BYTES);
  const metadataLength = take(1)?.[0];
  if (!proxyIv || !proxyTag || metadataLength === undefined) return undefined;
  if (metadataLength > CIPHERTEXT_METADATA_MAX_BYTES) return undefined;
  const ciphertextMetadata = take(metadataLength);
  if (!ciphertextMetadata) return undefined;
  const proxyCiphertext = bytes.slice(at);
  if (proxyCiphertext.length === 0) return undefined;
  const id = uuidFromBytes(keyId);
  if (!isUuid(id)) return undefined;
  return {
    keyId: id,
    innerIv,
    innerTag,
    proxyIv,
    proxyTag,
    ciphertextMetadata,
    proxyCiphertext,
  };
}
