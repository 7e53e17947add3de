import { describe, expect, it } from 'vitest';
import { answerOf, compareReports, comparisonSummary } from './compare.ts';
import { formatComparisonText } from './compare-text.ts';
import { parseConformanceReport, ReportFormatError } from './report-schema.ts';
import { summarize } from './runner.ts';
import type { CheckResult, ConformanceReport } from './types.ts';

function check(id: string, status: CheckResult['status'], extra: Partial<CheckResult> = {}) {
  return {
    id,
    title: `title of ${id}`,
    specRef: '§1.7',
    severity: 'MUST',
    status,
    message: status === 'pass' ? '3 requests answered as the spec requires' : 'wrong',
    durationMs: 1,
    ...extra,
  } satisfies CheckResult;
}

function report(checks: CheckResult[], url = 'http://a/kms/xks/v1'): ConformanceReport {
  return {
    tool: 'xkslab conformance',
    target: { url, region: 'us-east-1', keyId: 'k' },
    startedAt: '2026-01-01T00:00:00.000Z',
    checks,
    summary: summarize(checks, 1000),
  };
}

const answered = (status: number, errorName: string) => ({
  status,
  headers: {},
  body: JSON.stringify({ errorName, errorMessage: 'x' }),
});

describe('comparing two reports', () => {
  it('finds nothing between a report and itself, even with other timings', () => {
    const a = report([
      check('health.ok', 'pass'),
      check('load.deadline', 'fail', { message: 'p99 301 ms' }),
    ]);
    const b = report([
      check('health.ok', 'pass', { durationMs: 50 }),
      check('load.deadline', 'fail', { message: 'p99 417 ms' }),
    ]);
    const cmp = compareReports(a, b);
    expect(cmp).toMatchObject({ differs: false, same: 2, rows: [], regressions: 0 });
    expect(comparisonSummary(cmp)).toBe(
      'no check differs (2 same); verdict DOES NOT CONFORM in both',
    );
  });

  it('names each kind of difference, in B order then the checks only in A', () => {
    const a = report([
      check('a.fixed', 'fail', { received: answered(400, 'ValidationException') }),
      check('a.broke', 'pass'),
      check('a.result', 'skip', { message: 'needs --disabled-key-id' }),
      check('a.answer', 'fail', { received: answered(400, 'ValidationException') }),
      check('a.same', 'pass'),
      check('a.gone', 'pass'),
    ]);
    const b = report([
      check('a.new', 'fail'),
      check('a.fixed', 'pass'),
      check('a.broke', 'fail', { received: answered(500, 'InternalException') }),
      check('a.result', 'pass'),
      check('a.answer', 'fail', { received: answered(404, 'KeyNotFoundException') }),
      check('a.same', 'pass'),
    ]);
    const cmp = compareReports(a, b, { a: 'before.json', b: 'after.json' });
    expect(cmp.rows.map((r) => [r.id, r.change])).toEqual([
      ['a.new', 'only-b'],
      ['a.fixed', 'fixed'],
      ['a.broke', 'broke'],
      ['a.result', 'result'],
      ['a.answer', 'answer'],
      ['a.gone', 'only-a'],
    ]);
    expect(cmp.same).toBe(1);
    expect(cmp.regressions).toBe(2);
    expect(cmp.rows[2]?.b).toEqual({
      status: 'fail',
      answer: 'HTTP 500 InternalException: wrong',
      shown: 'HTTP 500 InternalException: wrong',
    });
    expect(cmp.rows[0]?.a).toBeUndefined();
    expect(comparisonSummary(cmp)).toBe(
      '6 checks differ (1 broke, 1 fixed, 1 result changed, 1 answer changed, 1 only in A, 1 only in B), 1 same; verdict DOES NOT CONFORM in both',
    );
    const text = formatComparisonText(cmp, { width: 120 });
    expect(text).toContain(
      'A: before.json  http://a/kms/xks/v1  started 2026-01-01T00:00:00.000Z  DOES NOT CONFORM (exit 1), 6 checks',
    );
    const lines = text.split('\n');
    expect(lines).toContain(`CHANGE          SEV     CHECK     A${' '.repeat(43)}B`);
    expect(lines).toContain(
      'broke           MUST    a.broke   PASS 3 requests answered as the spec re...  FAIL HTTP 500 InternalException: wrong',
    );
    expect(lines).toContain(`only in B       MUST    a.new     -${' '.repeat(43)}FAIL wrong`);
    expect(text.endsWith('1 same; verdict DOES NOT CONFORM in both\n')).toBe(true);
  });

  it('says when the verdict changed', () => {
    const cmp = compareReports(report([check('x', 'fail')]), report([check('x', 'pass')]));
    expect(comparisonSummary(cmp)).toBe(
      '1 check differs (1 fixed), 0 same; verdict DOES NOT CONFORM -> CONFORMS',
    );
  });

  it('compares answers by status, errorName and message, numbers masked', () => {
    expect(answerOf(check('x', 'fail', { received: { error: 'ETIMEDOUT after 10000 ms' } }))).toBe(
      'no answer: ETIMEDOUT after N ms',
    );
    expect(answerOf(check('x', 'pass', { message: 'TLSv1.3 TLS_AES_256_GCM_SHA384' }))).toBe(
      'TLSv1.3 TLS_AES_N_GCM_SHA384',
    );
    // Random values (a CDIV, a request id) differ in every run; words and ids stay.
    const cdiv = (a: string, b: string) =>
      answerOf(
        check('encrypt.cdiv', 'fail', { message: `CDIV ${a} differs from the recomputed ${b}` }),
      );
    expect(
      cdiv(
        'z5l3+NFN4rSGTGy6jGf6qkeglmFN4WWweS2C1irWyWY=',
        'Uy/QnUh1FzsyDs++QONYpMECm61k11q+9o6XxOmQb4A=',
      ),
    ).toBe(
      cdiv(
        'Qk9Pb2xlYW5zQXJlTmljZTEyMzQ1Njc4OTAxMjM0NTY=',
        'dGhpc0lzQW5vdGhlckNESVZWYWx1ZTEyMzQ1Njc4OTA=',
      ),
    );
    expect(
      answerOf(
        check('x', 'fail', { message: 'request bbf48439-12c2-4ed0-8865-d2341fbdccd3 refused' }),
      ),
    ).toBe('request X refused');
    expect(
      answerOf(
        check('x', 'fail', {
          message: 'AuthenticationFailedException for sigv4.signed-header-removed',
        }),
      ),
    ).toBe('AuthenticationFailedException for sigv4.signed-header-removed');
    // A truncated body still names its errorName.
    const truncated = {
      status: 400,
      headers: {},
      body: '{"errorName":"ValidationException","errorMessage":"aaa... (900 characters)',
    };
    expect(answerOf(check('x', 'fail', { received: truncated }))).toBe(
      'HTTP 400 ValidationException: wrong',
    );
  });
});

describe('reading a JSON report back', () => {
  it('accepts what the runner writes and refuses anything else, saying where', () => {
    const r = report([
      check('x', 'fail', {
        received: { error: 'E' },
        sent: { method: 'POST', path: '/', headers: {}, body: '' },
      }),
    ]);
    expect(parseConformanceReport(JSON.stringify(r))).toEqual(r);
    expect(() => parseConformanceReport('{')).toThrow(ReportFormatError);
    expect(() => parseConformanceReport('{')).toThrow(/^not JSON/);
    const bad = { ...r, checks: [{ ...r.checks[0], status: 'maybe' }] };
    expect(() => parseConformanceReport(JSON.stringify(bad))).toThrow(
      /^not a conformance report: checks\.0\.status: /,
    );
    expect(() => parseConformanceReport('[]')).toThrow(/the top level/);
  });
});
