import type { CheckResult, ConformanceReport } from './types.ts';

/** XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x09 ||
    cp === 0x0a ||
    cp === 0x0d ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** Text fit for an XML attribute or text node: escaped, without characters XML 1.0 forbids. */
export function xmlEscape(text: string): string {
  return [...text]
    .map((ch) => (isXmlChar(ch.codePointAt(0) ?? 0) ? ch : '?'))
    .join('')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function evidence(r: CheckResult): string {
  const lines: string[] = [r.message];
  if (r.sent) {
    lines.push(`sent: ${r.sent.method} ${r.sent.path}`);
    for (const [k, v] of Object.entries(r.sent.headers)) lines.push(`  ${k}: ${v}`);
    if (r.sent.body) lines.push(`  ${r.sent.body}`);
  }
  if (r.received) {
    lines.push(
      'error' in r.received
        ? `received: no answer: ${r.received.error}`
        : `received: ${r.received.status} ${r.received.body}`,
    );
  }
  return lines.join('\n');
}

function testcase(r: CheckResult): string {
  const group = r.id.split('.')[0] ?? 'xks';
  const open = `    <testcase classname="xks.${xmlEscape(group)}" name="${xmlEscape(`${r.id}: ${r.title} [${r.specRef} ${r.severity}]`)}" time="${seconds(r.durationMs)}"`;
  if (r.status === 'pass') return `${open}/>`;
  if (r.status === 'skip' || r.status === 'na') {
    return `${open}>\n      <skipped message="${xmlEscape(r.message)}"/>\n    </testcase>`;
  }
  return `${open}>\n      <failure type="${r.severity}" message="${xmlEscape(r.message)}">${xmlEscape(evidence(r))}</failure>\n    </testcase>`;
}

/** JUnit XML (the Jenkins/GitLab/GitHub dialect): one testsuite, one testcase per check. */
export function formatJunitReport(report: ConformanceReport): string {
  const s = report.summary;
  // JUnit has no "not applicable": N/A checks count as skipped there, their message says which.
  const attrs = `tests="${s.total}" failures="${s.failed}" errors="0" skipped="${s.skipped + s.notApplicable}" time="${seconds(s.durationMs)}"`;
  const properties = [
    ['url', report.target.url],
    ['region', report.target.region],
    ['keyId', report.target.keyId],
    ['verdict', s.verdict],
    ['exitStatus', String(s.exitStatus)],
    ['mustSkipped', String(s.mustSkipped)],
    ['notApplicable', String(s.notApplicable)],
    ...(report.load
      ? [
          ['load.achievedRps', String(report.load.achievedRps)],
          ['load.p99Ms', String(report.load.latencyMs.p99)],
        ]
      : []),
  ]
    .map(([k, v]) => `      <property name="${xmlEscape(k ?? '')}" value="${xmlEscape(v ?? '')}"/>`)
    .join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlEscape(report.tool)}" ${attrs}>`,
    `  <testsuite name="${xmlEscape(report.tool)}" ${attrs} timestamp="${xmlEscape(report.startedAt)}">`,
    '    <properties>',
    properties,
    '    </properties>',
    ...report.checks.map(testcase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
