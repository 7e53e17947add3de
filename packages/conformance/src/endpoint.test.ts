import { describe, expect, it } from 'vitest';
import { ConformanceOptionsError, parseEndpoint } from './endpoint.ts';

describe('parseEndpoint', () => {
  it('keeps the port in Host only when it is not the default (§2.1)', () => {
    expect(parseEndpoint('https://xks.example.com/p/kms/xks/v1')).toMatchObject({
      protocol: 'https:',
      hostname: 'xks.example.com',
      port: 443,
      host: 'xks.example.com',
      basePath: '/p/kms/xks/v1',
    });
    expect(parseEndpoint('http://127.0.0.1:7780/kms/xks/v1')).toMatchObject({
      port: 7780,
      host: '127.0.0.1:7780',
      basePath: '/kms/xks/v1',
    });
    expect(parseEndpoint('http://[::1]:8080/a/kms/xks/v1')).toMatchObject({
      hostname: '::1',
      host: '[::1]:8080',
    });
  });

  it('refuses what is not an XKS base URL', () => {
    for (const url of [
      'nope',
      'ftp://x/kms/xks/v1',
      'https://x/p/kms/xks/v1/',
      'https://x/p',
      'https://x/kms/xks/v1?a=1',
      'https://u:p@x/kms/xks/v1',
    ]) {
      expect(() => parseEndpoint(url), url).toThrow(ConformanceOptionsError);
    }
  });
});
