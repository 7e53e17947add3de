/** Conformance-runner options for the lab seed's key store `a` (every optional key, 2 credentials). */
import type { ConformanceOptions, ConformanceReport } from '@xkslab/conformance';
import { type LabSeed, PREFIX_A, REGION_A } from './lab-seed.ts';

export function labConformanceOptions(
  lab: LabSeed,
  port: number,
  base = `http://127.0.0.1:${port}`,
): ConformanceOptions {
  return {
    url: `${base}${PREFIX_A}/kms/xks/v1`,
    accessKeyId: lab.credentials.a1.accessKeyId,
    secretAccessKey: lab.credentials.a1.secretAccessKey,
    region: REGION_A,
    keyId: 'foo',
    encryptOnlyKeyId: 'encrypt-only',
    decryptOnlyKeyId: 'decrypt-only',
    noUsageKeyId: 'wrap-only',
    disabledKeyId: 'fixed-disabled',
    secondCredential: lab.credentials.a2,
  };
}

/** `id status: message` of every check that did not pass. */
export function notPassed(report: ConformanceReport): string[] {
  return report.checks
    .filter((c) => c.status !== 'pass')
    .map((c) => `${c.id} ${c.status}: ${c.message}`);
}

export function statusOf(report: ConformanceReport, id: string): string | undefined {
  return report.checks.find((c) => c.id === id)?.status;
}
