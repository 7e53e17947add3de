import type { CheckResult, ConformanceReport, LoadResult } from './types.ts';

export type TextReportOptions = {
  /** Terminal width; messages are cut to fit (default 120). */
  width?: number;
  /** ANSI colours for PASS/FAIL/SKIP. */
  color?: boolean;
};

const COLORS = {
  pass: '\x1b[32m',
  fail: '\x1b[31m',
  skip: '\x1b[33m',
  na: '\x1b[90m',
  reset: '\x1b[0m',
};

/** The status as the table prints it (4 columns). */
export function statusText(status: CheckResult['status']): string {
  return status === 'na' ? 'N/A' : status.toUpperCase();
}

function pad(text: string, n: number): string {
  return text.length >= n ? text : text + ' '.repeat(n - text.length);
}

function cut(text: string, n: number): string {
  if (n <= 3) return '';
  return text.length > n ? `${text.slice(0, n - 3)}...` : text;
}

function statusLabel(r: CheckResult, color: boolean): string {
  const label = pad(statusText(r.status), 4);
  return color ? `${COLORS[r.status]}${label}${COLORS.reset}` : label;
}

/** One line per check: status, severity, id, spec section, time, message. */
export function formatCheckLine(r: CheckResult, idWidth: number, options: TextReportOptions = {}) {
  const width = options.width ?? 120;
  const ms = `${Math.round(r.durationMs)}ms`;
  const head = `${pad(statusText(r.status), 4)}  ${pad(r.severity, 6)}  ${pad(r.id, idWidth)}  ${pad(r.specRef, 5)}  ${pad(ms, 6)}  `;
  const message = cut(r.message.replace(/\s+/g, ' '), Math.max(40, width - head.length));
  return `${statusLabel(r, options.color ?? false)}${head.slice(4)}${message}`;
}

function formatLoad(load: LoadResult): string[] {
  const l = load.latencyMs;
  const errors = Object.entries(load.errors)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return [
    '',
    `Load: ${load.targetRps} req/s for ${load.seconds} s (open loop, encrypt/decrypt alternating)`,
    `  sent ${load.sent}, answered ${load.completed}, succeeded ${load.succeeded}, achieved ${load.achievedRps} req/s`,
    `  latency p50 ${l.p50} ms  p95 ${l.p95} ms  p99 ${l.p99} ms  max ${l.max} ms  mean ${l.mean} ms`,
    `  over 250 ms (KMS deadline): ${load.overDeadline}   over 200 ms (alarm): ${load.overAlarm}   scheduler lag max ${load.maxSendLagMs} ms`,
    `  errors: ${errors || 'none'}`,
  ];
}

/** Continuation lines of a multi-line body, indented under the first. */
function indentBody(text: string): string {
  return text.replace(/\r?\n/g, `\n${' '.repeat(12)}`);
}

function formatFailure(r: CheckResult): string[] {
  const lines = [`${r.id} (${r.severity}, ${r.specRef}): ${r.message}`];
  if (r.sent) {
    lines.push(`  sent:     ${r.sent.method} ${r.sent.path}`);
    for (const [k, v] of Object.entries(r.sent.headers)) lines.push(`            ${k}: ${v}`);
    if (r.sent.body) lines.push(`            ${indentBody(r.sent.body)}`);
  }
  if (r.received) {
    if ('error' in r.received) lines.push(`  received: no answer: ${r.received.error}`);
    else {
      const ct = r.received.headers['content-type'];
      lines.push(
        `  received: ${r.received.status}${ct ? ` (${ct})` : ''} ${indentBody(r.received.body)}`,
      );
    }
  }
  return lines;
}

/** The terminal report: a table of every check, the failures in detail, load, a summary. */
export function formatTextReport(
  report: ConformanceReport,
  options: TextReportOptions = {},
): string {
  const idWidth = Math.max(...report.checks.map((c) => c.id.length), 2);
  const lines = [
    `${report.tool}: ${report.target.url} (region ${report.target.region}, key ${report.target.keyId})`,
    '',
    `STAT  ${pad('SEV', 6)}  ${pad('CHECK', idWidth)}  ${pad('SPEC', 5)}  ${pad('TIME', 6)}  RESULT`,
    ...report.checks.map((c) => formatCheckLine(c, idWidth, options)),
  ];
  const failures = report.checks.filter((c) => c.status === 'fail');
  if (failures.length) {
    lines.push('', 'Failures:');
    for (const f of failures) lines.push(...formatFailure(f));
  }
  if (report.load) lines.push(...formatLoad(report.load));
  lines.push(...formatVerdict(report));
  return `${lines.join('\n')}\n`;
}

/** The verdict, and what a verdict other than CONFORMS rests on. */
export function verdictLine(report: ConformanceReport): string {
  const s = report.summary;
  const counts = `${s.total} checks: ${s.passed} passed, ${s.failed} failed (${s.mustFailed} MUST, ${s.shouldFailed} SHOULD), ${s.skipped} skipped (${s.mustSkipped} MUST), ${s.notApplicable} not applicable in ${(s.durationMs / 1000).toFixed(1)} s`;
  const why =
    s.verdict === 'CONFORMS'
      ? 'every applicable MUST check ran and passed'
      : s.verdict === 'INCOMPLETE'
        ? s.mustSkipped === 0
          ? 'no MUST check ran'
          : `no MUST check failed, but ${s.mustSkipped} MUST check${s.mustSkipped === 1 ? ' was' : 's were'} skipped`
        : `${s.mustFailed} MUST check${s.mustFailed === 1 ? '' : 's'} failed`;
  return `${counts}: ${s.verdict} (${why}; exit status ${s.exitStatus})`;
}

function formatVerdict(report: ConformanceReport): string[] {
  const lines: string[] = [];
  const skipped = report.checks.filter((c) => c.status === 'skip' && c.severity === 'MUST');
  if (skipped.length) {
    lines.push('', 'Skipped MUST checks (give what they need for a complete run):');
    for (const c of skipped) lines.push(`  ${c.id}: ${c.message}`);
  }
  const na = report.checks.filter((c) => c.status === 'na');
  if (na.length) {
    lines.push('', 'Not applicable to this target or run (not part of the verdict):');
    // One line per reason: "tls.a, tls.b: not applicable: the target is http://..."
    const byReason = new Map<string, string[]>();
    for (const c of na) byReason.set(c.message, [...(byReason.get(c.message) ?? []), c.id]);
    for (const [reason, ids] of byReason) lines.push(`  ${ids.join(', ')}: ${reason}`);
  }
  lines.push('', verdictLine(report));
  return lines;
}
