/**
 * A bad environment: a deleted master key file, a corrupted LevelDB file, a read-only data
 * directory at start-up and while running, a full disk at start-up and during writes. Each must end in a clear error
 * (exit 1 with one line, or an XKS/admin error answer), never silent data loss, and a write is
 * never acknowledged unless it is durable: after the fault is gone, everything acknowledged is there.
 *
 * The disk cases need a small tmpfs (`mount -t tmpfs`, root). Where mounting is not allowed they
 * are skipped, saying so.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  newCredential,
  type Sealed,
  sealedOf,
  type XksTarget,
  xksClient,
} from '@xkslab/conformance/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeTempDir,
  removeDir,
  runXkslab,
  startXkslab,
  type XkslabServer,
} from '../support/binary.ts';
import { adminClient } from './support.ts';

const PREFIX = '/env/ks';
const REGION = 'ap-northeast-1';
const credential = newCredential();
const seed = {
  modules: [{ name: 'env', keys: [{ id: 'k', usage: ['ENCRYPT', 'DECRYPT'] }] }],
  keyStores: [
    {
      name: 'env',
      uriPathPrefix: PREFIX,
      region: REGION,
      module: 'env',
      credentials: [credential],
    },
  ],
};
const target = (s: XkslabServer): XksTarget => ({
  port: s.port,
  prefix: PREFIX,
  region: REGION,
  credential,
});

async function sealOne(s: XkslabServer, keyId = 'k') {
  const plaintext = randomBytes(40);
  const aad = randomBytes(10);
  const res = await xksClient(target(s)).encrypt(keyId, plaintext, aad);
  expect(res.status, res.text).toBe(200);
  return { keyId, plaintext, aad, sealed: sealedOf(res) };
}

async function decryptsTo(
  s: XkslabServer,
  c: { keyId: string; sealed: Sealed; aad: Buffer; plaintext: Buffer },
) {
  const res = await xksClient(target(s)).decrypt(c.keyId, c.sealed, c.aad);
  expect(res.status, res.text).toBe(200);
  expect(
    Buffer.from((res.json as { plaintext: string }).plaintext, 'base64').equals(c.plaintext),
  ).toBe(true);
}

/** `xkslab serve` on `dataDir` that is expected to refuse to start: its exit status and output. */
function tryServe(dataDir: string) {
  return runXkslab(['serve', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0']);
}

function tryMount(dir: string, sizeKiB: number): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k,mode=0700`, 'tmpfs', dir], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

function umount(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  } catch {
    // not mounted
  }
}

/** Writes a filler file until the file system is full; returns its path. */
async function fillDisk(dir: string): Promise<string> {
  const file = join(dir, 'filler');
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=4k'], { stdio: 'ignore' });
  } catch {
    // dd exits non-zero on ENOSPC: that is the point.
  }
  return file;
}

const probeDir = await makeTempDir('mount-probe');
const canMount = tryMount(probeDir, 1024);
if (canMount) umount(probeDir);
await removeDir(probeDir);
const MOUNT_SKIP = 'mount -t tmpfs is not allowed here (needs root in a sandbox that permits it)';

describe('bad environment', () => {
  const dirs: string[] = [];
  const mounts: string[] = [];
  beforeAll(() => {
    if (!canMount) console.log(`bad-env: disk cases skipped: ${MOUNT_SKIP}`);
  });
  const servers: XkslabServer[] = [];
  /** startXkslab, stopped after the suite if a failed test left it running. */
  const start: typeof startXkslab = async (options) => {
    const server = await startXkslab(options);
    servers.push(server);
    return server;
  };
  afterAll(async () => {
    for (const s of servers) await s.stop({ removeDataDir: false });
    for (const m of mounts) umount(m);
    for (const d of dirs) await removeDir(d);
  });

  /** A fresh tmpfs of `sizeKiB`, unmounted and removed after the suite. */
  async function mountTmpfs(label: string, sizeKiB: number): Promise<string> {
    const mnt = await makeTempDir(label);
    dirs.push(mnt);
    expect(tryMount(mnt, sizeKiB)).toBe(true);
    mounts.push(mnt);
    return mnt;
  }

  /** A server on a data directory inside a fresh tmpfs, with one ciphertext sealed before the fault. */
  async function serveOnTmpfs(label: string, sizeKiB: number) {
    const mnt = await mountTmpfs(label, sizeKiB);
    const dataDir = join(mnt, 'data');
    await mkdir(dataDir);
    const server = await start({ dataDir, seed });
    const admin = await adminClient(dataDir, server.port);
    return { mnt, dataDir, server, admin, before: await sealOne(server) };
  }

  it('a deleted master key file stops the start with a clear error; restoring it recovers everything', async () => {
    const dataDir = await makeTempDir('env-master');
    dirs.push(dataDir);
    const s1 = await start({ dataDir, seed });
    const c = await sealOne(s1);
    await s1.stop({ removeDataDir: false });
    const keyFile = join(dataDir, 'master.key');
    const saved = await readFile(keyFile);
    await rm(keyFile);
    const res = await tryServe(dataDir);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/master\.key is missing/);
    expect(existsSync(keyFile), 'no new master key made over existing data').toBe(false);
    await writeFile(keyFile, saved, { mode: 0o600 });
    const s2 = await start({ dataDir });
    await decryptsTo(s2, c);
    await s2.stop({ removeDataDir: false });
  });

  it('a wrong master key is refused before anything is unwrapped', async () => {
    const dataDir = await makeTempDir('env-wrong-master');
    dirs.push(dataDir);
    const s1 = await start({ dataDir, seed });
    await s1.stop({ removeDataDir: false });
    const res = await runXkslab(['serve', '--data-dir', dataDir, '--port', '0'], {
      env: { XKSLAB_MASTER_KEY: randomBytes(32).toString('base64') },
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/master key does not open this data directory/);
  });

  /** A data directory with 50 admin-created keys and a ciphertext under each; server stopped. */
  async function populated(label: string, restarts: number) {
    const dataDir = await makeTempDir(label);
    dirs.push(dataDir);
    const s1 = await start({ dataDir, seed });
    const admin = await adminClient(dataDir, s1.port);
    const sealed = [await sealOne(s1)];
    if (admin) {
      for (let i = 0; i < 50; i++) {
        const res = await admin('POST', '/modules/env/keys', {
          id: `c${i}`,
          usage: ['ENCRYPT', 'DECRYPT'],
        });
        expect(res.status, res.text).toBe(201);
        sealed.push(await sealOne(s1, `c${i}`));
      }
    }
    await s1.stop({ removeDataDir: false });
    // Each start turns the write-ahead log into a table file (.ldb).
    for (let i = 0; i < restarts; i++)
      await (await start({ dataDir })).stop({ removeDataDir: false });
    return { dataDir, sealed };
  }

  async function corrupt(dataDir: string, pattern: RegExp): Promise<number> {
    const db = join(dataDir, 'db');
    let corrupted = 0;
    for (const f of await readdir(db)) {
      if (!pattern.test(f)) continue;
      const path = join(db, f);
      const bytes = await readFile(path);
      if (bytes.length < 64) continue;
      randomBytes(32).copy(bytes, Math.floor(bytes.length / 2));
      await writeFile(path, bytes);
      corrupted++;
    }
    return corrupted;
  }

  it('a damaged write-ahead log stops the start with a clear error instead of dropping keys', async () => {
    const { dataDir } = await populated('env-corrupt-log', 0);
    expect(await corrupt(dataDir, /^\d+\.log$/)).toBeGreaterThan(0);
    const res = await tryServe(dataDir);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(/^xkslab: the database's write-ahead log .* is damaged/m);
  });

  it('a damaged table file never yields wrong data: the right answer or an error', async () => {
    const { dataDir, sealed } = await populated('env-corrupt-table', 1);
    const corrupted = await corrupt(dataDir, /\.(ldb|sst)$/);
    expect(corrupted).toBeGreaterThan(0);
    let s2: XkslabServer;
    try {
      s2 = await start({ dataDir });
    } catch (e) {
      expect(String(e)).toMatch(/xkslab: /);
      expect(String(e)).not.toMatch(/unexpected error/);
      return;
    }
    let good = 0;
    const names: Record<string, number> = {};
    for (const c of sealed) {
      const res = await xksClient(target(s2)).decrypt(c.keyId, c.sealed, c.aad);
      if (res.status === 200) {
        expect(
          Buffer.from((res.json as { plaintext: string }).plaintext, 'base64').equals(c.plaintext),
        ).toBe(true);
        good++;
      } else {
        const name = (res.json as { errorName: string }).errorName;
        expect(name).toMatch(/Exception$/);
        names[name] = (names[name] ?? 0) + 1;
      }
    }
    console.log(
      `bad-env: corrupted ${corrupted} table file(s); ${good} ciphertexts still decrypt, the others refused: ${JSON.stringify(names)}`,
    );
    await s2.stop({ removeDataDir: false });
  });

  it.skipIf(!canMount)(
    'a read-only data directory at start-up is a clear error, and nothing is lost',
    async () => {
      const mnt = await mountTmpfs('env-ro', 16 * 1024);
      const dataDir = join(mnt, 'data');
      await mkdir(dataDir);
      const s1 = await start({ dataDir, seed });
      const c = await sealOne(s1);
      await s1.stop({ removeDataDir: false });
      execFileSync('mount', ['-o', 'remount,ro', mnt]);
      const res = await tryServe(dataDir);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/xkslab: .*(not writable|read-only|EROFS)/i);
      execFileSync('mount', ['-o', 'remount,rw', mnt]);
      const s2 = await start({ dataDir });
      await decryptsTo(s2, c);
      await s2.stop({ removeDataDir: false });
    },
  );

  it.skipIf(!canMount)(
    'a data directory that turns read-only while running: errors, never a false acknowledgement',
    async () => {
      const { dataDir, server: s1, admin, before } = await serveOnTmpfs('env-ro-run', 64 * 1024);
      // A read-only bind mount over the data directory: files the server holds open stay
      // writable (as on any Unix), every file it opens from now on is refused with EROFS. LevelDB
      // opens a new log file when its 4 MiB write buffer fills, so bulk writes reach the fault.
      execFileSync('mount', ['--bind', dataDir, dataDir]);
      mounts.push(dataDir);
      execFileSync('mount', ['-o', 'remount,bind,ro', dataDir]);
      const acked: string[] = [];
      let refusal: { status: number; text: string } | undefined;
      if (admin) {
        for (let batch = 0; batch < 40 && !refusal; batch++) {
          const res = await admin('POST', '/modules/env/keys/bulk', {
            idPrefix: `ro${batch}-`,
            start: 0,
            count: 1000,
            usage: ['ENCRYPT', 'DECRYPT'],
          });
          if (res.status === 201) acked.push(`ro${batch}-999`, `ro${batch}-0`);
          else refusal = { status: res.status, text: res.text };
        }
        expect(refusal, 'writes into a read-only directory must fail').toBeDefined();
        expect(refusal?.status).toBeGreaterThanOrEqual(500);
        expect(JSON.parse(refusal?.text ?? '{}')).toMatchObject({
          error: { code: 'STORE_UNAVAILABLE', message: expect.any(String) },
        });
        // The log says why, down to the file system's own words.
        const logged = s1.logs().find((l) => l.level === 'error');
        expect(String(logged?.cause)).toMatch(/read-only file system|EROFS/i);
        // Later writes fail too, each with an answer, and the server stays up.
        const again = await admin('POST', '/modules/env/keys', {
          id: 'after-ro',
          usage: ['ENCRYPT'],
        });
        expect(again.status).toBeGreaterThanOrEqual(500);
      }
      await decryptsTo(s1, before);
      expect(s1.child.exitCode).toBeNull();
      await s1.stop({ removeDataDir: false });
      umount(dataDir);
      const s2 = await start({ dataDir });
      const xks = xksClient(target(s2));
      for (const id of acked) expect((await xks.metadata(id)).status, id).toBe(200);
      expect((await xks.metadata('after-ro')).status).toBe(404);
      await decryptsTo(s2, before);
      console.log(
        `bad-env: read-only while running: ${acked.length / 2} bulk batches acknowledged before EROFS (all present after restart); refusal: ${refusal?.status} ${refusal?.text ?? '-'}`,
      );
      await s2.stop({ removeDataDir: false });
    },
  );

  it.skipIf(!canMount)('a full disk at start-up is a clear error', async () => {
    const mnt = await mountTmpfs('env-full-start', 2048);
    const filler = await fillDisk(mnt);
    const dataDir = join(mnt, 'data');
    const res = await tryServe(dataDir);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^xkslab: /m);
    expect(res.stderr).not.toMatch(/unexpected error/);
    await rm(filler);
    // With space again it starts; whatever the failed start left does not stop it.
    const s = await start({ dataDir, seed });
    await sealOne(s);
    await s.stop({ removeDataDir: false });
  });

  it.skipIf(!canMount)(
    'a full disk during writes: errors, never a false acknowledgement, all acknowledged writes kept',
    async () => {
      const {
        mnt,
        dataDir,
        server: s1,
        admin,
        before,
      } = await serveOnTmpfs('env-full-run', 16 * 1024);
      const filler = await fillDisk(mnt);
      expect((await stat(filler)).size).toBeGreaterThan(0);
      const acked: string[] = [];
      const refused: string[] = [];
      if (admin) {
        for (let i = 0; i < 200; i++) {
          const res = await admin('POST', '/modules/env/keys', {
            id: `full-${i}`,
            usage: ['ENCRYPT', 'DECRYPT'],
          });
          if (res.status === 201) acked.push(`full-${i}`);
          else {
            expect(res.status, res.text).toBeGreaterThanOrEqual(500);
            refused.push(res.text);
          }
        }
        expect(refused.length, 'writes on a full disk must fail').toBeGreaterThan(0);
      }
      // Reads of cached keys still work; the server is alive and answers in JSON.
      await decryptsTo(s1, before);
      const health = await xksClient(target(s1)).health();
      expect([200, 500, 503]).toContain(health.status);
      expect(s1.child.exitCode).toBeNull();
      await s1.stop({ removeDataDir: false });
      await rm(filler);
      const s2 = await start({ dataDir });
      const xks = xksClient(target(s2));
      for (const id of acked) expect((await xks.metadata(id)).status, id).toBe(200);
      await decryptsTo(s2, before);
      console.log(
        `bad-env: disk full: ${acked.length} creations acknowledged before ENOSPC (all present after restart), ${refused.length} refused; first refusal: ${refused[0] ?? '-'}`,
      );
      await s2.stop({ removeDataDir: false });
    },
  );
});
