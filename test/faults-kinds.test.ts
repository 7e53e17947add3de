import {
  decryptBody,
  encryptBody,
  healthBody,
  healthPath,
  keyPath,
  metadataBody,
} from '@xkslab/conformance/testing';
import { describe, expect, it } from 'vitest';
import { adminOk, expectAdminError } from './support/admin-api.ts';
import { runXkslab } from './support/binary.ts';
import { statusOf } from './support/conformance.ts';
import { addFault, admin, lab, runChecks, server, t, useFaultLab } from './support/fault-lab.ts';
import { sendXks } from './support/xks-client.ts';

useFaultLab();

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
    const report = await runChecks(['metadata.ok', 'health.ok']);
    expect(report.checks.find((c) => c.id === 'metadata.ok')?.message).toMatch(/^no answer/);
  });

  it('health reports chosen nodes DEGRADED or UNAVAILABLE', async () => {
    await addFault({ kind: 'health', nodes: ['node-2'], status: 'UNAVAILABLE' });
    const body = JSON.parse((await health()).text);
    expect(body.ekmFleetDetails.map((n: { healthStatus: string }) => n.healthStatus)).toEqual([
      'ACTIVE',
      'UNAVAILABLE',
    ]);
    const report = await runChecks(['health.']);
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
    const report = await runChecks(['sigv4.clock-skew-']);
    expect(statusOf(report, 'sigv4.clock-skew-tolerated')).toBe('fail');
  });

  it('bitflip corrupts encrypt output after the CDIV: the CDIV check and decrypt catch it', async () => {
    await addFault({ kind: 'bitflip', scope: { operation: 'Encrypt' } });
    const res = await encrypt('foo', true);
    expect(res.status).toBe(200);
    const out = JSON.parse(res.text);
    const dec = await sendXks(t.a, keyPath(t.a, 'foo', 'decrypt'), decryptBody(out));
    expect(JSON.parse(dec.text).errorName).toBe('InvalidCiphertextException');
    const report = await runChecks(['encrypt.cdiv', 'roundtrip.no-aad']);
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
