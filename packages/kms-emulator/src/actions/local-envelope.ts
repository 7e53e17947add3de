/**
 * Sealing and opening under keys whose material the emulator holds (origins AWS_KMS and
 * EXTERNAL). SYMMETRIC_DEFAULT: AES-256-GCM (NIST SP 800-38D) in a blob that names its key and
 * the key material it was sealed under (a key has one material per rotation, model.ts):
 *
 *   offset  size  field
 *   0       1     LOCAL_BLOB_VERSION (4)
 *   1       16    KMS key id (UUID bytes)
 *   17      4     material index (big-endian)
 *   21      12    IV
 *   33      16    GCM tag
 *   49      rest  ciphertext
 *
 * with AAD = domain || header (version, key id, material index) || canonical(EncryptionContext),
 * so any altered byte or a wrong context fails the tag. Blobs of format 3, written before rotation
 * made new material, have no material index (the header ends at 17) and name material 0. RSA keys: RSAES-OAEP (RFC 8017) with SHA-1 or SHA-256 and MGF1 of
 * the same hash, the raw RSA ciphertext being the blob, as in KMS.
 */
import {
  constants,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  privateDecrypt,
  publicEncrypt,
} from 'node:crypto';
import { gcm } from '@noble/ciphers/aes.js';
import { GCM_TAG_BYTES, INNER_IV_BYTES } from '../constants.ts';
import { KmsError } from '../errors.ts';
import { isUuid, uuidFromBytes, uuidToBytes } from '../ids.ts';
import { canonicalContext, type EncryptionContext } from '../inner-layer.ts';
import { KEY_SPECS } from '../key-specs.ts';
import type { KmsKey } from '../model.ts';
import { invalidCiphertext } from './envelope-errors.ts';

export const LOCAL_BLOB_VERSION = 4;
/** The format before rotation made new material: no material index, material 0. */
const LEGACY_BLOB_VERSION = 3;
const KEY_HEADER_BYTES = 1 + 16;
const MATERIAL_INDEX_BYTES = 4;
const DOMAIN = new TextEncoder().encode('xkslab-kms-emulator/local/1');

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function aad(header: Uint8Array, context: EncryptionContext | undefined): Uint8Array {
  return concat([DOMAIN, header, canonicalContext(context)]);
}

/** The key id a local or XKS blob names (both carry it at bytes 1..16), if it has one. */
export function blobKeyId(bytes: Uint8Array): string | undefined {
  if (bytes.length < KEY_HEADER_BYTES) return undefined;
  const id = uuidFromBytes(bytes.subarray(1, KEY_HEADER_BYTES));
  return isUuid(id) ? id : undefined;
}

/** The material a blob names: the current one or one an earlier rotation left. */
function materialAt(key: KmsKey, index: number): Uint8Array | undefined {
  const earlier = key.earlierMaterials ?? [];
  return index === earlier.length ? key.material : earlier[index];
}

export function symmetricSeal(
  key: KmsKey,
  plaintext: Uint8Array,
  context: EncryptionContext | undefined,
  random: (n: number) => Uint8Array,
): Uint8Array {
  const index = new Uint8Array(MATERIAL_INDEX_BYTES);
  new DataView(index.buffer).setUint32(0, key.earlierMaterials?.length ?? 0);
  const header = concat([Uint8Array.of(LOCAL_BLOB_VERSION), uuidToBytes(key.id), index]);
  const iv = random(INNER_IV_BYTES);
  const sealed = gcm(key.material, iv, aad(header, context)).encrypt(plaintext);
  const cut = sealed.length - GCM_TAG_BYTES;
  return concat([header, iv, sealed.subarray(cut), sealed.subarray(0, cut)]);
}

/** The header of a format 4 or format 3 blob and the material index it names. */
function headerOf(bytes: Uint8Array): { length: number; index: number } | undefined {
  if (bytes[0] === LEGACY_BLOB_VERSION) return { length: KEY_HEADER_BYTES, index: 0 };
  if (bytes[0] !== LOCAL_BLOB_VERSION || bytes.length < KEY_HEADER_BYTES + MATERIAL_INDEX_BYTES) {
    return undefined;
  }
  const index = new DataView(bytes.buffer, bytes.byteOffset).getUint32(KEY_HEADER_BYTES);
  return { length: KEY_HEADER_BYTES + MATERIAL_INDEX_BYTES, index };
}

export function symmetricOpen(
  key: KmsKey,
  bytes: Uint8Array,
  context: EncryptionContext | undefined,
): Uint8Array {
  const header = headerOf(bytes);
  const material = header && materialAt(key, header.index);
  if (!header || !material) throw invalidCiphertext();
  const ivEnd = header.length + INNER_IV_BYTES;
  const tagEnd = ivEnd + GCM_TAG_BYTES;
  if (bytes.length <= tagEnd) throw invalidCiphertext();
  try {
    return gcm(
      material,
      bytes.subarray(header.length, ivEnd),
      aad(bytes.subarray(0, header.length), context),
    ).decrypt(concat([bytes.subarray(tagEnd), bytes.subarray(ivEnd, tagEnd)]));
  } catch {
    throw invalidCiphertext();
  }
}

export function privateKeyOf(key: KmsKey): KeyObject {
  return createPrivateKey({ key: Buffer.from(key.material), format: 'der', type: 'pkcs8' });
}

export function publicKeyOf(key: KmsKey): KeyObject {
  return createPublicKey(privateKeyOf(key));
}

function oaepHash(algorithm: string): 'sha1' | 'sha256' {
  return algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256';
}

/** RFC 8017 §7.1: the largest message RSAES-OAEP takes, k - 2hLen - 2. */
export function oaepMaxPlaintext(key: KmsKey, algorithm: string): number {
  const info = KEY_SPECS[key.keySpec];
  const bits = info.kind === 'rsa' ? info.bits : 0;
  const hashBytes = oaepHash(algorithm) === 'sha1' ? 20 : 32;
  return bits / 8 - 2 * hashBytes - 2;
}

export function rsaSeal(key: KmsKey, plaintext: Uint8Array, algorithm: string): Uint8Array {
  const max = oaepMaxPlaintext(key, algorithm);
  if (plaintext.length > max) {
    throw new KmsError(
      'ValidationException',
      `Plaintext of ${plaintext.length} bytes is too long for ${key.keySpec} with ${algorithm}; the maximum is ${max} bytes.`,
    );
  }
  return new Uint8Array(
    publicEncrypt(
      {
        key: publicKeyOf(key),
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: oaepHash(algorithm),
      },
      plaintext,
    ),
  );
}

export function rsaOpen(key: KmsKey, bytes: Uint8Array, algorithm: string): Uint8Array {
  try {
    return new Uint8Array(
      privateDecrypt(
        {
          key: privateKeyOf(key),
          padding: constants.RSA_PKCS1_OAEP_PADDING,
          oaepHash: oaepHash(algorithm),
        },
        bytes,
      ),
    );
  } catch {
    throw invalidCiphertext();
  }
}
