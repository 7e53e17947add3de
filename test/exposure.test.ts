/**
 * What a server started with `--host 0.0.0.0` exposes beyond the XKS API: the admin listener (API,
 * dashboard, /metrics) and the KMS emulator stay on loopback unless their own host flag says
 * otherwise. The bound address is read from /proc/net/tcp, so the tests connect on loopback only.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { XkslabServer } from './support/binary.ts';
import { useTempServers } from './support/fixture.ts';
import { listeningAddresses } from './support/listening.ts';

const { start } = useTempServers();

/** The admin API address the banner prints: `  admin API: http://HOST:PORT/admin/v1`. */
function bannerAdmin(server: XkslabServer): { host: string; port: number } {
  const match = /admin API: https?:\/\/([^\s/]+):(\d+)\/admin\/v1/.exec(server.stderr());
  if (!match?.[1] || !match[2]) throw new Error(`no admin API line in: ${server.stderr()}`);
  return { host: match[1], port: Number(match[2]) };
}

describe('serve --host 0.0.0.0 with an admin listener of its own', () => {
  it('binds the admin listener on loopback and the banner says so', async () => {
    const server = await start({ extraArgs: ['--host', '0.0.0.0', '--admin-port', '0'] });
    const admin = bannerAdmin(server);
    expect(admin.host).toBe('127.0.0.1');
    expect(await listeningAddresses(admin.port)).toEqual(['127.0.0.1']);
    const adminJson = JSON.parse(await readFile(join(server.dataDir, 'admin.json'), 'utf8'));
    expect(adminJson.url).toBe(`http://127.0.0.1:${admin.port}`);
    // The XKS listener is where --host asked.
    expect(await listeningAddresses(server.port)).toEqual(['0.0.0.0']);
    const ping = await fetch(`http://127.0.0.1:${admin.port}/ping`);
    expect(ping.status).toBeLessThan(500);
  });

  it('over TLS too, with or without --admin-port', async () => {
    for (const extra of [['--admin-port', '0'], []]) {
      const server = await start({ extraArgs: ['--dev-tls', '--host', '0.0.0.0', ...extra] });
      const admin = bannerAdmin(server);
      expect(admin.host).toBe('127.0.0.1');
      expect(await listeningAddresses(admin.port)).toEqual(['127.0.0.1']);
      await server.stop();
    }
  });

  it('binds where --admin-host says, and the banner prints that address', async () => {
    const server = await start({
      extraArgs: ['--host', '127.0.0.1', '--admin-host', '0.0.0.0', '--admin-port', '0'],
    });
    const admin = bannerAdmin(server);
    expect(admin.host).toBe('0.0.0.0');
    expect(await listeningAddresses(admin.port)).toEqual(['0.0.0.0']);
  });
});
