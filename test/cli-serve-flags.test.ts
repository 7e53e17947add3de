/**
 * The first hour with the command line, part two: serve's log levels, serve's AES-GCM engine when
 * the native addon is missing, and demo's ports.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminFor } from './support/admin-api.ts';
import {
  MAIN_JS,
  parseJsonLine,
  runXkslab,
  startXkslab,
  waitFor,
  writeSeedFile,
} from './support/binary.ts';
import { oneLineError, useCliProcesses } from './support/cli-processes.ts';
import { labSeed } from './support/lab-seed.ts';
import { collectOutput } from './support/process-output.ts';
import { defaultKeyStoreTarget } from './support/proxy-config.ts';
import { decryptOk, encryptOk, healthOk } from './support/xks-ops.ts';

const { tempDir, children } = useCliProcesses();

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

describe('serve --engine without the native addon', () => {
  /** The bundle alone, without the native/ folder it is built with (as a copy of main.js has). */
  async function bundleWithoutAddon(): Promise<string[]> {
    const dir = await tempDir('no-addon');
    await copyFile(MAIN_JS, join(dir, 'main.js'));
    await symlink(join(dirname(MAIN_JS), '..', 'node_modules'), join(dir, 'node_modules'));
    return [process.execPath, join(dir, 'main.js')];
  }
  const NO_ADDON =
    /^no native AES-GCM addon at \S+\/build\/Release\/xkslab_aes_gcm\.node, \S+\/native\/xkslab_aes_gcm\.node$/;

  it('auto (the default) serves on node:crypto, and the listening line says why', async () => {
    const command = await bundleWithoutAddon();
    const server = await startXkslab({ command, dataDir: await tempDir('no-addon-data') });
    try {
      expect(server.stderr()).toMatch(/listening on .*engine: node\)/);
      const listening = server.logs().find((l) => l.msg === 'listening');
      expect(listening).toMatchObject({
        engine: 'node',
        nativeUnavailable: expect.stringMatching(NO_ADDON),
      });
      const target = await defaultKeyStoreTarget(server.port, server.dataDir);
      await healthOk(target);
      const plaintext = Buffer.from('on node:crypto');
      const out = await encryptOk(target, 'default-key', { plaintext });
      expect(await decryptOk(target, 'default-key', out)).toEqual(plaintext);
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  });

  it('--engine native stops before touching the data directory, saying what to do', async () => {
    const command = await bundleWithoutAddon();
    const dataDir = join(await tempDir('no-addon-native'), 'data');
    const r = await runXkslab(
      ['serve', '--data-dir', dataDir, '--port', '0', '--engine', 'native'],
      { command },
    );
    expect(r.code).toBe(1);
    expect(oneLineError(r)).toMatch(
      /^xkslab: the native AES-GCM engine cannot be used: no native AES-GCM addon at .*; use --engine node, or leave --engine out \(auto falls back to node\)$/,
    );
    expect(existsSync(dataDir)).toBe(false);
  });
});

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
