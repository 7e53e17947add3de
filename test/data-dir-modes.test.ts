/**
 * File modes in the data directory: whatever the umask and however the directory was created,
 * the database directory is 0700 and every file in it 0600, like master.key and admin-token,
 * after a stop and while the server runs (files LevelDB makes on the way included).
 */
import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminFor, adminOk } from './support/admin-api.ts';
import { MAIN_JS, makeTempDir, removeDir } from './support/binary.ts';
import { useTempServers } from './support/fixture.ts';
import { labSeed } from './support/lab-seed.ts';

const { start, tempDir } = useTempServers();
const mode = async (path: string) => (await stat(path)).mode & 0o777;
/** The shell sets the umask most systems run with, then becomes xkslab. */
const UMASK_022 = ['sh', '-c', 'umask 022; exec "$0" "$@"', process.execPath, MAIN_JS];

/** The octal mode of every file directly in `dir`, by name. */
async function modesIn(dir: string): Promise<Record<string, string>> {
  const files = await readdir(dir);
  return Object.fromEntries(
    await Promise.all(files.map(async (f) => [f, (await mode(join(dir, f))).toString(8)])),
  );
}
const allPrivate = (modes: Record<string, string>) =>
  Object.fromEntries(Object.keys(modes).map((f) => [f, '600']));

describe('data directory file modes', () => {
  it('db/ is 0700 and its files 0600 under umask 022 in a data directory made 0755', async () => {
    const parent = await makeTempDir('modes');
    try {
      const dataDir = join(parent, 'data');
      await mkdir(dataDir);
      await chmod(dataDir, 0o755);
      const server = await start({
        dataDir,
        seed: labSeed().seed,
        command: UMASK_022,
      });
      const admin = await adminFor(dataDir);
      adminOk(await admin.call('POST', '/modules/hsm-a/keys', { id: 'modes' }), 201);
      await server.stop();

      const db = join(dataDir, 'db');
      expect((await mode(db)).toString(8)).toBe('700');
      const modes = await modesIn(db);
      expect(Object.keys(modes).length).toBeGreaterThan(2);
      expect(modes).toEqual(allPrivate(modes));
      expect((await mode(join(dataDir, 'master.key'))).toString(8)).toBe('600');
      expect((await mode(join(dataDir, 'admin-token'))).toString(8)).toBe('600');
    } finally {
      await removeDir(parent);
    }
  });

  it('db/ files LevelDB makes while the server runs are 0600 under umask 022', async () => {
    const dataDir = await tempDir('modes-running');
    await start({ dataDir, seed: labSeed().seed, command: UMASK_022 });
    const admin = await adminFor(dataDir);
    // Enough keys to fill LevelDB's 4 MiB write buffer: it writes a table and starts a new log.
    for (let i = 0; i < 3; i++) {
      const body = { idPrefix: `running-${i}-`, count: 10_000 };
      adminOk(await admin.call('POST', '/modules/hsm-a/keys/bulk', body), 201);
    }
    const db = join(dataDir, 'db');
    const modes = await modesIn(db);
    expect(Object.keys(modes).some((f) => f.endsWith('.ldb'))).toBe(true);
    expect(modes).toEqual(allPrivate(modes));
    expect((await mode(db)).toString(8)).toBe('700');
    const top = await modesIn(dataDir);
    delete top.db;
    expect(top).toEqual(allPrivate(top));
  }, 60_000);
});
