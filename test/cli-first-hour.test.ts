/**
 * The first hour with the command line: help that lists every command, suggestions for typos,
 * seed files whose syntax errors say line and column, log levels, demo ports, the admin token of a
 * restored directory, keys without --module, `seed export` round trips and `reset`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { decryptBody, keyPath, newCredential } from '@xkslab/conformance/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { adminFor } from './support/admin-api.ts';
import { MAIN_JS, parseJsonLine, runXkslab, waitFor, writeSeedFile } from './support/binary.ts';
import { useTempServers } from './support/fixture.ts';
import { rawRequest } from './support/http-client.ts';
import { labSeed } from './support/lab-seed.ts';
import { collectOutput } from './support/process-output.ts';
import { type KeyStoreTarget, sendXks } from './support/xks-client.ts';
import { decryptOk, encryptOk, healthOk } from './support/xks-ops.ts';

const { tempDir, start, removeLater } = useTempServers();
const children: ChildProcess[] = [];

// Registered after useTempServers, so it runs first: every child has exited before its data
// directory is removed (a dying server can still write a LevelDB file into it).
afterAll(async () => {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((done) => child.once('exit', done));
      child.kill('SIGKILL');
      await gone;
    }),
  );
});

function oneLineError(r: { stderr: string }): string {
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  return lines[0] ?? '';
}

/** The command names of `xkslab --help`'s Commands section. */
function listedCommands(help: string): string[] {
  const section = help.split('Commands:\n')[1]?.split('\n\n')[0] ?? '';
  return section
    .split('\n')
    .map((line) => /^ {2}(\S+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

const ALL_COMMANDS = [
  'serve',
  'kms',
  'demo',
  'conformance',
  'modules',
  'keys',
  'keystores',
  'creds',
  'policies',
  'faults',
  'audit',
  'backup',
  'restore',
  'seed',
  'reset',
  'help',
  'version',
];

describe('help lists every command', () => {
  it('xkslab --help and xkslab help list every command, and each one runs with help of its own', async () => {
    const r = await runXkslab(['--help']);
    expect(r.code, r.stderr).toBe(0);
    const listed = listedCommands(r.stdout);
    expect([...listed].sort()).toEqual([...ALL_COMMANDS].sort());
    expect((await runXkslab(['help'])).stdout).toBe(r.stdout);
    // Each listed name reaches its command (no "unknown command"); four process starts at a time.
    for (let i = 0; i < listed.length; i += 4) {
      await Promise.all(
        listed.slice(i, i + 4).map(async (name) => {
          const own = await runXkslab([name, '--help']);
          expect(own.code, `${name}: ${own.stderr}`).toBe(0);
          expect(own.stderr, name).toBe('');
          if (name === 'help' || name === 'version') return;
          expect(own.stdout, name).toMatch(new RegExp(`Usage: xkslab ${name}\\b`));
          const viaHelp = await runXkslab(['help', name]);
          expect(viaHelp.stdout, name).toBe(own.stdout);
        }),
      );
    }
  }, 120_000);
});

describe('typos get a suggestion', () => {
  it.each([
    [['serve', '--prot', '1'], 'unknown option --prot; did you mean --port?'],
    [['serve', '--data-dri', 'x'], 'unknown option --data-dri; did you mean --data-dir?'],
    [['demo', '--stpe'], 'unknown option --stpe; did you mean --step?'],
    [['kms', '--prot', '1'], 'unknown option --prot; did you mean --port?'],
    [['keys', 'list', '--modul', 'm'], 'keys list: unknown option --modul; did you mean --module?'],
    [['backup', 'f', '--data-dri', 'x'], 'unknown option --data-dri; did you mean --data-dir?'],
    [['restore', 'f', '--master-key-fiel', 'x'], 'did you mean --master-key-file?'],
    [['audit', 'tail', '--lnes', '3'], 'unknown option --lnes; did you mean --lines?'],
    [['seed', 'export', '--with-materail'], 'did you mean --with-material?'],
    [['reset', '--yse'], 'unknown option --yse; did you mean --yes?'],
    [['serv'], "unknown command 'serv'; did you mean serve?"],
    [['kesy', 'list'], "unknown command 'kesy'; did you mean keys?"],
    [['keys', 'lsit'], "unknown command 'xkslab keys lsit'; did you mean list?"],
    [['audit', 'verfy'], "unknown audit command 'verfy'; did you mean verify?"],
    [['seed', 'exprt'], "unknown command 'xkslab seed exprt'; did you mean export?"],
  ])('xkslab %j', async (args, expected) => {
    const r = await runXkslab(args);
    expect(r.code, r.stderr).toBe(2);
    expect(oneLineError(r)).toContain(expected);
  });

  it('suggests nothing for a word far from every name', async () => {
    const r = await runXkslab(['frobnicate']);
    expect(r.code).toBe(2);
    expect(oneLineError(r)).not.toContain('did you mean');
  });
});

describe('seed files with a JSON syntax error', () => {
  it.each([
    [
      'a missing comma',
      '{\n  "modules": [\n    {\n      "name": "m" "nodes": 1\n    }\n  ]\n}\n',
      ":4:19: seed file is not valid JSON: expected ',' or '}' after the property value, found '\"'",
    ],
    [
      'a trailing comma (V8 gives no position)',
      '{\n  "modules": [],\n  "keyStores": [],\n}\n',
      ":4:1: seed file is not valid JSON: expected a double-quoted property name, found '}'",
    ],
    [
      'a truncated file',
      '{\n  "modules": [\n',
      ':3:1: seed file is not valid JSON: expected a value, found end of input',
    ],
  ])('%s names the file, line and column', async (_name, text, expected) => {
    const dataDir = await tempDir('jsonpos');
    const file = await writeSeedFile(await tempDir('seedfile'), text);
    const r = await runXkslab(['serve', '--data-dir', dataDir, '--port', '0', '--seed', file]);
    expect(r.code, r.stderr).toBe(1);
    expect(oneLineError(r)).toBe(`xkslab: ${file}${expected}`);
    expect(existsSync(join(dataDir, 'db'))).toBe(false);
  });
});

/** `xkslab serve` with extra arguments; resolves once stderr announces `listening on`. */
async function serveUntilListening(dataDir: string, extra: readonly string[], seed?: unknown) {
  const args = ['serve', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0', ...extra];
  if (seed !== undefined) args.push('--seed', await writeSeedFile(await tempDir('seed'), seed));
  const child = spawn(process.execPath, [MAIN_JS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const out = collectOutput(child);
  const up = await waitFor(
    () => /^xkslab \S+ listening on http:\/\/127\.0\.0\.1:\d+/m.test(out.stderr),
    20_000,
  );
  expect(up, out.stderr).toBe(true);
  const port = Number(
    /^xkslab \S+ listening on http:\/\/127\.0\.0\.1:(\d+)/m.exec(out.stderr)?.[1],
  );
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  return {
    port,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    logs: () =>
      out.stdout
        .split('\n')
        .map(parseJsonLine)
        .filter((l): l is Record<string, unknown> => l !== undefined),
    async stop(): Promise<number | null> {
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('serve --log-level and --quiet', () => {
  const lab = labSeed();

  /** One XKS request and one admin request, then the server's log lines. */
  async function traffic(server: { port: number }, dataDir: string) {
    await healthOk(lab.targets(server.port).a);
    const admin = await adminFor(dataDir);
    expect((await admin.call('GET', '/modules')).status).toBe(200);
  }

  it('info (the default) logs start, stop and each request; debug adds the start-up details', async () => {
    const dataDir = await tempDir('loginfo');
    const server = await serveUntilListening(dataDir, ['--log-level', 'debug'], lab.seed);
    await traffic(server, dataDir);
    expect(await server.stop()).toBe(0);
    const msgs = server.logs().map((l) => `${l.level} ${l.msg}`);
    expect(msgs).toContain('debug options');
    expect(msgs).toContain('debug master key');
    expect(msgs).toContain('debug seed applied');
    expect(msgs).toContain('info listening');
    expect(msgs).toContain('info xks');
    expect(msgs).toContain('info admin');
    expect(msgs).toContain('info stopping');
  });

  it('warn and error leave out info lines, requests included', async () => {
    for (const level of ['warn', 'error']) {
      const dataDir = await tempDir(`log${level}`);
      const server = await serveUntilListening(dataDir, ['--log-level', level], lab.seed);
      await traffic(server, dataDir);
      expect(await server.stop()).toBe(0);
      expect(server.logs(), level).toEqual([]);
      expect(server.stderr()).toContain('listening on');
    }
  });

  it("--quiet keeps start and stop (the KMS emulator's too) but no request lines", async () => {
    const dataDir = await tempDir('quiet');
    const server = await serveUntilListening(dataDir, ['--quiet', '--kms-port', '0'], lab.seed);
    await traffic(server, dataDir);
    expect(await server.stop()).toBe(0);
    const msgs = server.logs().map((l) => l.msg);
    expect(msgs).toEqual(['kms listening', 'listening', 'stopping']);
  });

  it('refuses an unknown level, naming the flag', async () => {
    const r = await runXkslab(['serve', '--log-level', 'verbose']);
    expect(r.code).toBe(2);
    expect(oneLineError(r)).toMatch(/--log-level: .*"error".*"debug"/);
  });
});

/** A port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

describe('demo --host --port --kms-port', () => {
  it('listens where it is told', async () => {
    const [port, kmsPort] = [await freePort(), await freePort()];
    const r = await runXkslab(
      [
        'demo',
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--kms-port',
        String(kmsPort),
        '--connect-delay-ms',
        '0',
      ],
      { timeoutMs: 60_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`XKS proxy        http://127.0.0.1:${port}/demo/kms/xks/v1`);
    expect(r.stdout).toContain(`KMS emulator     http://127.0.0.1:${kmsPort}`);
  }, 60_000);

  it('refuses the same port twice', async () => {
    const r = await runXkslab(['demo', '--port', '7799', '--kms-port', '7799']);
    expect(r.code).toBe(2);
    expect(oneLineError(r)).toMatch(/--port and --kms-port must differ/);
  });
});

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

describe('xkslab seed export', () => {
  const credential = newCredential();
  const material = randomBytes(32);
  const seed = {
    modules: [
      {
        name: 'vault',
        nodes: 2,
        keys: [
          {
            id: 'portable',
            usage: ['ENCRYPT', 'DECRYPT'],
            exportable: true,
            material: material.toString('base64'),
          },
          { id: 'generated-portable', usage: ['ENCRYPT', 'DECRYPT'], exportable: true },
          { id: 'stays', usage: ['ENCRYPT', 'DECRYPT'] },
          { id: 'off', usage: ['WRAP', 'UNWRAP'], status: 'DISABLED' },
        ],
      },
      { name: 'empty', nodes: 1, keys: [] },
    ],
    keyStores: [
      {
        name: 'tenant',
        uriPathPrefix: '/tenant/xks',
        region: 'eu-central-1',
        module: 'vault',
        credentials: [credential],
        maxRequestsPerSecond: 50,
      },
    ],
  };

  /** Keys and key stores as the admin API lists them, without what a new server makes anew. */
  async function state(dataDir: string) {
    const admin = await adminFor(dataDir);
    const modules = (await admin.call('GET', '/modules')).json.modules as Array<{
      name: string;
      nodes: number;
    }>;
    const keys: unknown[] = [];
    for (const m of modules) {
      const listed = (await admin.call('GET', `/modules/${m.name}/keys`)).json.keys as Array<
        Record<string, unknown>
      >;
      for (const k of listed) {
        keys.push({
          module: m.name,
          id: k.id,
          usage: k.usage,
          state: k.state,
          exportable: k.exportable,
        });
      }
    }
    const stores = (await admin.call('GET', '/keystores')).json.keyStores as Array<
      Record<string, unknown>
    >;
    return {
      modules: modules.map((m) => ({ name: m.name, nodes: m.nodes })),
      keys,
      keyStores: stores.map((s) => ({
        name: s.name,
        uriPathPrefix: s.uriPathPrefix,
        region: s.region,
        module: s.module,
        maxRequestsPerSecond: s.maxRequestsPerSecond,
      })),
    };
  }

  const target = (port: number): KeyStoreTarget => ({
    port,
    prefix: '/tenant/xks',
    region: 'eu-central-1',
    credential,
  });

  it('round-trips modules, keys and key stores, and with material and secrets, ciphertexts', async () => {
    const source = await start({ seed });
    const plaintext = randomBytes(48);
    const before = {
      portable: await encryptOk(target(source.port), 'portable', { plaintext }),
      generated: await encryptOk(target(source.port), 'generated-portable', { plaintext }),
      stays: await encryptOk(target(source.port), 'stays', { plaintext }),
    };
    const sourceState = await state(source.dataDir);
    // A running server holds the database: seed export says to stop it.
    const busy = await runXkslab(['seed', 'export', '--data-dir', source.dataDir]);
    expect(busy.code).toBe(1);
    expect(oneLineError(busy)).toMatch(/in use by a running server; stop it first/);
    await source.stop({ removeDataDir: false });
    removeLater(source.dataDir);

    const work = await tempDir('seedexport');
    const full = join(work, 'full.json');
    const r = await runXkslab([
      'seed',
      'export',
      '--data-dir',
      source.dataDir,
      '--out',
      full,
      '--with-material',
      '--with-secrets',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect((await stat(full)).mode & 0o777).toBe(0o600);
    expect(r.stderr).toContain('2 module(s), 4 key(s), 1 key store(s) written to');
    expect(r.stderr).toContain('2 key(s) without material (not exportable)');
    const written = JSON.parse(await readFile(full, 'utf8'));
    const vault = (written.modules as Array<{ name: string; keys: unknown[] }>).find(
      (m) => m.name === 'vault',
    );
    const keys = vault?.keys as Array<{ id: string; material?: string }>;
    expect(keys.find((k) => k.id === 'portable')?.material).toBe(material.toString('base64'));
    expect(keys.find((k) => k.id === 'generated-portable')?.material).toBeDefined();
    expect(keys.find((k) => k.id === 'stays')?.material).toBeUndefined();
    expect(written.keyStores[0].credentials).toEqual([credential]);

    const copy = await start({ seed: written });
    expect(await state(copy.dataDir)).toEqual(sourceState);
    expect(await decryptOk(target(copy.port), 'portable', before.portable)).toEqual(plaintext);
    expect(await decryptOk(target(copy.port), 'generated-portable', before.generated)).toEqual(
      plaintext,
    );
    // Not exportable: new material, so the old ciphertext does not open.
    const refused = await sendXks(
      target(copy.port),
      keyPath(target(copy.port), 'stays', 'decrypt'),
      decryptBody(before.stays),
    );
    expect(refused.status).toBe(400);

    // Without the flags: no material, no secret, still a seed serve accepts.
    const bare = await runXkslab(['seed', 'export', '--data-dir', source.dataDir]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).not.toContain(credential.secretAccessKey);
    expect(bare.stdout).not.toContain(material.toString('base64'));
    expect(bare.stderr).toContain("add one with 'xkslab creds add tenant'");
    const bareSeed = JSON.parse(bare.stdout);
    expect(bareSeed.keyStores[0].credentials).toEqual([]);
    const fromBare = await start({ seed: bareSeed });
    expect(await state(fromBare.dataDir)).toEqual(sourceState);

    // Never overwrites.
    const again = await runXkslab(['seed', 'export', '--data-dir', source.dataDir, '--out', full]);
    expect(again.code).toBe(1);
    expect(oneLineError(again)).toMatch(/already exists/);
  }, 90_000);

  it('says when the directory holds no database', async () => {
    const r = await runXkslab(['seed', 'export', '--data-dir', await tempDir('noseeddb')]);
    expect(r.code).toBe(1);
    expect(oneLineError(r)).toMatch(/no xkslab database in/);
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
