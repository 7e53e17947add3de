/**
 * Every XKS error the proxy can produce over the wire, with its exact HTTP status (spec §1.7),
 * each answered with compact one-line JSON holding exactly errorName and a short printable
 * errorMessage.
 */
import { randomBytes } from 'node:crypto';
import {
  b64,
  decryptBody,
  encryptBody,
  healthBody,
  healthPath,
  keyPath,
  metadataBody,
  newCredential,
  requestMetadata,
  unb64,
  XKS_API,
} from '@xkslab/conformance/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOk, expectXksError } from './support/assertions.ts';
import { startXkslab, type XkslabServer } from './support/binary.ts';
import { useTempServers } from './support/fixture.ts';
import { aesGcmEncrypt, specGcmAad } from './support/gcm.ts';
import { rawRequest } from './support/http-client.ts';
import { type LabSeed, type LabTargets, QUOTA_PER_SECOND } from './support/lab-seed.ts';
import { smithySign } from './support/smithy-signer.ts';
import {
  type EncryptOutput,
  fromRaw,
  type KeyStoreTarget,
  type SendOptions,
  sendXks,
  type XksResponse,
} from './support/xks-client.ts';
import { encryptOk, healthOk } from './support/xks-ops.ts';

let lab: LabSeed;
let server: XkslabServer;
let t: LabTargets;
/** foo, encrypted with AAD; foo without AAD; encrypt-only's ciphertext. */
let withAad: EncryptOutput;
let noAad: EncryptOutput;
let encryptOnlyOut: EncryptOutput;
const AAD = randomBytes(24);

const servers = useTempServers();
beforeAll(async () => {
  ({ lab, server, t } = await servers.startLab());
  withAad = await encryptOk(t.a, 'foo', { plaintext: randomBytes(40), aad: AAD });
  noAad = await encryptOk(t.a, 'foo', { plaintext: randomBytes(40) });
  encryptOnlyOut = await encryptOk(t.a, 'encrypt-only', { plaintext: randomBytes(16) });
});

/** Flips one bit of the byte at `index` (negative: from the end) of a Base64 field. */
function flip(field: string, index = 0): string {
  const bytes = Buffer.from(unb64(field));
  const i = index < 0 ? bytes.length + index : index;
  bytes[i] = (bytes[i] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

const send =
  (target: () => KeyStoreTarget, path: () => string, body: () => unknown, o?: SendOptions) => () =>
    sendXks(target(), path(), body(), o);
const enc = (keyId: string, patch: Record<string, unknown> = {}) =>
  send(
    () => t.a,
    () => keyPath(t.a, keyId, 'encrypt'),
    () => ({ ...encryptBody({ plaintext: randomBytes(16) }), ...patch }),
  );
const dec = (keyId: string, out: () => EncryptOutput, patch: () => Record<string, unknown>) =>
  send(
    () => t.a,
    () => keyPath(t.a, keyId, 'decrypt'),
    () => ({ ...decryptBody(out()), ...patch() }),
  );
const decFoo = (patch: () => Record<string, unknown>) =>
  dec(
    'foo',
    () => withAad,
    () => ({ additionalAuthenticatedData: b64(AAD), ...patch() }),
  );

type ErrorCase = {
  name: string;
  status: number;
  errorName: string;
  run: () => Promise<XksResponse>;
};

const URL_SAFE = '-_-__vvv'; // Base64url of fb ff bf fe fb ef (standard: +/+//vvv)

const validationCases: ErrorCase[] = [
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

const cipherCases: ErrorCase[] = (
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
function disabledKeyCiphertext(): EncryptOutput {
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

const keyCases: ErrorCase[] = [
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

const pathCases: ErrorCase[] = [
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

describe('ValidationException (400)', () => {
  it.each(validationCases)('$name', async (c) => {
    expectXksError(await c.run(), c.status, c.errorName);
  });

  it('accepts application/json with a charset parameter (control case)', async () => {
    const res = await sendXks(t.a, keyPath(t.a, 'foo', 'metadata'), metadataBody(), {
      contentType: 'application/json; charset=utf-8',
    });
    expectOk(res);
  });
});

/** Bounds on requestMetadata strings (see METADATA_ARN_MAX in @xkslab/protocol). */
const METADATA_BOUNDS = [
  ['awsPrincipalArn', 2048],
  ['kmsKeyArn', 2048],
  ['kmsRequestId', 1024],
  ['kmsOperation', 256],
  ['kmsViaService', 256],
  ['awsSourceVpc', 256],
  ['awsSourceVpce', 256],
] as const;

describe('requestMetadata field lengths', () => {
  const withField = (field: string, length: number) =>
    enc('foo', { requestMetadata: { ...requestMetadata('Encrypt'), [field]: 'a'.repeat(length) } });

  it.each(METADATA_BOUNDS)('accepts %s of %i characters', async (field, max) => {
    expectOk(await withField(field, max)());
  });

  it.each(METADATA_BOUNDS)(
    'refuses %s of %i+1 characters with ValidationException',
    async (field, max) => {
      const message = expectXksError(await withField(field, max + 1)(), 400, 'ValidationException');
      expect(message).toBe(`requestMetadata.${field}: longer than ${max} characters`);
    },
  );

  it('refuses a 200 KB kmsRequestId on GetHealthStatus too', async () => {
    const res = await sendXks(t.a, healthPath(t.a), {
      requestMetadata: { kmsRequestId: 'r'.repeat(200_000), kmsOperation: 'KmsHealthCheck' },
    });
    expect(expectXksError(res, 400, 'ValidationException')).toMatch(/kmsRequestId: longer than/);
  });
});

describe('InvalidCiphertextException (400)', () => {
  it('decrypts the untouched samples (control case)', async () => {
    expectOk(await decFoo(() => ({}))());
    expectOk(
      await dec(
        'foo',
        () => noAad,
        () => ({}),
      )(),
    );
  });

  it.each(cipherCases)('$name', async (c) => {
    expectXksError(await c.run(), c.status, c.errorName);
  });
});

describe('KeyNotFoundException, InvalidStateException, InvalidKeyUsageException', () => {
  it.each(keyCases)('$errorName ($status): $name', async (c) => {
    expectXksError(await c.run(), c.status, c.errorName);
  });

  it('still reports a DISABLED key in GetKeyMetadata (200)', async () => {
    const res = await sendXks(t.a, keyPath(t.a, 'fixed-disabled', 'metadata'), metadataBody());
    expect(expectOk(res)).toMatchObject({ keySpec: 'AES_256', keyStatus: 'DISABLED' });
  });

  it('encrypts without CDIV with an ENCRYPT-only key (control case)', async () => {
    expect(encryptOnlyOut.ciphertext).not.toBe('');
  });
});

describe('InvalidUriPathException (404)', () => {
  it.each(pathCases)('$name', async (c) => {
    expectXksError(await c.run(), c.status, c.errorName);
  });

  it('answers an unsigned request to an unknown path with 404 too', async () => {
    const res = fromRaw(
      await rawRequest({
        port: server.port,
        path: '/nothing/here',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }),
    );
    expectXksError(res, 404, 'InvalidUriPathException');
  });
});

describe('UnsupportedOperationException', () => {
  it.each([
    ['GET', 'health'],
    ['GET', 'metadata'],
    ['GET', 'encrypt'],
    ['PUT', 'decrypt'],
    ['DELETE', 'health'],
    ['PATCH', 'encrypt'],
  ])('405 for %s on the %s API path, with Allow: POST', async (method, op) => {
    const path = op === 'health' ? healthPath(t.a) : keyPath(t.a, 'foo', op as 'encrypt');
    const body = method === 'GET' || method === 'DELETE' ? '' : JSON.stringify(healthBody());
    const headers = await smithySign({
      credential: t.a.credential,
      region: t.a.region,
      method,
      host: server.host,
      path,
      body,
      unsignedHeaders: { 'content-type': 'application/json' },
    });
    const res = fromRaw(
      await rawRequest({ port: server.port, method, path, headers, ...(body ? { body } : {}) }),
    );
    expectXksError(res, 405, 'UnsupportedOperationException');
    expect(String(res.headers.allow)).toMatch(/\bPOST\b/);
  });

  it('501 for a body over the 256 KiB hard cap, without hanging the socket', async () => {
    const big = JSON.stringify({
      ...encryptBody({ plaintext: new Uint8Array(0) }),
      padding: 'x'.repeat(300 * 1024),
    });
    const res = await sendXks(t.a, keyPath(t.a, 'foo', 'encrypt'), big);
    expectXksError(res, 501, 'UnsupportedOperationException');
  });

  it('501 for a chunked body over the hard cap, without hanging the socket', async () => {
    const body = JSON.stringify({ padding: 'y'.repeat(400 * 1024) });
    const path = keyPath(t.a, 'foo', 'encrypt');
    const headers = await smithySign({
      credential: t.a.credential,
      region: t.a.region,
      host: server.host,
      path,
      body,
      unsignedHeaders: { 'content-type': 'application/json' },
    });
    const res = fromRaw(
      await rawRequest({ port: server.port, path, headers, body, chunked: true, timeoutMs: 5000 }),
    );
    expectXksError(res, 501, 'UnsupportedOperationException');
    await healthOk(t.a);
  });

  it('accepts the largest plaintext and AAD (65536 and 65535 bytes) by default', async () => {
    const plaintext = randomBytes(65536);
    const aad = randomBytes(65535);
    const out = await encryptOk(t.a, 'foo', { plaintext, aad });
    const res = await sendXks(t.a, keyPath(t.a, 'foo', 'decrypt'), decryptBody(out, aad));
    expect(unb64(String(expectOk(res).plaintext))).toEqual(plaintext);
  });

  it.each([
    ['encrypt of a 65537-byte plaintext', () => encryptBody({ plaintext: randomBytes(65537) })],
    [
      'encrypt with 65536 bytes of AAD',
      () => encryptBody({ plaintext: randomBytes(10), aad: randomBytes(65536) }),
    ],
  ])('501 for %s', async (_name, body) => {
    const res = await sendXks(t.a, keyPath(t.a, 'foo', 'encrypt'), body());
    expectXksError(res, 501, 'UnsupportedOperationException');
  });

  it.each([
    ['a 65537-byte ciphertext', () => ({ ciphertext: b64(randomBytes(65537)) })],
    ['65536 bytes of AAD', () => ({ additionalAuthenticatedData: b64(randomBytes(65536)) })],
  ])('501 for decrypt with %s', async (_name, patch) => {
    const res = await decFoo(patch)();
    expectXksError(res, 501, 'UnsupportedOperationException');
  });
});

describe('AuthenticationFailedException (401)', () => {
  it('refuses a request signed with a wrong secret', async () => {
    const wrong = {
      ...t.a,
      credential: { ...t.a.credential, secretAccessKey: randomBytes(32).toString('base64') },
    };
    expectXksError(
      await sendXks(wrong, healthPath(wrong), healthBody()),
      401,
      'AuthenticationFailedException',
    );
  });
});

describe('ThrottlingException (429)', () => {
  it(`answers 429 beyond ${QUOTA_PER_SECOND} requests/s on a key store with a quota, and only there`, async () => {
    const burst = 6 * QUOTA_PER_SECOND;
    // Sign first, then send everything at once.
    const signed = await Promise.all(
      Array.from({ length: burst }, async () => {
        const body = JSON.stringify(healthBody());
        const headers = await smithySign({
          credential: t.quota.credential,
          region: t.quota.region,
          host: server.host,
          path: healthPath(t.quota),
          body,
          unsignedHeaders: { 'content-type': 'application/json' },
        });
        return { headers, body };
      }),
    );
    const [quotaResults, otherResults] = await Promise.all([
      Promise.all(
        signed.map(({ headers, body }) =>
          rawRequest({ port: server.port, path: healthPath(t.quota), headers, body }).then(fromRaw),
        ),
      ),
      Promise.all(Array.from({ length: burst }, () => sendXks(t.a, healthPath(t.a), healthBody()))),
    ]);
    const ok = quotaResults.filter((r) => r.status === 200);
    const throttled = quotaResults.filter((r) => r.status === 429);
    expect(ok.length + throttled.length).toBe(burst);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(throttled.length).toBeGreaterThanOrEqual(1);
    for (const r of throttled) expectXksError(r, 429, 'ThrottlingException');
    for (const r of otherResults) expectOk(r);
    // The bucket refills.
    await new Promise((r) => setTimeout(r, 1100));
    await healthOk(t.quota);
  });
});

describe('a key with an empty usage list (seed usage: [])', () => {
  let inert: XkslabServer | undefined;
  const credential = newCredential();
  const target = (): KeyStoreTarget => {
    if (!inert) throw new Error('the server with an empty-usage key did not start');
    return { port: inert.port, prefix: '/inert', region: 'us-east-2', credential };
  };

  afterAll(async () => {
    await inert?.stop();
  });

  it('is accepted in a seed', async () => {
    inert = await startXkslab({
      seed: {
        modules: [
          {
            name: 'inert-module',
            keys: [
              { id: 'inert', usage: [] },
              { id: 'normal', usage: ['ENCRYPT', 'DECRYPT'] },
            ],
          },
        ],
        keyStores: [
          {
            uriPathPrefix: '/inert',
            region: 'us-east-2',
            module: 'inert-module',
            credentials: [credential],
          },
        ],
      },
    });
  });

  it('is reported by GetKeyMetadata with keyUsage []', async () => {
    const res = await sendXks(target(), keyPath(target(), 'inert', 'metadata'), metadataBody());
    expect(expectOk(res)).toEqual({ keySpec: 'AES_256', keyUsage: [], keyStatus: 'ENABLED' });
  });

  it('refuses encrypt with InvalidKeyUsageException (400)', async () => {
    const res = await sendXks(
      target(),
      keyPath(target(), 'inert', 'encrypt'),
      encryptBody({ plaintext: randomBytes(8) }),
    );
    expectXksError(res, 400, 'InvalidKeyUsageException');
  });

  it('refuses decrypt with InvalidKeyUsageException (400)', async () => {
    const out = await encryptOk(target(), 'normal', { plaintext: randomBytes(8) });
    const res = await sendXks(target(), keyPath(target(), 'inert', 'decrypt'), decryptBody(out));
    expectXksError(res, 400, 'InvalidKeyUsageException');
  });
});

// DependencyTimeoutException (503) and InternalException (500) need a slow or failing module:
// test/faults.test.ts provokes both over the wire with fault rules, and test/admin-lifecycle.test.ts
// gets 503 from a disconnected module.
