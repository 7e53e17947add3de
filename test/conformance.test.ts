/**
 * The conformance runner against xkslab's own clean proxy: every check runs (the seed has keys of
 * every usage, a disabled key and two credentials) and none fails. The CLI writes the same report
 * as a table, JSON and JUnit XML, and exits 0 / 1 / 2.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ConformanceReport, formatTextReport, runConformance } from '@xkslab/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeTempDir,
  removeDir,
  runXkslab,
  startXkslab,
  type XkslabServer,
} from './support/binary.ts';
import { labConformanceOptions, notPassed } from './support/conformance.ts';
import { useTempServers } from './support/fixture.ts';
import { conformanceArgsA, type LabSeed } from './support/lab-seed.ts';

let lab: LabSeed;
let server: XkslabServer;

const servers = useTempServers();
beforeAll(async () => {
  ({ lab, server } = await servers.startLab());
});

describe('the conformance runner against the clean proxy over HTTP', () => {
  it('passes every check; only TLS (http://) and load (not requested) are not applicable', async () => {
    const events: string[] = [];
    const report = await runConformance(labConformanceOptions(lab, server.port), {
      onProgress: (e) => events.push(e.type),
    });
    const na = report.checks.filter((c) => c.status === 'na').map((c) => c.id);
    expect(notPassed(report).filter((line) => !/^(tls|load)\./.test(line))).toEqual([]);
    expect(na.every((id) => /^(tls|load)\./.test(id))).toBe(true);
    expect(report.summary.failed).toBe(0);
    expect(report.summary.skipped).toBe(0);
    expect(report.summary.ok).toBe(true);
    expect(report.summary.verdict).toBe('CONFORMS');
    expect(report.checks.length).toBeGreaterThanOrEqual(60);
    expect(events.filter((e) => e === 'check-done')).toHaveLength(report.checks.length);
    const text = formatTextReport(report);
    expect(text).toContain('CONFORMS');
    expect(text).not.toContain(lab.credentials.a1.secretAccessKey);
  });

  it('runs a fixed-rate load and reports latency against the 250 ms deadline', async () => {
    const report = await runConformance({
      ...labConformanceOptions(lab, server.port),
      only: ['load.'],
      load: { rps: 100, seconds: 2 },
    });
    expect(report.checks.map((c) => c.id)).toEqual([
      'load.errors',
      'load.rate',
      'load.deadline',
      'load.alarm',
    ]);
    // Latency depends on how busy this machine is: only the shape and the error count are asserted.
    expect(report.checks[0]?.status).toBe('pass');
    const load = report.load;
    expect(load).toMatchObject({ targetRps: 100, seconds: 2, sent: 200, succeeded: 200 });
    const l = load?.latencyMs;
    expect(l && l.p50 <= l.p95 && l.p95 <= l.p99 && l.p99 <= l.max).toBe(true);
    expect(load?.achievedRps).toBeGreaterThan(0);
  });
});

describe('the conformance runner against the clean proxy over HTTPS with mTLS (--dev-tls)', () => {
  let tlsServer: XkslabServer | undefined;
  afterAll(async () => {
    await tlsServer?.stop();
  });

  it('passes every check, TLS ones included', async () => {
    tlsServer = await startXkslab({ seed: lab.seed, extraArgs: ['--dev-tls'] });
    const tls = join(tlsServer.dataDir, 'tls');
    const [ca, cert, key] = await Promise.all(
      ['ca.pem', 'client.pem', 'client-key.pem'].map((f) => readFile(join(tls, f))),
    );
    const report = await runConformance({
      ...labConformanceOptions(lab, tlsServer.port, `https://localhost:${tlsServer.port}`),
      tls: { ca, cert, key },
    });
    expect(notPassed(report).filter((line) => !line.startsWith('load.'))).toEqual([]);
    const tlsCheck = report.checks.find((c) => c.id === 'tls.kms-cipher-suites');
    expect(tlsCheck?.message).toMatch(/^TLSv1\.[23] TLS_/);
    expect(report.checks.find((c) => c.id === 'tls.client-certificate-required')?.status).toBe(
      'pass',
    );
  });
});

describe('xkslab conformance (CLI)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir('conformance');
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  const baseArgs = () => conformanceArgsA(lab, server.port);

  it('prints a table, writes JSON and JUnit, exits 0 on a conforming proxy', async () => {
    const json = join(dir, 'report.json');
    const junit = join(dir, 'report.xml');
    const r = await runXkslab(
      [
        ...baseArgs(),
        '--encrypt-only-key-id',
        'encrypt-only',
        '--decrypt-only-key-id',
        'decrypt-only',
        '--no-usage-key-id',
        'wrap-only',
        '--disabled-key-id',
        'fixed-disabled',
        '--second-credential',
        `${lab.credentials.a2.accessKeyId}:${lab.credentials.a2.secretAccessKey}`,
        '--json',
        json,
        '--junit',
        junit,
      ],
      { env: { XKSLAB_CONFORMANCE_SECRET: lab.credentials.a1.secretAccessKey } },
    );
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/PASS\s+MUST\s+encrypt\.cdiv\s/);
    for (const id of ['sigv4.matrix.signature', 'crypto.nonce-unique', 'transport.pipelining']) {
      expect(r.stdout).toMatch(
        new RegExp(`PASS\\s+(MUST|SHOULD)\\s+${id.replace(/\./g, '\\.')}\\s`),
      );
    }
    expect(r.stdout).toMatch(/PASS\s+MUST\s+latency\.every-answer\s.*slowest per operation/);
    expect(r.stdout).toContain('CONFORMS');
    expect(r.stdout + r.stderr).not.toContain(lab.credentials.a1.secretAccessKey);
    const report = JSON.parse(await readFile(json, 'utf8')) as ConformanceReport;
    expect(report.summary.failed).toBe(0);
    const xml = await readFile(junit, 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(xml).toContain(`tests="${report.summary.total}" failures="0"`);
    expect(xml).toContain(
      '<skipped message="not applicable: the target is http://, TLS needs https://"/>',
    );
    expect(report.summary).toMatchObject({ verdict: 'CONFORMS', exitStatus: 0 });
  });

  it('exits 3, INCOMPLETE, naming the MUST checks skipped when the usage keys are not given', async () => {
    const json = join(dir, 'incomplete.json');
    const r = await runXkslab([...baseArgs(), '--json', json], {
      env: { XKSLAB_CONFORMANCE_SECRET: lab.credentials.a1.secretAccessKey },
    });
    expect(r.code, r.stderr + r.stdout).toBe(3);
    expect(r.stdout).not.toContain('CONFORMS');
    expect(r.stdout).toContain('Skipped MUST checks (give what they need for a complete run):');
    expect(r.stdout).toMatch(/^ {2}usage\.[a-z-]+: needs --encrypt-only-key-id$/m);
    expect(r.stdout).toMatch(/^ {2}state\.disabled-key: needs --disabled-key-id$/m);
    expect(r.stdout).toMatch(
      /: INCOMPLETE \(no MUST check failed, but \d+ MUST checks were skipped; exit status 3\)\n$/,
    );
    const report = JSON.parse(await readFile(json, 'utf8')) as ConformanceReport;
    expect(report.summary).toMatchObject({ verdict: 'INCOMPLETE', exitStatus: 3, mustFailed: 0 });
    expect(report.summary.mustSkipped).toBeGreaterThan(0);
  });

  it('exits 1 when a MUST check fails (wrong secret: every signed request is refused)', async () => {
    const json = join(dir, 'bad.json');
    const r = await runXkslab([...baseArgs(), '--only', 'health.,sigv4.kms', '--json', json], {
      env: { XKSLAB_CONFORMANCE_SECRET: lab.credentials.b.secretAccessKey },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+MUST\s+health\.ok/);
    expect(r.stdout).toContain('AuthenticationFailedException');
    expect(r.stdout).toContain('Signature=<redacted>');
    expect(r.stdout + r.stderr).not.toContain(lab.credentials.b.secretAccessKey);
    const report = JSON.parse(await readFile(json, 'utf8')) as ConformanceReport;
    expect(report.checks[0]?.received).toMatchObject({ status: 401 });
  });

  it('exits 2 on usage errors', async () => {
    const noSecret = await runXkslab(baseArgs());
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toMatch(/secret/);
    const badUrl = await runXkslab(
      ['conformance', '--url', 'http://127.0.0.1:1/nope', '--access-key-id', 'A'],
      { env: { XKSLAB_CONFORMANCE_SECRET: 'x' } },
    );
    expect(badUrl.code).toBe(2);
    const unknownFlag = await runXkslab([...baseArgs(), '--frobnicate']);
    expect(unknownFlag.code).toBe(2);
  });
});
