import { chmod, link, open, readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeNewSynced } from './durable-file.ts';
import { UserFacingError } from './user-facing-error.ts';

export const MASTER_KEY_FILE = 'master.key';

export class MasterKeyError extends UserFacingError {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyError';
  }
}

/**
 * Creates `file` all at once and on disk before anything is wrapped under it: written to a
 * temporary name, fsynced, then hard-linked into place (fails rather than replace a master key
 * another process made meanwhile) and the directory fsynced. A crash or a full disk never leaves
 * a half-written master.key behind.
 */
async function writeDurably(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeNewSynced(tmp, text);
    await chmod(tmp, 0o600);
    try {
      await link(tmp, file);
    } catch (e) {
      if (e instanceof Error && 'code' in e && e.code === 'EEXIST') {
        throw new MasterKeyError(`${file} appeared while creating it: is another xkslab starting?`);
      }
      throw e;
    }
    const dir = await open(dirname(file), 'r');
    await dir.sync().finally(() => dir.close());
  } catch (e) {
    if (e instanceof MasterKeyError) throw e;
    const code = e instanceof Error && 'code' in e ? String(e.code) : 'error';
    throw new MasterKeyError(`cannot create ${file} (${code})`);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

export function decodeMasterKey(text: string, where: string): Uint8Array {
  const trimmed = text.trim();
  const bytes = Buffer.from(trimmed, 'base64');
  if (bytes.length !== 32 || bytes.toString('base64') !== trimmed) {
    throw new MasterKeyError(`${where} must be standard Base64 of exactly 32 bytes`);
  }
  return new Uint8Array(bytes);
}

/**
 * The master key that wraps every module KEK: from XKSLAB_MASTER_KEY when set, else from
 * `<dataDir>/master.key`, which is created (mode 0600) only when the data directory is new.
 */
export async function loadMasterKey(options: {
  dataDir: string;
  fromEnv: string | undefined;
  isNewDataDir: boolean;
  random: (n: number) => Uint8Array;
}): Promise<{ key: Uint8Array; source: string; created: boolean }> {
  if (options.fromEnv !== undefined && options.fromEnv !== '') {
    return {
      key: decodeMasterKey(options.fromEnv, 'XKSLAB_MASTER_KEY'),
      source: 'XKSLAB_MASTER_KEY',
      created: false,
    };
  }
  const file = join(options.dataDir, MASTER_KEY_FILE);
  try {
    return {
      key: decodeMasterKey(await readFile(file, 'utf8'), file),
      source: file,
      created: false,
    };
  } catch (e) {
    if (!(e instanceof Error && 'code' in e && e.code === 'ENOENT')) throw e;
  }
  if (!options.isNewDataDir) {
    throw new MasterKeyError(
      `${file} is missing but ${options.dataDir} holds keys; restore the file or set XKSLAB_MASTER_KEY`,
    );
  }
  const key = options.random(32);
  await writeDurably(file, `${Buffer.from(key).toString('base64')}\n`);
  return { key, source: file, created: true };
}
