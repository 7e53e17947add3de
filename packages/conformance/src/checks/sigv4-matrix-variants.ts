import { createHash, randomBytes } from 'node:crypto';
import { XKS_SIGV4_SERVICE } from '@xkslab/protocol';
import { amzDateOf, type SigningParts } from '../sigv4-variants.ts';

/** One change to a correct KMS request, re-signed so that only the changed part is wrong. */
export type Variant = { what: string; change: (p: SigningParts, env: VariantEnv) => SigningParts };
export type VariantEnv = { region: string; now: Date };

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

const scopeAt = (p: SigningParts, i: number, value: string): SigningParts => {
  const scope = [...p.scope];
  scope[i] = value;
  return { ...p, scope };
};
const dayOf = (ms: number) => amzDateOf(new Date(ms)).slice(0, 8);
/** Changes the hex digit at `i` to another hex digit. */
const digitChanged = (hex: string, i: number) =>
  `${hex.slice(0, i)}${hex[i] === '0' ? '1' : '0'}${hex.slice(i + 1)}`;
const signedAt = (p: SigningParts, ms: number): SigningParts => {
  const amzDate = amzDateOf(new Date(ms));
  return scopeAt({ ...p, amzDate, stsDate: amzDate }, 0, amzDate.slice(0, 8));
};

export const ALGORITHM_VARIANTS: readonly Variant[] = [
  { what: 'algorithm AWS4-HMAC-SHA512', change: (p) => ({ ...p, algorithm: 'AWS4-HMAC-SHA512' }) },
  { what: 'algorithm in lower case', change: (p) => ({ ...p, algorithm: 'aws4-hmac-sha256' }) },
  {
    what: 'algorithm AWS4-ECDSA-P256-SHA256 (SigV4a)',
    change: (p) => ({ ...p, algorithm: 'AWS4-ECDSA-P256-SHA256' }),
  },
  {
    what: 'algorithm AWS4-HMAC-SHA1, also in the string to sign',
    change: (p) => ({ ...p, algorithm: 'AWS4-HMAC-SHA1', stsAlgorithm: 'AWS4-HMAC-SHA1' }),
  },
];

export const ACCESS_KEY_VARIANTS: readonly Variant[] = [
  {
    what: 'an unknown access key id',
    change: (p) => ({
      ...p,
      accessKeyId: [...randomBytes(20)].map((b) => BASE32[b & 31]).join(''),
    }),
  },
  {
    what: 'the access key id with its case changed',
    change: (p) => {
      const lower = p.accessKeyId.toLowerCase();
      return {
        ...p,
        accessKeyId: lower === p.accessKeyId ? p.accessKeyId.toUpperCase() : lower,
      };
    },
  },
  {
    what: 'the access key id with a character added',
    change: (p) => ({ ...p, accessKeyId: `${p.accessKeyId}A` }),
  },
  {
    what: 'the access key id without its last character',
    change: (p) => ({ ...p, accessKeyId: p.accessKeyId.slice(0, -1) }),
  },
  { what: 'an empty access key id', change: (p) => ({ ...p, accessKeyId: '' }) },
];

export const SCOPE_DATE_VARIANTS: readonly Variant[] = [
  {
    what: 'scope date the day before X-Amz-Date',
    change: (p, env) => scopeAt(p, 0, dayOf(env.now.getTime() - DAY)),
  },
  {
    what: 'scope date the day after X-Amz-Date',
    change: (p, env) => scopeAt(p, 0, dayOf(env.now.getTime() + DAY)),
  },
  {
    what: 'scope date written 2024-03-01 style',
    change: (p) => {
      const d = p.scope[0] ?? '';
      return scopeAt(p, 0, `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`);
    },
  },
];

export const REGION_VARIANTS: readonly Variant[] = [
  {
    what: 'another region',
    change: (p, env) => scopeAt(p, 1, env.region === 'eu-west-1' ? 'us-east-1' : 'eu-west-1'),
  },
  { what: 'the region in upper case', change: (p, env) => scopeAt(p, 1, env.region.toUpperCase()) },
  { what: 'the region with a suffix', change: (p, env) => scopeAt(p, 1, `${env.region}x`) },
  { what: 'an empty region', change: (p) => scopeAt(p, 1, '') },
];

export const SERVICE_VARIANTS: readonly Variant[] = [
  { what: 'service kms', change: (p) => scopeAt(p, 2, 'kms') },
  { what: 'service in upper case', change: (p) => scopeAt(p, 2, XKS_SIGV4_SERVICE.toUpperCase()) },
  { what: 'service with a suffix', change: (p) => scopeAt(p, 2, `${XKS_SIGV4_SERVICE}2`) },
  { what: 'an empty service', change: (p) => scopeAt(p, 2, '') },
];

export const TERMINATOR_VARIANTS: readonly Variant[] = [
  { what: 'terminator aws4_request2', change: (p) => scopeAt(p, 3, 'aws4_request2') },
  { what: 'terminator in upper case', change: (p) => scopeAt(p, 3, 'AWS4_REQUEST') },
  { what: 'terminator aws4_reques', change: (p) => scopeAt(p, 3, 'aws4_reques') },
  {
    what: 'a fifth scope field before the terminator',
    change: (p) => ({ ...p, scope: [...p.scope.slice(0, 3), 'extra', ...p.scope.slice(3)] }),
  },
];

export const REQUIRED_HEADER_VARIANTS: readonly Variant[] = [
  { what: 'host not signed (x-amz-date only)', change: (p) => ({ ...p, listed: ['x-amz-date'] }) },
  { what: 'x-amz-date not signed (host only)', change: (p) => ({ ...p, listed: ['host'] }) },
  {
    what: 'no X-Amz-Date header at all (host signed)',
    change: (p) => ({ ...p, amzDate: undefined, listed: ['host'] }),
  },
  {
    what: 'only content-type signed',
    change: (p) => ({ ...p, listed: ['content-type'] }),
  },
];

export const HEADER_LIST_VARIANTS: readonly Variant[] = [
  {
    what: 'SignedHeaders x-amz-date;host (unsorted, signed so)',
    change: (p) => ({ ...p, listed: ['x-amz-date', 'host'] }),
  },
  {
    what: 'SignedHeaders reordered after signing',
    change: (p) => ({
      ...p,
      listed: ['x-amz-date', 'host'],
      canonicalNames: ['host', 'x-amz-date'],
    }),
  },
  {
    what: 'SignedHeaders host;host;x-amz-date (repeated, signed so)',
    change: (p) => ({ ...p, listed: ['host', 'host', 'x-amz-date'] }),
  },
  {
    what: 'SignedHeaders Host;X-Amz-Date (upper case)',
    change: (p) => ({
      ...p,
      listed: ['Host', 'X-Amz-Date'],
      canonicalNames: ['host', 'x-amz-date'],
    }),
  },
];

export const SIGNATURE_VARIANTS: readonly Variant[] = [
  {
    what: 'signature wrong in its first digit',
    change: (p) => ({ ...p, signature: (s) => digitChanged(s, 0) }),
  },
  {
    what: 'signature wrong in digit 32',
    change: (p) => ({ ...p, signature: (s) => digitChanged(s, 32) }),
  },
  {
    what: 'signature wrong in its last digit',
    change: (p) => ({ ...p, signature: (s) => digitChanged(s, 63) }),
  },
  { what: 'signature of 63 digits', change: (p) => ({ ...p, signature: (s) => s.slice(0, 63) }) },
  { what: 'signature of 65 digits', change: (p) => ({ ...p, signature: (s) => `${s}0` }) },
  {
    what: 'signature of 32 digits (half)',
    change: (p) => ({ ...p, signature: (s) => s.slice(0, 32) }),
  },
  { what: 'signature in upper case', change: (p) => ({ ...p, signature: (s) => s.toUpperCase() }) },
  { what: 'an empty signature', change: (p) => ({ ...p, signature: () => '' }) },
];

const utf8 = (s: string) => new TextEncoder().encode(s);

export const BODY_VARIANTS: readonly Variant[] = [
  {
    what: 'one byte of the body changed after signing',
    change: (p) => {
      const body = new Uint8Array(p.body);
      const i = new TextDecoder().decode(body).indexOf('CreateKey');
      body[i] = 0x63; // 'C' -> 'c'
      return { ...p, body, signedBody: p.body };
    },
  },
  {
    what: 'a space appended to the body after signing',
    change: (p) => ({
      ...p,
      body: utf8(`${new TextDecoder().decode(p.body)} `),
      signedBody: p.body,
    }),
  },
  {
    what: 'the body emptied after signing',
    change: (p) => ({ ...p, body: new Uint8Array(0), signedBody: p.body }),
  },
];

const hashOf = (s: string) => createHash('sha256').update(s).digest('hex');

export const PAYLOAD_HASH_VARIANTS: readonly Variant[] = [
  {
    what: 'x-amz-content-sha256 of another body, signed as the payload hash',
    change: (p) => ({
      ...p,
      headers: { ...p.headers, 'x-amz-content-sha256': hashOf('{}') },
      listed: ['host', 'x-amz-content-sha256', 'x-amz-date'],
      payloadHash: hashOf('{}'),
    }),
  },
  {
    what: 'x-amz-content-sha256 of another body, signature over the real body',
    change: (p) => ({
      ...p,
      headers: { ...p.headers, 'x-amz-content-sha256': hashOf('{}') },
      listed: ['host', 'x-amz-content-sha256', 'x-amz-date'],
    }),
  },
  {
    what: 'x-amz-content-sha256 UNSIGNED-PAYLOAD, signed so',
    change: (p) => ({
      ...p,
      headers: { ...p.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      listed: ['host', 'x-amz-content-sha256', 'x-amz-date'],
      payloadHash: 'UNSIGNED-PAYLOAD',
    }),
  },
];

export const DATE_WINDOW_VARIANTS: readonly Variant[] = [
  {
    what: 'signed 16 minutes ago',
    change: (p, env) => signedAt(p, env.now.getTime() - 16 * MINUTE),
  },
  {
    what: 'signed 16 minutes ahead',
    change: (p, env) => signedAt(p, env.now.getTime() + 16 * MINUTE),
  },
  { what: 'signed a day ago', change: (p, env) => signedAt(p, env.now.getTime() - DAY) },
  { what: 'signed a day ahead', change: (p, env) => signedAt(p, env.now.getTime() + DAY) },
  {
    what: 'X-Amz-Date in ISO 8601 extended form, signed so',
    change: (p, env) => {
      const iso = env.now.toISOString().replace(/\.\d{3}/, '');
      return { ...p, amzDate: iso, stsDate: iso };
    },
  },
];
