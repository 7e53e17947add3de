import { createHash, createHmac } from 'node:crypto';
import type { WireRequest } from './http-client.ts';

/**
 * A SigV4 signer whose every part can be set wrong on purpose, for the negative matrix (checks/
 * sigv4-matrix.ts). It is written from the SigV4 specification with node:crypto and shares no
 * code with @xkslab/sigv4, so the matrix does not fit one verifier's reading of the rules:
 *
 *   CanonicalRequest = POST \n path \n (empty query) \n name:value\n... \n signed;names \n payloadHash
 *   StringToSign     = algorithm \n X-Amz-Date \n date/region/service/terminator \n hex(SHA-256(CR))
 *   SigningKey       = HMAC chain "AWS4"+secret > date > region > service > terminator
 *
 * By default the parts are those of a correct KMS request (host;x-amz-date, §2.1); each variant
 * changes one of them and re-signs consistently, so only the changed part is wrong.
 */
export type SigningParts = {
  /** The algorithm token of the Authorization header. */
  algorithm: string;
  /** The algorithm line of the string to sign. */
  stsAlgorithm: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The four scope fields after the access key id, as listed and as signed. */
  scope: string[];
  /** The date of the signing-key derivation (the scope's first field unless changed). */
  keyDate?: string;
  /** The X-Amz-Date sent; undefined sends none (the string to sign then uses `stsDate`). */
  amzDate: string | undefined;
  stsDate: string;
  /** SignedHeaders as the Authorization header lists it. */
  listed: string[];
  /** The header names, in order, of the canonical request (default: `listed`). */
  canonicalNames?: string[];
  /** Headers sent besides X-Amz-Date and Authorization (lower-case names). */
  headers: Record<string, string>;
  /** The payload hash of the canonical request (default: SHA-256 of `signedBody`). */
  payloadHash?: string;
  /** The body sent, and the body signed (default: the same). */
  body: Uint8Array;
  signedBody?: Uint8Array;
  /** Last change to the computed signature (hex). */
  signature?: (hex: string) => string;
};

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
export const SIGV4_TERMINATOR = 'aws4_request';

const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) =>
  createHmac('sha256', key).update(data).digest();

/** `YYYYMMDD'T'HHMMSS'Z'` */
export function amzDateOf(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** The parts of a correct request, signed like KMS at `now`. */
export function kmsParts(input: {
  host: string;
  body: Uint8Array;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  service: string;
  now: Date;
}): SigningParts {
  const amzDate = amzDateOf(input.now);
  return {
    algorithm: SIGV4_ALGORITHM,
    stsAlgorithm: SIGV4_ALGORITHM,
    accessKeyId: input.accessKeyId,
    secretAccessKey: input.secretAccessKey,
    scope: [amzDate.slice(0, 8), input.region, input.service, SIGV4_TERMINATOR],
    amzDate,
    stsDate: amzDate,
    listed: ['host', 'x-amz-date'],
    headers: { host: input.host, 'content-type': 'application/json' },
    body: input.body,
  };
}

/** The value of a header for the canonical request: from `headers`, X-Amz-Date from the parts. */
function canonicalValue(parts: SigningParts, name: string): string {
  const lower = name.toLowerCase();
  const value = lower === 'x-amz-date' ? parts.amzDate : parts.headers[lower];
  return (value ?? '').trim().replace(/\s+/g, ' ');
}

/** The signed POST of `parts` to `path`: headers and body, ready for `send`. */
export function signParts(parts: SigningParts, path: string): WireRequest & { body: Uint8Array } {
  const names = parts.canonicalNames ?? parts.listed;
  const payloadHash = parts.payloadHash ?? sha256Hex(parts.signedBody ?? parts.body);
  const canonical = [
    'POST',
    path,
    '',
    names.map((n) => `${n}:${canonicalValue(parts, n)}\n`).join(''),
    names.join(';'),
    payloadHash,
  ].join('\n');
  const scope = parts.scope.join('/');
  const stringToSign = [parts.stsAlgorithm, parts.stsDate, scope, sha256Hex(canonical)].join('\n');
  const [date, region, service, terminator] = parts.scope;
  let key: Buffer = hmac(`AWS4${parts.secretAccessKey}`, parts.keyDate ?? date ?? '');
  for (const field of [region, service, terminator]) key = hmac(key, field ?? '');
  const hex = hmac(key, stringToSign).toString('hex');
  const signature = parts.signature ? parts.signature(hex) : hex;
  const headers: Record<string, string> = {
    ...parts.headers,
    ...(parts.amzDate === undefined ? {} : { 'x-amz-date': parts.amzDate }),
    authorization: `${parts.algorithm} Credential=${parts.accessKeyId}/${scope}, SignedHeaders=${parts.listed.join(';')}, Signature=${signature}`,
  };
  return { method: 'POST', path, headers, body: parts.body };
}

export { sha256Hex };
