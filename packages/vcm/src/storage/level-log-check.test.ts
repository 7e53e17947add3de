import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isVcmError } from '../crypto/errors.ts';
import { checkLevelLogs, findLogDamage } from './level-log-check.ts';
import { LevelRecordStore } from './level-record-store.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A closed LevelDB with `n` synced puts still in its write-ahead log; returns db dir and log. */
async function dbWithLog(n: number): Promise<{ dir: string; log: string }> {
  const root = await mkdtemp(join(tmpdir(), 'xkslab-vcm-log-'));
  dirs.push(root);
  const dir = join(root, 'db');
  const store = await LevelRecordStore.open(dir);
  for (let i = 0; i < n; i++) await store.put(`k${i}`, new Uint8Array(300).fill(i));
  await store.close();
  const logs = (await readdir(dir)).filter((f) => /^\d+\.log$/.test(f));
  let log = '';
  let size = -1;
  for (const f of logs) {
    const s = (await stat(join(dir, f))).size;
    if (s > size) [log, size] = [join(dir, f), s];
  }
  return { dir, log };
}

describe('LevelDB write-ahead log check', () => {
  it('finds nothing wrong in a sound log', async () => {
    const { dir, log } = await dbWithLog(200);
    expect(findLogDamage(new Uint8Array(await readFile(log)))).toBeUndefined();
    expect(await checkLevelLogs(dir)).toBeUndefined();
  });

  it('accepts a log cut short at its end (a crash during an unacknowledged write)', async () => {
    const { dir, log } = await dbWithLog(50);
    const size = (await stat(log)).size;
    await truncate(log, size - 100);
    expect(await checkLevelLogs(dir)).toBeUndefined();
    const store = await LevelRecordStore.open(dir);
    expect(await store.get('k0')).toBeDefined();
    await store.close();
  });

  it('refuses to open a store whose log is damaged in the middle (no silent loss)', async () => {
    const { dir, log } = await dbWithLog(200);
    const bytes = await readFile(log);
    const mid = Math.floor(bytes.length / 2);
    bytes[mid] = (bytes[mid] as number) ^ 0xff;
    await writeFile(log, bytes);
    const damage = await checkLevelLogs(dir);
    expect(damage?.reason).toBe('checksum mismatch');
    await expect(LevelRecordStore.open(dir)).rejects.toSatisfy(
      (e) => isVcmError(e, 'CORRUPT_RECORD') && /write-ahead log .* is damaged/.test(String(e)),
    );
  });

  it('does not mind a missing directory (a new store)', async () => {
    expect(await checkLevelLogs(join(tmpdir(), 'xkslab-no-such-dir-8d1f'))).toBeUndefined();
  });
});
