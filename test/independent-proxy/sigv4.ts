/**
 * SigV4 verification of the independent proxy, written from the AWS SigV4 specification with
 * node:crypto only (no code of xkslab's @xkslab/sigv4): it keeps the conformance runner honest
 * about what "a correct verifier" accepts.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type Credential = { accessKeyId: string; secretAccessKey: string };

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const MAX_SKEW_MS = 5 * 60_000;

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) =>
  createHmac('sha256', key).update(data).digest();

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? (v.length === 1 ? v[0] : undefined) : v;
}

function parseAmzDate(text: string): number | undefined {
  const m = AMZ_DATE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const t = Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
  return new Date(t).toISOString().replace(/[-:]/g, '').replace('.000', '') === text
    ? t
    : undefined;
}

/** The canonical value of a header: values of repeated headers joined by ',', spaces folded. */
function canonicalValue(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  const values = Array.isArray(v) ? v : [v ?? ''];
  return values.map((x) => x.trim().replace(/ +/g, ' ')).join(',');
}

export type VerifyInput = {
  method: string;
  /** The request target exactly as received. */
  target: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  region: string;
  now: number;
  credentials: readonly Credential[];
};

/** True when the request carries a valid SigV4 signature of one of `credentials`. */
export function verifySigv4(input: VerifyInput): boolean {
  const { headers } = input;
  const m = AUTH.exec(single(headers, 'authorization') ?? '');
  const amzDate = single(headers, 'x-amz-date');
  if (!m || amzDate === undefined) return false;
  const [, credential = '', signedList = '', signature = ''] = m;
  const scope = credential.split('/');
  if (scope.length !== 5) return false;
  const [accessKeyId, date = '', region, service, terminator] = scope;
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined || Math.abs(input.now - signedAt) > MAX_SKEW_MS) return false;
  if (date !== amzDate.slice(0, 8) || region !== input.region) return false;
  if (service !== 'kms-xks-proxy' || terminator !== 'aws4_request') return false;
  const names = signedList.split(';');
  const sorted = names.every(
    (n, i) => /^[a-z0-9-]+$/.test(n) && (i === 0 || (names[i - 1] as string) < n),
  );
  if (!sorted || !names.includes('host') || !names.includes('x-amz-date')) return false;
  if (names.some((n) => headers[n] === undefined)) return false;
  const payloadHash = sha256(input.body);
  const claimed = headers['x-amz-content-sha256'];
  if (claimed !== undefined && claimed !== payloadHash) return false;
  const secret = input.credentials.find((c) => c.accessKeyId === accessKeyId)?.secretAccessKey;
  if (secret === undefined) return false;
  const q = input.target.indexOf('?');
  const path = q === -1 ? input.target : input.target.slice(0, q);
  const query = q === -1 ? '' : input.target.slice(q + 1);
  if (query !== '') return false; // XKS URIs carry no query
  const canonical = [
    input.method,
    path,
    '',
    names.map((n) => `${n}:${canonicalValue(headers, n)}\n`).join(''),
    signedList,
    payloadHash,
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope.slice(1).join('/'),
    sha256(canonical),
  ].join('\n');
  let key = hmac(`AWS4${secret}`, date);
  for (const part of [region, service, terminator]) key = hmac(key, part as string);
  const expected = hmac(key, stringToSign);
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}
