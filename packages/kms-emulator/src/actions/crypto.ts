/**
 * Cryptographic operations: Encrypt, Decrypt, ReEncrypt, GenerateDataKey,
 * GenerateDataKeyWithoutPlaintext. Double encryption (§5): the emulator's own AES-256-GCM layer
 * under the key's KMS-held material (EncryptionContext bound as its AAD), then the XKS proxy's
 * layer over that ciphertext. Every proxy failure surfaces as KMSInvalidStateException (§1.7).
 */
import { defineAction } from '../action.ts';
import { type CiphertextBlob, decodeBlob, encodeBlob } from '../blob.ts';
import { admit, type CallContext, type Core, findKey, requireUsable, targetOf } from '../core.ts';
import { KmsError } from '../errors.ts';
import {
  type EncryptionContext,
  innerAad,
  innerDecrypt,
  innerEncrypt,
  proxyAad,
} from '../inner-layer.ts';
import type { CustomKeyStore, KmsKey } from '../model.ts';
import {
  DecryptRequest,
  EncryptRequest,
  GenerateDataKeyRequest,
  ReEncryptRequest,
} from '../schemas.ts';
import { cryptoError } from '../xks/error-mapping.ts';

const SYMMETRIC_DEFAULT = 'SYMMETRIC_DEFAULT';
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

function checkAlgorithm(key: KmsKey, algorithm: string | undefined): void {
  if (algorithm !== undefined && algorithm !== SYMMETRIC_DEFAULT) {
    throw new KmsError(
      'InvalidKeyUsageException',
      `${key.arn} does not support encryption algorithm ${algorithm}; it supports SYMMETRIC_DEFAULT only.`,
    );
  }
}

function dryRun(enabled: boolean | undefined): void {
  if (enabled) {
    throw new KmsError(
      'DryRunOperationException',
      'The request would have succeeded, but the DryRun parameter was set.',
    );
  }
}

function invalidCiphertext(): KmsError {
  return new KmsError(
    'InvalidCiphertextException',
    'The ciphertext is invalid, or was not encrypted under this KMS key and encryption context.',
  );
}

function subject(core: Core, key: KmsKey) {
  return {
    keyStoreId: key.customKeyStoreId,
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

/** Both layers, in order: returns the ciphertext blob. */
async function seal(
  core: Core,
  key: KmsKey,
  store: CustomKeyStore,
  plaintext: Uint8Array,
  context: EncryptionContext | undefined,
  call: CallContext,
  kmsOperation: string,
): Promise<Uint8Array> {
  const inner = innerEncrypt(key.material, plaintext, innerAad(key.id, context), core.random);
  const outcome = await core.xks.encrypt(
    targetOf(core, store),
    key.xksKeyId,
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
  return encodeBlob(blob);
}

/** The key a blob names, checked against an optional KeyId parameter. */
function keyOfBlob(core: Core, blob: CiphertextBlob, keyIdParam: string | undefined): KmsKey {
  const key = core.keys.get(blob.keyId);
  if (keyIdParam !== undefined) {
    const named = findKey(core, keyIdParam);
    if (!key || named.id !== key.id) {
      throw new KmsError(
        'IncorrectKeyException',
        'The key ID in the request does not identify a KMS key that can perform this operation.',
      );
    }
  }
  if (!key) throw invalidCiphertext();
  return key;
}

/** Both layers undone, in reverse order. */
async function open(
  core: Core,
  key: KmsKey,
  store: CustomKeyStore,
  blob: CiphertextBlob,
  context: EncryptionContext | undefined,
  call: CallContext,
  kmsOperation: string,
): Promise<Uint8Array> {
  const outcome = await core.xks.decrypt(
    targetOf(core, store),
    key.xksKeyId,
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

function parseBlob(bytes: Uint8Array): CiphertextBlob {
  const blob = decodeBlob(bytes);
  if (!blob) throw invalidCiphertext();
  return blob;
}

export const encrypt = defineAction({
  schema: EncryptRequest,
  async handle(core, input, call) {
    const key = findKey(core, input.KeyId);
    checkAlgorithm(key, input.EncryptionAlgorithm);
    const store = requireUsable(core, key);
    dryRun(input.DryRun);
    admit(core, store, 'Encrypt');
    const blob = await seal(
      core,
      key,
      store,
      input.Plaintext,
      input.EncryptionContext,
      call,
      'Encrypt',
    );
    input.Plaintext.fill(0);
    return { CiphertextBlob: b64(blob), KeyId: key.arn, EncryptionAlgorithm: SYMMETRIC_DEFAULT };
  },
});

export const decrypt = defineAction({
  schema: DecryptRequest,
  async handle(core, input, call) {
    const blob = parseBlob(input.CiphertextBlob);
    const key = keyOfBlob(core, blob, input.KeyId);
    checkAlgorithm(key, input.EncryptionAlgorithm);
    const store = requireUsable(core, key);
    dryRun(input.DryRun);
    admit(core, store, 'Decrypt');
    const plaintext = await open(core, key, store, blob, input.EncryptionContext, call, 'Decrypt');
    const response = {
      KeyId: key.arn,
      Plaintext: b64(plaintext),
      EncryptionAlgorithm: SYMMETRIC_DEFAULT,
    };
    plaintext.fill(0);
    return response;
  },
});

export const reEncrypt = defineAction({
  schema: ReEncryptRequest,
  async handle(core, input, call) {
    const blob = parseBlob(input.CiphertextBlob);
    const source = keyOfBlob(core, blob, input.SourceKeyId);
    checkAlgorithm(source, input.SourceEncryptionAlgorithm);
    const destination = findKey(core, input.DestinationKeyId);
    checkAlgorithm(destination, input.DestinationEncryptionAlgorithm);
    const sourceStore = requireUsable(core, source);
    const destinationStore = requireUsable(core, destination);
    dryRun(input.DryRun);
    admit(core, sourceStore, 'ReEncrypt');
    if (destinationStore.id !== sourceStore.id) admit(core, destinationStore, 'ReEncrypt');
    const plaintext = await open(
      core,
      source,
      sourceStore,
      blob,
      input.SourceEncryptionContext,
      call,
      'ReEncrypt',
    );
    try {
      const sealed = await seal(
        core,
        destination,
        destinationStore,
        plaintext,
        input.DestinationEncryptionContext,
        call,
        'ReEncrypt',
      );
      return {
        CiphertextBlob: b64(sealed),
        SourceKeyId: source.arn,
        KeyId: destination.arn,
        SourceEncryptionAlgorithm: SYMMETRIC_DEFAULT,
        DestinationEncryptionAlgorithm: SYMMETRIC_DEFAULT,
      };
    } finally {
      plaintext.fill(0);
    }
  },
});

function dataKeyLength(input: {
  NumberOfBytes?: number | undefined;
  KeySpec?: string | undefined;
}): number {
  if (input.NumberOfBytes !== undefined && input.KeySpec !== undefined) {
    throw new KmsError('ValidationException', 'Specify either NumberOfBytes or KeySpec, not both.');
  }
  if (input.NumberOfBytes !== undefined) return input.NumberOfBytes;
  if (input.KeySpec === 'AES_256') return 32;
  if (input.KeySpec === 'AES_128') return 16;
  throw new KmsError('ValidationException', 'Please specify either number of bytes or key spec.');
}

async function generateDataKey(
  core: Core,
  input: {
    KeyId: string;
    EncryptionContext?: Record<string, string> | undefined;
    NumberOfBytes?: number | undefined;
    KeySpec?: string | undefined;
    DryRun?: boolean | undefined;
  },
  call: CallContext,
  kmsOperation: 'GenerateDataKey' | 'GenerateDataKeyWithoutPlaintext',
): Promise<{ blob: Uint8Array; plaintext: Uint8Array; key: KmsKey }> {
  const length = dataKeyLength(input);
  const key = findKey(core, input.KeyId);
  const store = requireUsable(core, key);
  dryRun(input.DryRun);
  admit(core, store, kmsOperation);
  const plaintext = core.random(length);
  const blob = await seal(core, key, store, plaintext, input.EncryptionContext, call, kmsOperation);
  return { blob, plaintext, key };
}

export const generateDataKeyAction = defineAction({
  schema: GenerateDataKeyRequest,
  async handle(core, input, call) {
    const { blob, plaintext, key } = await generateDataKey(core, input, call, 'GenerateDataKey');
    const response = { CiphertextBlob: b64(blob), Plaintext: b64(plaintext), KeyId: key.arn };
    plaintext.fill(0);
    return response;
  },
});

export const generateDataKeyWithoutPlaintext = defineAction({
  schema: GenerateDataKeyRequest.omit({ Recipient: true }),
  async handle(core, input, call) {
    const { blob, plaintext, key } = await generateDataKey(
      core,
      input,
      call,
      'GenerateDataKeyWithoutPlaintext',
    );
    plaintext.fill(0);
    return { CiphertextBlob: b64(blob), KeyId: key.arn };
  },
});
