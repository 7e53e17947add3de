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
import { type VerifyOptions, verifyRequest } from './verify-request.ts';

const NOW = new Date('2024-03-01T10:20:30Z');
const MINUTE = 60_000;
const OTHER_SECRET = 'Xq3nBQ8f0E9x1qv3lJmQ8bS0t8x8Jv1kq5Hc1b2aUu0=';

function options(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    region: XKS_REGION,
    service: XKS_SERVICE,
    now: NOW,
    resolveSecret: (id) =>
      id === XKS_CREDENTIALS.accessKeyId ? XKS_CREDENTIALS.secretAccessKey : undefined,
    ...overrides,
  };
}

function signed(
  req: MutableRequest = xksEncryptRequest(),
  opts: { now?: Date; region?: string; service?: string; signedHeaders?: string[] } = {},
): MutableRequest {
  return withSignature(
    req,
    signRequest(req, XKS_CREDENTIALS, {
      region: opts.region ?? XKS_REGION,
      service: opts.service ?? XKS_SERVICE,
      now: opts.now ?? NOW,
      ...(opts.signedHeaders === undefined ? {} : { signedHeaders: opts.signedHeaders }),
    }),
  );
}

function authOf(req: MutableRequest): string {
  const v = req.headers.authorization;
  if (typeof v !== 'string') throw new Error('no authorization');
  return v;
}

function withAuth(req: MutableRequest, authorization: string): MutableRequest {
  return { ...req, headers: { ...req.headers, authorization } };
}

function withoutHeader(req: MutableRequest, name: string): MutableRequest {
  const headers = { ...req.headers };
  delete headers[name];
  return { ...req, headers };
}

function reasonOf(req: MutableRequest, opts: VerifyOptions = options()): string {
  const result = verifyRequest(req, opts);
  return result.ok ? 'OK' : result.reason;
}

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

describe('verifyRequest rejects', () => {
  it('a wrong secret', () => {
    expect(reasonOf(signed(), options({ resolveSecret: () => OTHER_SECRET }))).toBe(
      'SIGNATURE_MISMATCH',
    );
  });

  it('an unknown access key id', () => {
    expect(reasonOf(signed(), options({ resolveSecret: () => undefined }))).toBe(
      'UNKNOWN_ACCESS_KEY',
    );
  });

  it('a wrong region', () => {
    expect(reasonOf(signed(xksEncryptRequest(), { region: 'eu-west-1' }))).toBe('WRONG_REGION');
  });

  it('a wrong service', () => {
    expect(reasonOf(signed(xksEncryptRequest(), { service: 'kms' }))).toBe('WRONG_SERVICE');
  });

  it.each([
    ['6 minutes old', -6 * MINUTE],
    ['6 minutes in the future', 6 * MINUTE],
    ['5 minutes and 1 second old', -5 * MINUTE - 1000],
    ['5 minutes and 1 second in the future', 5 * MINUTE + 1000],
    ['a day old', -24 * 60 * MINUTE],
  ])('a request signed %s', (_label, offset) => {
    expect(reasonOf(signed(xksEncryptRequest(), { now: new Date(NOW.getTime() + offset) }))).toBe(
      'CLOCK_SKEW',
    );
  });

  it('honours maxSkewMs', () => {
    const req = signed(xksEncryptRequest(), { now: new Date(NOW.getTime() - 2 * MINUTE) });
    expect(reasonOf(req, options({ maxSkewMs: MINUTE }))).toBe('CLOCK_SKEW');
    expect(reasonOf(req, options({ maxSkewMs: 3 * MINUTE }))).toBe('OK');
  });

  it('a tampered body', () => {
    const req = signed();
    const body = req.body.slice();
    body[10] = (body[10] ?? 0) ^ 1;
    expect(reasonOf({ ...req, body })).toBe('SIGNATURE_MISMATCH');
    expect(reasonOf({ ...req, body: req.body.subarray(0, req.body.length - 1) })).toBe(
      'SIGNATURE_MISMATCH',
    );
  });

  it('a tampered path or query or method', () => {
    const req = signed();
    expect(reasonOf({ ...req, path: req.path.replace('/foo/', '/bar/') })).toBe(
      'SIGNATURE_MISMATCH',
    );
    expect(reasonOf({ ...req, path: `${req.path}?a=b` })).toBe('SIGNATURE_MISMATCH');
    expect(reasonOf({ ...req, method: 'PUT' })).toBe('SIGNATURE_MISMATCH');
  });

  it('a tampered value of a signed header', () => {
    const req = signed(xksEncryptRequest(), { signedHeaders: ['content-type'] });
    expect(reasonOf({ ...req, headers: { ...req.headers, host: 'evil.example.com' } })).toBe(
      'SIGNATURE_MISMATCH',
    );
    expect(reasonOf({ ...req, headers: { ...req.headers, 'content-type': 'text/plain' } })).toBe(
      'SIGNATURE_MISMATCH',
    );
  });

  it('a signed header removed from SignedHeaders', () => {
    const req = signed(xksEncryptRequest(), { signedHeaders: ['content-type'] });
    const auth = authOf(req);
    expect(reasonOf(withAuth(req, auth.replace('content-type;', '')))).toBe('SIGNATURE_MISMATCH');
    expect(reasonOf(withAuth(req, auth.replace(';host;', ';')))).toBe('HOST_NOT_SIGNED');
    expect(reasonOf(withAuth(req, auth.replace(';x-amz-date,', ',')))).toBe('DATE_NOT_SIGNED');
  });

  it('a signed header absent from the request', () => {
    const req = signed(xksEncryptRequest(), { signedHeaders: ['content-type'] });
    expect(reasonOf(withoutHeader(req, 'content-type'))).toBe('SIGNED_HEADER_MISSING');
    expect(reasonOf(withoutHeader(req, 'host'))).toBe('SIGNED_HEADER_MISSING');
    const extra = withAuth(req, authOf(req).replace('x-amz-date,', 'x-amz-date;x-extra,'));
    expect(reasonOf(extra)).toBe('SIGNED_HEADER_MISSING');
    const proto = withAuth(req, authOf(req).replace('content-type;', '__proto__;content-type;'));
    expect(reasonOf(proto)).toBe('SIGNED_HEADER_MISSING');
  });

  it('a missing Authorization header', () => {
    const req = signed();
    expect(reasonOf(withoutHeader(req, 'authorization'))).toBe('MISSING_AUTHORIZATION');
    expect(reasonOf(withAuth(req, ''))).toBe('MISSING_AUTHORIZATION');
  });

  it('two Authorization headers', () => {
    const req = signed();
    const twice = {
      ...req,
      headers: { ...req.headers, authorization: [authOf(req), authOf(req)] },
    };
    expect(reasonOf(twice)).toBe('MALFORMED_AUTHORIZATION');
  });

  describe('a malformed Authorization header', () => {
    const req = signed();
    const auth = authOf(req);
    const sig = auth.slice(-64);
    const cases: [string, string][] = [
      ['another algorithm', auth.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512')],
      ['SigV4A', auth.replace('AWS4-HMAC-SHA256', 'AWS4-ECDSA-P256-SHA256')],
      ['lower-case algorithm', auth.replace('AWS4-HMAC-SHA256', 'aws4-hmac-sha256')],
      ['a bearer token', 'Bearer abc.def.ghi'],
      ['no Credential', auth.replace(/Credential=[^,]*, /, '')],
      ['no SignedHeaders', auth.replace(/SignedHeaders=[^,]*, /, '')],
      ['no Signature', auth.replace(/, Signature=.*$/, '')],
      ['an empty Signature', auth.replace(sig, '')],
      ['a 63-hex signature', auth.slice(0, -1)],
      ['a 65-hex signature', `${auth}0`],
      ['an upper-case hex signature', auth.replace(sig, sig.toUpperCase().replace(/^./, 'A'))],
      ['a non-hex signature', auth.replace(sig, `${sig.slice(0, -1)}g`)],
      ['a duplicated component', `${auth}, Signature=${sig}`],
      ['a four-part credential', auth.replace('/us-east-1/', '/')],
      ['a wrong scope terminator', auth.replace('aws4_request', 'aws4_reqest')],
      ['a dashed scope date', auth.replace('/20240301/', '/2024-03-01/')],
      ['an empty access key id', auth.replace(/Credential=[^/]*\//, 'Credential=/')],
      ['an empty SignedHeaders entry', auth.replace('host;x-amz-date', 'host;;x-amz-date')],
      ['an upper-case SignedHeaders name', auth.replace('host;', 'Host;')],
      ['no space after the algorithm', auth.replace('AWS4-HMAC-SHA256 ', 'AWS4-HMAC-SHA256')],
      ['a component without "="', auth.replace('Signature=', 'Signature')],
    ];
    it.each(cases)('%s', (_label, value) => {
      expect(value).not.toBe(auth);
      expect(reasonOf(withAuth(req, value))).toBe('MALFORMED_AUTHORIZATION');
    });
  });

  it('a scope date that is not the X-Amz-Date day', () => {
    const req = signed();
    expect(reasonOf(withAuth(req, authOf(req).replace('/20240301/', '/20240229/')))).toBe(
      'WRONG_SCOPE_DATE',
    );
  });

  it('a missing X-Amz-Date', () => {
    expect(reasonOf(withoutHeader(signed(), 'x-amz-date'))).toBe('MISSING_DATE');
  });

  it.each([
    '2024-03-01T10:20:30Z',
    '20240301T102030',
    '20240301T102030z',
    '20240301 102030Z',
    '20241301T102030Z',
    '20240230T102030Z',
    '20240301T242030Z',
    '20240301T106030Z',
    '20240301T102060Z',
    ' 20240301T102030Z',
    '',
    'Fri, 01 Mar 2024 10:20:30 GMT',
  ])('a malformed X-Amz-Date %j', (value) => {
    const req = signed();
    expect(reasonOf({ ...req, headers: { ...req.headers, 'x-amz-date': value } })).toBe(
      'MALFORMED_DATE',
    );
  });

  it('two X-Amz-Date headers', () => {
    const req = signed();
    const date = req.headers['x-amz-date'] as string;
    expect(reasonOf({ ...req, headers: { ...req.headers, 'x-amz-date': [date, date] } })).toBe(
      'MALFORMED_DATE',
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
