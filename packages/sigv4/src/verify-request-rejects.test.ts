import { describe, expect, it } from 'vitest';
import { xksEncryptRequest } from './testing/requests.ts';
import {
  authOf,
  MINUTE,
  NOW,
  OTHER_SECRET,
  options,
  reasonOf,
  signed,
  withAuth,
  withoutHeader,
} from './testing/verify-cases.ts';

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
