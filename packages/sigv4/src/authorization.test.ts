import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAuthorization, parseAuthorization } from './authorization.ts';

const SIG = 'a'.repeat(32) + '0123456789abcdef'.repeat(2);
const HEADER = `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE2345/20240101/us-east-1/kms-xks-proxy/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIG}`;
const PARSED = {
  accessKeyId: 'AKIDEXAMPLE2345',
  date: '20240101',
  region: 'us-east-1',
  service: 'kms-xks-proxy',
  signedHeaders: ['host', 'x-amz-date'],
  signature: SIG,
};

describe('parseAuthorization', () => {
  it('parses the KMS form', () => {
    expect(parseAuthorization(HEADER)).toEqual(PARSED);
  });

  it('tolerates optional spaces around the commas and any component order', () => {
    expect(parseAuthorization(HEADER.replaceAll(', ', ','))).toEqual(PARSED);
    expect(parseAuthorization(HEADER.replaceAll(', ', ' ,  '))).toEqual(PARSED);
    const reordered = `AWS4-HMAC-SHA256 Signature=${SIG}, SignedHeaders=host;x-amz-date, Credential=AKIDEXAMPLE2345/20240101/us-east-1/kms-xks-proxy/aws4_request`;
    expect(parseAuthorization(reordered)).toEqual(PARSED);
  });

  it('keeps the SignedHeaders order as sent', () => {
    const v = HEADER.replace('host;x-amz-date', 'x-amz-date;content-type;host');
    expect(parseAuthorization(v)?.signedHeaders).toEqual(['x-amz-date', 'content-type', 'host']);
  });

  it.each([
    ['empty', ''],
    ['algorithm only', 'AWS4-HMAC-SHA256'],
    ['another algorithm', HEADER.replace('SHA256', 'SHA384')],
    ['two components', HEADER.replace(/, Signature=.*/, '')],
    ['four components', `${HEADER}, Extra=1`],
    ['unknown component', HEADER.replace('SignedHeaders=', 'Signed=')],
    ['repeated component', HEADER.replace('SignedHeaders=host;x-amz-date', `Signature=${SIG}`)],
    ['six-part credential', HEADER.replace('/us-east-1/', '/us-east-1/x/')],
    ['empty region', HEADER.replace('/us-east-1/', '//')],
    ['empty service', HEADER.replace('/kms-xks-proxy/', '//')],
    ['short date', HEADER.replace('/20240101/', '/2024011/')],
    ['wrong terminator', HEADER.replace('aws4_request', 'aws5_request')],
    ['empty SignedHeaders', HEADER.replace('host;x-amz-date', '')],
    ['space in a header name', HEADER.replace('host;', 'ho st;')],
    ['uppercase signature', HEADER.replace(SIG, SIG.toUpperCase())],
    ['short signature', HEADER.replace(SIG, SIG.slice(2))],
    ['long signature', HEADER.replace(SIG, `${SIG}00`)],
  ])('rejects %s', (_label, value) => {
    expect(parseAuthorization(value)).toBeUndefined();
  });
});

describe('parseAuthorization after a header with the same text before its signature', () => {
  const OTHER = HEADER.replace('AKIDEXAMPLE2345', 'AKIDOTHER23456');
  /** A parse that cannot use what the last one remembered: another header is parsed first. */
  const fresh = (value: string) => {
    parseAuthorization(OTHER);
    return parseAuthorization(value);
  };
  const tail = fc.string({
    unit: fc.constantFrom(...'0123456789abcdefABCDEF, =x'),
    minLength: 62,
    maxLength: 66,
  });

  it('gives what a fresh parse gives, for any 62-66 characters in place of the signature', () => {
    fc.assert(
      fc.property(fc.constantFrom(HEADER, HEADER.replaceAll(', ', ',')), tail, (header, t) => {
        const value = header.slice(0, -SIG.length) + t;
        const expected = fresh(value);
        parseAuthorization(header);
        expect(parseAuthorization(value)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a new signature after the same text, and hands out its own SignedHeaders list', () => {
    const first = parseAuthorization(HEADER);
    const sig2 = 'f'.repeat(64);
    const second = parseAuthorization(HEADER.replace(SIG, sig2));
    expect(second).toEqual({ ...PARSED, signature: sig2 });
    first?.signedHeaders.push('mutated');
    expect(parseAuthorization(HEADER.replace(SIG, sig2))?.signedHeaders).toEqual(
      PARSED.signedHeaders,
    );
  });
});

describe('formatAuthorization', () => {
  it('is the inverse of parseAuthorization', () => {
    expect(
      formatAuthorization(
        'AKIDEXAMPLE2345',
        '20240101/us-east-1/kms-xks-proxy/aws4_request',
        ['host', 'x-amz-date'],
        SIG,
      ),
    ).toBe(HEADER);
  });
});

describe('parseAuthorization on repeated headers (what it remembers of the last one)', () => {
  const sig = (c: string) => c.repeat(64);
  const headers = [
    `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/kms-xks-proxy/aws4_request, SignedHeaders=host;x-amz-date, Signature=${sig('a')}`,
    `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/kms-xks-proxy/aws4_request, SignedHeaders=host;x-amz-date, Signature=${sig('b')}`,
    `AWS4-HMAC-SHA256 Credential=OTHER/20240102/eu-west-1/kms-xks-proxy/aws4_request,SignedHeaders=content-type;host;x-amz-date,Signature=${sig('c')}`,
    `AWS4-HMAC-SHA256 Credential=AKID/2024010/us-east-1/kms-xks-proxy/aws4_request, SignedHeaders=host;x-amz-date, Signature=${sig('a')}`,
    `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/kms-xks-proxy/aws4_request, SignedHeaders=Host;x-amz-date, Signature=${sig('a')}`,
  ];

  it('answers a header the same whatever was parsed before it', () => {
    const first = headers.map((h) => parseAuthorization(h));
    expect(first.map((p) => p !== undefined)).toEqual([true, true, true, false, false]);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: headers.length - 1 }), { maxLength: 20 }),
        (order) => {
          for (const i of order) expect(parseAuthorization(headers[i] as string)).toEqual(first[i]);
        },
      ),
    );
  });

  it('hands out its own SignedHeaders array: changing it changes no later answer', () => {
    const parsed = parseAuthorization(headers[0] as string);
    parsed?.signedHeaders.push('x-extra');
    expect(parseAuthorization(headers[1] as string)?.signedHeaders).toEqual(['host', 'x-amz-date']);
  });
});
