import { describe, expect, it } from 'vitest';
import { formatHtmlReport, htmlEscape } from './report-html.ts';
import { summarize } from './runner.ts';
import type { CheckResult, ConformanceReport } from './types.ts';

const SIGNATURE = 'ab'.repeat(32);
const AUTH = `AWS4-HMAC-SHA256 Credential=AKIAXKSLABEXAMPLE2345/20260101/us-east-1/kms-xks-proxy/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIGNATURE}`;
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'&\u0000';

function report(checks: CheckResult[]): ConformanceReport {
  return {
    tool: 'xkslab conformance',
    target: { url: 'https://proxy.example/kms/xks/v1', region: 'us-east-1', keyId: 'k<1>' },
    startedAt: '2026-01-01T00:00:00.000Z',
    checks,
    summary: summarize(checks, 2500),
  };
}

const pass: CheckResult = {
  id: 'health.ok',
  title: 'Health',
  specRef: '§1.6',
  severity: 'MUST',
  status: 'pass',
  message: '2 requests answered as the spec requires',
  durationMs: 3,
};

const hostileFailure: CheckResult = {
  id: 'format.error-body',
  title: 'Errors are JSON',
  specRef: '§1.7',
  severity: 'MUST',
  status: 'fail',
  message: `errorMessage is not safe: ${HOSTILE}`,
  sent: {
    method: 'POST',
    path: '/kms/xks/v1/keys/k/encrypt',
    // A report file written elsewhere with the signature and secret still in it.
    headers: { Authorization: AUTH, 'x-amz-date': '20260101T000000Z', cookie: 'session=abc' },
    body: `{"plaintext":"AAAA","note":"${SECRET}"}`,
  },
  received: {
    status: 500,
    headers: { 'content-type': 'text/html', 'x-evil': HOSTILE },
    body: `</pre></section>${HOSTILE}<style>body{display:none}</style>`,
  },
  durationMs: 12,
};

describe('the HTML report', () => {
  it('escapes markup, quotes and control characters', () => {
    expect(htmlEscape(`<a href="x" title='y'>&</a>\u0001\t`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;\ufffd\t',
    );
  });

  it('is one self-contained document: inline style, no script, nothing fetched', () => {
    const html = formatHtmlReport(report([pass]));
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">`,
    );
    expect(html).not.toMatch(
      /<script|<link|<img|<iframe|src=|url\(|@import|https?:\/\/(?!proxy\.example)/i,
    );
    expect(html).toContain('<span class="verdict CONFORMS" id="verdict">CONFORMS</span>');
    expect(html).toContain('<code>k&lt;1&gt;</code>');
  });

  it('lists every check with its result, severity, spec section and message, and a summary', () => {
    const skipped: CheckResult = {
      ...pass,
      id: 'usage.encrypt-only',
      status: 'skip',
      message: 'needs --encrypt-only-key-id',
    };
    const html = formatHtmlReport(report([pass, skipped, hostileFailure]));
    expect(html).toContain(
      '<span class="verdict DOES-NOT-CONFORM" id="verdict">DOES NOT CONFORM</span>',
    );
    expect(html.match(/<tr class="check">/g)).toHaveLength(3);
    expect(html).toContain(
      '<tr class="check"><td><span class="st pass">PASS</span></td><td>MUST</td><td><code>health.ok</code><div class="muted">Health</div></td><td>§1.6</td><td>2 requests answered as the spec requires</td><td class="num">3 ms</td></tr>',
    );
    expect(html).toContain('<span class="st skip">SKIP</span>');
    expect(html).toContain('<th scope="row">Failed</th><td>1 (1 MUST, 0 SHOULD)</td>');
    expect(html).toContain('<th scope="row">Exit status</th><td>1</td>');
    expect(html).toContain('<a href="#format.error-body">format.error-body</a>');
    expect(html).toContain('<h2>Failures (1)</h2>');
    expect(html).toMatch(/<em>Why it matters:<\/em> KMS reads errorName/);
  });

  it("shows what was sent and received, a hostile proxy's answer as text, credentials redacted", () => {
    const html = formatHtmlReport(report([hostileFailure]), { secrets: [SECRET] });
    // Nothing from the report becomes markup.
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('</pre></section><');
    expect(html).not.toContain('<style>body');
    expect(html.match(/<\/pre>/g)).toHaveLength(2);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('x-evil: &lt;script&gt;');
    expect(html).toContain('<pre class="sent">POST /kms/xks/v1/keys/k/encrypt\n');
    expect(html).toContain('<pre class="received">HTTP 500\ncontent-type: text/html');
    // The signature, the secret and the cookie never appear.
    expect(html).not.toContain(SIGNATURE);
    expect(html).not.toContain(SECRET);
    expect(html).not.toContain('session=abc');
    expect(html).toContain('Signature=&lt;redacted&gt;');
    expect(html).toContain('&lt;redacted secret&gt;');
    expect(html).toContain('cookie: &lt;redacted, 11 characters&gt;');
  });

  it('shows a network failure and a load run', () => {
    const dropped: CheckResult = {
      ...hostileFailure,
      received: { error: 'ECONNRESET: socket hang up' },
    };
    const r = report([dropped]);
    r.load = {
      targetRps: 100,
      seconds: 2,
      sent: 200,
      completed: 200,
      succeeded: 199,
      errors: { '<HTTP 500>': 1 },
      errorCount: 1,
      achievedRps: 99.5,
      latencyMs: { p50: 2, p95: 5, p99: 9, max: 12, mean: 3 },
      overDeadline: 0,
      overAlarm: 0,
      maxSendLagMs: 1,
    };
    const html = formatHtmlReport(r);
    expect(html).toContain('<pre class="received">no answer: ECONNRESET: socket hang up</pre>');
    expect(html).toContain('<h2>Load</h2>');
    expect(html).toContain('p50 2 ms, p95 5 ms, p99 9 ms, max 12 ms');
    expect(html).toContain('&lt;HTTP 500&gt; 1');
  });
});
