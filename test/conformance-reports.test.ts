/**
 * The reports people share, through the CLI against the built binary: `--html` (one
 * self-contained file, failures with what was sent and received, secrets redacted, a hostile
 * proxy's answer shown as text) and `conformance compare A.json B.json` over two real runs of
 * one proxy, before and after a defect is turned on.
 */

import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ConformanceReport, ReportComparison } from '@xkslab/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminOk } from './support/admin-api.ts';
import { runXkslab } from './support/binary.ts';
import { type LabServer, useTempServers } from './support/fixture.ts';
import { conformanceArgsA } from './support/lab-seed.ts';

const HOSTILE = '<script>alert(document.cookie)</script><img src=x onerror=alert(1)>';

let labServer: LabServer;
let dir: string;
let hostile: Server;

const servers = useTempServers();
beforeAll(async () => {
  labServer = await servers.startLab();
  dir = await servers.tempDir('conformance-reports');
  // A "proxy" whose every answer is markup: the HTML report must show it, never run it.
  hostile = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(500, { 'content-type': 'text/html', 'x-injected': '"><script>x</script>' });
      res.end(HOSTILE);
    });
  });
  await new Promise<void>((done) => hostile.listen(0, '127.0.0.1', done));
});

afterAll(async () => {
  await new Promise((done) => hostile?.close(done));
});

const secret = () => labServer.lab.credentials.a1.secretAccessKey;

/** `xkslab conformance` against key store a of the lab, a subset of checks, with report files. */
function runSuite(files: string[], only = 'health.,metadata.,sigv4.,errors.,format.') {
  const { lab, server } = labServer;
  return runXkslab(
    [
      ...conformanceArgsA(lab, server.port),
      '--second-credential',
      lab.credentials.a2.accessKeyId,
      '--only',
      only,
      ...files,
    ],
    {
      env: {
        XKSLAB_CONFORMANCE_SECRET: secret(),
        XKSLAB_CONFORMANCE_SECOND_SECRET: lab.credentials.a2.secretAccessKey,
      },
      timeoutMs: 60_000,
    },
  );
}

const file = (name: string) => join(dir, name);

describe('reports people share (CLI)', () => {
  it('writes the HTML report beside JSON and JUnit: one run before a defect, one after', async () => {
    const before = await runSuite(['--json', file('a.json'), '--html', file('a.html')]);
    expect(before.code, before.stdout + before.stderr).toBe(0);
    const a = await readFile(file('a.html'), 'utf8');
    expect(a).toContain('<span class="verdict CONFORMS" id="verdict">CONFORMS</span>');
    const report = JSON.parse(await readFile(file('a.json'), 'utf8')) as ConformanceReport;
    expect(a.match(/<tr class="check">/g)).toHaveLength(report.checks.length);
    expect(a).not.toMatch(/<script|<link|src=/);
    expect(a).not.toContain(secret());

    // The same proxy with its signature check switched off.
    adminOk(
      await labServer.admin.call('POST', '/faults', { kind: 'defect', defect: 'sigv4-unchecked' }),
      201,
    );
    try {
      const after = await runSuite(['--json', file('b.json'), '--html', file('b.html')]);
      expect(after.code, after.stdout + after.stderr).toBe(1);
    } finally {
      adminOk(await labServer.admin.call('DELETE', '/faults'));
    }
    const b = await readFile(file('b.html'), 'utf8');
    expect(b).toContain(
      '<span class="verdict DOES-NOT-CONFORM" id="verdict">DOES NOT CONFORM</span>',
    );
    const failure = b.slice(b.indexOf('<section class="failure" id="sigv4.wrong-secret">'));
    expect(failure).toMatch(/<pre class="sent">POST \/example\/prefix\/kms\/xks\/v1\//);
    expect(failure).toContain('Signature=&lt;redacted&gt;');
    expect(failure).toMatch(/<pre class="received">HTTP 200\n/);
    expect(b).not.toContain(secret());
  }, 120_000);

  it('compares the two runs: a side-by-side table, a summary, exit 1 when they differ', async () => {
    const r = await runXkslab(['conformance', 'compare', file('a.json'), file('b.json')]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(
      /^A: a\.json {2}http:\/\/127\.0\.0\.1:\d+\/example\/prefix\/kms\/xks\/v1 {2}started \S+ {2}CONFORMS \(exit 0\)/,
    );
    expect(r.stdout).toMatch(/^CHANGE {10}SEV {5}CHECK +A +B$/m);
    expect(r.stdout).toMatch(/^broke {11}MUST {4}sigv4\.wrong-secret +PASS .+ FAIL HTTP 200: /m);
    expect(r.stdout).toMatch(
      /checks? differs? \(\d+ broke\), \d+ same; verdict CONFORMS -> DOES NOT CONFORM\n$/,
    );

    const json = await runXkslab([
      'conformance',
      'compare',
      '--json',
      file('a.json'),
      file('b.json'),
    ]);
    expect(json.code).toBe(1);
    const cmp = JSON.parse(json.stdout) as ReportComparison;
    expect(cmp.rows.find((row) => row.id === 'sigv4.wrong-secret')).toMatchObject({
      change: 'broke',
      a: { status: 'pass' },
      b: { status: 'fail' },
    });
    expect(cmp.regressions).toBe(cmp.counts.broke);

    // B then A: only fixes, so no regression.
    const back = await runXkslab([
      'conformance',
      'compare',
      '--fail-on',
      'regressed',
      file('b.json'),
      file('a.json'),
    ]);
    expect(back.code, back.stdout).toBe(0);
    expect(back.stdout).toMatch(/\(\d+ fixed\)/);
    const same = await runXkslab(['conformance', 'compare', file('a.json'), file('a.json')]);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^no check differs \(\d+ same\); verdict CONFORMS in both\n$/m);
  });

  it('finds no difference between two runs of one unchanged proxy, broken or not', async () => {
    // A wrong CDIV: each run's failure message carries other random Base64 values.
    adminOk(
      await labServer.admin.call('POST', '/faults', { kind: 'defect', defect: 'cdiv-wrong' }),
      201,
    );
    try {
      for (const name of ['c1.json', 'c2.json']) {
        const r = await runSuite(['--json', file(name)], 'encrypt.,roundtrip.,health.');
        expect(r.code, r.stdout).toBe(1);
      }
    } finally {
      adminOk(await labServer.admin.call('DELETE', '/faults'));
    }
    const r = await runXkslab(['conformance', 'compare', file('c1.json'), file('c2.json')]);
    expect(r.stdout).toMatch(/^no check differs \(\d+ same\); verdict DOES NOT CONFORM in both$/m);
    expect(r.code).toBe(0);
  }, 60_000);

  it('refuses what it cannot compare with exit 2, and generates its help', async () => {
    await writeFile(file('not-a-report.json'), '{"tool":"x"}');
    const bad = await runXkslab([
      'conformance',
      'compare',
      file('a.json'),
      file('not-a-report.json'),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not-a-report.json: not a conformance report: target:');
    const missing = await runXkslab(['conformance', 'compare', file('a.json'), file('nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.json \(ENOENT\)/);
    const one = await runXkslab(['conformance', 'compare', file('a.json')]);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('give two JSON reports: A.json B.json');
    const help = await runXkslab(['conformance', 'compare', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: xkslab conformance compare A\.json B\.json \[options\]/);
    expect(help.stdout).toContain('--fail-on differs|regressed');
    expect(help.stdout).toMatch(/^ {2}1 {2}a check differs/m);
    const main = await runXkslab(['conformance', '--help']);
    expect(main.stdout).toContain('xkslab conformance compare A.json B.json');
    expect(main.stdout).toContain('--html FILE');
  });

  it("shows a hostile proxy's answers as text in the HTML report", async () => {
    const { port } = hostile.address() as AddressInfo;
    const r = await runXkslab(
      [
        'conformance',
        '--url',
        `http://127.0.0.1:${port}/kms/xks/v1`,
        '--access-key-id',
        'AKIAHOSTILETEST23456',
        '--region',
        'us-east-1',
        '--key-id',
        'k',
        '--only',
        'health.,sigv4.kms',
        '--html',
        file('hostile.html'),
      ],
      { env: { XKSLAB_CONFORMANCE_SECRET: 'hostile-test-secret-value' } },
    );
    expect(r.code, r.stderr).toBe(1);
    const html = await readFile(file('hostile.html'), 'utf8');
    expect(html).toContain('&lt;script&gt;alert(document.cookie)&lt;/script&gt;');
    expect(html).toContain('x-injected: &quot;&gt;&lt;script&gt;x&lt;/script&gt;');
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).not.toContain('hostile-test-secret-value');
  });

  it('exits 2 when the HTML file cannot be written', async () => {
    const r = await runSuite(['--html', join(dir, 'no-such-dir', 'r.html')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--html: cannot write .*r\.html \(ENOENT\)/);
  }, 60_000);
});
