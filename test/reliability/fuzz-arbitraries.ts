/**
 * The fast-check arbitraries of the fuzz suite: bodies, mutations, paths, methods, SigV4 headers
 * and content types, valid and broken.
 */
import { decryptBody, encryptBody, healthBody, metadataBody } from '@xkslab/conformance/testing';
import fc from 'fast-check';

export const PREFIX = '/fuzz/ks';
export const REGION = 'us-west-2';
export const PRINTABLE = /^[\x20-\x7e]*$/;

export const base64Edge = fc.constantFrom(
  '',
  '=',
  '==',
  '====',
  'A',
  'AA',
  'AAA=',
  'AA==',
  'A===',
  '-_-_',
  'AB+/',
  'AB+/ ',
  ' QUJD',
  'QUJD\n',
  'QUJ=D',
  '\u00e9\u00e9\u00e9\u00e9',
  '////',
  'AAAAAAAAAAAAAAAA',
  'A'.repeat(5736),
  'A'.repeat(5740),
  'A'.repeat(10924),
  'A'.repeat(200_000),
);
export const anyJsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  base64Edge,
  fc.constant(null),
  fc.integer(),
  fc.string({ maxLength: 3000 }),
);
export const keyId = fc.constantFrom(
  'k',
  'enc-only',
  'off',
  'missing',
  'k'.repeat(129),
  '..',
  'a%20b',
  '%6B',
);
export const op = fc.constantFrom('encrypt', 'decrypt', 'metadata');

/** A valid body for an operation, as the basis of mutations. */
export function validBody(operation: string): Record<string, unknown> {
  if (operation === 'metadata') return metadataBody();
  if (operation === 'health') return healthBody();
  if (operation === 'encrypt') {
    return encryptBody({
      plaintext: Uint8Array.of(0, 1, 2, 3, 4),
      aad: Uint8Array.of(1, 2),
      cdiv: true,
    });
  }
  return decryptBody({
    ciphertext: 'AAECAwQ=',
    initializationVector: 'AAAAAAAAAAAAAAAA',
    authenticationTag: 'AAAAAAAAAAAAAAAAAAAAAA==',
    ciphertextMetadata: 'AQ==',
  });
}

export const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), field: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), field: fc.nat(), value: anyJsonValue }),
  fc.record({ kind: fc.constant('metadata' as const), field: fc.nat(), value: anyJsonValue }),
  fc.record({
    kind: fc.constant('add' as const),
    name: fc.string({ maxLength: 20 }),
    value: anyJsonValue,
  }),
);

export function mutate(body: Record<string, unknown>, m: MutationT) {
  const out: Record<string, unknown> = JSON.parse(JSON.stringify(body));
  const fields = Object.keys(out);
  if (m.kind === 'delete') delete out[fields[m.field % fields.length] as string];
  else if (m.kind === 'replace') out[fields[m.field % fields.length] as string] = m.value;
  else if (m.kind === 'add') out[m.name] = m.value;
  else {
    const md = out.requestMetadata;
    if (typeof md === 'object' && md !== null && !Array.isArray(md)) {
      const rec = md as Record<string, unknown>;
      const keys = Object.keys(rec);
      if (keys.length) rec[keys[m.field % keys.length] as string] = m.value;
    }
  }
  return out;
}
export type MutationT =
  | { kind: 'delete'; field: number }
  | { kind: 'replace'; field: number; value: unknown }
  | { kind: 'metadata'; field: number; value: unknown }
  | { kind: 'add'; name: string; value: unknown };

export const bodyText = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(op, fc.array(mutation, { maxLength: 3 }))
      .map(([o, ms]) =>
        JSON.stringify(ms.reduce((b, m) => mutate(b, m as MutationT), validBody(o))),
      ),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 2000 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '{',
      '{}',
      '[]',
      'null',
      '{"requestMetadata":',
      '\u0000',
      '{"a":1}{"b":2}',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b).toString('latin1')),
  },
);

export const pathArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.tuple(keyId, op).map(([k, o]) => `${PREFIX}/kms/xks/v1/keys/${k}/${o}`),
  },
  { weight: 1, arbitrary: fc.constant(`${PREFIX}/kms/xks/v1/health`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '/',
      '//kms/xks/v1/health',
      `${PREFIX}//kms/xks/v1/health`,
      `${PREFIX}/kms/xks/v1/health?x=1`,
      `${PREFIX}/kms/xks/v1/keys//encrypt`,
      `${PREFIX}/kms/xks/v1/keys/k/encrypt/`,
      `${PREFIX}/kms/xks/v1/keys/k/ENCRYPT`,
      `${PREFIX}/kms/xks/v2/health`,
      `${PREFIX}/../kms/xks/v1/health`,
      '/kms/xks/v1/health',
      `${PREFIX}/kms/xks/v1/keys/%00/metadata`,
      `${PREFIX}/kms/xks/v1/keys/k/metadata#frag`,
      `/${'a'.repeat(5000)}`,
      '/ping',
      '*',
    ),
  },
  { weight: 1, arbitrary: fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)) },
);

export const methodArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant('POST') },
  { weight: 2, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') },
);

export const authArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant('valid' as const) },
  { weight: 1, arbitrary: fc.constant('none' as const) },
  { weight: 1, arbitrary: fc.constant('flip-signature' as const) },
  { weight: 1, arbitrary: fc.constant('old-date' as const) },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }).map((s) => ({ garbage: s })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        'AWS4-HMAC-SHA256',
        'AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=',
        'AWS4-HMAC-SHA256 Credential=AKIA/20250101/us-west-2/kms-xks-proxy/aws4_request, SignedHeaders=host, Signature=00',
        'Bearer x',
        `AWS4-HMAC-SHA256 Credential=${'A'.repeat(4000)}`,
      )
      .map((garbage) => ({ garbage })),
  },
);

export const contentTypeArb = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'text/plain',
  '',
  'application/jsonx',
  'application/x-www-form-urlencoded',
);
