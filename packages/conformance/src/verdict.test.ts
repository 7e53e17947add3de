import { describe, expect, it } from 'vitest';
import { formatJunitReport } from './report-junit.ts';
import { formatTextReport } from './report-text.ts';
import { summarize } from './runner.ts';
import type { CheckResult, CheckStatus, ConformanceReport, Severity } from './types.ts';
import { EXIT_STATUS, verdictOf } from './verdict.ts';

function check(id: string, severity: Severity, status: CheckStatus, message = ''): CheckResult {
  return { id, title: id, specRef: '§1', severity, status, message, durationMs: 1 };
}

function report(checks: CheckResult[]): ConformanceReport {
  return {
    tool: 'xkslab conformance',
    target: { url: 'http://127.0.0.1:1/kms/xks/v1', region: 'us-east-1', keyId: 'k' },
    startedAt: '2026-01-01T00:00:00.000Z',
    checks,
    summary: summarize(checks, 10),
  };
}

const TLS_NA = check(
  'tls.kms-cipher-suites',
  'MUST',
  'na',
  'not applicable: the target is http://, TLS needs https://',
);
const LOAD_NA = check(
  'load.errors',
  'MUST',
  'na',
  'not requested: --load-rps N runs the load checks',
);

describe('the verdict of a run', () => {
  it('gives each verdict its own exit status', () => {
    expect(EXIT_STATUS).toEqual({
      CONFORMS: 0,
      'DOES NOT CONFORM': 1,
      USAGE: 2,
      INCOMPLETE: 3,
      UNREACHABLE: 4,
    });
  });

  it('decides by MUST checks: failed first, then skipped, else conforms', () => {
    expect(verdictOf({ mustPassed: 3, mustFailed: 0, mustSkipped: 0 })).toBe('CONFORMS');
    expect(verdictOf({ mustPassed: 3, mustFailed: 1, mustSkipped: 2 })).toBe('DOES NOT CONFORM');
    expect(verdictOf({ mustPassed: 3, mustFailed: 0, mustSkipped: 1 })).toBe('INCOMPLETE');
    // A run that judged no MUST check at all claims nothing.
    expect(verdictOf({ mustPassed: 0, mustFailed: 0, mustSkipped: 0 })).toBe('INCOMPLETE');
  });

  it('CONFORMS over http:// with TLS and load not applicable; SHOULD failures and skips do not count', () => {
    const r = report([
      check('health.ok', 'MUST', 'pass'),
      check('sigv4.clock-skew-rejected', 'SHOULD', 'fail', 'accepted'),
      check('tls.client-certificate-required', 'SHOULD', 'skip', 'needs --cert and --key'),
      TLS_NA,
      LOAD_NA,
    ]);
    expect(r.summary).toMatchObject({
      verdict: 'CONFORMS',
      exitStatus: 0,
      ok: true,
      notApplicable: 2,
      mustSkipped: 0,
    });
    const text = formatTextReport(r);
    expect(text).toContain('CONFORMS (every applicable MUST check ran and passed; exit status 0)');
    expect(text).toContain('Not applicable to this target or run (not part of the verdict):');
    expect(text).toContain(
      '  tls.kms-cipher-suites: not applicable: the target is http://, TLS needs https://',
    );
    expect(text).toContain('  load.errors: not requested: --load-rps N runs the load checks');
    expect(text).not.toContain('Skipped MUST checks');
    expect(text).not.toContain('INCOMPLETE');
  });

  it('INCOMPLETE when a MUST check was skipped: names it and why, never says CONFORMS', () => {
    const r = report([
      check('health.ok', 'MUST', 'pass'),
      check('usage.encrypt-only', 'MUST', 'skip', 'needs --encrypt-only-key-id'),
      check('state.disabled-key', 'MUST', 'skip', 'needs --disabled-key-id'),
      TLS_NA,
    ]);
    expect(r.summary).toMatchObject({
      verdict: 'INCOMPLETE',
      exitStatus: 3,
      ok: true,
      mustSkipped: 2,
      notApplicable: 1,
    });
    const text = formatTextReport(r);
    expect(text).not.toContain('CONFORMS');
    expect(text).toContain('Skipped MUST checks (give what they need for a complete run):');
    expect(text).toContain('  usage.encrypt-only: needs --encrypt-only-key-id');
    expect(text).toContain('  state.disabled-key: needs --disabled-key-id');
    expect(text).toContain(
      ': INCOMPLETE (no MUST check failed, but 2 MUST checks were skipped; exit status 3)',
    );
    const json = JSON.parse(JSON.stringify(r)) as ConformanceReport;
    expect(json.summary.verdict).toBe('INCOMPLETE');
    expect(json.summary.exitStatus).toBe(3);
    expect(formatJunitReport(r)).toContain('<property name="verdict" value="INCOMPLETE"/>');
    expect(formatJunitReport(r)).toContain('<property name="exitStatus" value="3"/>');
  });

  it('DOES NOT CONFORM when a MUST check failed, even with others skipped', () => {
    const r = report([
      check('health.ok', 'MUST', 'fail', 'HTTP 500'),
      check('usage.encrypt-only', 'MUST', 'skip', 'needs --encrypt-only-key-id'),
    ]);
    expect(r.summary).toMatchObject({ verdict: 'DOES NOT CONFORM', exitStatus: 1, ok: false });
    const text = formatTextReport(r);
    expect(text).toContain(': DOES NOT CONFORM (1 MUST check failed; exit status 1)');
    expect(text).toContain('  usage.encrypt-only: needs --encrypt-only-key-id');
  });

  it('a run with nothing judged (only N/A checks) is INCOMPLETE, not CONFORMS', () => {
    const r = report([TLS_NA, LOAD_NA]);
    expect(r.summary).toMatchObject({ verdict: 'INCOMPLETE', exitStatus: 3 });
    expect(formatTextReport(r)).toContain('INCOMPLETE (no MUST check ran; exit status 3)');
  });
});
