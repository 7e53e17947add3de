/**
 * What a server started with `--host H` exposes beyond the XKS API: the admin listener (API,
 * dashboard, /metrics) and the KMS emulator stay on 127.0.0.1 unless their own host flag says
 * otherwise. Test servers bind loopback addresses only, so `--host 127.0.0.2` stands for "an address
 * other than 127.0.0.1" (before the fix, the admin listener and the emulator followed it there).
 * The bound address is read from /proc/net/tcp; nothing connects off loopback.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIN_JS, runXkslab, type XkslabServer } from './support/binary.ts';
import { useTempServers } from './support/fixture.ts';
import { listeningAddresses } from './support/listening.ts';

const { start, tempDir } = useTempServers();
/** Loopback addresses other than the admin and emulator default, 127.0.0.1. */
const OTHER = '127.0.0.2';
const THIRD = '127.0.0.3';

/** The admin API address the banner prints: `  admin API: http://HOST:PORT/admin/v1`. */
function bannerAdmin(server: XkslabServer): { host: string; port: number } {
  const match = /admin API: https?:\/\/([^\s/]+):(\d+)\/admin\/v1/.exec(server.stderr());
  if (!match?.[1] || !match[2]) throw new Error(`no admin API line in: ${server.stderr()}`);
  return { host: match[1], port: Number(match[2]) };
}

describe('serve --host H with an admin listener of its own', () => {
  it('binds the admin listener on loopback and the banner says so', async () => {
    const server = await start({ extraArgs: ['--host', OTHER, '--admin-port', '0'] });
    const admin = bannerAdmin(server);
    expect(admin.host).toBe('127.0.0.1');
    expect(await listeningAddresses(admin.port)).toEqual(['127.0.0.1']);
    const adminJson = JSON.parse(await readFile(join(server.dataDir, 'admin.json'), 'utf8'));
    expect(adminJson.url).toBe(`http://127.0.0.1:${admin.port}`);
    // The XKS listener is where --host asked.
    expect(await listeningAddresses(server.port)).toEqual([OTHER]);
    const ping = await fetch(`http://127.0.0.1:${admin.port}/ping`);
    expect(ping.status).toBeLessThan(500);
  });

  it('over TLS too, with or without --admin-port', async () => {
    for (const extra of [['--admin-port', '0'], []]) {
      const server = await start({ extraArgs: ['--dev-tls', '--host', OTHER, ...extra] });
      const admin = bannerAdmin(server);
      expect(admin.host).toBe('127.0.0.1');
      expect(await listeningAddresses(admin.port)).toEqual(['127.0.0.1']);
      await server.stop();
    }
  });

  it('binds where --admin-host says, and the banner prints that address', async () => {
    const server = await start({
      extraArgs: ['--host', '127.0.0.1', '--admin-host', THIRD, '--admin-port', '0'],
    });
    const admin = bannerAdmin(server);
    expect(admin.host).toBe(THIRD);
    expect(await listeningAddresses(admin.port)).toEqual([THIRD]);
  });
});

describe('the KMS emulator and the interfaces it listens on', () => {
  it('beside serve --host H: on 127.0.0.1', async () => {
    const server = await start({ extraArgs: ['--host', OTHER, '--kms-port', '0'] });
    const match = /AWS KMS emulator listening on http:\/\/([^\s/]+):(\d+)/.exec(server.stderr());
    expect(match?.[1]).toBe('127.0.0.1');
    expect(await listeningAddresses(Number(match?.[2]))).toEqual(['127.0.0.1']);
  });

  it('beside demo --host H: on 127.0.0.1, the proxy on H', async () => {
    // --step with stdin left open: the demo waits before its first step, listening.
    const child = spawn(process.execPath, [MAIN_JS, 'demo', '--step', '--host', OTHER], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
      });
      const ready = await new Promise<boolean>((done) => {
        const timer = setTimeout(() => done(false), 20_000);
        child.stdout.on('data', () => {
          if (!out.includes('Press Enter')) return;
          clearTimeout(timer);
          done(true);
        });
        child.once('exit', () => done(false));
      });
      expect(ready, out).toBe(true);
      const url = (label: string) => {
        const match = new RegExp(`${label} +http://([^\\s/:]+):(\\d+)`).exec(out);
        return { host: match?.[1], port: Number(match?.[2]) };
      };
      const kms = url('KMS emulator');
      const proxy = url('XKS proxy');
      expect(kms.host).toBe('127.0.0.1');
      expect(await listeningAddresses(kms.port)).toEqual(['127.0.0.1']);
      expect(proxy.host).toBe(OTHER);
      expect(await listeningAddresses(proxy.port)).toEqual([OTHER]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it.each([
    [['kms', '--host', '0.0.0.0', '--port', '0']],
    [['serve', '--kms-port', '0', '--kms-host', '0.0.0.0', '--port', '0']],
    [['demo', '--kms-host', '0.0.0.0']],
  ])('xkslab %j refuses the published default credential off loopback', async (args) => {
    const dataDir = ['--data-dir', await tempDir('refused')];
    const r = await runXkslab([...args, ...(args[0] === 'serve' ? dataDir : [])], {
      timeoutMs: 10_000,
    });
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/--access-key-id/);
    expect(lines[0]).toMatch(/--secret-access-key/);
  });
});
