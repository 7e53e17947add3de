import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it, vi } from 'vitest';
import { canonicalRequest } from './canonical-request.ts';
import { signRequest } from './sign-request.ts';
import { deriveSigningKey } from './signing-key.ts';
import { stringToSign } from './string-to-sign.ts';
import {
  type MutableRequest,
  withSignature,
  XKS_CREDENTIALS,
  XKS_REGION,
  XKS_SERVICE,
  xksEncryptRequest,
} from './testing/requests.ts';
import {
  authOf,
  MINUTE,
  NOW,
  OTHER_SECRET,
  options,
  reasonOf,
  signed,
  withAuth,
} from './testing/verify-cases.ts';
import { verifyRequest } from './verify-request.ts';

describe('verifyRequest accepts', () => {
  it('a KMS-style request (host;x-amz-date)', () => {
    const req = signed();
    expect(authOf(req)).toContain('SignedHeaders=host;x-amz-date, ');
    expect(verifyRequest(req, options())).toEqual({
      ok: true,
      accessKeyId: XKS_CREDENTIALS.accessKeyId,
    });
  });

  it('a request that signs more headers (curl-style content-type;host;x-amz-date)', () => {
    const req = signed(xksEncryptRequest(), { signedHeaders: ['content-type'] });
    expect(authOf(req)).toContain('SignedHeaders=content-type;host;x-amz-date, ');
    expect(reasonOf(req)).toBe('OK');
  });

  it('a path with a double slash, signed as sent', () => {
    const req = signed(xksEncryptRequest({ path: '//kms/xks/v1/keys/foo/encrypt' }));
    expect(reasonOf(req)).toBe('OK');
    expect(reasonOf({ ...req, path: '/kms/xks/v1/keys/foo/encrypt' })).toBe('SIGNATURE_MISMATCH');
  });

  it('an Authorization header without spaces after the commas', () => {
    const req = signed();
    expect(reasonOf(withAuth(req, authOf(req).replaceAll(', ', ',')))).toBe('OK');
  });

  it('headers given as one-element arrays (headersDistinct shape)', () => {
    const req = signed();
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, [v].flat()]),
    );
    expect(reasonOf({ ...req, headers })).toBe('OK');
  });

  it('any of several live credentials', () => {
    const second = { accessKeyId: 'AKIAXKSLABSECOND23456', secretAccessKey: OTHER_SECRET };
    const secrets = new Map([
      [XKS_CREDENTIALS.accessKeyId, XKS_CREDENTIALS.secretAccessKey],
      [second.accessKeyId, second.secretAccessKey],
    ]);
    const opts = options({ resolveSecret: (id) => secrets.get(id) });
    const req = xksEncryptRequest();
    const bySecond = withSignature(
      req,
      signRequest(req, second, { region: XKS_REGION, service: XKS_SERVICE, now: NOW }),
    );
    expect(verifyRequest(signed(), opts)).toMatchObject({ ok: true });
    expect(verifyRequest(bySecond, opts)).toEqual({ ok: true, accessKeyId: second.accessKeyId });
  });

  it.each([
    ['4 minutes old', -4 * MINUTE],
    ['4 minutes in the future', 4 * MINUTE],
    ['exactly 5 minutes old', -5 * MINUTE],
    ['exactly 5 minutes in the future', 5 * MINUTE],
  ])('a request signed %s', (_label, offset) => {
    expect(reasonOf(signed(xksEncryptRequest(), { now: new Date(NOW.getTime() + offset) }))).toBe(
      'OK',
    );
  });
});

describe('verifyRequest order and safety', () => {
  it('checks the request before looking up the secret', () => {
    const resolveSecret = vi.fn(() => XKS_CREDENTIALS.secretAccessKey);
    const old = signed(xksEncryptRequest(), { now: new Date(NOW.getTime() - 10 * MINUTE) });
    expect(reasonOf(old, options({ resolveSecret }))).toBe('CLOCK_SKEW');
    expect(
      reasonOf(signed(xksEncryptRequest(), { region: 'eu-west-1' }), options({ resolveSecret })),
    ).toBe('WRONG_REGION');
    expect(resolveSecret).not.toHaveBeenCalled();
    expect(reasonOf(signed(), options({ resolveSecret }))).toBe('OK');
    expect(resolveSecret).toHaveBeenCalledExactlyOnceWith(XKS_CREDENTIALS.accessKeyId);
  });

  it('reports in the documented order when several things are wrong', () => {
    const req = signed(xksEncryptRequest(), { region: 'eu-west-1', service: 'kms' });
    // scope date before region, region before service
    expect(reasonOf(withAuth(req, authOf(req).replace('/20240301/', '/20240229/')))).toBe(
      'WRONG_SCOPE_DATE',
    );
    expect(reasonOf(req)).toBe('WRONG_REGION');
    // malformed date before anything about the scope
    expect(reasonOf({ ...req, headers: { ...req.headers, 'x-amz-date': 'nope' } })).toBe(
      'MALFORMED_DATE',
    );
  });

  it('never puts the signature or the secret in the detail', () => {
    const req = signed();
    const sig = authOf(req).slice(-64);
    const variants = [
      options({ resolveSecret: () => OTHER_SECRET }),
      options({ resolveSecret: () => undefined }),
      options({ region: 'eu-west-1' }),
      options({ now: new Date(NOW.getTime() + 60 * MINUTE) }),
    ];
    for (const opts of variants) {
      const result = verifyRequest(req, opts);
      if (result.ok) throw new Error('expected a failure');
      expect(result.detail).not.toContain(sig);
      expect(result.detail).not.toContain(XKS_CREDENTIALS.secretAccessKey);
      expect(result.detail).not.toContain(OTHER_SECRET);
      expect(result.detail.length).toBeLessThan(200);
    }
  });
});

/** Signs `req` over `names` exactly as listed (order, repeats), as a sloppy signer would. */
function signedOver(req: MutableRequest, names: string[], payloadHash?: string): MutableRequest {
  const amzDate = '20240301T102030Z';
  const withDate = { ...req, headers: { ...req.headers, 'x-amz-date': amzDate } };
  const scope = `20240301/${XKS_REGION}/${XKS_SERVICE}/aws4_request`;
  const hash = payloadHash ?? bytesToHex(sha256(req.body));
  const creq = canonicalRequest(withDate, names, hash);
  const key = deriveSigningKey(
    XKS_CREDENTIALS.secretAccessKey,
    '20240301',
    XKS_REGION,
    XKS_SERVICE,
  );
  const signature = bytesToHex(hmac(sha256, key, utf8ToBytes(stringToSign(amzDate, scope, creq))));
  const authorization = `AWS4-HMAC-SHA256 Credential=${XKS_CREDENTIALS.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return { ...withDate, headers: { ...withDate.headers, authorization } };
}

describe('verifyRequest holds SignedHeaders and the payload hash to the SigV4 rules', () => {
  it('accepts the sorted list, signed consistently (control)', () => {
    expect(reasonOf(signedOver(xksEncryptRequest(), ['host', 'x-amz-date']))).toBe('OK');
  });

  it.each([
    ['out of order', ['x-amz-date', 'host']],
    ['with a repeated name', ['host', 'host', 'x-amz-date']],
    ['with an empty name', ['', 'host', 'x-amz-date']],
  ])('rejects a SignedHeaders list %s even when signed consistently', (_what, names) => {
    expect(reasonOf(signedOver(xksEncryptRequest(), names))).not.toBe('OK');
  });

  it('rejects an x-amz-content-sha256 that is not the hash of the body', () => {
    const req = xksEncryptRequest();
    const other = bytesToHex(sha256(utf8ToBytes('{}')));
    const lying = { ...req, headers: { ...req.headers, 'x-amz-content-sha256': other } };
    expect(reasonOf(signedOver(lying, ['host', 'x-amz-content-sha256', 'x-amz-date']))).toBe(
      'PAYLOAD_HASH_MISMATCH',
    );
    // Signed over the claimed hash (a verifier trusting the header would accept it).
    expect(
      reasonOf(signedOver(lying, ['host', 'x-amz-content-sha256', 'x-amz-date'], other)),
    ).not.toBe('OK');
    const honest = bytesToHex(sha256(req.body));
    const ok = { ...req, headers: { ...req.headers, 'x-amz-content-sha256': honest } };
    expect(reasonOf(signedOver(ok, ['host', 'x-amz-content-sha256', 'x-amz-date']))).toBe('OK');
  });

  it('rejects UNSIGNED-PAYLOAD: every XKS body is signed', () => {
    const req = xksEncryptRequest();
    const unsigned = {
      ...req,
      headers: { ...req.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    };
    expect(
      reasonOf(
        signedOver(unsigned, ['host', 'x-amz-content-sha256', 'x-amz-date'], 'UNSIGNED-PAYLOAD'),
      ),
    ).toBe('PAYLOAD_HASH_MISMATCH');
  });
});
