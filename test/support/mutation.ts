/**
 * The mutation test of the conformance runner: every defect profile turned on in turn through
 * the admin API, and the check that must catch it (the tests' own oracle, independent of the
 * server's table). Used over HTTP and HTTPS (faults.test.ts) and with workers
 * (workers-faults.test.ts).
 */
import type { ConformanceReport } from '@xkslab/conformance';
import { DEFECT_NAMES, type DefectName } from '@xkslab/protocol';
import { type Admin, adminOk } from './admin-api.ts';

/** The check each defect must fail: the test's own oracle, independent of the server's table. */
export const CAUGHT_BY: Record<DefectName, string> = {
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

/** Checks that judge every answer of a run need the whole run; the others can run alone. */
export const judgesAll = (id: string): boolean => /^(format|latency)\./.test(id);

/**
 * Turns on each defect in turn through `on`, runs the runner (`runWith(checkFor)`) and notes
 * whether the check that must catch it failed. Returns the defects missed and a table.
 */
export async function mutationRun(
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
