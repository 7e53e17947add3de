import type { CheckResult, ConformanceReport, LoadResult } from './types.ts';

export type TextReportOptions = {
  /** Terminal width; messages are cut to fit (default 120). */
  width?: number;
  /** ANSI colours for PASS/FAIL/SKIP. */
  color?: boolean;
};

const COLORS = { pass: '\x1b[32m', fail: '\x1b[31m', skip: '\x1b[33m', reset: '\x1b[0m' };

function pad(text: string, n: number): string {
  return text.length >= n ? text : text + ' '.repeat(n - text.length);
}

function cut(text: string, n: number): string {
  if (n <= 3) return '';
  return text.length > n ? `${text.slice(0, n - 3)}...` : text;
}

function statusLabel(r: CheckResult, color: boolean): string {
  const label = pad(r.status.toUpperCase(), 4);
  return color ? `${COLORS[r.status]}${label}${COLORS.reset}` : label;
}

/** One line per check: status, severity, id, spec section, time, message. */
export function formatCheckLine(r: CheckResult, idWidth: number, options: TextReportOptions = {}) {
  const width = options.width ?? 120;
  const ms = `${Math.round(r.durationMs)}ms`;
  const head = `${pad(r.status.toUpperCase(), 4)}  ${pad(r.severity, 6)}  ${pad(r.id, idWidth)}  ${pad(r.specRef, 5)}  ${pad(ms, 6)}  `;
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
  const s = report.summary;
  lines.push(
    '',
    `${s.total} checks: ${s.passed} passed, ${s.failed} failed (${s.mustFailed} MUST, ${s.shouldFailed} SHOULD), ${s.skipped} skipped in ${(s.durationMs / 1000).toFixed(1)} s: ${s.ok ? 'CONFORMS (no MUST failed)' : 'DOES NOT CONFORM'}`,
  );
  return `${lines.join('\n')}\n`;
}
