import type { CheckContext } from './context.ts';
import type { Severity } from './types.ts';

/** Options a check cannot run without; it is skipped, saying which flag would enable it. */
export type CheckNeed =
  | 'encryptOnlyKeyId'
  | 'decryptOnlyKeyId'
  | 'noUsageKeyId'
  | 'disabledKeyId'
  | 'secondCredential'
  | 'https'
  | 'clientCertificate'
  | 'load';

export type CheckDefinition = {
  /** Stable id: `<group>.<name>`; reports, tests and defect profiles refer to it. */
  id: string;
  title: string;
  /** Section of ../shared/docs/xks-api.md. */
  specRef: string;
  severity: Severity;
  /** Why the rule matters: what breaks (for KMS, or for security) when a proxy gets it wrong. */
  why: string;
  needs?: readonly CheckNeed[];
  /** Its requests are not KMS traffic (a 2 MiB body): latency.every-answer does not judge them. */
  untimed?: boolean;
  /** Throws CheckFailure (fail) or CheckSkipped (skip); returning means pass. */
  run(ctx: CheckContext): Promise<void>;
};

export function defineCheck(check: CheckDefinition): CheckDefinition {
  return check;
}
