/**
 * The command line and the data directory: help, usage errors (exit 2), start-up errors (exit 1,
 * nothing written), first start, restarts, seeds applied twice, master keys and signals.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import {
  healthBody,
  healthPath,
  keyPath,
  metadataBody,
  newCredential,
  randomAccessKeyId,
} from '@xkslab/conformance/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOk, expectXksError } from './support/assertions.ts';
import { runXkslab, signalAsSoonAsListening, writeSeedFile } from './support/binary.ts';
import { useTempServers } from './support/fixture.ts';
import { labSeed } from './support/lab-seed.ts';
import { type KeyStoreTarget, SIGNERS, sendXks } from './support/xks-client.ts';
import { decryptOk, encryptOk, healthOk, metadataOk } from './support/xks-ops.ts';

const { tempDir, start } = useTempServers();

/** One line on stderr, starting with `xkslab: `. */
function expectOneLineError(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^xkslab: \S/);
  return lines[0] ?? '';
}

async function listDir(dir: string): Promise<string[]> {
  return existsSync(dir) ? (await readdir(dir)).sort() : [];
}

function mode(s: { mode: number }): number {
  return s.mode & 0o777;
}

type ProxyConfig = {
  XksProxyUriPath: string;
  XksProxyAuthenticationCredential: { AccessKeyId: string; RawSecretAccessKey: string };
};

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

describe('start-up errors exit 1', () => {
  let blocker: Server;
  let blockedPort = 0;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const address = blocker.address();
    blockedPort = typeof address === 'object' && address ? address.port : 0;
  });

  afterAll(async () => {
    await new Promise<void>((r) => blocker.close(() => r()));
  });

  it('when the port is in use, with a clear message', async () => {
    const dataDir = await tempDir('port');
    const r = await runXkslab(['serve', '--data-dir', dataDir, '--port', String(blockedPort)]);
    expect(r.code, r.stderr).toBe(1);
    expect(expectOneLineError(r.stderr)).toMatch(/in use/);
    expect(r.stderr).not.toMatch(/First start|Secret access key/);
  });

  it('when the port is in use, without writing anything to a new data directory', async () => {
    const dataDir = await tempDir('port-clean');
    const r = await runXkslab(['serve', '--data-dir', dataDir, '--port', String(blockedPort)]);
    expect(r.code, r.stderr).toBe(1);
    expect(await listDir(dataDir)).toEqual([]);
  });

  it('when another xkslab runs on the same data directory ("in use")', async () => {
    const first = await start();
    const r = await runXkslab(['serve', '--data-dir', first.dataDir, '--port', '0']);
    expect(r.code, r.stderr).toBe(1);
    expect(expectOneLineError(r.stderr)).toMatch(/in use/);
    // The first server is unharmed.
    const config = JSON.parse(
      await readFile(join(first.dataDir, 'kms-proxy-config.json'), 'utf8'),
    ) as ProxyConfig;
    await healthOk({
      port: first.port,
      prefix: '/xkslab',
      region: 'us-east-1',
      credential: {
        accessKeyId: config.XksProxyAuthenticationCredential.AccessKeyId,
        secretAccessKey: config.XksProxyAuthenticationCredential.RawSecretAccessKey,
      },
    });
  });

  it('when the data directory cannot be created or written', async () => {
    const parent = await tempDir('notwritable');
    const file = join(parent, 'a-file');
    await writeFile(file, 'not a directory');
    const r = await runXkslab(['serve', '--data-dir', join(file, 'data'), '--port', '0']);
    expect(r.code, r.stderr).toBe(1);
    expect(expectOneLineError(r.stderr)).toMatch(/not writable|data dir/);
  });
});

describe('master keys', () => {
  it('refuses a wrong XKSLAB_MASTER_KEY on an existing data directory and keeps the data', async () => {
    const lab = labSeed();
    const dataDir = await tempDir('masterkey');
    const s1 = await start({ dataDir, seed: lab.seed });
    const t1 = lab.targets(s1.port);
    const plaintext = randomBytes(64);
    const out = await encryptOk(t1.a, 'foo', { plaintext });
    expect((await s1.stop()).code).toBe(0);
    const masterKeyFile = join(dataDir, 'master.key');
    const keyBefore = await readFile(masterKeyFile, 'utf8');
    expect(mode(await stat(masterKeyFile))).toBe(0o600);

    const wrong = randomBytes(32).toString('base64');
    const r = await runXkslab(['serve', '--data-dir', dataDir, '--port', '0'], {
      env: { XKSLAB_MASTER_KEY: wrong },
    });
    expect(r.code, r.stderr).toBe(1);
    expect(expectOneLineError(r.stderr)).toMatch(/master key/i);
    expect(r.stdout).not.toMatch(/listening/);
    expect(await readFile(masterKeyFile, 'utf8')).toBe(keyBefore);

    const malformed = await runXkslab(['serve', '--data-dir', dataDir, '--port', '0'], {
      env: { XKSLAB_MASTER_KEY: 'not-base64-of-32-bytes' },
    });
    expect(malformed.code, malformed.stderr).toBe(1);
    expect(expectOneLineError(malformed.stderr)).toMatch(/XKSLAB_MASTER_KEY/);

    // With the right key (the file, or the same key through the environment) all is there.
    const s2 = await start({ dataDir });
    expect(await decryptOk(lab.targets(s2.port).a, 'foo', out)).toEqual(plaintext);
    expect((await s2.stop()).code).toBe(0);
    const s3 = await start({ dataDir, env: { XKSLAB_MASTER_KEY: keyBefore.trim() } });
    expect(
      await decryptOk(
        lab.targets(s3.port).b,
        'only-in-b',
        await encryptOk(lab.targets(s3.port).b, 'only-in-b', { plaintext }),
      ),
    ).toEqual(plaintext);
    expect(
      await decryptOk(lab.targets(s3.port).a, 'foo', out, undefined, { signer: 'curl' }),
    ).toEqual(plaintext);
  });

  it('uses XKSLAB_MASTER_KEY without writing master.key, and needs it afterwards', async () => {
    const dataDir = await tempDir('envkey');
    const key = randomBytes(32).toString('base64');
    const s1 = await start({ dataDir, env: { XKSLAB_MASTER_KEY: key } });
    expect((await s1.stop()).code).toBe(0);
    expect(existsSync(join(dataDir, 'master.key'))).toBe(false);
    const r = await runXkslab(['serve', '--data-dir', dataDir, '--port', '0']);
    expect(r.code, r.stderr).toBe(1);
    expect(expectOneLineError(r.stderr)).toMatch(/master/i);
    const s2 = await start({ dataDir, env: { XKSLAB_MASTER_KEY: key } });
    expect(s2.stderr()).not.toContain('First start');
  });
});

describe('first start and restarts', () => {
  it('creates the defaults, master.key and kms-proxy-config.json (0600) whose credential works', async () => {
    const dataDir = await tempDir('first');
    const s = await start({ dataDir });
    const masterKey = await stat(join(dataDir, 'master.key'));
    expect(mode(masterKey)).toBe(0o600);
    expect(
      Buffer.from((await readFile(join(dataDir, 'master.key'), 'utf8')).trim(), 'base64'),
    ).toHaveLength(32);
    const configFile = join(dataDir, 'kms-proxy-config.json');
    expect(mode(await stat(configFile))).toBe(0o600);
    const config = JSON.parse(await readFile(configFile, 'utf8')) as ProxyConfig;
    expect(Object.keys(config).sort()).toEqual([
      'XksProxyAuthenticationCredential',
      'XksProxyUriPath',
    ]);
    expect(config.XksProxyUriPath).toBe('/xkslab/kms/xks/v1');
    const { AccessKeyId, RawSecretAccessKey } = config.XksProxyAuthenticationCredential;
    expect(Object.keys(config.XksProxyAuthenticationCredential).sort()).toEqual([
      'AccessKeyId',
      'RawSecretAccessKey',
    ]);
    expect(AccessKeyId).toMatch(/^[A-Z2-7]{26}$/);
    expect(RawSecretAccessKey).toMatch(/^[A-Za-z0-9/+]{43}=$/);
    expect(Buffer.from(RawSecretAccessKey, 'base64')).toHaveLength(32);
    expect(s.stderr()).toContain('First start');
    expect(s.stderr()).toContain(AccessKeyId);
    expect(s.stderr()).toContain('default-key');
    const listening = s.logs().find((l) => l.msg === 'listening');
    expect(listening).toMatchObject({ level: 'info', url: s.url, engine: 'noble' });

    const target: KeyStoreTarget = {
      port: s.port,
      prefix: config.XksProxyUriPath.replace(/\/kms\/xks\/v1$/, ''),
      region: 'us-east-1',
      credential: { accessKeyId: AccessKeyId, secretAccessKey: RawSecretAccessKey },
    };
    for (const signer of SIGNERS) {
      const health = await healthOk(target, { signer });
      expect(health.ekmFleetDetails as unknown[]).toHaveLength(1);
      expect(await metadataOk(target, 'default-key', { signer })).toEqual({
        keySpec: 'AES_256',
        keyUsage: expect.arrayContaining(['ENCRYPT', 'DECRYPT']),
        keyStatus: 'ENABLED',
      });
    }
    expectXksError(
      await sendXks({ ...target, region: 'eu-west-1' }, healthPath(target), healthBody()),
      401,
      'AuthenticationFailedException',
    );
  });

  it('keeps keys and credentials across restarts and does not print the secret again', async () => {
    const dataDir = await tempDir('restart');
    const s1 = await start({ dataDir });
    const configFile = join(dataDir, 'kms-proxy-config.json');
    const configText = await readFile(configFile, 'utf8');
    const config = JSON.parse(configText) as ProxyConfig;
    const credential = {
      accessKeyId: config.XksProxyAuthenticationCredential.AccessKeyId,
      secretAccessKey: config.XksProxyAuthenticationCredential.RawSecretAccessKey,
    };
    const target = (port: number): KeyStoreTarget => ({
      port,
      prefix: '/xkslab',
      region: 'us-east-1',
      credential,
    });
    const plaintext = randomBytes(100);
    const aad = randomBytes(20);
    const out = await encryptOk(target(s1.port), 'default-key', { plaintext, aad, cdiv: true });
    expect((await s1.stop()).code).toBe(0);

    const s2 = await start({ dataDir });
    expect(await decryptOk(target(s2.port), 'default-key', out, aad, { signer: 'curl' })).toEqual(
      plaintext,
    );
    expect(s2.stderr()).not.toContain('First start');
    expect(s2.stderr()).not.toContain(credential.secretAccessKey);
    expect(await readFile(configFile, 'utf8')).toBe(configText);
    expect(mode(await stat(configFile))).toBe(0o600);
    expect((await s2.stop()).code).toBe(0);
  });

  it('applies the same seed twice without changing anything', async () => {
    const lab = labSeed();
    const dataDir = await tempDir('seed-twice');
    const s1 = await start({ dataDir, seed: lab.seed });
    expect(s1.stderr()).not.toContain('First start');
    expect(existsSync(join(dataDir, 'kms-proxy-config.json'))).toBe(false);
    const t1 = lab.targets(s1.port);
    const plaintext = randomBytes(77);
    const outFoo = await encryptOk(t1.a, 'foo', { plaintext });
    const outB = await encryptOk(t1.b, 'only-in-b', { plaintext });
    expect((await s1.stop()).code).toBe(0);

    const s2 = await start({ dataDir, seed: lab.seed });
    expect(s2.stderr()).not.toMatch(/seed: created/);
    expect(s2.stderr()).toMatch(/unchanged/);
    const t2 = lab.targets(s2.port);
    expect(await decryptOk(t2.a, 'foo', outFoo)).toEqual(plaintext);
    expect(await decryptOk(t2.b, 'only-in-b', outB, undefined, { signer: 'curl' })).toEqual(
      plaintext,
    );
    // No duplicated nodes, credentials or keys.
    expect((await healthOk(t2.a)).ekmFleetDetails as unknown[]).toHaveLength(2);
    expect((await healthOk(t2.b)).ekmFleetDetails as unknown[]).toHaveLength(3);
    await healthOk(t2.a2, { signer: 'curl' });
    expect(await metadataOk(t2.a, 'fixed-disabled')).toMatchObject({ keyStatus: 'DISABLED' });
    expect(s2.stderr().match(/key store a:/g) ?? []).toHaveLength(1);
    expect((await s2.stop()).code).toBe(0);

    // A seed adding a credential to an existing key store adds it beside the old ones.
    const extra = newCredential();
    const grown = structuredClone(lab.seed) as { keyStores: Array<{ credentials: unknown[] }> };
    grown.keyStores[0]?.credentials.push(extra);
    const s3 = await start({ dataDir, seed: grown });
    const t3 = lab.targets(s3.port);
    await healthOk({ ...t3.a, credential: extra });
    await healthOk(t3.a);
    await healthOk(t3.a2);
    expect(await decryptOk({ ...t3.a, credential: extra }, 'foo', outFoo)).toEqual(plaintext);
  });

  it('starts a seeded server with an existing seeded data directory even without --seed', async () => {
    const lab = labSeed();
    const dataDir = await tempDir('seed-then-none');
    const s1 = await start({ dataDir, seed: lab.seed });
    expect((await s1.stop()).code).toBe(0);
    const s2 = await start({ dataDir });
    expect(s2.stderr()).not.toContain('First start');
    expectOk(
      await sendXks(
        lab.targets(s2.port).b,
        keyPath(lab.targets(s2.port).b, 'foo', 'metadata'),
        metadataBody(),
      ),
    );
    expect(existsSync(join(dataDir, 'kms-proxy-config.json'))).toBe(false);
  });
});

describe('signals', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s stops the server with exit code 0',
    async (signal) => {
      const s = await start();
      const status = await s.stop({ signal });
      expect(status).toEqual({ code: 0, signal: null });
      expect(s.logs().some((l) => l.msg === 'stopping')).toBe(true);
    },
  );

  it('exits 0 on SIGTERM/SIGINT sent the moment the server announces it is listening', async () => {
    // Ten tries: the handlers must be in place before xkslab says it is listening.
    const dataDir = await tempDir('early-signal');
    const results: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await signalAsSoonAsListening(dataDir, i % 2 === 0 ? 'SIGTERM' : 'SIGINT');
      results.push(`code ${r.code} signal ${r.signal}`);
    }
    expect(results).toEqual(Array.from({ length: 10 }, () => 'code 0 signal null'));
  });

  it('frees the data directory on exit so the next start succeeds', async () => {
    const dataDir = await tempDir('relock');
    await mkdir(dataDir, { recursive: true });
    const s1 = await start({ dataDir });
    expect((await s1.stop()).code).toBe(0);
    const s2 = await start({ dataDir });
    expect((await s2.stop()).code).toBe(0);
  });
});
