import { readFileSync } from 'node:fs';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { parseAmzDate } from './amz-date.ts';
import { parseAuthorization } from './authorization.ts';
import { canonicalRequest } from './canonical-request.ts';
import { signRequest } from './sign-request.ts';
import { deriveSigningKey } from './signing-key.ts';
import { stringToSign } from './string-to-sign.ts';
import { headerRecord } from './testing/requests.ts';
import { verifyRequest } from './verify-request.ts';

type SuiteVector = {
  name: string;
  request: { method: string; path: string; headers: [string, string][]; body: string };
  creq: string;
  sts: string;
  authz: string;
};
type Suite = {
  source: { repo: string; path: string };
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
  service: string;
  amzDate: string;
  vectors: SuiteVector[];
  skipped: { name: string; reason: string }[];
};
type SigningKeyVectors = {
  source: string;
  vectors: {
    secret: string;
    date: string;
    region: string;
    service: string;
    signingKeyHex: string;
  }[];
};

function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../test/vectors/${name}`, import.meta.url), 'utf8')) as T;
}

const suite = readJson<Suite>('aws-sig-v4-test-suite.json');
const keyVectors = readJson<SigningKeyVectors>('aws-signing-key.json');
const now = parseAmzDate(suite.amzDate) ?? new Date(Number.NaN);
const scope = `${suite.amzDate.slice(0, 8)}/${suite.region}/${suite.service}/aws4_request`;

function requestOf(v: SuiteVector) {
  return {
    method: v.request.method,
    path: v.request.path,
    headers: headerRecord(v.request.headers),
    body: utf8ToBytes(v.request.body),
  };
}

function signedHeadersOf(v: SuiteVector): string[] {
  const parsed = parseAuthorization(v.authz);
  if (parsed === undefined) throw new Error(`vector ${v.name}: unparseable authz`);
  return parsed.signedHeaders;
}

describe('AWS SigV4 test suite', () => {
  it('has a named source and a reason for every skipped case', () => {
    expect(suite.source.repo).toBeTruthy();
    expect(suite.source.path).toBeTruthy();
    expect(suite.vectors.length).toBeGreaterThanOrEqual(20);
    for (const s of suite.skipped) expect(s.reason).toMatch(/path|obs-fold/);
  });

  describe.each(suite.vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const req = requestOf(v);
    const signedHeaders = signedHeadersOf(v);
    const payloadHash = bytesToHex(sha256(req.body));

    it('canonical request (.creq)', () => {
      expect(canonicalRequest(req, signedHeaders, payloadHash)).toBe(v.creq);
    });

    it('string to sign (.sts)', () => {
      expect(stringToSign(suite.amzDate, scope, v.creq)).toBe(v.sts);
    });

    it('signature (.authz)', () => {
      const { secretAccessKey } = suite.credentials;
      const key = deriveSigningKey(secretAccessKey, '20150830', suite.region, suite.service);
      const signature = bytesToHex(hmac(sha256, key, utf8ToBytes(v.sts)));
      expect(v.authz.endsWith(`Signature=${signature}`)).toBe(true);
    });

    it('signRequest gives the exact Authorization header', () => {
      const signed = signRequest(req, suite.credentials, {
        region: suite.region,
        service: suite.service,
        now,
        signedHeaders,
      });
      expect(signed).toEqual({ authorization: v.authz, 'x-amz-date': suite.amzDate });
    });

    it('verifyRequest accepts the signed request and rejects a changed body', () => {
      const options = {
        region: suite.region,
        service: suite.service,
        now,
        resolveSecret: (id: string) =>
          id === suite.credentials.accessKeyId ? suite.credentials.secretAccessKey : undefined,
      };
      const signed = { ...req, headers: { ...req.headers, authorization: v.authz } };
      expect(verifyRequest(signed, options)).toEqual({ ok: true, accessKeyId: 'AKIDEXAMPLE' });
      const tampered = { ...signed, body: utf8ToBytes(`${v.request.body}x`) };
      expect(verifyRequest(tampered, options)).toMatchObject({
        ok: false,
        reason: 'SIGNATURE_MISMATCH',
      });
    });
  });
});

describe('AWS signing key derivation example', () => {
  it.each(keyVectors.vectors)('$service/$region/$date', (v) => {
    expect(bytesToHex(deriveSigningKey(v.secret, v.date, v.region, v.service))).toBe(
      v.signingKeyHex,
    );
  });
});
