/**
 * Fault injection with `serve --workers 2`: the primary holds the rules and decides each
 * request's faults, so a counted rule counts once for all workers; a worker applies those of the
 * HTTP path (SigV4, answers, errors) and the primary those of the module (a defect's module, the
 * module delay under the module deadline). An admin change answers once every worker has it.
 */
import { runConformance } from '@xkslab/conformance';
import { encryptBody, keyPath } from '@xkslab/conformance/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { adminOk } from './support/admin-api.ts';
import { expectXksError } from './support/assertions.ts';
import { labConformanceOptions } from './support/conformance.ts';
import { judgesAll, mutationRun } from './support/mutation.ts';
import { admin, EVERY_WORKER, lab, server, t, useWorkersLab } from './support/workers-lab.ts';
import { sendXks } from './support/xks-client.ts';
import { encryptOk } from './support/xks-ops.ts';

const PLAINTEXT = Buffer.from('a data key, under fault rules');
useWorkersLab();
afterEach(async () => {
  adminOk(await admin.call('DELETE', '/faults'));
});

const addFault = async (rule: Record<string, unknown>) =>
  adminOk(await admin.call('POST', '/faults', rule), 201);

/** EVERY_WORKER encrypts at once; the answers and the workers that served them (log lines). */
async function encrypts() {
  const seen = server.stdoutLines().length;
  const answers = await Promise.all(
    Array.from({ length: EVERY_WORKER }, () =>
      sendXks(t.a, keyPath(t.a, 'fixed', 'encrypt'), encryptBody({ plaintext: PLAINTEXT })),
    ),
  );
  const workers = () =>
    new Set(
      server
        .logs()
        .slice(seen)
        .filter((l) => l.msg === 'xks')
        .map((l) => l.worker),
    );
  return { answers, workers };
}

describe('fault injection with --workers 2', () => {
  it('applies an admin change on every worker from the next request, both ways', async () => {
    await addFault({ kind: 'error', errorName: 'KeyNotFoundException' });
    const refused = await encrypts();
    for (const a of refused.answers) expectXksError(a, 404, 'KeyNotFoundException');
    adminOk(await admin.call('DELETE', '/faults'));
    const served = await encrypts();
    expect(served.answers.map((a) => a.status)).toEqual(served.answers.map(() => 200));
    expect(refused.workers().size + served.workers().size).toBe(4);
  });

  it('decides in the primary: a throttle rule of one request a second counts once for both workers', async () => {
    await addFault({ kind: 'throttle', requestsPerSecond: 1, scope: { operation: 'Encrypt' } });
    const started = performance.now();
    const { answers, workers } = await encrypts();
    const seconds = (performance.now() - started) / 1000;
    const ok = answers.filter((a) => a.status === 200).length;
    for (const a of answers.filter((x) => x.status !== 200)) {
      expectXksError(a, 429, 'ThrottlingException');
    }
    // Decided in each worker, the bucket would pass one request in each: two.
    expect(ok).toBeGreaterThanOrEqual(1);
    expect(ok).toBeLessThanOrEqual(1 + Math.floor(seconds));
    expect(workers().size).toBe(2);
  });

  it('holds a module latency rule to the module deadline, in the primary', async () => {
    await addFault({
      kind: 'latency',
      stage: 'module',
      latency: { type: 'fixed', ms: 2000 },
      scope: { operation: 'Encrypt' },
    });
    const started = performance.now();
    const { answers } = await encrypts();
    for (const a of answers) expectXksError(a, 503, 'DependencyTimeoutException');
    // The default module deadline is 200 ms: answered long before the 2 s delay ends.
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('applies every defect profile: the runner catches each with its check, as with one process', async () => {
    const options = labConformanceOptions(lab, server.port);
    const { missed, rows } = await mutationRun(admin, (caughtBy) =>
      runConformance({ ...options, ...(judgesAll(caughtBy) ? {} : { only: [caughtBy] }) }),
    );
    console.log(`Mutation score with --workers 2:\n${rows.join('\n')}`);
    expect(missed).toEqual([]);
    // And the proxy serves as specified again.
    await encryptOk(t.a, 'fixed', { plaintext: PLAINTEXT });
  }, 300_000);
});
