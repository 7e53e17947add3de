import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { type DefectName, LAX_SIGV4_DEFECT_NAMES } from '@xkslab/protocol';
import {
  canonicalRequest,
  parseAmzDate,
  type VerifyFailure,
  type VerifyResult,
} from '@xkslab/sigv4';

/**
 * A SigV4 verifier with one rule relaxed on purpose, for the sigv4-* defect profiles: each
 * relaxation is a mistake real verifiers make. Without a relaxation it follows the same rules
 * as @xkslab/sigv4 (so the rest of a conformance run passes); it exists only to be caught.
 */
export const LAX_SIGV4_DEFECTS: ReadonlySet<DefectName> = new Set(LAX_SIGV4_DEFECT_NAMES);

export type LaxInput = {
  defect: DefectName;
  method: string;
  path: string;
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  body: Uint8Array;
  region: string;
  service: string;
  now: Date;
  accessKeyIds: readonly string[];
  secretFor(accessKeyId: string): string | undefined;
};

const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
const FIVE_MINUTES = 300_000;
const TWO_DAYS = 2 * 24 * 3_600_000;
const AUTHORIZATION = /^(\S+) Credential=([^,]*), ?SignedHeaders=([^,]*), ?Signature=(\S*)$/;

const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) =>
  createHmac('sha256', key).update(data).digest();
const no = (reason: VerifyFailure, detail: string): VerifyResult => ({ ok: false, reason, detail });
const one = (v: string | readonly string[] | undefined) =>
  (Array.isArray(v) ? v[0] : v) as string | undefined;

function listOk(names: readonly string[]): boolean {
  return names.every((n, i) => /^[a-z0-9-]+$/.test(n) && (i === 0 || (names[i - 1] as string) < n));
}

/** The body hashes a signature may cover: the bytes, and under 'sigv4-body-reserialized' the compact JSON. */
function payloadHashes(input: LaxInput): string[] {
  const raw = sha256Hex(input.body);
  const claimed = one(input.headers['x-amz-content-sha256']);
  if (input.defect === 'sigv4-payload-hash-trusted' && claimed !== undefined) return [claimed];
  if (claimed !== undefined && claimed !== raw) return [];
  if (input.defect !== 'sigv4-body-reserialized') return [raw];
  try {
    return [raw, sha256Hex(JSON.stringify(JSON.parse(new TextDecoder().decode(input.body))))];
  } catch {
    return [raw];
  }
}

function resolveKey(input: LaxInput, id: string): { id: string; secret: string } | undefined {
  const secret = input.secretFor(id);
  if (secret !== undefined) return { id, secret };
  if (input.defect !== 'sigv4-access-key-loose' || id === '') return undefined;
  const loose = input.accessKeyIds.find(
    (k) => k.toLowerCase() === id.toLowerCase() || k.startsWith(id) || id.startsWith(k),
  );
  const looseSecret = loose === undefined ? undefined : input.secretFor(loose);
  return loose === undefined || looseSecret === undefined
    ? undefined
    : { id: loose, secret: looseSecret };
}

function signatureMatches(defect: DefectName, given: string, expected: string): boolean {
  if (defect === 'sigv4-signature-prefix') {
    return given.length >= 32 && given.slice(0, 32).toLowerCase() === expected.slice(0, 32);
  }
  return /^[0-9a-f]{64}$/.test(given) && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

/** Verifies `input` as a verifier with the defect's mistake would. */
export function laxVerify(input: LaxInput): VerifyResult {
  const d = input.defect;
  const m = AUTHORIZATION.exec(one(input.headers.authorization) ?? '');
  if (!m) return no('MALFORMED_AUTHORIZATION', 'malformed Authorization');
  const [, algorithm = '', credential = '', listed = '', signature = ''] = m;
  if (algorithm !== ALGORITHM && d !== 'sigv4-algorithm-ignored') {
    return no('MALFORMED_AUTHORIZATION', 'another algorithm');
  }
  const [accessKeyId = '', ...fields] = credential.split('/');
  const [date = '', region = '', service = '', terminator = ''] = fields;
  if ((fields.length !== 4 || terminator !== TERMINATOR) && d !== 'sigv4-terminator-free') {
    return no('MALFORMED_AUTHORIZATION', 'bad credential scope');
  }
  const amzDate = one(input.headers['x-amz-date']);
  const signedAt = amzDate === undefined ? undefined : parseAmzDate(amzDate);
  if (amzDate === undefined || signedAt === undefined) return no('MALFORMED_DATE', 'X-Amz-Date');
  if (date !== amzDate.slice(0, 8) && d !== 'sigv4-scope-date-free') {
    return no('WRONG_SCOPE_DATE', 'scope date');
  }
  const same = (a: string, b: string, loose: boolean) =>
    a === b || (loose && a.toLowerCase() === b);
  if (!same(region, input.region, d === 'sigv4-region-case')) return no('WRONG_REGION', 'region');
  if (!same(service, input.service, d === 'sigv4-service-case'))
    return no('WRONG_SERVICE', 'service');
  let names = listed.split(';');
  if (d === 'sigv4-headers-normalized')
    names = [...new Set(names.map((n) => n.toLowerCase()))].sort();
  if (!listOk(names)) return no('SIGNED_HEADERS_NOT_SORTED', 'SignedHeaders');
  if (d !== 'sigv4-host-unsigned' && !(names.includes('host') && names.includes('x-amz-date'))) {
    return no('HOST_NOT_SIGNED', 'host and x-amz-date must be signed');
  }
  if (names.some((n) => input.headers[n] === undefined))
    return no('SIGNED_HEADER_MISSING', 'missing');
  const window = d === 'sigv4-window-wide' ? TWO_DAYS : FIVE_MINUTES;
  if (Math.abs(input.now.getTime() - signedAt.getTime()) > window) return no('CLOCK_SKEW', 'skew');
  const key = resolveKey(input, accessKeyId);
  if (key === undefined) return no('UNKNOWN_ACCESS_KEY', 'unknown access key id');
  let signingKey: Buffer = hmac(`AWS4${key.secret}`, date);
  for (const f of fields.slice(1, 4)) signingKey = hmac(signingKey, f);
  const req = { method: input.method, path: input.path, headers: input.headers, body: input.body };
  for (const payloadHash of payloadHashes(input)) {
    const creq = canonicalRequest(req, names, payloadHash);
    const sts = `${ALGORITHM}\n${amzDate}\n${fields.join('/')}\n${sha256Hex(creq)}`;
    if (signatureMatches(d, signature, hmac(signingKey, sts).toString('hex'))) {
      return { ok: true, accessKeyId: key.id };
    }
  }
  return no('SIGNATURE_MISMATCH', 'signature does not match');
}
