/**
 * Encryption under any ENCRYPT_DECRYPT key, whatever holds its material: the checks every
 * operation makes (usage, algorithm, key state, XKS quota) and the dispatch to the XKS layers
 * (xks-envelope.ts) or to the emulator's own (local-envelope.ts).
 */
import { admit, type CallContext, type Core, findKey, requireUsable } from '../core.ts';
import { KmsError } from '../errors.ts';
import type { EncryptionContext } from '../inner-layer.ts';
import { algorithmsOf, KEY_SPECS } from '../key-specs.ts';
import { requireEnabled } from '../key-state.ts';
import type { CustomKeyStore, KmsKey } from '../model.ts';
import { dryRun, invalidCiphertext, wrongUsage } from './envelope-errors.ts';
import { blobKeyId, rsaOpen, rsaSeal, symmetricOpen, symmetricSeal } from './local-envelope.ts';
import { xksOpen, xksSeal } from './xks-envelope.ts';

/** The encryption algorithm `operation` uses with `key`, or InvalidKeyUsageException. */
export function encryptionAlgorithm(
  key: KmsKey,
  requested: string | undefined,
  operation: string,
): string {
  if (key.keyUsage !== 'ENCRYPT_DECRYPT') throw wrongUsage(key.arn, key.keyUsage, operation);
  const algorithm = requested ?? 'SYMMETRIC_DEFAULT';
  const allowed = algorithmsOf(key).EncryptionAlgorithms ?? [];
  if (!allowed.includes(algorithm)) {
    throw new KmsError(
      'InvalidKeyUsageException',
      `${key.arn} does not support encryption algorithm ${algorithm}; it supports ${allowed.join(', ')}.`,
    );
  }
  return algorithm;
}

/** A symmetric encryption key, as data key operations require. */
export function requireSymmetric(key: KmsKey, operation: string): void {
  if (key.keySpec !== 'SYMMETRIC_DEFAULT') {
    throw new KmsError(
      'InvalidKeyUsageException',
      `${operation} requires a symmetric encryption KMS key; ${key.arn} has key spec ${key.keySpec}.`,
    );
  }
  encryptionAlgorithm(key, undefined, operation);
}

/**
 * Every key's state allows cryptography, then a DryRun answers DryRunOperationException, then
 * (XKS keys) each key store's quota admits the call once (§5).
 */
export function prepareKeys(
  core: Core,
  keys: readonly KmsKey[],
  operation: string,
  dryRunFlag: boolean | undefined,
): void {
  const stores = new Map<string, CustomKeyStore>();
  for (const key of keys) {
    if (key.origin !== 'EXTERNAL_KEY_STORE') requireEnabled(core, key);
    else {
      const store = requireUsable(core, key);
      stores.set(store.id, store);
    }
  }
  dryRun(dryRunFlag);
  for (const store of stores.values()) admit(core, store, operation);
}

export async function seal(
  core: Core,
  key: KmsKey,
  plaintext: Uint8Array,
  context: EncryptionContext | undefined,
  algorithm: string,
  call: CallContext,
  operation: string,
): Promise<Uint8Array> {
  if (key.origin === 'EXTERNAL_KEY_STORE') {
    return xksSeal(core, key, plaintext, context, call, operation);
  }
  if (algorithm === 'SYMMETRIC_DEFAULT') return symmetricSeal(key, plaintext, context, core.random);
  return rsaSeal(key, plaintext, algorithm);
}

/**
 * The key that opens a ciphertext: the KeyId parameter's key for an RSA key (its ciphertext does
 * not name a key), otherwise the key the blob names, which must then be the KeyId parameter's.
 */
export function keyForCiphertext(
  core: Core,
  bytes: Uint8Array,
  keyIdParam: string | undefined,
): KmsKey {
  const named = keyIdParam === undefined ? undefined : findKey(core, keyIdParam);
  if (named && KEY_SPECS[named.keySpec].kind === 'rsa') return named;
  const id = blobKeyId(bytes);
  const key = id === undefined ? undefined : core.keys.get(id);
  if (!key) throw invalidCiphertext();
  if (named && named.id !== key.id) {
    throw new KmsError(
      'IncorrectKeyException',
      'The key ID in the request does not identify a KMS key that can perform this operation.',
    );
  }
  return key;
}

export async function open(
  core: Core,
  key: KmsKey,
  bytes: Uint8Array,
  context: EncryptionContext | undefined,
  algorithm: string,
  call: CallContext,
  operation: string,
): Promise<Uint8Array> {
  if (key.origin === 'EXTERNAL_KEY_STORE') {
    return xksOpen(core, key, bytes, context, call, operation);
  }
  if (algorithm === 'SYMMETRIC_DEFAULT') return symmetricOpen(key, bytes, context);
  return rsaOpen(key, bytes, algorithm);
}
