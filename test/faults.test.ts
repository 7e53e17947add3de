/**
 * Fault injection in xkslab's own proxy. The mutation test turns on every defect profile in turn
 * (admin API) and shows that the conformance runner fails it with the check that catches it, then
 * prints the mutation score. The other fault kinds are shown from the outside: latency, errors,
 * throttling, drops, health, clock offset, bit flips (caught by the CDIV), probabilities, expiry,
 * scenarios, the seed file and the CLI.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ConformanceReport, runConformance } from '@xkslab/conformance';
import {
  decryptBody,
  encryptBody,
  healthBody,
  healthPath,
  keyPath,
  metadataBody,
} from '@xkslab/conformance/testing';
import { DEFECT_NAMES, type DefectName } from '@xkslab/protocol';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Admin, adminOk, expectAdminError } from './support/admin-api.ts';
import { runXkslab, startXkslab, type XkslabServer } from './support/binary.ts';
import { labConformanceOptions, notPassed, statusOf } from './support/conformance.ts';
import { useTempServers } from './support/fixture.ts';
import type { LabSeed, LabTargets } from './support/lab-seed.ts';
import { sendXks } from './support/xks-client.ts';

/** The check each defect must fail: the test's own oracle, independent of the server's table. */
const CAUGHT_BY: Record<DefectName, string> = {
  'urlsafe-base64': 'encrypt.ok',
  'pretty-json': 'format.compact-json',
  'wrong-status': 'format.error-status',
  'sigv4-unchecked': 'sigv4.wrong-secret',
  'skew-unchecked': 'sigv4.clock-skew-rejected',
  'aad-ignored': 'decrypt.wrong-aad',
  'metadata-unbound': 'decrypt.tampered-metadata',
  'cdiv-unverified': 'encrypt.cdiv-encrypt-only',
  'cdiv-wrong': 'encrypt.cdiv',
  'usage-unenforced': 'usage.encrypt-only',
  'disabled-served': 'state.disabled-key',
  'get-200': 'http.get-405',
  'unknown-operation-rejected': 'robust.unknown-kms-operation',
  'unknown-fields-rejected': 'robust.unknown-fields',
  'missing-content-type': 'format.content-type',
  'iv-8-bytes': 'encrypt.ok',
  'tag-15-bytes': 'encrypt.ok',
  'tag-appended': 'encrypt.ok',
  'metadata-oversized': 'encrypt.ok',
  'error-without-json': 'format.error-body',
  'error-message-unsafe': 'format.error-body',
  'key-spec-wrong': 'metadata.ok',
  'fleet-empty': 'health.ok',
  'wrong-prefix-accepted': 'http.wrong-prefix',
  'request-id-validated': 'robust.opaque-request-id',
  'second-credential-ignored': 'sigv4.second-credential',
  'curl-signing-rejected': 'sigv4.curl-signed-headers',
  'max-size-rejected': 'roundtrip.max-sizes',
  'sigv4-algorithm-ignored': 'sigv4.matrix.algorithm',
  'sigv4-access-key-loose': 'sigv4.matrix.access-key',
  'sigv4-scope-date-free': 'sigv4.matrix.scope-date',
  'sigv4-region-case': 'sigv4.matrix.scope-region',
  'sigv4-service-case': 'sigv4.matrix.scope-service',
  'sigv4-terminator-free': 'sigv4.matrix.scope-terminator',
  'sigv4-host-unsigned': 'sigv4.matrix.required-headers',
  'sigv4-headers-normalized': 'sigv4.matrix.signed-headers-form',
  'sigv4-signature-prefix': 'sigv4.matrix.signature',
  'sigv4-body-reserialized': 'sigv4.matrix.body',
  'sigv4-payload-hash-trusted': 'sigv4.matrix.payload-hash',
  'sigv4-window-wide': 'sigv4.matrix.date-window',
  'encrypt-cached': 'crypto.nonce-unique',
  'short-plaintext-padded': 'crypto.gcm-sizes',
  'metadata-trailing-ignored': 'crypto.metadata-bound',
  'slow-answers': 'latency.every-answer',
  'keep-alive-refused': 'transport.keep-alive',
  'pipelining-dropped': 'transport.pipelining',
  'few-connections': 'transport.slow-connections',
};

let lab: LabSeed;
let server: XkslabServer;
let admin: Admin;
let t: LabTargets;

const servers = useTempServers();
beforeAll(async () => {
  ({ lab, server, t, admin } = await servers.startLab());
});

afterEach(async () => {
  adminOk(await admin.call('DELETE', '/faults'));
});

async function addFault(rule: Record<string, unknown>) {
  return adminOk(await admin.call('POST', '/faults', rule), 201).fault as { id: string };
}

const run = (only?: string[]) =>
  runConformance({ ...labConformanceOptions(lab, server.port), ...(only ? { only } : {}) });

/**
 * Turns on each defect in turn through `on`, runs the runner (`runWith(checkFor)`) and notes
 * whether the check that must catch it failed. Returns the defects missed and a table.
 */
async function mutationRun(
  on: Admin,
  runWith: (caughtBy: string) => Promise<ConformanceReport>,
): Promise<{ missed: string[]; rows: string[] }> {
  const missed: string[] = [];
  const rows: string[] = [];
  for (const defect of DEFECT_NAMES) {
    adminOk(await on.call('POST', '/faults', { kind: 'defect', defect }), 201);
    const report = await runWith(CAUGHT_BY[defect]);
    adminOk(await on.call('DELETE', '/faults'));
    const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
    const caught = failed.includes(CAUGHT_BY[defect]);
    if (!caught) missed.push(`${defect}: expected ${CAUGHT_BY[defect]} to fail; failed: ${failed}`);
    rows.push(
      `  ${caught ? 'caught' : 'MISSED'}  ${defect.padEnd(28)} ${CAUGHT_BY[defect].padEnd(34)} (${failed.length} checks failed)`,
    );
  }
  return { missed, rows };
}

describe('defect profiles: mutation testing the conformance runner', () => {
  it('catches every defect with the right check (mutation score 100%)', async () => {
    expect(Object.keys(CAUGHT_BY).sort()).toEqual([...DEFECT_NAMES].sort());
    const listed = adminOk(await admin.call('GET', '/faults/defects')).defects as Array<{
      name: DefectName;
      caughtBy: string;
    }>;
    expect(Object.fromEntries(listed.map((d) => [d.name, d.caughtBy]))).toEqual(CAUGHT_BY);

    const { missed, rows } = await mutationRun(admin, () => run());
    const score = (DEFECT_NAMES.length - missed.length) / DEFECT_NAMES.length;
    console.log(
      `Mutation score of xkslab conformance: ${DEFECT_NAMES.length - missed.length}/${DEFECT_NAMES.length} defects caught (${Math.round(score * 100)}%)\n${rows.join('\n')}`,
    );
    expect(missed).toEqual([]);
    expect(score).toBe(1);

    // With every defect gone the proxy conforms again.
    const clean = await run();
    expect(notPassed(clean).filter((l) => !/^(tls|load)\./.test(l))).toEqual([]);
  }, 600_000);

  it('applies a defect from the seed file at start', async () => {
    const seeded = await startXkslab({
      seed: { ...lab.seed, faults: [{ kind: 'defect', defect: 'pretty-json' }] },
    });
    try {
      expect(seeded.stderr()).toMatch(/1 fault rule\(s\) from the seed are active/);
      const report = await runConformance({
        ...labConformanceOptions(lab, seeded.port),
        only: ['health.ok', 'format.'],
      });
      expect(statusOf(report, 'health.ok')).toBe('pass');
      expect(statusOf(report, 'format.compact-json')).toBe('fail');
    } finally {
      await seeded.stop();
    }
  });

  it('keeps one defect at a time: a new one replaces the old', async () => {
    await addFault({ kind: 'defect', defect: 'get-200' });
    await addFault({ kind: 'defect', defect: 'fleet-empty' });
    const { faults } = adminOk(await admin.call('GET', '/faults'));
    expect(faults.map((f: { defect?: string }) => f.defect)).toEqual(['fleet-empty']);
  });
});

describe('defect profiles over HTTPS with mTLS (--dev-tls)', () => {
  it('catches every defect with the right check; the clean proxy passes every check', async () => {
    const tls = await servers.startLab({
      start: { extraArgs: ['--dev-tls', '--admin-port', '0'] },
    });
    const dir = join(tls.server.dataDir, 'tls');
    const [ca, cert, key] = await Promise.all(
      ['ca.pem', 'client.pem', 'client-key.pem'].map((f) => readFile(join(dir, f))),
    );
    const options = {
      ...labConformanceOptions(tls.lab, tls.server.port, `https://localhost:${tls.server.port}`),
      tls: { ca, cert, key },
    };
    // Checks that judge every answer of a run need the whole run; the others run alone.
    const judgesAll = (id: string) => /^(format|latency)\./.test(id);
    const { missed, rows } = await mutationRun(tls.admin, (caughtBy) =>
      runConformance({ ...options, ...(judgesAll(caughtBy) ? {} : { only: [caughtBy] }) }),
    );
    console.log(`Mutation score over HTTPS with mTLS:\n${rows.join('\n')}`);
    expect(missed).toEqual([]);
    const clean = await runConformance(options);
    expect(notPassed(clean).filter((l) => !/^load\./.test(l))).toEqual([]);
    expect(statusOf(clean, 'tls.client-certificate-required')).toBe('pass');
  }, 600_000);
});

describe('fault kinds', () => {
  const health = () => sendXks(t.a, healthPath(t.a), healthBody());
  const encrypt = (keyId = 'foo', cdiv = false) =>
    sendXks(
      t.a,
      keyPath(t.a, keyId, 'encrypt'),
      encryptBody({ plaintext: Buffer.from('hello faults'), cdiv }),
    );
  const timed = async <T>(work: () => Promise<T>) => {
    const started = performance.now();
    const result = await work();
    return { result, ms: performance.now() - started };
  };

  it('latency delays the answers in scope only', async () => {
    await addFault({
      kind: 'latency',
      latency: { type: 'fixed', ms: 1000 },
      scope: { operation: 'GetHealthStatus' },
    });
    const slow = await timed(health);
    expect(slow.result.status).toBe(200);
    expect(slow.ms).toBeGreaterThanOrEqual(990);
    const fast = await timed(() => encrypt());
    expect(fast.result.status).toBe(200);
    expect(fast.ms).toBeLessThan(900);
  });

  it('module latency beyond the module deadline answers DependencyTimeoutException', async () => {
    await addFault({
      kind: 'latency',
      stage: 'module',
      latency: { type: 'uniform', min: 400, max: 450 },
    });
    const res = await encrypt();
    expect(res.status).toBe(503);
    expect(JSON.parse(res.text).errorName).toBe('DependencyTimeoutException');
  });

  it('error answers the named XKS error with its status, for the scoped key only', async () => {
    await addFault({ kind: 'error', errorName: 'InternalException', scope: { keyId: 'foo' } });
    const hit = await encrypt('foo');
    expect([hit.status, JSON.parse(hit.text).errorName]).toEqual([500, 'InternalException']);
    expect((await encrypt('bar')).status).toBe(200);
    // Authentication still comes first: a bad signature is 401, not the injected error.
    const unsigned = await sendXks(
      t.a,
      keyPath(t.a, 'foo', 'encrypt'),
      encryptBody({ plaintext: Buffer.from('x') }),
      {
        sign: { credential: lab.credentials.b },
      },
    );
    expect(unsigned.status).toBe(401);
  });

  it('throttle answers ThrottlingException above N requests a second', async () => {
    await addFault({ kind: 'throttle', requestsPerSecond: 3 });
    const statuses = await Promise.all(Array.from({ length: 12 }, () => health()));
    const codes = statuses.map((r) => r.status);
    expect(codes.filter((s) => s === 200).length).toBeGreaterThanOrEqual(3);
    expect(codes.filter((s) => s === 200).length).toBeLessThan(12);
    const throttled = statuses.find((r) => r.status === 429);
    expect(JSON.parse(throttled?.text ?? '{}').errorName).toBe('ThrottlingException');
  });

  it('drop closes the connection without an answer; the proxy keeps serving', async () => {
    await addFault({ kind: 'drop', scope: { operation: 'GetKeyMetadata' } });
    await expect(sendXks(t.a, keyPath(t.a, 'foo', 'metadata'), metadataBody())).rejects.toThrow(
      /socket hang up|ECONNRESET/,
    );
    expect((await health()).status).toBe(200);
    const report = await run(['metadata.ok', 'health.ok']);
    expect(report.checks.find((c) => c.id === 'metadata.ok')?.message).toMatch(/^no answer/);
  });

  it('health reports chosen nodes DEGRADED or UNAVAILABLE', async () => {
    await addFault({ kind: 'health', nodes: ['node-2'], status: 'UNAVAILABLE' });
    const body = JSON.parse((await health()).text);
    expect(body.ekmFleetDetails.map((n: { healthStatus: string }) => n.healthStatus)).toEqual([
      'ACTIVE',
      'UNAVAILABLE',
    ]);
    const report = await run(['health.']);
    expect(statusOf(report, 'health.ok')).toBe('pass');
    expect(statusOf(report, 'health.fleet-active')).toBe('fail');
  });

  it('clock offset moves the proxy clock for SigV4: +6 minutes fails every request', async () => {
    await addFault({ kind: 'clock-offset', offsetMs: 6 * 60_000 });
    const res = await health();
    expect([res.status, JSON.parse(res.text).errorName]).toEqual([
      401,
      'AuthenticationFailedException',
    ]);
    const report = await run(['sigv4.clock-skew-']);
    expect(statusOf(report, 'sigv4.clock-skew-tolerated')).toBe('fail');
  });

  it('bitflip corrupts encrypt output after the CDIV: the CDIV check and decrypt catch it', async () => {
    await addFault({ kind: 'bitflip', scope: { operation: 'Encrypt' } });
    const res = await encrypt('foo', true);
    expect(res.status).toBe(200);
    const out = JSON.parse(res.text);
    const dec = await sendXks(t.a, keyPath(t.a, 'foo', 'decrypt'), decryptBody(out));
    expect(JSON.parse(dec.text).errorName).toBe('InvalidCiphertextException');
    const report = await run(['encrypt.cdiv', 'roundtrip.no-aad']);
    expect(report.checks.find((c) => c.id === 'encrypt.cdiv')?.message).toMatch(
      /differs from the recomputed/,
    );
    expect(statusOf(report, 'roundtrip.no-aad')).toBe('fail');
  });

  it('probability 0 never fires; an expired rule is gone', async () => {
    await addFault({ kind: 'error', errorName: 'InternalException', probability: 0 });
    await addFault({
      kind: 'drop',
      expiresAt: new Date(Date.now() + 1500).toISOString(),
    });
    await new Promise((r) => setTimeout(r, 1600));
    expect((await health()).status).toBe(200);
    const { faults } = adminOk(await admin.call('GET', '/faults'));
    expect(faults.map((f: { kind: string }) => f.kind)).toEqual(['error']);
  });

  it('refuses invalid rules and unknown ids with admin errors', async () => {
    expectAdminError(
      await admin.call('POST', '/faults', { kind: 'latency' }),
      400,
      'VALIDATION_ERROR',
    );
    expectAdminError(
      await admin.call('POST', '/faults', { kind: 'error', errorName: 'NoSuchException' }),
      400,
      'VALIDATION_ERROR',
    );
    expectAdminError(await admin.call('DELETE', '/faults/nope'), 404, 'FAULT_NOT_FOUND');
    await addFault({ id: 'mine', kind: 'drop', probability: 0 });
    expectAdminError(
      await admin.call('POST', '/faults', { id: 'mine', kind: 'drop' }),
      409,
      'FAULT_EXISTS',
    );
    expectAdminError(await admin.call('POST', '/faults/scenarios/nope'), 404, 'SCENARIO_NOT_FOUND');
  });
});

describe('scenarios and the CLI', () => {
  const cli = (...args: string[]) => runXkslab(['faults', ...args, '--data-dir', server.dataDir]);

  it('lists scenarios, enables one with a scope, lists and clears the rules', async () => {
    const scenarios = await cli('scenarios');
    expect(scenarios.code, scenarios.stderr).toBe(0);
    for (const name of ['slow-hsm', 'degraded-fleet', 'throttle-at-1800', 'key-disabled-in-ekm']) {
      expect(scenarios.stdout).toContain(name);
    }
    const enabled = await cli('enable-scenario', 'key-disabled-in-ekm', '--key-id', 'foo');
    expect(enabled.code, enabled.stderr).toBe(0);
    expect(enabled.stdout).toContain('key-disabled-in-ekm:1');
    const res = await sendXks(
      t.a,
      keyPath(t.a, 'foo', 'encrypt'),
      encryptBody({ plaintext: Buffer.from('x') }),
    );
    expect([res.status, JSON.parse(res.text).errorName]).toEqual([400, 'InvalidStateException']);
    const other = await sendXks(
      t.a,
      keyPath(t.a, 'bar', 'encrypt'),
      encryptBody({ plaintext: Buffer.from('x') }),
    );
    expect(other.status).toBe(200);

    const list = await cli('list');
    expect(list.stdout).toMatch(
      /key-disabled-in-ekm:2\s+error\s+InvalidStateException\s+key=foo op=Decrypt/,
    );
    const cleared = await cli('clear');
    expect(cleared.stdout).toContain('removed 2 rule(s)');
  });

  it('adds rules with flags, sets and removes a defect, explains defects', async () => {
    const added = await cli(
      'add',
      'latency',
      '--latency',
      'normal:100:20',
      '--operation',
      'Encrypt',
      '--probability',
      '0.5',
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/f\d+\s+latency\s+normal\(100 ms, sd 20\)\s+op=Encrypt\s+0\.5/);
    const offset = await cli('add', 'clock-offset', '--offset-ms=-60000', '--json');
    expect(JSON.parse(offset.stdout).fault).toMatchObject({
      kind: 'clock-offset',
      offsetMs: -60000,
    });
    const defect = await cli('defect', 'get-200');
    expect(defect.code, defect.stderr).toBe(0);
    const get = await runXkslab(['faults', 'list', '--json', '--data-dir', server.dataDir]);
    expect(JSON.parse(get.stdout).faults).toHaveLength(3);
    const off = await cli('defect', 'off');
    expect(off.stdout).toContain('defect off (1 removed)');
    const defects = await cli('defects');
    expect(defects.stdout).toMatch(/aad-ignored\s+decrypt\.wrong-aad/);
    const bad = await cli('defect', 'no-such-defect');
    expect(bad.code).toBe(2);
    const badKind = await cli('add', 'meteor');
    expect(badKind.code).toBe(2);
  });
});
