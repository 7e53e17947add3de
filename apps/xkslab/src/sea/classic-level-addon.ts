/**
 * classic-level's native binding inside the single executable. The executable's bundle replaces
 * classic-level's `require('node-gyp-build')(__dirname)` with a call to this module (see the
 * esbuild plugin in apps/xkslab/scripts/build.mjs), which loads the embedded LevelDB addon through
 * the integrity-checked cache of native-addon.ts.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { getRawAsset } from 'node:sea';
import { loadAddon, NativeAddonError } from './native-addon.ts';

/** The SEA asset key, and the cache file's name, of classic-level's addon. */
export const CLASSIC_LEVEL_ASSET = 'classic_level.node';

/**
 * The cache root: $XDG_CACHE_HOME when it is an absolute path, otherwise ~/.cache. This runs when
 * the bundle first requires classic-level, before main.ts, so it reads the environment itself.
 */
export function cacheRoot(): string {
  // biome-ignore lint/style/noProcessEnv: runs at module load, before main.ts can pass anything in
  const xdg = process.env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return xdg;
  const home = homedir();
  if (!home) {
    throw new NativeAddonError(
      'no home directory to cache the LevelDB addon in; set XDG_CACHE_HOME to a writable directory',
    );
  }
  return join(home, '.cache');
}

/**
 * Loads classic-level's addon from the executable's assets; `sha256` is the digest the build
 * recorded. This runs while the bundle loads, before main.ts has its error handling: a cache that
 * cannot be used ends the process here with one `xkslab:` line that says what to do, and exit 1.
 */
export function loadClassicLevelAddon(sha256: string): unknown {
  const raw = getRawAsset(CLASSIC_LEVEL_ASSET);
  const bytes = typeof raw === 'string' ? new TextEncoder().encode(raw) : new Uint8Array(raw);
  try {
    return loadAddon(
      { bytes, sha256, fileName: CLASSIC_LEVEL_ASSET, what: 'LevelDB' },
      cacheRoot(),
    );
  } catch (e) {
    if (!(e instanceof NativeAddonError)) throw e;
    process.stderr.write(`xkslab: ${e.message}\n`);
    process.exit(1);
  }
}
