import { utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { canonicalQueryString } from './canonical-query.ts';
import { canonicalRequest } from './canonical-request.ts';
import { uriEncode } from './uri-encode.ts';

const HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function creq(path: string, headers: Record<string, string | string[]>, signed: string[]) {
  return canonicalRequest({ method: 'POST', path, headers, body: utf8ToBytes('') }, signed, HASH);
}

describe('canonicalRequest', () => {
  it('keeps the raw path exactly as sent', () => {
    const headers = { host: 'h', 'x-amz-date': '20240101T000000Z' };
    for (const path of ['//kms/xks/v1/health', '/a/./b/../c/', '/a%2Fb/%7E', '/UPPER/x']) {
      expect(creq(path, headers, ['host', 'x-amz-date']).split('\n')[1]).toBe(path);
    }
    expect(creq('', headers, ['host']).split('\n')[1]).toBe('/');
  });

  it('splits the query off the path', () => {
    const text = creq('/p?b=2&a=1', { host: 'h' }, ['host']);
    expect(text.split('\n').slice(0, 3)).toEqual(['POST', '/p', 'a=1&b=2']);
  });

  it('trims values, collapses inner space runs and joins repeats with ","', () => {
    const text = creq(
      '/',
      { host: ' h ', 'x-a': ['  one  ', 'two\t\tthree', ''], 'x-b': '"a   b\t c"' },
      ['host', 'x-a', 'x-b'],
    );
    expect(text).toBe(
      [
        'POST',
        '/',
        '',
        'host:h',
        'x-a:one,two three,',
        'x-b:"a b c"',
        '',
        'host;x-a;x-b',
        HASH,
      ].join('\n'),
    );
  });

  it('leaves other characters of header values alone', () => {
    const text = creq('/', { host: 'h', 'x-a': 'A\u00a0B;c=d,"e"' }, ['host', 'x-a']);
    expect(text).toContain('\nx-a:A\u00a0B;c=d,"e"\n');
  });

  it('ignores inherited properties of the headers object', () => {
    expect(creq('/', { host: 'h' }, ['constructor', 'host'])).toContain('\nconstructor:\nhost:h\n');
  });
});

describe('canonicalQueryString', () => {
  it.each([
    ['', ''],
    ['a=1', 'a=1'],
    ['b=2&a=1', 'a=1&b=2'],
    ['a=2&a=1&a=10', 'a=1&a=10&a=2'],
    ['B=1&a=1', 'B=1&a=1'],
    ['a', 'a='],
    ['a=', 'a='],
    ['a=1&&b=2&', 'a=1&b=2'],
    ['a=b=c', 'a=b%3Dc'],
    ['k=a b', 'k=a%20b'],
    ['k=a+b', 'k=a%2Bb'],
    ['k=a%20b', 'k=a%20b'],
    ['k=a%2fb', 'k=a%2Fb'],
    ['k=%7e', 'k=~'],
    ['k=%zz', 'k=%25zz'],
    ["k=!'()*", 'k=%21%27%28%29%2A'],
    ['%E1%88%B4=bar', '%E1%88%B4=bar'],
    ['\u1234=bar', '%E1%88%B4=bar'],
  ])('%j -> %j', (raw, expected) => {
    expect(canonicalQueryString(raw)).toBe(expected);
  });
});

describe('uriEncode', () => {
  it('keeps the unreserved set and encodes everything else as upper-case %XX of UTF-8', () => {
    const unreserved = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
    expect(uriEncode(unreserved)).toBe(unreserved);
    expect(uriEncode("/ ?#[]@!$&'()*+,;=%")).toBe(
      '%2F%20%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%25',
    );
    expect(uriEncode('é€😀')).toBe('%C3%A9%E2%82%AC%F0%9F%98%80');
    expect(uriEncode('\ud800')).toBe('%EF%BF%BD');
  });
});
