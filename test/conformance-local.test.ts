/**
 * `xkslab conformance --local` against the built binary serving a fresh data directory (the
 * first-start state `pnpm start` makes): it finds the server, makes temporary credentials and
 * test keys, passes every applicable check (exit 0) and leaves nothing behind. Plus the errors a
 * user meets first: an unknown --keystore, a stopped server, an https server whose certificate
 * is not trusted (one up-front error naming --ca, exit 4).
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConformanceReport } from '@xkslab/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Admin, adminFor, adminOk } from './support/admin-api.ts';
import {
  MAIN_JS,
  makeTempDir,
  removeDir,
  runXkslab,
  startXkslab,
  type XkslabServer,
} from './support/binary.ts';

const RUN_MS = 60_000;

/** The ids of the default module's keys and the default key store's credentials. */
async function inventory(admin: Admin) {
  const keys = adminOk(await admin.call('GET', '/modules/default/keys?limit=1000')).keys as {
    id: string;
  }[];
  const creds = adminOk(await admin.call('GET', '/keystores/default/credentials')).credentials as {
    accessKeyId: string;
  }[];
  return { keys: keys.map((k) => k.id).sort(), credentials: creds.map((c) => c.accessKeyId) };
}

describe('xkslab conformance --local against a fresh first-start xkslab over http', () => {
  let server: XkslabServer;
  let admin: Admin;
  let out: string;

  beforeAll(async () => {
    server = await startXkslab();
    admin = await adminFor(server.dataDir);
    out = await makeTempDir('conformance-local');
  });

  afterAll(async () => {
    await server?.stop({ removeDataDir: true });
    await removeDir(out);
  });

  it(
    'passes with exit 0, nothing MUST skipped, and removes its test keys and credentials',
    async () => {
      const before = await inventory(admin);
      expect(before.keys).toEqual(['default-key']);
      expect(before.credentials).toHaveLength(1);
      const json = join(out, 'local.json');
      const junit = join(out, 'local.xml');
      const r = await runXkslab(
        ['conformance', '--local', '--data-dir', server.dataDir, '--json', json, '--junit', junit],
        { timeoutMs: RUN_MS },
      );
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(r.stderr).toMatch(
        /testing key store default \(module default\) at http:\/\/127\.0\.0\.1:\d+\/xkslab\/kms\/xks\/v1/,
      );
      expect(r.stderr).toContain('conformance-encrypt-only-');
      expect(r.stderr).toContain(
        'removed what this run made: 4 test keys, 2 temporary credentials',
      );
      expect(r.stdout).toMatch(
        /: CONFORMS \(every applicable MUST check ran and passed; exit status 0\)\n$/,
      );
      expect(r.stdout).toMatch(/^N\/A\s+MUST\s+tls\.kms-cipher-suites\s.*the target is http:\/\//m);
      expect(r.stdout).not.toContain('Skipped MUST checks');

      const report = JSON.parse(await readFile(json, 'utf8')) as ConformanceReport;
      expect(report.summary).toMatchObject({
        verdict: 'CONFORMS',
        exitStatus: 0,
        failed: 0,
        skipped: 0,
        mustSkipped: 0,
      });
      // Every check ran but TLS (http://) and load (not requested): nothing else is N/A.
      const notRun = report.checks.filter((c) => c.status !== 'pass').map((c) => c.id);
      expect(notRun.every((id) => /^(tls|load)\./.test(id))).toBe(true);
      expect(report.checks.find((c) => c.id === 'sigv4.second-credential')?.status).toBe('pass');
      expect(report.checks.find((c) => c.id === 'state.disabled-key')?.status).toBe('pass');
      expect(await readFile(junit, 'utf8')).toContain(
        '<property name="verdict" value="CONFORMS"/>',
      );

      // Nothing is left behind: the test keys are destroyed, the credentials revoked.
      expect(await inventory(admin)).toEqual(before);
      // The secret of a temporary credential never reached the output.
      expect(r.stdout + r.stderr).not.toMatch(/Signature=[0-9a-f]{64}/);
    },
    RUN_MS,
  );

  it(
    'Ctrl-C in the middle of a run: exit 130, and the test keys and credentials are gone',
    async () => {
      const before = await inventory(admin);
      // A 30 s load run keeps it busy long enough to be interrupted.
      const child = spawn(
        process.execPath,
        [
          MAIN_JS,
          'conformance',
          '--local',
          '--data-dir',
          server.dataDir,
          '--load-rps',
          '20',
          '--load-seconds',
          '30',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      const exited = new Promise<number | null>((done) =>
        child.once('close', (code) => done(code)),
      );
      await new Promise<void>((started, failed) => {
        const timer = setTimeout(() => failed(new Error(`no load progress: ${stderr}`)), 30_000);
        child.stderr.setEncoding('utf8').on('data', (text: string) => {
          stderr += text;
          if (stderr.includes('load: ')) {
            clearTimeout(timer);
            started();
          }
        });
      });
      // Made and in use now.
      expect((await inventory(admin)).keys.length).toBeGreaterThan(before.keys.length);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toContain('xkslab: interrupted');
      expect(stderr).toContain('removed what this run made: 4 test keys, 2 temporary credentials');
      expect(await inventory(admin)).toEqual(before);
    },
    RUN_MS,
  );

  it('names the key stores when --keystore names none (exit 2), and makes nothing', async () => {
    const before = await inventory(admin);
    const r = await runXkslab([
      'conformance',
      '--local',
      '--data-dir',
      server.dataDir,
      '--keystore',
      'nope',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      "xkslab: --keystore: no key store named 'nope'; this xkslab has: default",
    );
    expect(r.stdout).toBe('');
    expect(await inventory(admin)).toEqual(before);
  });

  it('says how to start the server when the data directory has none (exit 4)', async () => {
    const empty = await makeTempDir('conformance-empty');
    try {
      const r = await runXkslab(['conformance', '--local', '--data-dir', empty]);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain(`xkslab: no xkslab serves from ${empty}`);
      expect(r.stderr).toContain('pnpm start');
    } finally {
      await removeDir(empty);
    }
  });
});

describe('xkslab conformance against a stopped server and an untrusted https server', () => {
  it('stopped: one line, nothing listens, is xkslab serve running? (exit 4)', async () => {
    const dataDir = await makeTempDir('conformance-stopped');
    try {
      await (await startXkslab({ dataDir })).stop();
      const r = await runXkslab(['conformance', '--local', '--data-dir', dataDir]);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(
        /^xkslab: nothing listens at http:\/\/127\.0\.0\.1:\d+; is xkslab serve running\?/,
      );
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    } finally {
      await removeDir(dataDir);
    }
  });

  it(
    'https with a self-signed CA and no --ca: one up-front error naming --ca, exit 4, nothing made',
    async () => {
      const tls = await startXkslab({ extraArgs: ['--dev-tls'] });
      try {
        const admin = await adminFor(tls.dataDir);
        const before = await inventory(admin);
        const local = await runXkslab(['conformance', '--local', '--data-dir', tls.dataDir]);
        expect(local.code).toBe(4);
        const lines = local.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(
          /^xkslab: the TLS certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted \(SELF_SIGNED_CERT_IN_CHAIN: .*\): pass --ca FILE/,
        );
        expect(lines[0]).toContain(`--ca ${join(tls.dataDir, 'tls', 'ca.pem')}`);
        expect(local.stdout).toBe('');
        expect(await inventory(admin)).toEqual(before);

        // The same target named explicitly: the same single error, no table of failed checks.
        const { xksUrl } = JSON.parse(await readFile(join(tls.dataDir, 'admin.json'), 'utf8')) as {
          xksUrl: string;
        };
        const explicit = await runXkslab(
          [
            'conformance',
            '--url',
            `${xksUrl}/xkslab/kms/xks/v1`,
            '--access-key-id',
            before.credentials[0] ?? '',
            '--region',
            'us-east-1',
            '--key-id',
            'default-key',
          ],
          { env: { XKSLAB_CONFORMANCE_SECRET: 'not-needed-the-handshake-fails-first' } },
        );
        expect(explicit.code).toBe(4);
        expect(explicit.stderr.trim().split('\n')).toHaveLength(1);
        expect(explicit.stderr).toContain('pass --ca FILE with the PEM of the CA that issued it');
        expect(explicit.stdout).toBe('');

        // With the dev CA and client certificate, --local passes over https, TLS checks included.
        const dir = join(tls.dataDir, 'tls');
        const ok = await runXkslab(
          [
            'conformance',
            '--local',
            '--data-dir',
            tls.dataDir,
            '--ca',
            join(dir, 'ca.pem'),
            '--cert',
            join(dir, 'client.pem'),
            '--key',
            join(dir, 'client-key.pem'),
          ],
          { timeoutMs: RUN_MS },
        );
        expect(ok.code, ok.stderr + ok.stdout).toBe(0);
        expect(ok.stdout).toMatch(/^PASS\s+MUST\s+tls\.kms-cipher-suites/m);
        expect(await inventory(admin)).toEqual(before);
      } finally {
        await tls.stop({ removeDataDir: true });
      }
    },
    RUN_MS * 2,
  );
});
