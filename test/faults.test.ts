/**
 * Fault injection in xkslab's own proxy, the defect profiles: the mutation test turns on every
 * defect profile in turn (admin API) and shows that the conformance runner fails it with the
 * check that catches it, then prints the mutation score, over HTTP and over HTTPS with mTLS; a
 * defect from the seed file. The other fault kinds and the CLI: faults-kinds.test.ts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runConformance } from '@xkslab/conformance';
import { DEFECT_NAMES, type DefectName } from '@xkslab/protocol';
import { describe, expect, it } from 'vitest';
import { adminOk } from './support/admin-api.ts';
import { startXkslab } from './support/binary.ts';
import { labConformanceOptions, notPassed, statusOf } from './support/conformance.ts';
import { addFault, admin, lab, runChecks, useFaultLab } from './support/fault-lab.ts';
import { CAUGHT_BY, judgesAll, mutationRun } from './support/mutation.ts';

const servers = useFaultLab();

describe('defect profiles: mutation testing the conformance runner', () => {
  it('catches every defect with the right check (mutation score 100%)', async () => {
    expect(Object.keys(CAUGHT_BY).sort()).toEqual([...DEFECT_NAMES].sort());
    const listed = adminOk(await admin.call('GET', '/faults/defects')).defects as Array<{
      name: DefectName;
      caughtBy: string;
    }>;
    expect(Object.fromEntries(listed.map((d) => [d.name, d.caughtBy]))).toEqual(CAUGHT_BY);

    const { missed, rows } = await mutationRun(admin, () => runChecks());
    const score = (DEFECT_NAMES.length - missed.length) / DEFECT_NAMES.length;
    console.log(
      `Mutation score of xkslab conformance: ${DEFECT_NAMES.length - missed.length}/${DEFECT_NAMES.length} defects caught (${Math.round(score * 100)}%)\n${rows.join('\n')}`,
    );
    expect(missed).toEqual([]);
    expect(score).toBe(1);

    // With every defect gone the proxy conforms again.
    const clean = await runChecks();
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
