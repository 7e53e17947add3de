/**
 * Sealing and opening under an XKS key. Double encryption (§5): the emulator's own AES-256-GCM
 * layer under the key's KMS-held material (EncryptionContext bound as its AAD), then the XKS
 * proxy's layer over that ciphertext. The blob (blob.ts) ends with an HMAC-SHA256 over all of it
 * under a key derived from the KMS-held material (RFC 5869), checked before the proxy is called:
 * a blob altered anywhere fails as InvalidCiphertextException, while a proxy failure on an intact
 * blob still surfaces as KMSInvalidStateException (§1.7).
 */
import { timingSafeEqual } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type CiphertextBlob, decodeBlob, encodeBlob } from '../blob.ts';
import { type CallContext, type Core, requireUsable, targetOf } from '../core.ts';
import {
  type EncryptionContext,
  innerAad,
  innerDecrypt,
  innerEncrypt,
  proxyAad,
} from '../inner-layer.ts';
import type { KmsKey } from '../model.ts';
import { cryptoError } from '../xks/error-mapping.ts';
import { invalidCiphertext } from './envelope-errors.ts';

const MAC_BYTES = 32;
const MAC_INFO = new TextEncoder().encode('xkslab kms-emulator xks blob mac v1');

function blobMac(material: Uint8Array, body: Uint8Array): Uint8Array {
  const macKey = hkdf(sha256, material, undefined, MAC_INFO, 32);
  const mac = hmac(sha256, macKey, body);
  macKey.fill(0);
  return mac;
}

function subject(core: Core, key: KmsKey) {
  return {
    keyStoreId: key.customKeyStoreId ?? '',
    xksKeyId: key.xksKeyId,
    kmsKeyArn: key.arn,
    timeoutMs: core.settings.xksTimeoutMs,
  };
}

function xksContext(call: CallContext, key: KmsKey, kmsOperation: string) {
  return {
    kmsOperation,
    kmsRequestId: call.requestId,
    awsPrincipalArn: call.principal.arn,
    kmsKeyArn: key.arn,
    kmsViaService: call.principal.viaService,
  };
}

/** Both layers, in order, then the MAC: returns the ciphertext blob. */
export async function xksSeal(
  core: Core,
  key: KmsKey,
  plaintext: Uint8Array,
  context: EncryptionContext | undefined,
  call: CallContext,
  kmsOperation: string,
): Promise<Uint8Array> {
  const store = requireUsable(core, key);
  const inner = innerEncrypt(key.material, plaintext, innerAad(key.id, context), core.random);
  const outcome = await core.xks.encrypt(
    targetOf(core, store),
    key.xksKeyId ?? '',
    { plaintext: inner.ciphertext, aad: proxyAad(key.arn, inner.iv, inner.tag) },
    xksContext(call, key, kmsOperation),
  );
  if (!outcome.ok) throw cryptoError(outcome.failure, subject(core, key));
  const blob: CiphertextBlob = {
    keyId: key.id,
    innerIv: inner.iv,
    innerTag: inner.tag,
    proxyIv: outcome.value.iv,
    proxyTag: outcome.value.tag,
    ciphertextMetadata: outcome.value.ciphertextMetadata,
    proxyCiphertext: outcome.value.ciphertext,
  };
  const body = encodeBlob(blob);
  const out = new Uint8Array(body.length + MAC_BYTES);
  out.set(body);
  out.set(blobMac(key.material, body), body.length);
  return out;
}

/** The MAC checked, then both layers undone in reverse order. */
export async function xksOpen(
  core: Core,
  key: KmsKey,
  bytes: Uint8Array,
  context: EncryptionContext | undefined,
  call: CallContext,
  kmsOperation: string,
): Promise<Uint8Array> {
  const store = requireUsable(core, key);
  if (bytes.length <= MAC_BYTES) throw invalidCiphertext();
  const body = bytes.subarray(0, bytes.length - MAC_BYTES);
  const mac = blobMac(key.material, body);
  if (!timingSafeEqual(mac, bytes.subarray(body.length))) throw invalidCiphertext();
  const blob = decodeBlob(body);
  if (!blob || blob.keyId !== key.id) throw invalidCiphertext();
  const outcome = await core.xks.decrypt(
    targetOf(core, store),
    key.xksKeyId ?? '',
    {
      ciphertext: blob.proxyCiphertext,
      iv: blob.proxyIv,
      tag: blob.proxyTag,
      aad: proxyAad(key.arn, blob.innerIv, blob.innerTag),
      ciphertextMetadata: blob.ciphertextMetadata,
    },
    xksContext(call, key, kmsOperation),
  );
  if (!outcome.ok) throw cryptoError(outcome.failure, subject(core, key));
  const plaintext = innerDecrypt(
    key.material,
    { iv: blob.innerIv, ciphertext: outcome.value, tag: blob.innerTag },
    innerAad(key.id, context),
  );
  outcome.value.fill(0);
  if (!plaintext) throw invalidCiphertext();
  return plaintext;
}
