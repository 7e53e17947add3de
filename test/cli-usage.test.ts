/**
 * The command line, part one: help, usage errors (exit 2), and invalid seeds (exit 1, nothing
 * written).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { newCredential, randomAccessKeyId } from '@xkslab/conformance/testing';
import { describe, expect, it } from 'vitest';
import { runXkslab, writeSeedFile } from './support/binary.ts';
import { expectOneLineError, listDir } from './support/cli-checks.ts';
import { useTempServers } from './support/fixture.ts';

const { tempDir } = useTempServers();

describe('help and usage errors', () => {
  it.each([[['--help']], [['-h']], [[]], [['help']]])(
    'xkslab %j prints usage and exits 0',
    async (args) => {
      const r = await runXkslab(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Usage: xkslab/);
      expect(r.stdout).toMatch(/serve/);
    },
  );

  it.each([[['serve', '--help']], [['serve', '-h']], [['help', 'serve']]])(
    'xkslab %j prints the serve options and exits 0',
    async (args) => {
      const r = await runXkslab(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Usage: xkslab serve/);
      for (const flag of ['--data-dir', '--port', '--seed', '--engine', '--max-plaintext-bytes']) {
        expect(r.stdout).toContain(flag);
      }
    },
  );

  it('xkslab version prints the version and exits 0', async () => {
    const r = await runXkslab(['version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^xkslab \d+\.\d+\.\d+/);
  });

  it.each([
    ['an unknown flag', ['serve', '--bogus'], /bogus/],
    ['an unknown command', ['frobnicate'], /frobnicate/],
    ['a non-numeric port', ['serve', '--port', 'abc'], /--port/],
    ['a port out of range', ['serve', '--port', '70000'], /--port/],
    ['an unknown engine', ['serve', '--engine', 'openssl'], /--engine/],
    [
      'a plaintext limit below the spec minimum',
      ['serve', '--max-plaintext-bytes', '100'],
      /plaintext/,
    ],
    ['an AAD limit above 65535', ['serve', '--max-aad-bytes', '70000'], /AAD/],
    ['a flag without its value', ['serve', '--data-dir'], /data-dir/],
    ['a positional argument', ['serve', 'extra'], /extra|argument/i],
  ])('%s exits 2 with one xkslab: line', async (_name, args, pattern) => {
    const dir = await tempDir('usage');
    const r = await runXkslab([
      ...args,
      ...(args[0] === 'serve' && !args.includes('--data-dir') ? ['--data-dir', dir] : []),
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(expectOneLineError(r.stderr)).toMatch(pattern);
    expect(await listDir(dir)).toEqual([]);
  });
});

describe('invalid seeds exit 1, name the problem and write nothing', () => {
  const cred = newCredential();
  const good = () => ({
    modules: [{ name: 'm', keys: [{ id: 'k', usage: ['ENCRYPT', 'DECRYPT'] }] }],
    keyStores: [{ uriPathPrefix: '/p', region: 'us-east-1', module: 'm', credentials: [cred] }],
  });
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['bad JSON', () => '{"modules": [', /JSON/],
    ['an unknown top-level field', () => ({ ...good(), colour: 'red' }), /colour/],
    [
      'an unknown key field',
      () => {
        const s = good();
        Object.assign(s.modules[0]?.keys[0] ?? {}, { colour: 'red' });
        return s;
      },
      /colour/,
    ],
    [
      'a bad accessKeyId',
      () => {
        const s = good();
        Object.assign(s.keyStores[0] ?? {}, {
          credentials: [{ ...cred, accessKeyId: 'too-short' }],
        });
        return s;
      },
      /accessKeyId/,
    ],
    [
      'an accessKeyId of 31 characters',
      () => {
        const s = good();
        Object.assign(s.keyStores[0] ?? {}, {
          credentials: [{ ...cred, accessKeyId: randomAccessKeyId(31) }],
        });
        return s;
      },
      /accessKeyId/,
    ],
    [
      'a short secretAccessKey',
      () => {
        const s = good();
        Object.assign(s.keyStores[0] ?? {}, { credentials: [{ ...cred, secretAccessKey: 'abc' }] });
        return s;
      },
      /secretAccessKey/,
    ],
    [
      'key material of 16 bytes',
      () => {
        const s = good();
        Object.assign(s.modules[0]?.keys[0] ?? {}, {
          material: randomBytes(16).toString('base64'),
        });
        return s;
      },
      /material/,
    ],
    [
      'an unknown key usage',
      () => {
        const s = good();
        Object.assign(s.modules[0]?.keys[0] ?? {}, { usage: ['SIGN'] });
        return s;
      },
      /usage/,
    ],
    [
      '11 nodes',
      () => {
        const s = good();
        Object.assign(s.modules[0] ?? {}, { nodes: 11 });
        return s;
      },
      /nodes/,
    ],
    [
      'an invalid key id',
      () => {
        const s = good();
        Object.assign(s.modules[0]?.keys[0] ?? {}, { id: 'no spaces allowed' });
        return s;
      },
      /id/,
    ],
    [
      'a prefix without a leading slash',
      () => {
        const s = good();
        Object.assign(s.keyStores[0] ?? {}, { uriPathPrefix: 'p' });
        return s;
      },
      /uriPathPrefix/,
    ],
  ];

  it.each(cases)('%s', async (_name, seed, pattern) => {
    const dataDir = await tempDir('badseed');
    const seedFile = await writeSeedFile(await tempDir('seedfile'), seed());
    const r = await runXkslab(['serve', '--data-dir', dataDir, '--port', '0', '--seed', seedFile]);
    expect(r.code, r.stderr).toBe(1);
    const line = expectOneLineError(r.stderr);
    expect(line).toMatch(pattern);
    expect(r.stdout).not.toMatch(/listening/);
    expect(existsSync(join(dataDir, 'db'))).toBe(false);
    expect(await listDir(dataDir)).toEqual([]);
  });

  it('an unreadable seed file', async () => {
    const dataDir = await tempDir('noseed');
    const r = await runXkslab([
      'serve',
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--seed',
      join(dataDir, 'missing.json'),
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(expectOneLineError(r.stderr)).toMatch(/seed/);
    expect(await listDir(dataDir)).toEqual([]);
  });

  it('a key store naming a module that does not exist', async () => {
    const dataDir = await tempDir('nomodule');
    const seed = { ...good(), keyStores: [{ ...good().keyStores[0], module: 'ghost' }] };
    const seedFile = await writeSeedFile(await tempDir('seedfile'), seed);
    const r = await runXkslab(['serve', '--data-dir', dataDir, '--port', '0', '--seed', seedFile]);
    expect(r.code, r.stderr).toBe(1);
    expect(expectOneLineError(r.stderr)).toMatch(/ghost/);
    expect(existsSync(join(dataDir, 'db'))).toBe(false);
    expect(await listDir(dataDir)).toEqual([]);
  });
});
