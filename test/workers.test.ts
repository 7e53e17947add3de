/**
 * `serve --workers 2`: the XKS listener shared by two worker processes, the module layer, the
 * audit log and the admin API in the primary. Everything a single process guarantees must hold
 * across workers: every call audited in one valid chain, an admin change (a disabled key, a
 * rotated credential) honoured by every worker from the next request, a worker that dies
 * restarted, and SIGTERM stopping the whole group cleanly.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  encryptBody,
  healthBody,
  healthPath,
  keyPath,
  requestMetadata,
} from '@xkslab/conformance/testing';
import { describe, expect, it } from 'vitest';
import { adminOk } from './support/admin-api.ts';
import { expectXksError } from './support/assertions.ts';
import { runXkslab, startXkslab, waitFor } from './support/binary.ts';
import { admin, EVERY_WORKER, lab, server, t, useWorkersLab } from './support/workers-lab.ts';
import { sendXks } from './support/xks-client.ts';
import { decryptOk, encryptOk, healthOk } from './support/xks-ops.ts';

const PLAINTEXT = Buffer.from('a data key, served by a worker');
const servers = useWorkersLab();

/** The `worker` field of the per-request log lines so far. */
function servingWorkers(): Set<unknown> {
  return new Set(
    server
      .logs()
      .filter((l) => l.msg === 'xks')
      .map((l) => l.worker),
  );
}

/** Process ids of the workers the primary says are listening now. */
function liveWorkerPids(): number[] {
  const live = new Map<unknown, number>();
  for (const l of server.logs()) {
    if (l.msg === 'worker listening') live.set(l.worker, Number(l.pid));
    if (l.msg === 'worker exited') live.delete(l.worker);
  }
  return [...live.values()];
}

describe('serve --workers 2', () => {
  it('documents the flag', async () => {
    const r = await runXkslab(['serve', '--help']);
    expect(r.stdout).toMatch(/--workers N/);
  });

  it('takes fault rules from the seed: a defect of the answers, on every worker', async () => {
    const dir = await servers.tempDir('workers-faults');
    const seeded = await startXkslab({
      dataDir: join(dir, 'data'),
      seed: { ...lab.seed, faults: [{ kind: 'defect', defect: 'pretty-json' }] },
      extraArgs: ['--workers', '2'],
    });
    try {
      const target = { ...t.a, port: seeded.port };
      const answers = await Promise.all(
        Array.from({ length: EVERY_WORKER }, () =>
          sendXks(target, healthPath(target), healthBody()),
        ),
      );
      expect(answers.map((a) => [a.status, a.text.includes('\n  "')])).toEqual(
        answers.map(() => [200, true]),
      );
      const workers = seeded
        .logs()
        .filter((l) => l.msg === 'xks')
        .map((l) => l.worker);
      expect(new Set(workers).size).toBe(2);
    } finally {
      await seeded.stop();
    }
  }, 60_000);

  it('round-trips encrypt and decrypt through the signed client', async () => {
    const out = await encryptOk(t.a, 'fixed', { plaintext: PLAINTEXT, aad: Buffer.from('x') });
    expect(await decryptOk(t.a, 'fixed', out, Buffer.from('x'))).toEqual(PLAINTEXT);
    await healthOk(t.b);
  });

  it('answers many concurrent calls, each audited in one valid chain, from both workers', async () => {
    const ids = Array.from({ length: 120 }, (_, i) => `workers-${i}-${Date.now()}`);
    const answers = await Promise.all(
      ids.map((id) =>
        sendXks(t.a, keyPath(t.a, 'fixed', 'encrypt'), {
          ...encryptBody({ plaintext: PLAINTEXT }),
          requestMetadata: requestMetadata('Encrypt', { kmsRequestId: id }),
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 200));
    const audited = (await readFile(join(server.dataDir, 'audit.log'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { kmsRequestId?: string; result: string });
    const ok = new Set(audited.filter((e) => e.result === 'ok').map((e) => e.kmsRequestId));
    expect(ids.filter((id) => !ok.has(id))).toEqual([]);
    const verify = await runXkslab(['audit', 'verify', '--data-dir', server.dataDir]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(await waitFor(() => servingWorkers().size === 2)).toBe(true);
    expect([...servingWorkers()].every((w) => typeof w === 'number')).toBe(true);
    // The workers' observations reach the primary's /metrics (reported once per event-loop turn).
    const encrypts = async () => {
      const res = await fetch(`http://127.0.0.1:${admin.port}/metrics`, {
        headers: { authorization: `Bearer ${admin.token}` },
      });
      const line = (await res.text())
        .split('\n')
        .find((l) =>
          l.startsWith('xkslab_xks_request_duration_seconds_count{operation="Encrypt"}'),
        );
      return Number(line?.split(' ').at(-1));
    };
    let counted = 0;
    for (let i = 0; i < 50 && counted < ids.length; i++) {
      counted = await encrypts();
      if (counted < ids.length) await new Promise((r) => setTimeout(r, 20));
    }
    expect(counted).toBeGreaterThanOrEqual(ids.length);
  }, 60_000);

  it('passes the conformance runner (--local: its own keys and credentials through the admin API)', async () => {
    const r = await runXkslab(
      ['conformance', '--local', '--data-dir', server.dataDir, '--keystore', 'a'],
      { timeoutMs: 90_000 },
    );
    expect(r.code, r.stdout.slice(-2000) + r.stderr).toBe(0);
  }, 120_000);

  it('refuses a key disabled through the admin API on every worker from the next call', async () => {
    adminOk(await admin.call('POST', '/modules/hsm-a/keys', { id: 'toggle' }), 201);
    await encryptOk(t.a, 'toggle', { plaintext: PLAINTEXT });
    adminOk(await admin.call('POST', '/modules/hsm-a/keys/toggle/disable'));
    for (let i = 0; i < EVERY_WORKER; i++) {
      const res = await sendXks(
        t.a,
        keyPath(t.a, 'toggle', 'encrypt'),
        encryptBody({ plaintext: PLAINTEXT }),
      );
      expectXksError(res, 400, 'InvalidStateException');
    }
  });

  it('honours a credential added and one revoked through the admin API at once', async () => {
    const added = adminOk(await admin.call('POST', '/keystores/b/credentials'), 201);
    const fresh = {
      ...t.b,
      credential: { accessKeyId: added.accessKeyId, secretAccessKey: added.secretAccessKey },
    };
    for (let i = 0; i < EVERY_WORKER; i++) await healthOk(fresh);
    adminOk(
      await admin.call('DELETE', `/keystores/b/credentials/${lab.credentials.b.accessKeyId}`),
    );
    for (let i = 0; i < EVERY_WORKER; i++) {
      expectXksError(
        await sendXks(t.b, healthPath(t.b), healthBody()),
        401,
        'AuthenticationFailedException',
      );
    }
    await healthOk(fresh);
  });

  it('restarts a worker killed with SIGKILL and keeps answering', async () => {
    const before = liveWorkerPids();
    expect(before).toHaveLength(2);
    const victim = before[0] as number;
    process.kill(victim, 'SIGKILL');
    expect(
      await waitFor(() => {
        const now = liveWorkerPids();
        return now.length === 2 && !now.includes(victim);
      }, 20_000),
    ).toBe(true);
    expect(server.logs().some((l) => l.msg === 'worker exited' && l.pid === victim)).toBe(true);
    const replacement = server
      .logs()
      .find((l) => l.msg === 'worker listening' && !before.includes(Number(l.pid)))?.worker;
    for (let i = 0; i < EVERY_WORKER; i++) {
      const out = await encryptOk(t.a, 'fixed', { plaintext: PLAINTEXT });
      expect(await decryptOk(t.a, 'fixed', out)).toEqual(PLAINTEXT);
    }
    expect(await waitFor(() => servingWorkers().has(replacement))).toBe(true);
  }, 30_000);

  it('stops the primary and every worker on SIGTERM', async () => {
    const pids = liveWorkerPids();
    const status = await server.stop({ removeDataDir: false });
    expect(status).toEqual({ code: 0, signal: null });
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
    // Each worker finished on its own (exit code 0), none was killed for taking too long.
    const logs = server.logs();
    const stopping = logs.findIndex((l) => l.msg === 'stopping');
    const exits = logs.slice(stopping).filter((l) => l.msg === 'worker exited');
    expect(exits.map((l) => [l.code, l.signal])).toEqual(pids.map(() => [0, undefined]));
    const verify = await runXkslab(['audit', 'verify', '--data-dir', server.dataDir]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    servers.removeLater(server.dataDir);
  }, 30_000);
});
