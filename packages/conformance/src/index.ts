export type { CheckDefinition, CheckNeed } from './check.ts';
export { ALL_CHECKS } from './checks/all-checks.ts';
export {
  CHECKS_DOC_BEGIN,
  CHECKS_DOC_END,
  formatChecksDoc,
  spliceChecksDoc,
} from './checks-doc.ts';
export type {
  ChangeKind,
  CheckSide,
  ComparedRun,
  ComparisonRow,
  ReportComparison,
} from './compare.ts';
export {
  answerOf,
  CHANGE_KINDS,
  CHANGE_LABELS,
  compareReports,
  comparisonSummary,
} from './compare.ts';
export { formatComparisonText, sideText } from './compare-text.ts';
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
export { redactAuthorization, redactHeaderValue, redactSecrets } from './redact.ts';
export type { HtmlReportOptions } from './report-html.ts';
export { formatHtmlReport, htmlEscape } from './report-html.ts';
export { formatJunitReport, xmlEscape } from './report-junit.ts';
export { parseConformanceReport, ReportFormatError } from './report-schema.ts';
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
export { CHECK_WHY, whyOf } from './why.ts';
