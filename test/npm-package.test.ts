/**
 * The npm package: `pnpm pack` in apps/xkslab, then install the tarball with npm alone into a
 * temporary prefix (no workspace, no pnpm on the way) and use the installed `xkslab`: a signed XKS
 * health check against `serve`, `kms`, `conformance --help`, and `npx --yes <tarball>`.
 */
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  makeTempDir,
  REPO_ROOT,
  removeDir,
  runXkslab,
  startXkslab,
} from './support/binary.ts';
import { startKms } from './support/kms.ts';
import { defaultKeyStoreTarget } from './support/proxy-config.ts';
import { healthOk } from './support/xks-ops.ts';

const run = promisify(execFile);
const APP_DIR = join(REPO_ROOT, 'apps', 'xkslab');
const INSTALL_TIMEOUT_MS = 120_000;

type PackedFile = { path: string };
/**
 * npm's environment outside the workspace: none of the npm_* / pnpm variables a `pnpm test` run
 * sets, a private npm cache, and a PATH with Node.js's own directory and the system's.
 */
function npmEnv(work: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || /^(npm_|pnpm_)/i.test(name)) continue;
    env[name] = value;
  }
  env.PATH = [dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':');
  env.npm_config_cache = join(work, 'npm-cache');
  env.npm_config_update_notifier = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_audit = 'false';
  return env;
}

describe('the npm package', { timeout: 180_000 }, () => {
  let work: string;
  let tarball: string;
  let packedFiles: string[];
  let xkslab: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    assertBuilt(); // pnpm pack ships apps/xkslab/dist as it is
    work = await makeTempDir('npm-package');
    env = npmEnv(work);
    const packed = await run('pnpm', ['pack', '--json', '--pack-destination', work], {
      cwd: APP_DIR,
      timeout: INSTALL_TIMEOUT_MS,
    });
    const report = JSON.parse(packed.stdout) as { filename: string; files: PackedFile[] };
    tarball = report.filename;
    packedFiles = report.files.map((f) => f.path).sort();
    const prefix = join(work, 'prefix');
    // Installed from the work directory, outside the repository, by npm alone.
    await run('npm', ['i', '-g', '--prefix', prefix, '--loglevel=error', tarball], {
      cwd: work,
      env,
      timeout: INSTALL_TIMEOUT_MS,
    });
    xkslab = join(prefix, 'bin', 'xkslab');
  }, INSTALL_TIMEOUT_MS * 2);

  afterAll(async () => {
    await removeDir(work);
  });

  it('packs the bundle, the dashboard files and the licenses, and nothing test- or bench-only', () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'dist/main.js',
        'dist/native/xkslab_aes_gcm.node',
        'dist/static/app.css',
        'dist/static/app.js',
        'dist/THIRD_PARTY_LICENSES.txt',
        'package.json',
      ]),
    );
    const offending = packedFiles.filter((f) =>
      /(^|\/)(test|tests|__tests__|bench|testing|src)(\/|$)|\.test\.|\.bench\.|\.ts$|\.map$/.test(
        f,
      ),
    );
    expect(offending).toEqual([]);
  });

  it('publishes only classic-level as a dependency, and no workspace: version', async () => {
    const installed = join(dirname(dirname(xkslab)), 'lib', 'node_modules', 'xkslab');
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(Object.keys(manifest.dependencies as object)).toEqual(['classic-level']);
    expect(JSON.stringify(manifest)).not.toContain('workspace:');
    expect(manifest.private).toBeUndefined();
    expect(manifest.exports).toBeUndefined();
    expect(manifest.bin).toEqual({ xkslab: './dist/main.js' });
    await stat(join(installed, 'node_modules', 'classic-level')).catch(() =>
      stat(join(dirname(installed), 'classic-level')),
    );
  });

  it('answers a signed XKS health check from the installed `xkslab serve`, on the native engine', async () => {
    const server = await startXkslab({ command: [xkslab], cwd: work, env });
    try {
      const health = await healthOk(await defaultKeyStoreTarget(server.port, server.dataDir));
      expect(health.xksProxyFleetSize).toBeGreaterThan(0);
      // The package carries the native engine's addon, built on this platform.
      expect(server.logs().find((l) => l.msg === 'listening')).toMatchObject({ engine: 'native' });
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  });

  it('starts the installed `xkslab kms`', async () => {
    const kms = await startKms([], { command: [xkslab], cwd: work, env });
    try {
      expect(kms.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    } finally {
      expect((await kms.stop()).code).toBe(0);
    }
  });

  it('prints `xkslab conformance --help`', async () => {
    const r = await runXkslab(['conformance', '--help'], { command: [xkslab], cwd: work, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Usage: xkslab conformance');
  });

  // npx does not pass SIGTERM on to the command it runs, so this runs a command that exits.
  it('runs from the tarball with `npx --yes ./xkslab-<version>.tgz`', async () => {
    const r = await runXkslab(['--version'], {
      command: ['npx', '--yes', `./${basename(tarball)}`],
      cwd: work,
      env,
      timeoutMs: INSTALL_TIMEOUT_MS,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^xkslab \d+\.\d+\.\d+/);
  });
});
