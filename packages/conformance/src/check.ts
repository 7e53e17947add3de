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
  needs?: readonly CheckNeed[];
  /** Throws CheckFailure (fail) or CheckSkipped (skip); returning means pass. */
  run(ctx: CheckContext): Promise<void>;
};

export function defineCheck(check: CheckDefinition): CheckDefinition {
  return check;
}
