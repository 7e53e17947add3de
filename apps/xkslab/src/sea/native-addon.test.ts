import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EmbeddedAddon, loadAddon, NativeAddonError, placeAddon } from './native-addon.ts';

const require = createRequire(import.meta.url);
const PREBUILD = join(
  dirname(require.resolve('classic-level/package.json')),
  'prebuilds',
  'linux-x64',
  'classic-level.node',
);
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

function addonOf(bytes: Uint8Array, fileName = 'thing.node'): EmbeddedAddon {
  return {
    bytes,
    fileName,
    what: 'test',
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

describe('native addon cache', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'xkslab-addon-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes the addon to <root>/xkslab/<sha256>/<name>, directories 0700 and the file 0600', async () => {
    const addon = addonOf(new TextEncoder().encode('addon bytes'));
    const file = placeAddon(addon, root);
    expect(file).toBe(join(root, 'xkslab', addon.sha256, 'thing.node'));
    expect(new Uint8Array(await readFile(file))).toEqual(addon.bytes);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(file))).mode & 0o777).toBe(0o700);
    expect((await stat(join(root, 'xkslab'))).mode & 0o777).toBe(0o700);
  });

  it('rewrites a cache file whose bytes differ, atomically (no temporary file left)', async () => {
    const addon = addonOf(new TextEncoder().encode('the real addon'));
    const file = placeAddon(addon, root);
    await writeFile(file, 'the evil addon');
    expect(placeAddon(addon, root)).toBe(file);
    expect(await readFile(file, 'utf8')).toBe('the real addon');
    expect(await readdir(dirname(file))).toEqual(['thing.node']);
  });

  it('rewrites a cache file others can read or write, and closes an open directory', async () => {
    const addon = addonOf(new TextEncoder().encode('addon'));
    const file = placeAddon(addon, root);
    await chmod(file, 0o666);
    await chmod(dirname(file), 0o777);
    placeAddon(addon, root);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(file))).mode & 0o777).toBe(0o700);
  });

  it('replaces a symbolic link in place of the cache file with a regular file', async () => {
    const addon = addonOf(new TextEncoder().encode('addon'));
    const file = placeAddon(addon, root);
    const elsewhere = join(root, 'elsewhere.node');
    await writeFile(elsewhere, 'addon');
    await rm(file);
    await symlink(elsewhere, file);
    placeAddon(addon, root);
    expect((await stat(file)).isFile()).toBe(true);
    expect(await readFile(elsewhere, 'utf8')).toBe('addon');
    const { lstat } = await import('node:fs/promises');
    expect((await lstat(file)).isSymbolicLink()).toBe(false);
  });

  it('refuses an embedded copy whose digest is not the one the build recorded', () => {
    const addon = { ...addonOf(new TextEncoder().encode('addon')), sha256: '00'.repeat(32) };
    expect(() => placeAddon(addon, root)).toThrow(NativeAddonError);
    expect(() => placeAddon(addon, root)).toThrow(/damaged.*pnpm build:exe/);
  });

  it('says to set XDG_CACHE_HOME when the cache root cannot be written', async () => {
    const blocker = join(root, 'not-a-dir');
    await writeFile(blocker, '');
    const addon = addonOf(new TextEncoder().encode('addon'));
    expect(() => placeAddon(addon, blocker)).toThrow(/XDG_CACHE_HOME/);
  });

  it('needs the parent of the cache root to exist (it creates one level, not a whole path)', () => {
    const addon = addonOf(new TextEncoder().encode('addon'));
    expect(() => placeAddon(addon, join(root, 'no', 'such', 'dir'))).toThrow(/XDG_CACHE_HOME/);
  });

  it.skipIf(!linuxX64)(
    'loads classic-level’s LevelDB addon from the cache with dlopen',
    async () => {
      const addon = addonOf(new Uint8Array(await readFile(PREBUILD)), 'classic_level.node');
      const exports = loadAddon(addon, root) as Record<string, unknown>;
      expect(typeof exports.db_init).toBe('function');
      expect((await stat(join(root, 'xkslab', addon.sha256, 'classic_level.node'))).size).toBe(
        addon.bytes.length,
      );
    },
  );
});
