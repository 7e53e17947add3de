import { randomBytes, randomUUID } from 'node:crypto';

/** Request bodies as KMS (and AWS's test client) send them (spec §1.2-§1.6). */

export const PRINCIPAL_ARN = 'arn:aws:iam::111122223333:role/xkslab-conformance';
export const KMS_KEY_ARN =
  'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

export type Body = Record<string, unknown>;

/** requestMetadata of an Encrypt or Decrypt call. */
export function cryptoMetadata(kmsOperation: string, extra: Body = {}): Body {
  return {
    awsPrincipalArn: PRINCIPAL_ARN,
    kmsKeyArn: KMS_KEY_ARN,
    kmsOperation,
    kmsRequestId: randomUUID(),
    ...extra,
  };
}

export function healthBody(extra: Body = {}): Body {
  return {
    requestMetadata: { kmsRequestId: randomUUID(), kmsOperation: 'KmsHealthCheck', ...extra },
  };
}

/** GetKeyMetadata as KMS sends it since spec v1.0.3 (CreateKey, no kmsKeyArn). */
export function metadataBody(extra: Body = {}): Body {
  return {
    requestMetadata: {
      awsPrincipalArn: PRINCIPAL_ARN,
      kmsOperation: 'CreateKey',
      kmsRequestId: randomUUID(),
      ...extra,
    },
  };
}

export type EncryptInput = {
  plaintext: Uint8Array;
  aad?: Uint8Array | undefined;
  cdiv?: boolean;
};

export function encryptBody(input: EncryptInput, extra: Body = {}): Body {
  return {
    requestMetadata: cryptoMetadata('Encrypt'),
    plaintext: b64(input.plaintext),
    encryptionAlgorithm: 'AES_GCM',
    ...(input.aad ? { additionalAuthenticatedData: b64(input.aad) } : {}),
    ...(input.cdiv ? { ciphertextDataIntegrityValueAlgorithm: 'SHA_256' } : {}),
    ...extra,
  };
}

/** The fields of an encrypt answer that go back into a decrypt (Base64 as on the wire). */
export type Sealed = {
  ciphertext: string;
  initializationVector: string;
  authenticationTag: string;
  ciphertextMetadata?: string | undefined;
};

/** A well-formed decrypt input that no key produced. */
export function bogusSealed(): Sealed {
  return {
    ciphertext: randomBytes(32).toString('base64'),
    initializationVector: randomBytes(12).toString('base64'),
    authenticationTag: randomBytes(16).toString('base64'),
  };
}

export function decryptBody(sealed: Sealed, aad?: Uint8Array, extra: Body = {}): Body {
  return {
    requestMetadata: cryptoMetadata('Decrypt'),
    ciphertext: sealed.ciphertext,
    encryptionAlgorithm: 'AES_GCM',
    initializationVector: sealed.initializationVector,
    authenticationTag: sealed.authenticationTag,
    ...(aad ? { additionalAuthenticatedData: b64(aad) } : {}),
    ...(sealed.ciphertextMetadata === undefined
      ? {}
      : { ciphertextMetadata: sealed.ciphertextMetadata }),
    ...extra,
  };
}

export function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function unb64(text: string): Buffer {
  return Buffer.from(text, 'base64');
}
