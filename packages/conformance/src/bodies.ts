import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Request bodies as KMS (and AWS's test client) send them (spec §1.2-§1.6): the one set of XKS
 * request builders, used by the runner's checks and (through `@xkslab/conformance/testing`) by the
 * end-to-end tests, the reliability suites and the benchmarks.
 */

/** The AWS account every request claims to come from (secondary-authorization rules match it). */
export const KMS_ACCOUNT = '111122223333';
export const PRINCIPAL_ARN = `arn:aws:iam::${KMS_ACCOUNT}:role/xkslab-conformance`;
export const KMS_KEY_ARN = `arn:aws:kms:us-east-1:${KMS_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

/** The path every XKS route lives under, after the key store's URI path prefix (§4). */
export const XKS_API = '/kms/xks/v1';

export type Body = Record<string, unknown>;

/** `<prefix>/kms/xks/v1/health` of a key store. */
export function healthPath(target: { prefix: string }): string {
  return `${target.prefix}${XKS_API}/health`;
}

/** `<prefix>/kms/xks/v1/keys/<keyId>/<op>` of a key store. */
export function keyPath(
  target: { prefix: string },
  keyId: string,
  op: 'metadata' | 'encrypt' | 'decrypt',
): string {
  return `${target.prefix}${XKS_API}/keys/${keyId}/${op}`;
}

/** requestMetadata as KMS sends it for `kmsOperation` (Encrypt, Decrypt, DescribeKey...). */
export function requestMetadata(kmsOperation: string, extra: Body = {}): Body {
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
    requestMetadata: requestMetadata('Encrypt'),
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
    requestMetadata: requestMetadata('Decrypt'),
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
