/**
 * The first hour with the command line, part three: the admin token of a restored directory, keys
 * without --module, and `reset`.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runXkslab } from './support/binary.ts';
import { oneLineError, useCliProcesses } from './support/cli-processes.ts';
import { rawRequest } from './support/http-client.ts';
import { labSeed } from './support/lab-seed.ts';

const { tempDir, start, removeLater } = useCliProcesses();

describe('restore and the admin token', () => {
  it('the first start of a restored directory prints a new token that works', async () => {
    const work = await tempDir('restoretoken');
    const source = join(work, 'source');
    const first = await start({ dataDir: source, seed: labSeed().seed });
    await first.stop({ removeDataDir: false });
    const backup = join(work, 'lab.backup');
    expect((await runXkslab(['backup', backup, '--data-dir', source])).code).toBe(0);
    const target = join(work, 'restored');
    const restored = await runXkslab([
      'restore',
      backup,
      '--data-dir',
      target,
      '--master-key-file',
      join(source, 'master.key'),
    ]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain('the admin token is not restored');

    const server = await start({ dataDir: target });
    const stderr = server.stderr();
    expect(stderr).toContain('a restore does not carry one over');
    const token = /Admin API token[^\n]*\n {2}(\S+)/.exec(stderr)?.[1];
    expect(token, stderr).toBeDefined();
    expect((await readFile(join(target, 'admin-token'), 'utf8')).trim()).toBe(token);
    const { url } = JSON.parse(await readFile(join(target, 'admin.json'), 'utf8')) as {
      url: string;
    };
    const res = await rawRequest({
      port: Number(new URL(url).port),
      method: 'GET',
      path: '/admin/v1/modules',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status, res.text).toBe(200);
    const cli = await runXkslab(['modules', 'list', '--data-dir', target]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('hsm-a');
    // The next start keeps that token and prints none.
    await server.stop({ removeDataDir: false });
    const again = await start({ dataDir: target });
    expect(again.stderr()).not.toContain('Admin API token');
  }, 60_000);
});

describe('keys without --module', () => {
  it('uses the only module of the server, for every keys command that needs one', async () => {
    const server = await start({
      seed: { modules: [{ name: 'solo', keys: [{ id: 'k1', usage: ['ENCRYPT', 'DECRYPT'] }] }] },
    });
    const d = ['--data-dir', server.dataDir];
    const list = await runXkslab(['keys', 'list', ...d]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^k1\s/m);
    const created = await runXkslab(['keys', 'create', 'k2', '--json', ...d]);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ module: 'solo', id: 'k2' });
    for (const args of [
      ['describe', 'k2'],
      ['disable', 'k2'],
      ['enable', 'k2'],
      ['rotate', 'k2'],
      ['bulk-create', 'b-', '--count', '2'],
    ]) {
      const r = await runXkslab(['keys', ...args, ...d]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const all = await runXkslab(['keys', 'list', '--json', ...d]);
    expect(JSON.parse(all.stdout).keys.map((k: { id: string }) => k.id)).toEqual([
      'b-0',
      'b-1',
      'k1',
      'k2',
    ]);
  });

  it('names the modules when the server has several', async () => {
    const server = await start({ seed: labSeed().seed });
    for (const args of [['list'], ['describe', 'foo'], ['create', 'new-key']]) {
      const r = await runXkslab(['keys', ...args, '--data-dir', server.dataDir]);
      expect(r.code, r.stderr).toBe(2);
      expect(oneLineError(r)).toBe(
        'xkslab: --module is required: this server has modules hsm-a, hsm-b',
      );
    }
    const named = await runXkslab([
      'keys',
      'describe',
      'foo',
      '--module',
      'hsm-b',
      '--data-dir',
      server.dataDir,
    ]);
    expect(named.code, named.stderr).toBe(0);
  });
});

describe('xkslab reset', () => {
  it('wipes a stopped data directory with --yes, and the next start is a first start', async () => {
    const server = await start();
    await server.stop({ removeDataDir: false });
    removeLater(server.dataDir);
    const r = await runXkslab(['reset', '--data-dir', server.dataDir, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`removed ${server.dataDir}`);
    expect(existsSync(server.dataDir)).toBe(false);
    const fresh = await start({ dataDir: server.dataDir });
    expect(fresh.stderr()).toContain('First start');
  });

  it('refuses without a terminal and without --yes, naming --yes', async () => {
    const server = await start();
    await server.stop({ removeDataDir: false });
    removeLater(server.dataDir);
    const r = await runXkslab(['reset', '--data-dir', server.dataDir]);
    expect(r.code).toBe(1);
    expect(oneLineError(r)).toMatch(/stdin is not a terminal: pass --yes/);
    expect(existsSync(join(server.dataDir, 'master.key'))).toBe(true);
  });

  it('refuses while a server uses the directory', async () => {
    const server = await start();
    const r = await runXkslab(['reset', '--data-dir', server.dataDir, '--yes']);
    expect(r.code).toBe(1);
    expect(oneLineError(r)).toMatch(/a running server uses .* stop it first; nothing removed/);
    expect(existsSync(join(server.dataDir, 'db'))).toBe(true);
  });

  it('refuses a directory that is not a data directory', async () => {
    const dir = await tempDir('notdata');
    await mkdir(join(dir, 'photos'));
    await writeFile(join(dir, 'notes.txt'), 'keep me');
    const r = await runXkslab(['reset', '--data-dir', dir, '--yes']);
    expect(r.code).toBe(1);
    expect(oneLineError(r)).toMatch(/does not look like an xkslab data directory/);
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('keep me');
  });

  it('needs --data-dir', async () => {
    const r = await runXkslab(['reset', '--yes']);
    expect(r.code).toBe(2);
    expect(oneLineError(r)).toMatch(/--data-dir DIR is required/);
  });
});
