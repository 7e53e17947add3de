import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Makes `dir` private to this user: creates it 0700 if missing, sets an existing one to 0700 and
 * every file directly in it to 0600. LevelDB creates its files with the process umask (0644 under
 * the usual 022); in a 0700 directory those are unreachable for others anyway, and this brings
 * them to 0600 at every open and close. Modes already private are left alone.
 */
export async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await restrict(dir, 0o700);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile()) await restrict(join(dir, entry.name), 0o600);
  }
}

async function restrict(path: string, mode: number): Promise<void> {
  const info = await stat(path);
  if ((info.mode & 0o777) !== mode) await chmod(path, mode);
}
