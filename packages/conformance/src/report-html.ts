import { redactHeaderValue, redactSecrets } from './redact.ts';
import { statusText, verdictLine } from './report-text.ts';
import type { CheckResult, ConformanceReport, LoadResult } from './types.ts';
import { whyOf } from './why.ts';

export type HtmlReportOptions = {
  /** Secrets to blank out wherever they appear (the run's secret access keys). */
  secrets?: readonly string[];
};

/** C0 controls but tab, LF and CR, and DEL: nothing a report should render. */
function isControl(cp: number): boolean {
  return (cp < 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d) || cp === 0x7f;
}

/**
 * Text fit for an HTML text node or a quoted attribute: the five markup characters escaped and
 * control characters (but tab and newlines) replaced, so nothing a proxy answers becomes markup.
 */
export function htmlEscape(text: string): string {
  return [...text]
    .map((ch) => (isControl(ch.codePointAt(0) ?? 0) ? '\ufffd' : ch))
    .join('')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * The report's only rules: no script, no request of any kind (the CSP forbids everything but the
 * inline style), so the file reads the same offline, from a mail attachment or a CI artifact.
 */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:1.5rem;max-width:78rem;color:#1b1f24;background:#fff}
h1{font-size:1.4rem;margin:.2rem 0 1rem}h2{font-size:1.15rem;margin:2rem 0 .6rem}h3{font-size:1rem;margin:1.4rem 0 .3rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0}th,td{border-bottom:1px solid #d8dee4;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f5f7;font-weight:600}table.summary{width:auto;min-width:24rem}td.num{text-align:right}code,pre{font:12.5px/1.4 ui-monospace,Menlo,Consolas,monospace}
pre{background:#f6f8fa;border:1px solid #d8dee4;border-radius:4px;padding:.5rem;white-space:pre-wrap;overflow-wrap:anywhere;margin:.2rem 0}
.verdict{display:inline-block;padding:.25rem .6rem;border-radius:4px;font-weight:700}
.CONFORMS,.pass{background:#dafbe1;color:#116329}.DOES-NOT-CONFORM,.fail{background:#ffebe9;color:#a40e26}
.INCOMPLETE,.skip{background:#fff8c5;color:#7d4e00}.na{background:#eef1f4;color:#57606a}
.st{display:inline-block;min-width:3rem;text-align:center;border-radius:3px;font-weight:600;font-size:12px;padding:0 .3rem}
.muted{color:#57606a}.why{margin:.3rem 0}.failure{border-left:4px solid #cf222e;padding-left:.8rem;margin:1rem 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.4rem 0}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
.scroll{overflow-x:auto}@media (max-width:40rem){body{padding:.8rem}table.summary{min-width:0}}
@media print{body{max-width:none}pre{page-break-inside:avoid}}
`;

type Esc = (text: string) => string;

function statusCell(status: CheckResult['status']): string {
  return `<span class="st ${htmlEscape(status)}">${htmlEscape(statusText(status))}</span>`;
}

function summaryTable(report: ConformanceReport): string {
  const s = report.summary;
  const rows: Array<[string, string]> = [
    ['Checks', String(s.total)],
    ['Passed', String(s.passed)],
    ['Failed', `${s.failed} (${s.mustFailed} MUST, ${s.shouldFailed} SHOULD)`],
    ['Skipped', `${s.skipped} (${s.mustSkipped} MUST)`],
    ['Not applicable', String(s.notApplicable)],
    ['Duration', `${(s.durationMs / 1000).toFixed(1)} s`],
    ['Exit status', String(s.exitStatus)],
  ];
  return `<table class="summary"><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${k}</th><td>${htmlEscape(v)}</td></tr>`).join('')}</tbody></table>`;
}

function checksTable(report: ConformanceReport, esc: Esc): string {
  const rows = report.checks.map((c) => {
    const id = c.status === 'fail' ? `<a href="#${esc(c.id)}">${esc(c.id)}</a>` : esc(c.id);
    return `<tr class="check"><td>${statusCell(c.status)}</td><td>${esc(c.severity)}</td><td><code>${id}</code><div class="muted">${esc(c.title)}</div></td><td>${esc(c.specRef)}</td><td>${esc(c.message)}</td><td class="num">${Math.round(c.durationMs)} ms</td></tr>`;
  });
  return `<div class="scroll"><table class="checks"><thead><tr><th>Result</th><th>Severity</th><th>Check</th><th>Spec</th><th>Message</th><th>Time</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function headerLines(headers: Record<string, string>, esc: Esc): string {
  return Object.entries(headers)
    .map(([k, v]) => `${esc(k)}: ${esc(redactHeaderValue(k, v))}`)
    .join('\n');
}

function evidence(c: CheckResult, esc: Esc): string {
  const parts: string[] = [];
  if (c.sent) {
    const head = `${esc(c.sent.method)} ${esc(c.sent.path)}`;
    const headers = headerLines(c.sent.headers, esc);
    parts.push(
      `<h4>Sent</h4><pre class="sent">${head}${headers ? `\n${headers}` : ''}${c.sent.body ? `\n\n${esc(c.sent.body)}` : ''}</pre>`,
    );
  }
  if (c.received) {
    const r = c.received;
    const text =
      'error' in r
        ? `no answer: ${esc(r.error)}`
        : `HTTP ${r.status}\n${headerLines(r.headers, esc)}${r.body ? `\n\n${esc(r.body)}` : ''}`;
    parts.push(`<h4>Received</h4><pre class="received">${text}</pre>`);
  }
  if (parts.length === 0) parts.push('<p class="muted">No request to show for this check.</p>');
  return parts.join('');
}

function failures(report: ConformanceReport, esc: Esc): string {
  const failed = report.checks.filter((c) => c.status === 'fail');
  if (failed.length === 0) return '';
  const blocks = failed.map(
    (c) =>
      `<section class="failure" id="${esc(c.id)}"><h3><code>${esc(c.id)}</code> ${statusCell(c.status)} ${esc(c.severity)} ${esc(c.specRef)}</h3><p>${esc(c.title)}</p><p><strong>${esc(c.message)}</strong></p><p class="why"><em>Why it matters:</em> ${esc(whyOf(c))}</p>${evidence(c, esc)}</section>`,
  );
  return `<h2>Failures (${failed.length})</h2>${blocks.join('')}`;
}

function loadSection(load: LoadResult | undefined): string {
  if (!load) return '';
  const l = load.latencyMs;
  const errors = Object.entries(load.errors)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const rows: Array<[string, string]> = [
    [
      'Rate',
      `${load.targetRps} req/s asked for ${load.seconds} s, ${load.achievedRps} req/s achieved`,
    ],
    ['Requests', `${load.sent} sent, ${load.completed} answered, ${load.succeeded} succeeded`],
    ['Latency', `p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, max ${l.max} ms`],
    ['Over 250 ms / 200 ms', `${load.overDeadline} / ${load.overAlarm}`],
    ['Errors', errors || 'none'],
  ];
  return `<h2>Load</h2><table><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${htmlEscape(k)}</th><td>${htmlEscape(v)}</td></tr>`).join('')}</tbody></table>`;
}

/**
 * The report as one self-contained HTML file: verdict, summary, every check, each failure with
 * what was sent and received (credential headers redacted again, `secrets` blanked out), and the
 * load run. Every text from the report is escaped: a proxy's answer is hostile input.
 */
export function formatHtmlReport(report: ConformanceReport, options: HtmlReportOptions = {}) {
  const secrets = options.secrets ?? [];
  const esc: Esc = (text) => htmlEscape(redactSecrets(text, secrets));
  const s = report.summary;
  const t = report.target;
  const verdictClass = s.verdict.replace(/ /g, '-');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(`XKS conformance: ${s.verdict}: ${t.url}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>XKS proxy conformance report</h1>
<p><span class="verdict ${esc(verdictClass)}" id="verdict">${esc(s.verdict)}</span></p>
<p>${esc(verdictLine(report))}</p>
<dl class="target"><dt>Proxy</dt><dd><code>${esc(t.url)}</code></dd><dt>Region</dt><dd>${esc(t.region)}</dd><dt>Key</dt><dd><code>${esc(t.keyId)}</code></dd><dt>Started</dt><dd>${esc(report.startedAt)}</dd><dt>Tool</dt><dd>${esc(report.tool)}</dd></dl>
<h2>Summary</h2>
${summaryTable(report)}
<h2>Checks</h2>
${checksTable(report, esc)}
${failures(report, esc)}
${loadSection(report.load)}
<p class="muted">Results: PASS, FAIL, SKIP (an input was missing), N/A (does not apply to this target or run; never part of the verdict). Spec sections refer to the XKS proxy API digest shipped with xkslab (docs/conformance.md lists every check).</p>
</body>
</html>
`;
}
