import { describe, expect, it } from 'vitest';
import { formatJunitReport, xmlEscape } from './report-junit.ts';
import { formatTextReport } from './report-text.ts';
import { summarize } from './runner.ts';
import type { CheckResult, ConformanceReport } from './types.ts';

const checks: CheckResult[] = [
  {
    id: 'health.ok',
    title: 'Health',
    specRef: '§1.6',
    severity: 'MUST',
    status: 'pass',
    message: 'ok',
    durationMs: 3,
  },
  {
    id: 'format.error-status',
    title: 'Errors <&> "status"',
    specRef: '§1.7',
    severity: 'MUST',
    status: 'fail',
    message: 'KeyNotFoundException with status 400, not 404',
    sent: { method: 'POST', path: '/kms/xks/v1/keys/k/metadata', headers: {}, body: '{}' },
    received: { status: 400, headers: { 'content-type': 'application/json' }, body: '{\n"a":1}' },
    durationMs: 1,
  },
  {
    id: 'sigv4.clock-skew-rejected',
    title: 'Skew',
    specRef: '§2.1',
    severity: 'SHOULD',
    status: 'fail',
    message: 'accepted',
    durationMs: 1,
  },
  {
    id: 'tls.kms-cipher-suites',
    title: 'TLS',
    specRef: '§1.1',
    severity: 'MUST',
    status: 'na',
    message: 'not applicable: the target is http://, TLS needs https://',
    durationMs: 0,
  },
  {
    id: 'usage.encrypt-only',
    title: 'Encrypt-only',
    specRef: '§1.4',
    severity: 'MUST',
    status: 'skip',
    message: 'needs --encrypt-only-key-id',
    durationMs: 0,
  },
];

const report: ConformanceReport = {
  tool: 'xkslab conformance',
  target: { url: 'http://127.0.0.1:1/kms/xks/v1', region: 'us-east-1', keyId: 'k' },
  startedAt: '2026-01-01T00:00:00.000Z',
  checks,
  summary: summarize(checks, 1234),
};

describe('reports', () => {
  it('summarizes by status and severity; ok means no MUST failed', () => {
    expect(report.summary).toEqual({
      total: 5,
      passed: 1,
      failed: 2,
      skipped: 1,
      notApplicable: 1,
      mustFailed: 1,
      shouldFailed: 1,
      mustSkipped: 1,
      durationMs: 1234,
      ok: false,
      verdict: 'DOES NOT CONFORM',
      exitStatus: 1,
    });
    expect(
      summarize(
        checks.filter((c) => c.severity === 'SHOULD'),
        1,
      ).ok,
    ).toBe(true);
  });

  it('prints a table with a line per check, the failures in detail and a verdict', () => {
    const text = formatTextReport(report, { width: 100 });
    expect(text).toMatch(/^PASS {2}MUST {4}health\.ok/m);
    expect(text).toMatch(/^FAIL {2}SHOULD {2}sigv4\.clock-skew-rejected/m);
    expect(text).toMatch(/^N\/A {3}MUST {4}tls\.kms-cipher-suites/m);
    expect(text).toMatch(/^SKIP {2}MUST {4}usage\.encrypt-only/m);
    expect(text).toContain('  received: 400 (application/json) {\n            "a":1}');
    expect(text).toContain(
      '5 checks: 1 passed, 2 failed (1 MUST, 1 SHOULD), 1 skipped (1 MUST), 1 not applicable in 1.2 s: DOES NOT CONFORM (1 MUST check failed; exit status 1)',
    );
    expect(formatTextReport(report, { color: true })).toContain('\x1b[31mFAIL');
  });

  it('writes JUnit XML with failures, skips and escaped text', () => {
    const xml = formatJunitReport(report);
    expect(xml).toContain(
      '<testsuites name="xkslab conformance" tests="5" failures="2" errors="0" skipped="2" time="1.234">',
    );
    expect(xml).toContain(
      'classname="xks.format" name="format.error-status: Errors &lt;&amp;&gt; &quot;status&quot; [§1.7 MUST]"',
    );
    expect(xml).toContain('<failure type="SHOULD" message="accepted">accepted</failure>');
    expect(xml).toContain(
      '<skipped message="not applicable: the target is http://, TLS needs https://"/>',
    );
    expect(xml).toContain('<skipped message="needs --encrypt-only-key-id"/>');
    expect(xml).toContain('<property name="verdict" value="DOES NOT CONFORM"/>');
    expect(xml).toContain('<property name="exitStatus" value="1"/>');
    expect(xml).toContain('<property name="url" value="http://127.0.0.1:1/kms/xks/v1"/>');
  });

  it('escapes XML and replaces characters XML 1.0 cannot carry', () => {
    expect(xmlEscape(`a<b>&"'\u0001\ud800z`)).toBe('a&lt;b&gt;&amp;&quot;&apos;??z');
    expect(xmlEscape('emoji \u{1f600} ok')).toBe('emoji \u{1f600} ok');
  });
});
