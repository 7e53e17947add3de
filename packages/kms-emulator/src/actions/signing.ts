/**
 * Sign, Verify and GetPublicKey for asymmetric keys (RSA and ECC). The public key is DER
 * SubjectPublicKeyInfo (RFC 5280), as KMS returns it; Verify answers KMSInvalidSignatureException
 * for a signature that does not verify.
 */
import { defineAction } from '../action.ts';
import { type Core, findKey } from '../core.ts';
import { KmsError } from '../errors.ts';
import { GetPublicKeyRequest, SignRequest, VerifyRequest } from '../key-schemas.ts';
import { algorithmsOf, KEY_SPECS } from '../key-specs.ts';
import { requireEnabled } from '../key-state.ts';
import type { KmsKey } from '../model.ts';
import { signMessage, verifyMessage } from '../signature.ts';
import { dryRun, wrongUsage } from './envelope-errors.ts';
import { privateKeyOf, publicKeyOf } from './local-envelope.ts';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** The signing key a request names, usable for `algorithm`. */
function signingKey(
  core: Core,
  input: {
    KeyId: string;
    SigningAlgorithm: string;
    MessageType?: string | undefined;
    DryRun?: boolean | undefined;
  },
  operation: string,
): { key: KmsKey; type: 'RAW' | 'DIGEST' } {
  const key = findKey(core, input.KeyId);
  if (key.keyUsage !== 'SIGN_VERIFY') throw wrongUsage(key.arn, key.keyUsage, operation);
  const allowed = algorithmsOf(key).SigningAlgorithms ?? [];
  if (!allowed.includes(input.SigningAlgorithm)) {
    throw new KmsError(
      'InvalidKeyUsageException',
      `${key.arn} does not support signing algorithm ${input.SigningAlgorithm}; it supports ${allowed.join(', ')}.`,
    );
  }
  const type = input.MessageType ?? 'RAW';
  if (type === 'EXTERNAL_MU') {
    throw new KmsError(
      'ValidationException',
      'MessageType EXTERNAL_MU is valid for ML-DSA keys only.',
    );
  }
  requireEnabled(core, key);
  dryRun(input.DryRun);
  return { key, type: type as 'RAW' | 'DIGEST' };
}

export const sign = defineAction({
  schema: SignRequest,
  async handle(core, input) {
    const { key, type } = signingKey(core, input, 'Sign');
    const signature = signMessage(
      key.keySpec,
      privateKeyOf(key),
      input.SigningAlgorithm,
      input.Message,
      type,
    );
    return { KeyId: key.arn, Signature: b64(signature), SigningAlgorithm: input.SigningAlgorithm };
  },
});

export const verify = defineAction({
  schema: VerifyRequest,
  async handle(core, input) {
    const { key, type } = signingKey(core, input, 'Verify');
    const valid = verifyMessage(
      key.keySpec,
      publicKeyOf(key),
      input.SigningAlgorithm,
      input.Message,
      type,
      input.Signature,
    );
    if (!valid) {
      throw new KmsError(
        'KMSInvalidSignatureException',
        'The signature is not valid for this message, KMS key and signing algorithm.',
      );
    }
    return { KeyId: key.arn, SignatureValid: true, SigningAlgorithm: input.SigningAlgorithm };
  },
});

export const getPublicKey = defineAction({
  schema: GetPublicKeyRequest,
  async handle(core, input) {
    const key = findKey(core, input.KeyId);
    const kind = KEY_SPECS[key.keySpec].kind;
    if (kind !== 'rsa' && kind !== 'ec') {
      throw new KmsError(
        'UnsupportedOperationException',
        `${key.arn} is a ${key.keySpec} key; only asymmetric KMS keys have a public key.`,
      );
    }
    requireEnabled(core, key);
    const spki = publicKeyOf(key).export({ format: 'der', type: 'spki' });
    return {
      KeyId: key.arn,
      PublicKey: b64(spki),
      CustomerMasterKeySpec: key.keySpec,
      KeySpec: key.keySpec,
      KeyUsage: key.keyUsage,
      ...algorithmsOf(key),
    };
  },
});
