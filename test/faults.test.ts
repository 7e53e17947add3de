/**
 * Fault injection in xkslab's own proxy, the defect profiles: the mutation test turns on every
 * defect profile in turn (admin API) and shows that the conformance runner fails it with the
 * check that catches it, then prints the mutation score, over HTTP and over HTTPS with mTLS; a
 * defect from the seed file. The other fault kinds and the CLI: faults-kinds.test.ts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ConformanceReport, runConformance } from '@xkslab/conformance';
import { DEFECT_NAMES, type DefectName } from '@xkslab/protocol';
import { describe, expect, it } from 'vitest';
import { type Admin, adminOk } from './support/admin-api.ts';
import { startXkslab } from './support/binary.ts';
import { labConformanceOptions, notPassed, statusOf } from './support/conformance.ts';
import { addFault, admin, lab, runChecks, useFaultLab } from './support/fault-lab.ts';

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

const servers = useFaultLab();

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
