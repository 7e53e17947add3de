/**
 * Backup and restore: ciphertexts made before a backup decrypt after a restore into a fresh
 * directory served by a new server; tampered, truncated or wrongly keyed backups are refused with
 * one clear line and nothing written (the target directory is not even created).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runXkslab } from './support/binary.ts';
import { useTempServers } from './support/fixture.ts';
import { labSeed } from './support/lab-seed.ts';
import type { EncryptOutput } from './support/xks-client.ts';
import { decryptOk, encryptOk, healthOk } from './support/xks-ops.ts';

const lab = labSeed();
const { tempDir, start } = useTempServers();
let work: string;
let source: string;
let backupFile: string;
const plaintext = randomBytes(64);
const aad = Buffer.from('backup-e2e');
let sealed: { foo: EncryptOutput; fixed: EncryptOutput; fooB: EncryptOutput };

function expectOneLineError(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^xkslab: \S/);
  return lines[0] ?? '';
}

beforeAll(async () => {
  work = await tempDir('backup');
  source = join(work, 'source');
  const server = await start({ dataDir: source, seed: lab.seed });
  const t = lab.targets(server.port);
  sealed = {
    foo: await encryptOk(t.a, 'foo', { plaintext, aad }),
    fixed: await encryptOk(t.a, 'fixed', { plaintext }),
    fooB: await encryptOk(t.b, 'foo', { plaintext }),
  };
  await server.stop({ removeDataDir: false });
  backupFile = join(work, 'lab.backup');
  const r = await runXkslab(['backup', backupFile, '--data-dir', source]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/^backup written to \S+lab\.backup: \d+ records, \d+ bytes/);
});

describe('xkslab backup', () => {
  it('writes a private file with a readable header and no record in the clear', async () => {
    expect((await stat(backupFile)).mode & 0o777).toBe(0o600);
    const bytes = await readFile(backupFile);
    const [magic, header] = bytes.toString('latin1').split('\n');
    expect(magic).toBe('XKSLAB-BACKUP');
    expect(JSON.parse(header ?? '')).toMatchObject({ version: 1, cipher: 'AES-256-GCM' });
    const text = bytes.toString('latin1');
    for (const secret of [lab.credentials.a1.secretAccessKey, 'hsm-a', 'fixed-disabled']) {
      expect(text.includes(secret), secret).toBe(false);
    }
    expect(bytes.includes(lab.material)).toBe(false);
  });

  it('never overwrites a file, and says when there is no database', async () => {
    const again = await runXkslab(['backup', backupFile, '--data-dir', source]);
    expect(again.code).toBe(1);
    expect(expectOneLineError(again.stderr)).toMatch(/already exists/);
    const empty = await tempDir('nodb');
    const none = await runXkslab(['backup', join(work, 'x.backup'), '--data-dir', empty]);
    expect(none.code).toBe(1);
    expect(expectOneLineError(none.stderr)).toMatch(/no xkslab database in/);
  });

  it('records the backup in the audit log', async () => {
    const log = await readFile(join(source, 'audit.log'), 'utf8');
    expect(log).toContain('"operation":"admin:Backup"');
    const r = await runXkslab(['audit', 'verify', '--data-dir', source]);
    expect(r.code, r.stdout).toBe(0);
  });
});

describe('xkslab restore', () => {
  it('rebuilds a data directory whose server decrypts what was encrypted before the backup', async () => {
    const target = join(work, 'restored');
    const r = await runXkslab([
      'restore',
      backupFile,
      '--data-dir',
      target,
      '--master-key-file',
      join(source, 'master.key'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^restored \d+ records \(2 modules, 11 keys, 3 key stores\)/);
    expect((await stat(join(target, 'master.key'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(target, 'master.key'), 'utf8')).toBe(
      await readFile(join(source, 'master.key'), 'utf8'),
    );
    const server = await start({ dataDir: target });
    const t = lab.targets(server.port);
    await healthOk(t.a);
    expect(await decryptOk(t.a, 'foo', sealed.foo, aad)).toEqual(plaintext);
    expect(await decryptOk(t.a2, 'fixed', sealed.fixed)).toEqual(plaintext);
    expect(await decryptOk(t.b, 'foo', sealed.fooB)).toEqual(plaintext);
    // The restored directory starts its own audit chain with the restore.
    const log = await readFile(join(target, 'audit.log'), 'utf8');
    expect(log.split('\n')[0]).toContain('"operation":"admin:Restore"');
  });

  it('takes the master key from XKSLAB_MASTER_KEY too (and then does not write it)', async () => {
    const target = join(work, 'restored-env');
    const key = (await readFile(join(source, 'master.key'), 'utf8')).trim();
    const r = await runXkslab(['restore', backupFile, '--data-dir', target], {
      env: { XKSLAB_MASTER_KEY: key },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(target, 'master.key'))).toBe(false);
    expect(r.stdout).toContain('XKSLAB_MASTER_KEY');
  });

  async function refused(bytes: Uint8Array | string, message: RegExp, keyFile?: string) {
    const file = join(work, `bad-${randomBytes(4).toString('hex')}.backup`);
    await writeFile(file, bytes);
    const target = join(work, `never-${randomBytes(4).toString('hex')}`);
    const r = await runXkslab([
      'restore',
      file,
      '--data-dir',
      target,
      '--master-key-file',
      keyFile ?? join(source, 'master.key'),
    ]);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r.stderr)).toMatch(message);
    expect(existsSync(target)).toBe(false);
  }

  it('refuses a tampered backup and writes nothing', async () => {
    const bytes = await readFile(backupFile);
    for (const at of [bytes.length - 1, bytes.length - 40, Math.floor(bytes.length * 0.75)]) {
      const copy = Buffer.from(bytes);
      copy[at] = (copy[at] ?? 0) ^ 0x20;
      await refused(copy, /integrity check \(AES-GCM tag\).*nothing written$/);
    }
    const header = Buffer.from(
      bytes.toString('latin1').replace('"records":', '"records":1'),
      'latin1',
    );
    await refused(header, /nothing written$/);
  });

  it('refuses a truncated backup and writes nothing', async () => {
    const bytes = await readFile(backupFile);
    await refused(bytes.subarray(0, bytes.length - 100), /truncated.*nothing written$/);
    await refused(bytes.subarray(0, 30), /truncated|header/);
    await refused('', /not an xkslab backup/);
  });

  it('refuses a backup under another master key and writes nothing', async () => {
    const keyFile = join(work, 'other.key');
    await writeFile(keyFile, `${randomBytes(32).toString('base64')}\n`);
    await refused(await readFile(backupFile), /another master key/, keyFile);
  });

  it('refuses a non-empty target, and needs a master key and --data-dir', async () => {
    const full = join(work, 'full');
    await mkdir(full);
    await writeFile(join(full, 'something'), 'x');
    const keyArgs = ['--master-key-file', join(source, 'master.key')];
    const r = await runXkslab(['restore', backupFile, '--data-dir', full, ...keyArgs]);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r.stderr)).toMatch(/is not empty/);
    expect(await readdir(full)).toEqual(['something']);
    const noKey = await runXkslab(['restore', backupFile, '--data-dir', join(work, 'nokey')]);
    expect(noKey.code).toBe(1);
    expect(expectOneLineError(noKey.stderr)).toMatch(/needs the master key/);
    const noDir = await runXkslab(['restore', backupFile, ...keyArgs]);
    expect(noDir.code).toBe(2);
    expect(expectOneLineError(noDir.stderr)).toMatch(/--data-dir NEW is required/);
  });
});

describe('xkslab backup while the server runs', () => {
  it('takes the snapshot through the admin API, and the restore of it decrypts', async () => {
    const dir = join(work, 'running');
    const live = labSeed();
    const server = await start({ dataDir: dir, seed: live.seed });
    const out = await encryptOk(live.targets(server.port).a, 'bar', { plaintext });
    const file = join(work, 'live.backup');
    const r = await runXkslab(['backup', file, '--data-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/by the running server/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // The server recorded the backup (principal admin) in its audit log.
    const log = await readFile(join(dir, 'audit.log'), 'utf8');
    expect(log).toMatch(/"operation":"admin:Backup","result":"ok","principal":"admin"/);
    await server.stop({ removeDataDir: false });

    const target = join(work, 'running-restored');
    const restored = await runXkslab([
      'restore',
      file,
      '--data-dir',
      target,
      '--master-key-file',
      join(dir, 'master.key'),
    ]);
    expect(restored.code, restored.stderr).toBe(0);
    const again = await start({ dataDir: target });
    expect(await decryptOk(live.targets(again.port).a, 'bar', out)).toEqual(plaintext);
  });
});
