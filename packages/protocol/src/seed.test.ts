import { describe, expect, it } from 'vitest';
import { SeedFile } from './seed.ts';

/** A key store of module m at `uriPathPrefix` with one credential. */
const keyStore = (uriPathPrefix: string, accessKeyId: string) => ({
  uriPathPrefix,
  region: 'us-east-1',
  module: 'm',
  credentials: [{ accessKeyId, secretAccessKey: 'a'.repeat(43) }],
});

describe('SeedFile', () => {
  it('accepts distinct names, key ids, prefixes and access key ids', () => {
    const seed = {
      modules: [{ name: 'm', keys: [{ id: 'k1', usage: ['ENCRYPT'] }] }],
      keyStores: [keyStore('/a', 'A'.repeat(20)), keyStore('/b', 'B'.repeat(20))],
    };
    expect(SeedFile.safeParse(seed).success).toBe(true);
  });

  it('reports each duplicate at its path', () => {
    const seed = {
      modules: [
        {
          name: 'm',
          keys: [
            { id: 'k1', usage: ['ENCRYPT'] },
            { id: 'k1', usage: ['DECRYPT'] },
          ],
        },
        { name: 'm' },
      ],
      keyStores: [keyStore('/a', 'A'.repeat(20)), keyStore('/a', 'A'.repeat(20))],
    };
    const result = SeedFile.safeParse(seed);
    expect(result.success).toBe(false);
    const issues = result.error?.issues.map((i) => [i.path.join('.'), i.message]);
    expect(issues).toEqual([
      ['modules.0.keys.1.id', 'duplicate key id'],
      ['modules.1.name', 'duplicate module'],
      ['keyStores.1.uriPathPrefix', 'duplicate prefix'],
      [
        'keyStores.1.credentials.0.accessKeyId',
        'an access key id must belong to one key store only',
      ],
    ]);
  });
});
