/**
 * The first hour with the command line, part two: serve's log levels and demo's ports.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { adminFor } from './support/admin-api.ts';
import { MAIN_JS, parseJsonLine, runXkslab, waitFor, writeSeedFile } from './support/binary.ts';
import { oneLineError, useCliProcesses } from './support/cli-processes.ts';
import { labSeed } from './support/lab-seed.ts';
import { collectOutput } from './support/process-output.ts';
import { healthOk } from './support/xks-ops.ts';

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
