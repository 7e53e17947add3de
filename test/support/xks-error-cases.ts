/** The tables of broken XKS requests and the error each must get (spec §1.7). */
import { randomBytes } from 'node:crypto';
import {
  b64,
  decryptBody,
  encryptBody,
  healthBody,
  healthPath,
  keyPath,
  metadataBody,
  requestMetadata,
  unb64,
  XKS_API,
} from '@xkslab/conformance/testing';
import { aesGcmEncrypt, specGcmAad } from './gcm.ts';
import type { EncryptOutput } from './xks-client.ts';
import {
  AAD,
  dec,
  decFoo,
  type ErrorCase,
  enc,
  encryptOnlyOut,
  flip,
  lab,
  noAad,
  send,
  t,
  withAad,
} from './xks-error-lab.ts';

export const URL_SAFE = '-_-__vvv'; // Base64url of fb ff bf fe fb ef (standard: +/+//vvv)

export const validationCases: ErrorCase[] = [
  ...(
    [
      ['Content-Type text/plain', 'text/plain'],
      ['Content-Type missing', null],
      ['Content-Type application/xml', 'application/xml'],
    ] as const
  ).map(([name, contentType]) => ({
    name,
    status: 400,
    errorName: 'ValidationException',
    run: send(
      () => t.a,
      () => keyPath(t.a, 'foo', 'metadata'),
      () => metadataBody(),
      { contentType: contentType ?? null },
    ),
  })),
  ...[
    ['invalid JSON', '{"requestMetadata": '],
    ['empty body', ''],
    ['a JSON array', '[]'],
    ['a JSON string', '"hello"'],
    ['JSON null', 'null'],
  ].map(([name, body]) => ({
    name: `encrypt with ${name}`,
    status: 400,
    errorName: 'ValidationException',
    run: send(
      () => t.a,
      () => keyPath(t.a, 'foo', 'encrypt'),
      () => body,
    ),
  })),
  {
    name: 'metadata without requestMetadata',
    status: 400,
    errorName: 'ValidationException',
    run: send(
      () => t.a,
      () => keyPath(t.a, 'foo', 'metadata'),
      () => ({}),
    ),
  },
  {
    name: 'metadata with awsPrincipalArn of the wrong type',
    status: 400,
    errorName: 'ValidationException',
    run: send(
      () => t.a,
      () => keyPath(t.a, 'foo', 'metadata'),
      () => ({ requestMetadata: requestMetadata('DescribeKey', { awsPrincipalArn: 42 }) }),
    ),
  },
  ...(
    [
      ['plaintext missing', { plaintext: undefined }],
      ['plaintext a number', { plaintext: 12345 }],
      ['plaintext null', { plaintext: null }],
      [
        'requestMetadata.kmsRequestId missing',
        { requestMetadata: { ...requestMetadata('Encrypt'), kmsRequestId: undefined } },
      ],
      [
        'requestMetadata.kmsKeyArn missing',
        { requestMetadata: { ...requestMetadata('Encrypt'), kmsKeyArn: undefined } },
      ],
      ['requestMetadata a string', { requestMetadata: 'x' }],
      ['encryptionAlgorithm AES_CBC', { encryptionAlgorithm: 'AES_CBC' }],
      ['encryptionAlgorithm missing', { encryptionAlgorithm: undefined }],
      [
        'ciphertextDataIntegrityValueAlgorithm SHA_512',
        { ciphertextDataIntegrityValueAlgorithm: 'SHA_512' },
      ],
      [
        'ciphertextDataIntegrityValueAlgorithm sha_256',
        { ciphertextDataIntegrityValueAlgorithm: 'sha_256' },
      ],
      ['plaintext not Base64', { plaintext: '@@@@' }],
      ['plaintext of a bad Base64 length', { plaintext: 'QUJDRA=' }],
      ['plaintext in URL-safe Base64', { plaintext: URL_SAFE }],
      ['plaintext with a newline inside', { plaintext: 'QUJD\nREVG' }],
      ['additionalAuthenticatedData not Base64', { additionalAuthenticatedData: 'not base64!' }],
      ['additionalAuthenticatedData in URL-safe Base64', { additionalAuthenticatedData: URL_SAFE }],
      ['additionalAuthenticatedData a number', { additionalAuthenticatedData: 7 }],
    ] as const
  ).map(([name, patch]) => ({
    name: `encrypt with ${name}`,
    status: 400,
    errorName: 'ValidationException',
    run: enc('foo', patch),
  })),
  ...(
    [
      ['initializationVector not Base64', () => ({ initializationVector: '#'.repeat(16) })],
      [
        'authenticationTag in URL-safe Base64',
        () => ({ authenticationTag: `${URL_SAFE}AAAAAAAAAAAAAAAA` }),
      ],
      ['ciphertext in URL-safe Base64', () => ({ ciphertext: URL_SAFE })],
      ['ciphertextMetadata not Base64', () => ({ ciphertextMetadata: '!!!!' })],
      ['ciphertextMetadata of 21 bytes', () => ({ ciphertextMetadata: b64(randomBytes(21)) })],
      ['authenticationTag missing', () => ({ authenticationTag: undefined })],
      ['initializationVector missing', () => ({ initializationVector: undefined })],
      ['ciphertext missing', () => ({ ciphertext: undefined })],
      ['encryptionAlgorithm RSA', () => ({ encryptionAlgorithm: 'RSAES_OAEP_SHA_256' })],
    ] as const
  ).map(([name, patch]) => ({
    name: `decrypt with ${name}`,
    status: 400,
    errorName: 'ValidationException',
    run: decFoo(patch),
  })),
  ...[
    ['a character outside A-Z a-z 0-9 . _ -', 'bad~id'],
    ['129 characters', 'k'.repeat(129)],
    ['no characters', ''],
  ].map(([name, keyId = '']) => ({
    name: `externalKeyId with ${name}`,
    status: 400,
    errorName: 'ValidationException',
    run: send(
      () => t.a,
      () => keyPath(t.a, keyId, 'metadata'),
      () => metadataBody(),
    ),
  })),
  ...[
    ['without requestMetadata', {}],
    ['with empty requestMetadata', { requestMetadata: {} }],
    ['without kmsOperation', { requestMetadata: { kmsRequestId: 'r-1' } }],
    ['without kmsRequestId', { requestMetadata: { kmsOperation: 'KmsHealthCheck' } }],
  ].map(([name, body]) => ({
    name: `health ${String(name)}`,
    status: 400,
    errorName: 'ValidationException',
    run: send(
      () => t.a,
      () => healthPath(t.a),
      () => body,
    ),
  })),
];

export const cipherCases: ErrorCase[] = (
  [
    ['wrong AAD', () => ({ additionalAuthenticatedData: b64(randomBytes(24)) })],
    ['AAD with one bit flipped', () => ({ additionalAuthenticatedData: flip(b64(AAD), 3) })],
    ['AAD missing', () => ({ additionalAuthenticatedData: undefined })],
    ['a flipped ciphertext bit', () => ({ ciphertext: flip(withAad.ciphertext, 5) })],
    ['a truncated ciphertext', () => ({ ciphertext: b64(unb64(withAad.ciphertext).subarray(1)) })],
    ['a flipped tag bit', () => ({ authenticationTag: flip(withAad.authenticationTag, -1) })],
    ['a flipped IV bit', () => ({ initializationVector: flip(withAad.initializationVector, 0) })],
    [
      'a flipped ciphertextMetadata bit',
      () => ({ ciphertextMetadata: flip(withAad.ciphertextMetadata ?? '', -1) }),
    ],
    [
      'a flipped ciphertextMetadata format byte',
      () => ({ ciphertextMetadata: flip(withAad.ciphertextMetadata ?? '', 0) }),
    ],
    ['ciphertextMetadata missing', () => ({ ciphertextMetadata: undefined })],
    ['ciphertextMetadata empty', () => ({ ciphertextMetadata: '' })],
    ['an 8-byte IV', () => ({ initializationVector: b64(randomBytes(8)) })],
    ['a 16-byte IV', () => ({ initializationVector: b64(randomBytes(16)) })],
    ['an empty IV', () => ({ initializationVector: '' })],
    ['a 12-byte tag', () => ({ authenticationTag: b64(randomBytes(12)) })],
    ['a 17-byte tag', () => ({ authenticationTag: b64(randomBytes(17)) })],
    ['an empty tag', () => ({ authenticationTag: '' })],
  ] as const
).map(([name, patch]) => ({
  name: `decrypt with ${name}`,
  status: 400,
  errorName: 'InvalidCiphertextException',
  run: decFoo(patch),
}));
cipherCases.push({
  name: 'decrypt with extra AAD (encrypted without)',
  status: 400,
  errorName: 'InvalidCiphertextException',
  run: dec(
    'foo',
    () => noAad,
    () => ({ additionalAuthenticatedData: b64(randomBytes(4)) }),
  ),
});
cipherCases.push({
  name: 'decrypt with an empty AAD field (encrypted with AAD)',
  status: 400,
  errorName: 'InvalidCiphertextException',
  run: decFoo(() => ({ additionalAuthenticatedData: '' })),
});
cipherCases.push({
  name: 'decrypt under another key of the same module',
  status: 400,
  errorName: 'InvalidCiphertextException',
  run: dec(
    'bar',
    () => withAad,
    () => ({ additionalAuthenticatedData: b64(AAD) }),
  ),
});

/** A ciphertext of fixed-disabled, made with node:crypto: the key is disabled, not the data. */
export function disabledKeyCiphertext(): EncryptOutput {
  const md = Buffer.from([1, 0, 0, 0, 1]);
  const iv = randomBytes(12);
  const { ciphertext, tag } = aesGcmEncrypt({
    key: lab.disabledMaterial,
    iv,
    plaintext: randomBytes(10),
    gcmAad: specGcmAad(undefined, md),
  });
  return {
    ciphertext: b64(ciphertext),
    initializationVector: b64(iv),
    authenticationTag: b64(tag),
    ciphertextMetadata: b64(md),
  };
}

export const keyCases: ErrorCase[] = [
  ...(['metadata', 'encrypt', 'decrypt'] as const).map((op) => ({
    name: `${op} of an unknown key`,
    status: 404,
    errorName: 'KeyNotFoundException',
    run: send(
      () => t.a,
      () => keyPath(t.a, 'no-such-key', op),
      () =>
        op === 'metadata'
          ? metadataBody()
          : op === 'encrypt'
            ? encryptBody({ plaintext: randomBytes(4) })
            : decryptBody(withAad, AAD),
    ),
  })),
  {
    name: 'encrypt with a DISABLED key',
    status: 400,
    errorName: 'InvalidStateException',
    run: enc('fixed-disabled'),
  },
  {
    name: 'encrypt with CDIV with a DISABLED key',
    status: 400,
    errorName: 'InvalidStateException',
    run: enc('fixed-disabled', { ciphertextDataIntegrityValueAlgorithm: 'SHA_256' }),
  },
  {
    name: 'decrypt with a DISABLED key (valid ciphertext)',
    status: 400,
    errorName: 'InvalidStateException',
    run: dec('fixed-disabled', disabledKeyCiphertext, () => ({})),
  },
  ...[
    ['decrypt-only', {}],
    ['wrap-only', {}],
    ['encrypt-only', { ciphertextDataIntegrityValueAlgorithm: 'SHA_256' }],
  ].map(([keyId, patch]) => ({
    name: `encrypt${Object.keys(patch as object).length ? ' with CDIV' : ''} with key ${String(keyId)}`,
    status: 400,
    errorName: 'InvalidKeyUsageException',
    run: enc(String(keyId), patch as Record<string, unknown>),
  })),
  ...['encrypt-only', 'wrap-only'].map((keyId) => ({
    name: `decrypt with key ${keyId}`,
    status: 400,
    errorName: 'InvalidKeyUsageException',
    run: dec(
      keyId,
      () => encryptOnlyOut,
      () => ({}),
    ),
  })),
];

export const pathCases: ErrorCase[] = [
  ['an unknown prefix', () => `/no/such/prefix${XKS_API}/health`],
  ['a prefix in the wrong case', () => `/Example/prefix${XKS_API}/health`],
  ['an unknown operation', () => keyPath(t.a, 'foo', 'sign' as 'encrypt')],
  ['API version 2', () => `${t.a.prefix}/kms/xks/v2/health`],
  ['a trailing slash', () => `${healthPath(t.a)}/`],
  ['keys without an operation', () => `${t.a.prefix}${XKS_API}/keys/foo`],
  ['//kms/xks/v1/health (no key store has the empty prefix)', () => `/${XKS_API}/health`],
  ['//kms/xks/v1/keys/foo/encrypt', () => `/${XKS_API}/keys/foo/encrypt`],
  ['/kms/xks/v1/health (no empty prefix configured)', () => `${XKS_API}/health`],
  ['the root path', () => '/'],
  ['a prefix of a key store prefix', () => `/example${XKS_API}/health`],
].map(([name, path]) => ({
  name: `POST to ${String(name)}`,
  status: 404,
  errorName: 'InvalidUriPathException',
  run: send(
    () => t.a,
    path as () => string,
    () => healthBody(),
  ),
}));
