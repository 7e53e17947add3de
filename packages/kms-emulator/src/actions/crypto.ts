/**
 * Cryptographic operations: Encrypt, Decrypt, ReEncrypt, GenerateDataKey,
 * GenerateDataKeyWithoutPlaintext, under symmetric keys of every origin and RSA ENCRYPT_DECRYPT
 * keys (envelope.ts). Data keys come from symmetric encryption keys only, as in KMS.
 */
import { defineAction } from '../action.ts';
import { type CallContext, type Core, findKey } from '../core.ts';
import { KmsError } from '../errors.ts';
import type { KmsKey } from '../model.ts';
import {
  DecryptRequest,
  EncryptRequest,
  GenerateDataKeyRequest,
  ReEncryptRequest,
} from '../schemas.ts';
import {
  encryptionAlgorithm,
  keyForCiphertext,
  open,
  prepareKeys,
  requireSymmetric,
  seal,
} from './envelope.ts';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

export const encrypt = defineAction({
  schema: EncryptRequest,
  async handle(core, input, call) {
    const key = findKey(core, input.KeyId);
    const algorithm = encryptionAlgorithm(key, input.EncryptionAlgorithm, 'Encrypt');
    prepareKeys(core, [key], 'Encrypt', input.DryRun);
    const blob = await seal(
      core,
      key,
      input.Plaintext,
      input.EncryptionContext,
      algorithm,
      call,
      'Encrypt',
    );
    input.Plaintext.fill(0);
    return { CiphertextBlob: b64(blob), KeyId: key.arn, EncryptionAlgorithm: algorithm };
  },
});

export const decrypt = defineAction({
  schema: DecryptRequest,
  async handle(core, input, call) {
    const key = keyForCiphertext(core, input.CiphertextBlob, input.KeyId);
    const algorithm = encryptionAlgorithm(key, input.EncryptionAlgorithm, 'Decrypt');
    prepareKeys(core, [key], 'Decrypt', input.DryRun);
    const plaintext = await open(
      core,
      key,
      input.CiphertextBlob,
      input.EncryptionContext,
      algorithm,
      call,
      'Decrypt',
    );
    const response = { KeyId: key.arn, Plaintext: b64(plaintext), EncryptionAlgorithm: algorithm };
    plaintext.fill(0);
    return response;
  },
});

export const reEncrypt = defineAction({
  schema: ReEncryptRequest,
  async handle(core, input, call) {
    const source = keyForCiphertext(core, input.CiphertextBlob, input.SourceKeyId);
    const sourceAlgorithm = encryptionAlgorithm(
      source,
      input.SourceEncryptionAlgorithm,
      'ReEncrypt',
    );
    const destination = findKey(core, input.DestinationKeyId);
    const destinationAlgorithm = encryptionAlgorithm(
      destination,
      input.DestinationEncryptionAlgorithm,
      'ReEncrypt',
    );
    prepareKeys(core, [source, destination], 'ReEncrypt', input.DryRun);
    const plaintext = await open(
      core,
      source,
      input.CiphertextBlob,
      input.SourceEncryptionContext,
      sourceAlgorithm,
      call,
      'ReEncrypt',
    );
    try {
      const sealed = await seal(
        core,
        destination,
        plaintext,
        input.DestinationEncryptionContext,
        destinationAlgorithm,
        call,
        'ReEncrypt',
      );
      return {
        CiphertextBlob: b64(sealed),
        SourceKeyId: source.arn,
        KeyId: destination.arn,
        SourceEncryptionAlgorithm: sourceAlgorithm,
        DestinationEncryptionAlgorithm: destinationAlgorithm,
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

/** Seals `plaintext` under a symmetric encryption key, as the data key operations do. */
export async function sealDataKey(
  core: Core,
  input: {
    KeyId: string;
    EncryptionContext?: Record<string, string> | undefined;
    DryRun?: boolean | undefined;
  },
  plaintextOf: () => Uint8Array | Promise<Uint8Array>,
  call: CallContext,
  operation: string,
): Promise<{ blob: Uint8Array; plaintext: Uint8Array; key: KmsKey }> {
  const key = findKey(core, input.KeyId);
  requireSymmetric(key, operation);
  prepareKeys(core, [key], operation, input.DryRun);
  const plaintext = await plaintextOf();
  const blob = await seal(
    core,
    key,
    plaintext,
    input.EncryptionContext,
    'SYMMETRIC_DEFAULT',
    call,
    operation,
  );
  return { blob, plaintext, key };
}

/** A new random data key of the length the request asks for, sealed under its key. */
function sealNewDataKey(
  core: Core,
  input: Parameters<typeof dataKeyLength>[0] & Parameters<typeof sealDataKey>[1],
  call: CallContext,
  operation: string,
): ReturnType<typeof sealDataKey> {
  const length = dataKeyLength(input);
  return sealDataKey(core, input, () => core.random(length), call, operation);
}

export const generateDataKeyAction = defineAction({
  schema: GenerateDataKeyRequest,
  async handle(core, input, call) {
    const { blob, plaintext, key } = await sealNewDataKey(core, input, call, 'GenerateDataKey');
    const response = { CiphertextBlob: b64(blob), Plaintext: b64(plaintext), KeyId: key.arn };
    plaintext.fill(0);
    return response;
  },
});

export const generateDataKeyWithoutPlaintext = defineAction({
  schema: GenerateDataKeyRequest.omit({ Recipient: true }),
  async handle(core, input, call) {
    const { blob, plaintext, key } = await sealNewDataKey(
      core,
      input,
      call,
      'GenerateDataKeyWithoutPlaintext',
    );
    plaintext.fill(0);
    return { CiphertextBlob: b64(blob), KeyId: key.arn };
  },
});
