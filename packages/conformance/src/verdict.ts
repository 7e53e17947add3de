import type { Verdict } from './types.ts';

/**
 * Exit statuses of `xkslab conformance`, one per outcome. A CI job can tell "the proxy is wrong"
 * (1) from "the run could not judge every MUST check" (3) and "nothing was tested" (2, 4).
 */
export const EXIT_STATUS = {
  CONFORMS: 0,
  'DOES NOT CONFORM': 1,
  /** Bad flags or arguments: nothing ran. */
  USAGE: 2,
  INCOMPLETE: 3,
  /** The target could not be tested at all: nothing listens, TLS not trusted, setup failed. */
  UNREACHABLE: 4,
} as const;

/**
 * A failed MUST check decides; then a skipped one, or a run in which no MUST check passed at all
 * (e.g. `--only tls.` against http://: nothing was judged). SHOULD and N/A checks never decide.
 */
export function verdictOf(counts: {
  mustPassed: number;
  mustFailed: number;
  mustSkipped: number;
}): Verdict {
  if (counts.mustFailed > 0) return 'DOES NOT CONFORM';
  if (counts.mustSkipped > 0 || counts.mustPassed === 0) return 'INCOMPLETE';
  return 'CONFORMS';
}
