/**
 * The single executable (`pnpm build:exe`): built here into a temporary directory from the current
 * sources, then run with an environment of its own: a PATH with no `node`, a HOME and working
 * directory outside the repository. Its LevelDB and AES-GCM addons come from the executable's
 * assets through the private cache under $HOME/.cache/xkslab.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, REPO_ROOT, removeDir, runXkslab, startXkslab } from './support/binary.ts';
import { rawRequest } from './support/http-client.ts';
import { startKms } from './support/kms.ts';
import { defaultKeyStoreTarget } from './support/proxy-config.ts';
import { healthOk } from './support/xks-ops.ts';

const run = promisify(execFile);
const BUILD_SCRIPT = join(REPO_ROOT, 'apps', 'xkslab', 'scripts', 'build.mjs');
const STATIC_DIR = join(REPO_ROOT, 'apps', 'xkslab', 'src', 'ui', 'static');
const BUILD_TIMEOUT_MS = 180_000;
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

describe.skipIf(!linuxX64)('the single executable', { timeout: 90_000 }, () => {
  let work: string;
  let exe: string;
  let home: string;
  let env: Record<string, string>;
  const options = () => ({ command: [exe], cwd: home, env, inheritEnv: false });

  beforeAll(async () => {
    work = await makeTempDir('exe');
    exe = join(work, 'bin', 'xkslab');
    await run(process.execPath, [BUILD_SCRIPT, 'exe', exe], { timeout: BUILD_TIMEOUT_MS });
    home = join(work, 'home');
    const emptyBin = join(work, 'empty-bin');
    await mkdir(home);
    await mkdir(emptyBin);
    env = { PATH: emptyBin, HOME: home, LANG: 'C.UTF-8' };
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await removeDir(work);
  });

  it('prints its version with no node on PATH, caching the LevelDB addon privately', async () => {
    await expect(run('node', ['--version'], { env })).rejects.toThrow();
    const r = await runXkslab(['--version'], options());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^xkslab \d+\.\d+\.\d+/);

    const cache = join(home, '.cache', 'xkslab');
    const [digest, ...others] = await readdir(cache);
    expect(others).toEqual([]);
    const file = join(cache, digest ?? '', 'classic_level.node');
    const bytes = await readFile(file);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(digest);
    expect((await stat(cache)).mode & 0o777).toBe(0o700);
    expect((await stat(join(cache, digest ?? ''))).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    // A cache file that no longer matches is rewritten before it is loaded.
    await writeFile(file, 'not the addon');
    const again = await runXkslab(['--version'], options());
    expect(again.code, again.stderr).toBe(0);
    expect(new Uint8Array(await readFile(file))).toEqual(new Uint8Array(bytes));
  });

  it('stops with one line that says what to do when it cannot write the addon cache', async () => {
    const notADir = join(work, 'a-file');
    await writeFile(notADir, '');
    const r = await runXkslab(['--version'], {
      ...options(),
      env: { ...env, XDG_CACHE_HOME: join(notADir, 'cache') },
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^xkslab: cannot write the LevelDB addon cache .*set XDG_CACHE_HOME/),
    ]);
  });

  it('serves a signed XKS health check on the native engine and the dashboard from its assets', async () => {
    const server = await startXkslab(options());
    try {
      const health = await healthOk(await defaultKeyStoreTarget(server.port, server.dataDir));
      expect(health.xksProxyFleetSize).toBeGreaterThan(0);
      // The native AES-GCM engine's addon is an asset too, placed beside LevelDB's in the cache.
      const listening = server.logs().find((l) => l.msg === 'listening');
      expect(listening).toMatchObject({ engine: 'native' });
      expect(listening).not.toHaveProperty('nativeUnavailable');
      const cache = join(home, '.cache', 'xkslab');
      const placed: string[] = [];
      for (const digest of await readdir(cache)) {
        for (const name of await readdir(join(cache, digest))) {
          const bytes = await readFile(join(cache, digest, name));
          expect(createHash('sha256').update(bytes).digest('hex'), name).toBe(digest);
          expect((await stat(join(cache, digest, name))).mode & 0o777).toBe(0o600);
          placed.push(name);
        }
      }
      expect(placed.sort()).toEqual(['classic_level.node', 'xkslab_aes_gcm.node']);

      const login = await rawRequest({ port: server.port, method: 'GET', path: '/ui/login' });
      expect(login.status).toBe(200);
      expect(login.text).toContain('<form');
      for (const file of await readdir(STATIC_DIR)) {
        const res = await rawRequest({
          port: server.port,
          method: 'GET',
          path: `/ui/static/${file}`,
        });
        expect(res.status, file).toBe(200);
        expect(res.text).toBe(await readFile(join(STATIC_DIR, file), 'utf8'));
      }
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  });

  it('starts the KMS emulator', async () => {
    const kms = await startKms([], { command: [exe], cwd: home, env });
    try {
      expect(kms.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    } finally {
      expect((await kms.stop()).code).toBe(0);
    }
  });

  it('runs the end-to-end demo and prints conformance help', async () => {
    const demo = await runXkslab(['demo'], { ...options(), timeoutMs: 60_000 });
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout + demo.stderr).toContain('end to end');
    const help = await runXkslab(['conformance', '--help'], options());
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: xkslab conformance');
  });
});
