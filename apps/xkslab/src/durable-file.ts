import { open } from 'node:fs/promises';

/**
 * Writes `data` to the new file `path` (mode 0600; refused when `path` exists) and syncs it to
 * disk before closing: the first half of a crash-safe replace, which its caller completes with a
 * rename or a hard link.
 */
export async function writeNewSynced(path: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
