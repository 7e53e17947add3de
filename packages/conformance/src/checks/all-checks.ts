import type { CheckDefinition } from '../check.ts';
import { cryptoChecks } from './crypto.ts';
import { deadlineCheck } from './deadline.ts';
import { errorChecks } from './errors.ts';
import { formatChecks } from './format.ts';
import { healthChecks } from './health.ts';
import { httpChecks } from './http.ts';
import { hygieneChecks } from './hygiene.ts';
import { loadChecks } from './load.ts';
import { metadataChecks } from './metadata.ts';
import { robustnessChecks, stillAnsweringCheck } from './robustness.ts';
import { sigv4Checks } from './sigv4.ts';
import { sigv4MatrixChecks } from './sigv4-matrix.ts';
import { tlsChecks } from './tls.ts';
import { transportChecks } from './transport.ts';
import { usageChecks } from './usage.ts';

/**
 * Every check, in the order they run: happy paths first, then errors, key usage, SigV4, method
 * and path, abuse, transport, TLS; format.* and latency.every-answer judge every answer seen so
 * far; load last.
 */
export const ALL_CHECKS: readonly CheckDefinition[] = [
  ...healthChecks,
  ...metadataChecks,
  ...cryptoChecks,
  ...hygieneChecks,
  ...errorChecks,
  ...usageChecks,
  ...sigv4Checks,
  ...sigv4MatrixChecks,
  ...httpChecks,
  ...robustnessChecks,
  ...transportChecks,
  stillAnsweringCheck,
  ...tlsChecks,
  ...formatChecks,
  deadlineCheck,
  ...loadChecks,
];
