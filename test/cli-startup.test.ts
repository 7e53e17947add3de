/**
 * The command line, part two: start-up errors (exit 1, nothing written) and master keys.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runXkslab } from './support/binary.ts';
import { expectOneLineError, listDir, mode, type ProxyConfig } from './support/cli-checks.ts';
import { useTempServers } from './support/fixture.ts';
import { labSeed } from './support/lab-seed.ts';
import { decryptOk, encryptOk, healthOk } from './support/xks-ops.ts';

const { tempDir, start } = useTempServers();

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
