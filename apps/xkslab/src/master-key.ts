import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const MASTER_KEY_FILE = 'master.key';

export class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyError';
  }
}

function decodeMasterKey(text: string, where: string): Uint8Array {
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
  await writeFile(file, `${Buffer.from(key).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  return { key, source: file, created: true };
}
