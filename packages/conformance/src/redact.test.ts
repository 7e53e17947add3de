import { describe, expect, it } from 'vitest';
import { REPORT_BODY_MAX, redactAuthorization, summarizeRequest } from './redact.ts';

const AUTH =
  'AWS4-HMAC-SHA256 Credential=AKIAXKSLABEXAMPLE2345/20260101/us-east-1/kms-xks-proxy/aws4_request, SignedHeaders=host;x-amz-date, Signature=' +
  'ab'.repeat(32);

describe('redaction', () => {
  it('keeps the credential scope and signed headers of an Authorization, never the signature', () => {
    const shown = redactAuthorization(AUTH);
    expect(shown).toContain('Credential=AKIAXKSLABEXAMPLE2345/20260101/us-east-1/kms-xks-proxy');
    expect(shown).toContain('SignedHeaders=host;x-amz-date');
    expect(shown).toContain('Signature=<redacted>');
    expect(shown).not.toContain('abab');
    expect(redactAuthorization('Basic c2VjcmV0')).toBe('<redacted, 14 characters>');
  });

  it('redacts the header in a request summary and truncates long bodies', () => {
    const body = new TextEncoder().encode('x'.repeat(REPORT_BODY_MAX + 50));
    const s = summarizeRequest({
      method: 'POST',
      path: '/p',
      headers: { Authorization: AUTH, host: 'h' },
      body,
    });
    expect(s.headers.Authorization).toContain('<redacted>');
    expect(s.body).toMatch(/\.\.\. \(450 characters\)$/);
  });
});
