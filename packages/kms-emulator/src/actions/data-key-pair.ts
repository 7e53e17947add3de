/**
 * GenerateDataKeyPair(+WithoutPlaintext): a new RSA or ECC key pair from node:crypto, its private
 * key (PKCS#8 DER) encrypted under a symmetric encryption key as a ciphertext blob Decrypt opens,
 * and the public key (DER SubjectPublicKeyInfo). KMS keys in custom key stores cannot do this.
 */
import { defineAction } from '../action.ts';
import { type CallContext, type Core, findKey } from '../core.ts';
import { KmsError } from '../errors.ts';
import { GenerateDataKeyPairRequest } from '../key-schemas.ts';
import { generateAsymmetric } from '../key-specs.ts';
import type { KeySpec } from '../model.ts';
import { sealDataKey } from './crypto.ts';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

type PairInput = {
  KeyId: string;
  KeyPairSpec: string;
  EncryptionContext?: Record<string, string> | undefined;
  DryRun?: boolean | undefined;
};

async function generatePair(core: Core, input: PairInput, call: CallContext, operation: string) {
  if (input.KeyPairSpec === 'SM2') {
    throw new KmsError('UnsupportedOperationException', 'SM2 is offered in China Regions only.');
  }
  const key = findKey(core, input.KeyId);
  if (key.origin === 'EXTERNAL_KEY_STORE') {
    throw new KmsError(
      'UnsupportedOperationException',
      `${operation} cannot use a KMS key in a custom key store (${key.arn}).`,
    );
  }
  let publicKey = new Uint8Array(0);
  const sealed = await sealDataKey(
    core,
    input,
    async () => {
      const pair = await generateAsymmetric(input.KeyPairSpec as KeySpec);
      publicKey = new Uint8Array(pair.publicKey.export({ format: 'der', type: 'spki' }));
      return new Uint8Array(pair.privateKey.export({ format: 'der', type: 'pkcs8' }));
    },
    call,
    operation,
  );
  return { ...sealed, publicKey };
}

export const generateDataKeyPair = defineAction({
  schema: GenerateDataKeyPairRequest,
  async handle(core, input, call) {
    const pair = await generatePair(core, input, call, 'GenerateDataKeyPair');
    const response = {
      PrivateKeyCiphertextBlob: b64(pair.blob),
      PrivateKeyPlaintext: b64(pair.plaintext),
      PublicKey: b64(pair.publicKey),
      KeyId: pair.key.arn,
      KeyPairSpec: input.KeyPairSpec,
    };
    pair.plaintext.fill(0);
    return response;
  },
});

export const generateDataKeyPairWithoutPlaintext = defineAction({
  schema: GenerateDataKeyPairRequest.omit({ Recipient: true }),
  async handle(core, input, call) {
    const pair = await generatePair(core, input, call, 'GenerateDataKeyPairWithoutPlaintext');
    pair.plaintext.fill(0);
    return {
      PrivateKeyCiphertextBlob: b64(pair.blob),
      PublicKey: b64(pair.publicKey),
      KeyId: pair.key.arn,
      KeyPairSpec: input.KeyPairSpec,
    };
  },
});
