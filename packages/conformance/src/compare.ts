import type { CheckResult, CheckStatus, ConformanceReport, Severity, Verdict } from './types.ts';

/**
 * How a check differs between run A and run B:
 * - `fixed`: failed in A, no longer fails in B;
 * - `broke`: fails in B, did not fail in A (a regression);
 * - `result`: another change of result (skip, N/A, pass), neither side failing;
 * - `answer`: same result, but the proxy answered otherwise (status, errorName, message);
 * - `only-a` / `only-b`: the check ran in one run only (another runner version, `--only`).
 */
export type ChangeKind = 'fixed' | 'broke' | 'result' | 'answer' | 'only-a' | 'only-b';

export const CHANGE_KINDS: readonly ChangeKind[] = [
  'broke',
  'fixed',
  'result',
  'answer',
  'only-a',
  'only-b',
];

/** What a change kind is called in tables. */
export const CHANGE_LABELS: Readonly<Record<ChangeKind, string>> = {
  broke: 'broke',
  fixed: 'fixed',
  result: 'result changed',
  answer: 'answer changed',
  'only-a': 'only in A',
  'only-b': 'only in B',
};

/**
 * One side of a row: the check's result in that run, what the proxy answered as compared
 * (numbers masked) and as shown (the status and errorName of the answer, then the message).
 */
export type CheckSide = { status: CheckStatus; answer: string; shown: string };

export type ComparisonRow = {
  id: string;
  title: string;
  severity: Severity;
  specRef: string;
  change: ChangeKind;
  a: CheckSide | undefined;
  b: CheckSide | undefined;
};

/** A run as the comparison names it. */
export type ComparedRun = {
  label: string;
  url: string;
  startedAt: string;
  verdict: Verdict;
  exitStatus: number;
  checks: number;
};

export type ReportComparison = {
  a: ComparedRun;
  b: ComparedRun;
  /** Checks that differ, in B's order (then the ones only in A). */
  rows: ComparisonRow[];
  /** Checks in both runs with the same result and answer. */
  same: number;
  counts: Record<ChangeKind, number>;
  /** True when any check differs. */
  differs: boolean;
  /** Checks that fail in B and did not fail in A (present or not). */
  regressions: number;
};

/** A run of Base64, Base64url, Base32 or hex of at least 16 characters. */
const TOKEN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;

/**
 * A token that is a random value (a CDIV, an IV, a request id, a temporary access key id), not a
 * word, an id or a name such as TLS_AES_256_GCM_SHA384: Base64 mixes both cases and digits, hex
 * and UUIDs are lower-case hex, Base32 access key ids upper-case letters and digits 2-7.
 */
function isRandom(token: string): boolean {
  const base64 = /[a-z]/.test(token) && /[A-Z]/.test(token) && /[0-9+/=]/.test(token);
  const hex = /^[0-9a-f-]+$/.test(token) && /[0-9]/.test(token);
  const base32 = /^[A-Z2-7]+$/.test(token) && /[2-7]/.test(token);
  return base64 || hex || base32;
}

/**
 * What changes from run to run without meaning, masked: random values, then numbers (durations,
 * counts, latencies; not the digits of a name such as sigv4 or p99).
 */
function masked(text: string): string {
  return text
    .replace(TOKEN, (token) => (isRandom(token) ? 'X' : token))
    .replace(/(?<![A-Za-z0-9.])\d+(?:\.\d+)?/g, 'N');
}

/** The errorName of a (possibly truncated) JSON error body. */
function errorNameOf(body: string): string | undefined {
  return /"errorName"\s*:\s*"([^"\\]{1,100})"/.exec(body)?.[1];
}

/**
 * What the proxy answered, as compared: the HTTP status and errorName of the evidence a failure
 * keeps, the network error, or else the check's message with its numbers masked.
 */
export function answerOf(check: CheckResult, mask = true): string {
  const m = mask ? masked : (text: string) => text;
  const r = check.received;
  if (r && 'error' in r) return `no answer: ${m(r.error)}`;
  if (r) {
    const name = errorNameOf(r.body);
    return `HTTP ${r.status}${name ? ` ${name}` : ''}: ${m(check.message)}`;
  }
  return m(check.message);
}

function side(check: CheckResult): CheckSide {
  return { status: check.status, answer: answerOf(check), shown: answerOf(check, false) };
}

function changeOf(a: CheckSide, b: CheckSide): ChangeKind | undefined {
  if (a.status === b.status) return a.answer === b.answer ? undefined : 'answer';
  if (a.status === 'fail') return 'fixed';
  if (b.status === 'fail') return 'broke';
  return 'result';
}

function run(report: ConformanceReport, label: string): ComparedRun {
  return {
    label,
    url: report.target.url,
    startedAt: report.startedAt,
    verdict: report.summary.verdict,
    exitStatus: report.summary.exitStatus,
    checks: report.checks.length,
  };
}

function row(check: CheckResult, change: ChangeKind, a?: CheckResult, b?: CheckResult) {
  return {
    id: check.id,
    title: check.title,
    severity: check.severity,
    specRef: check.specRef,
    change,
    a: a ? side(a) : undefined,
    b: b ? side(b) : undefined,
  };
}

/**
 * The checks whose result or answer differs between two reports (two proxies, or one proxy
 * before and after a change), matched by check id.
 */
export function compareReports(
  a: ConformanceReport,
  b: ConformanceReport,
  labels: { a: string; b: string } = { a: 'A', b: 'B' },
): ReportComparison {
  const inA = new Map(a.checks.map((c) => [c.id, c]));
  const inB = new Set(b.checks.map((c) => c.id));
  const rows: ComparisonRow[] = [];
  let same = 0;
  for (const cb of b.checks) {
    const ca = inA.get(cb.id);
    if (!ca) {
      rows.push(row(cb, 'only-b', undefined, cb));
      continue;
    }
    const change = changeOf(side(ca), side(cb));
    if (change) rows.push(row(cb, change, ca, cb));
    else same++;
  }
  for (const ca of a.checks) if (!inB.has(ca.id)) rows.push(row(ca, 'only-a', ca, undefined));
  const counts = Object.fromEntries(CHANGE_KINDS.map((k) => [k, 0])) as Record<ChangeKind, number>;
  for (const r of rows) counts[r.change]++;
  const regressions = rows.filter((r) => r.b?.status === 'fail' && r.a?.status !== 'fail').length;
  return {
    a: run(a, labels.a),
    b: run(b, labels.b),
    rows,
    same,
    counts,
    differs: rows.length > 0,
    regressions,
  };
}

/** One line: how many checks differ and how, and the two verdicts. */
export function comparisonSummary(cmp: ReportComparison): string {
  const kinds = CHANGE_KINDS.filter((k) => cmp.counts[k] > 0)
    .map((k) => `${cmp.counts[k]} ${CHANGE_LABELS[k]}`)
    .join(', ');
  const verdicts =
    cmp.a.verdict === cmp.b.verdict
      ? `verdict ${cmp.a.verdict} in both`
      : `verdict ${cmp.a.verdict} -> ${cmp.b.verdict}`;
  if (!cmp.differs) return `no check differs (${cmp.same} same); ${verdicts}`;
  const n = cmp.rows.length;
  return `${n} check${n === 1 ? '' : 's'} differ${n === 1 ? 's' : ''} (${kinds}), ${cmp.same} same; ${verdicts}`;
}
