/**
 * Loading a native addon that travels inside the single executable. `process.dlopen` needs a file,
 * so the addon's bytes are written once to a private cache file and loaded from there:
 * `<cacheRoot>/xkslab/<sha256>/<fileName>`, directories 0700 and the file 0600, owned by this user.
 * The file's SHA-256 is checked against the expected digest right before every `dlopen`; a file that
 * is missing, foreign, too open or different is replaced atomically (write a temporary file, fsync,
 * rename) and checked again.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  type Stats,
  writeSync,
} from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';

export type EmbeddedAddon = {
  /** The addon's bytes as embedded in the executable. */
  readonly bytes: Uint8Array;
  /** The SHA-256 (hex) the build recorded for those bytes. */
  readonly sha256: string;
  /** The cache file's name, e.g. `classic_level.node`. */
  readonly fileName: string;
  /** What it is, for messages: `LevelDB` for classic_level.node. */
  readonly what: string;
};

export class NativeAddonError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NativeAddonError';
  }
}

const PRIVATE_DIR_MODE = 0o700;
const PRIVATE_FILE_MODE = 0o600;

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function ownedByMe(stats: Stats): boolean {
  return process.getuid === undefined || stats.uid === process.getuid();
}

/**
 * Creates `dir` (one level: its parent must exist) unless it exists. Not `recursive`: Node's
 * recursive mkdir never returns under /proc, where a bad HOME can point.
 */
function mkdirIfMissing(dir: string): void {
  try {
    mkdirSync(dir, { mode: PRIVATE_DIR_MODE });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

/** Creates `dir` (0700) or checks that it is a real directory of ours, closing its mode to 0700. */
function ensurePrivateDir(dir: string): void {
  mkdirIfMissing(dir);
  const stats = lstatSync(dir);
  if (!stats.isDirectory() || !ownedByMe(stats)) {
    throw new NativeAddonError(
      `${dir} is not a directory owned by this user; remove it, or point XDG_CACHE_HOME at a private directory`,
    );
  }
  if ((stats.mode & 0o777) !== PRIVATE_DIR_MODE) chmodSync(dir, PRIVATE_DIR_MODE);
}

/** True when `file` is a regular 0600 file of ours whose SHA-256 is `sha256`. */
function holdsAddon(file: string, sha256: string): boolean {
  const stats = lstatOrUndefined(file);
  if (!stats?.isFile() || !ownedByMe(stats) || (stats.mode & 0o777) !== PRIVATE_FILE_MODE) {
    return false;
  }
  return sha256Hex(readFileSync(file)) === sha256;
}

/** Replaces `file` atomically with `bytes` (0600): a temporary file in the same directory, renamed. */
function writeAtomically(file: string, bytes: Uint8Array): void {
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', PRIVATE_FILE_MODE);
  try {
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(temporary, file);
  } catch (e) {
    rmSync(temporary, { force: true });
    throw e;
  }
}

/**
 * Puts `addon` in its cache file under `cacheRoot` (rewriting the file when it is not exactly the
 * expected bytes with the expected owner and mode) and returns the file's path, checked.
 */
export function placeAddon(addon: EmbeddedAddon, cacheRoot: string): string {
  const embedded = sha256Hex(addon.bytes);
  if (embedded !== addon.sha256) {
    throw new NativeAddonError(
      `the ${addon.fileName} embedded in this executable is damaged (sha256 ${embedded}, expected ${addon.sha256}); rebuild it with 'pnpm build:exe'`,
    );
  }
  const appDir = join(cacheRoot, 'xkslab');
  const dir = join(appDir, addon.sha256);
  try {
    mkdirIfMissing(cacheRoot);
    ensurePrivateDir(appDir);
    ensurePrivateDir(dir);
    const file = join(dir, addon.fileName);
    if (holdsAddon(file, addon.sha256)) return file;
    writeAtomically(file, addon.bytes);
    if (holdsAddon(file, addon.sha256)) return file;
    throw new NativeAddonError(`${file} does not hold the bytes just written to it`);
  } catch (e) {
    if (e instanceof NativeAddonError) throw e;
    throw new NativeAddonError(
      `cannot write the ${addon.what} addon cache under ${appDir} (${(e as Error).message}); set XDG_CACHE_HOME to a writable directory`,
      { cause: e },
    );
  }
}

/**
 * Places `addon` (see placeAddon: the file's digest is checked as its last step) and loads it with
 * `process.dlopen`; returns the addon's exports.
 */
export function loadAddon(addon: EmbeddedAddon, cacheRoot: string): unknown {
  const file = placeAddon(addon, cacheRoot);
  const module = { exports: {} as unknown };
  process.dlopen(module, file, osConstants.dlopen.RTLD_NOW);
  return module.exports;
}
