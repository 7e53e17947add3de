/**
 * The KMS emulator's optional state file and its master key: the state is written whole to a
 * temporary file (mode 0600), synced, then renamed over the old one, so a crash leaves the old or
 * the new state, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import type { StateStorage } from '@xkslab/kms-emulator';
import { writeNewSynced } from '../durable-file.ts';
import { decodeMasterKey } from '../master-key.ts';

export function fileStateStorage(file: string): StateStorage {
  return {
    async load() {
      try {
        return new Uint8Array(await readFile(file));
      } catch (e) {
        if (e instanceof Error && 'code' in e && e.code === 'ENOENT') return undefined;
        throw e;
      }
    },
    async save(bytes) {
      const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
      await writeNewSynced(temp, bytes);
      await rename(temp, file);
    },
  };
}

/**
 * The master key of a standalone `xkslab kms --state FILE`: `fromEnv` (XKSLAB_KMS_MASTER_KEY)
 * when set, else `keyFile`, created (mode 0600) on first use.
 */
export async function loadKmsMasterKey(options: {
  keyFile: string;
  fromEnv: string | undefined;
  random: (n: number) => Uint8Array;
}): Promise<Uint8Array> {
  if (options.fromEnv !== undefined && options.fromEnv !== '') {
    return decodeMasterKey(options.fromEnv, 'XKSLAB_KMS_MASTER_KEY');
  }
  try {
    return decodeMasterKey(await readFile(options.keyFile, 'utf8'), options.keyFile);
  } catch (e) {
    if (!(e instanceof Error && 'code' in e && e.code === 'ENOENT')) throw e;
  }
  const key = options.random(32);
  await writeFile(options.keyFile, `${Buffer.from(key).toString('base64')}\n`, {
    mode: 0o600,
    flag: 'wx',
  });
  await chmod(options.keyFile, 0o600);
  return key;
}
