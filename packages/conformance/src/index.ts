export type { CheckDefinition, CheckNeed } from './check.ts';
export { ALL_CHECKS } from './checks/all-checks.ts';
export { ConformanceOptionsError, parseEndpoint } from './endpoint.ts';
export type { Reply } from './expect.ts';
export {
  CheckNotApplicable,
  CheckSkipped,
  errorBodyProblem,
  expectError,
  flipBit,
  isJsonContentType,
  isOneLine,
} from './expect.ts';
export type { Endpoint, TlsSettings } from './http-client.ts';
export { KMS_ALARM_MS, KMS_DEADLINE_MS } from './load.ts';
export type { UnreachableReason } from './preflight.ts';
export { checkReachable, TargetUnreachableError } from './preflight.ts';
export { redactAuthorization } from './redact.ts';
export { formatJunitReport, xmlEscape } from './report-junit.ts';
export type { TextReportOptions } from './report-text.ts';
export { formatTextReport, statusText, verdictLine } from './report-text.ts';
export {
  ConformanceAbortedError,
  runConformance,
  selectChecks,
  summarize,
  TOOL_NAME,
} from './runner.ts';
export type {
  CheckResult,
  CheckStatus,
  ConformanceOptions,
  ConformanceReport,
  ConformanceSummary,
  LatencySummary,
  LoadResult,
  ProgressEvent,
  ReceivedSummary,
  RunHooks,
  SentSummary,
  Severity,
  Verdict,
} from './types.ts';
export { EXIT_STATUS, verdictOf } from './verdict.ts';
