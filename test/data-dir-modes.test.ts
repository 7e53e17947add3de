/**
 * File modes in the data directory: whatever the umask and however the directory was created,
 * the database directory is 0700 and every file in it 0600, like master.key and admin-token.
 */
import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminFor, adminOk } from './support/admin-api.ts';
import { MAIN_JS, makeTempDir, removeDir } from './support/binary.ts';
import { useTempServers } from './support/fixture.ts';
import { labSeed } from './support/lab-seed.ts';

const { start } = useTempServers();
const mode = async (path: string) => (await stat(path)).mode & 0o777;

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
        // The shell sets the umask most systems run with, then becomes xkslab.
        command: ['sh', '-c', 'umask 022; exec "$0" "$@"', process.execPath, MAIN_JS],
      });
      const admin = await adminFor(dataDir);
      adminOk(await admin.call('POST', '/modules/hsm-a/keys', { id: 'modes' }), 201);
      await server.stop();

      const db = join(dataDir, 'db');
      expect((await mode(db)).toString(8)).toBe('700');
      const files = await readdir(db);
      expect(files.length).toBeGreaterThan(2);
      const modes = Object.fromEntries(
        await Promise.all(files.map(async (f) => [f, (await mode(join(db, f))).toString(8)])),
      );
      expect(modes).toEqual(Object.fromEntries(files.map((f) => [f, '600'])));
      expect((await mode(join(dataDir, 'master.key'))).toString(8)).toBe('600');
      expect((await mode(join(dataDir, 'admin-token'))).toString(8)).toBe('600');
    } finally {
      await removeDir(parent);
    }
  });
});
