import { randomBytes } from 'node:crypto';
import { ACCESS_KEY_ID_PATTERN, SECRET_ACCESS_KEY_PATTERN } from '@xkslab/protocol';
import { describe, expect, it } from 'vitest';
import { generateAccessKeyId, generateSecretAccessKey } from './credentials.ts';

const random = (n: number) => new Uint8Array(randomBytes(n));

describe('generated credentials', () => {
  it('access key ids are 26 characters of A-Z and 2-7 and do not repeat', () => {
    const ids = new Set(Array.from({ length: 500 }, () => generateAccessKeyId(random)));
    expect(ids.size).toBe(500);
    for (const id of ids) {
      expect(id).toMatch(ACCESS_KEY_ID_PATTERN);
      expect(id).toHaveLength(26);
    }
  });

  it('base32 follows RFC 4648 (test vector "foobar" -> MZXW6YTBOI)', () => {
    const fixed = (bytes: string) => () => new TextEncoder().encode(bytes);
    // generateAccessKeyId asks for 16 bytes; feed the RFC 4648 §10 input padded to a known encoding.
    expect(generateAccessKeyId(fixed('foobar'))).toBe('MZXW6YTBOI');
  });

  it('secrets carry 256 bits as 44 characters of the spec alphabet', () => {
    const secret = generateSecretAccessKey(random);
    expect(secret).toMatch(SECRET_ACCESS_KEY_PATTERN);
    expect(Buffer.from(secret, 'base64')).toHaveLength(32);
  });
});
