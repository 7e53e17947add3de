import { verifyRequest } from '@xkslab/sigv4';
import { describe, expect, it } from 'vitest';
import { kmsParts, signParts } from '../sigv4-variants.ts';
import { judgeVariants, sigv4MatrixChecks } from './sigv4-matrix.ts';
import * as lists from './sigv4-matrix-variants.ts';

const NOW = new Date('2026-03-01T10:20:30Z');
const SECRET = 'u0Zq3nBQ8f0E9x1qv3lJmQ8bS0t8x8Jv1kq5Hc1b2aU=';
const ACCESS_KEY = 'AKIAXKSLABEXAMPLE2345';
const PATH = '/p/kms/xks/v1/keys/foo/metadata';
const base = () =>
  kmsParts({
    host: 'xks.example.com',
    body: new TextEncoder().encode('{"requestMetadata":{"kmsOperation":"CreateKey"}}'),
    accessKeyId: ACCESS_KEY,
    secretAccessKey: SECRET,
    region: 'us-east-1',
    service: 'kms-xks-proxy',
    now: NOW,
  });

function verify(req: ReturnType<typeof signParts>) {
  return verifyRequest(
    { method: req.method, path: req.path, headers: req.headers, body: req.body },
    {
      region: 'us-east-1',
      service: 'kms-xks-proxy',
      now: NOW,
      resolveSecret: (id) => (id === ACCESS_KEY ? SECRET : undefined),
    },
  );
}

const reply = (status: number, errorName?: string) => ({
  status,
  contentType: 'application/json',
  text: errorName ? JSON.stringify({ errorName }) : '{}',
  durationMs: 1,
});

describe('the SigV4 variant signer', () => {
  it('signs a request a strict verifier (@xkslab/sigv4) accepts: the control is sound', () => {
    expect(verify(signParts(base(), PATH))).toEqual({ ok: true, accessKeyId: ACCESS_KEY });
  });

  const all = Object.entries(lists).filter(([name]) => name.endsWith('_VARIANTS')) as Array<
    [string, readonly lists.Variant[]]
  >;
  it.each(all)(
    '%s: every variant differs from the control and a strict verifier refuses it',
    (_n, variants) => {
      const control = signParts(base(), PATH);
      expect(variants.length).toBeGreaterThanOrEqual(3);
      for (const v of variants) {
        const req = signParts(v.change(base(), { region: 'us-east-1', now: NOW }), PATH);
        expect(req, v.what).not.toEqual(control);
        expect(verify(req).ok, v.what).toBe(false);
      }
    },
  );

  it('covers every list in a check, each MUST with a reason and a spec reference', () => {
    expect(sigv4MatrixChecks.map((c) => c.id)).toHaveLength(all.length);
    for (const c of sigv4MatrixChecks) {
      expect(c.severity).toBe('MUST');
      expect(c.why?.length).toBeGreaterThan(20);
      expect(c.specRef).toMatch(/§|SigV4/);
    }
  });
});

describe('judgeVariants', () => {
  it('passes when every variant is 401 AuthenticationFailedException', () => {
    expect(
      judgeVariants([
        { what: 'a', reply: reply(401, 'AuthenticationFailedException') },
        { what: 'b', reply: reply(401, 'AuthenticationFailedException') },
      ]),
    ).toBeUndefined();
  });

  it('names each accepted variant and each wrong refusal', () => {
    const verdict = judgeVariants([
      { what: 'upper-case signature', reply: reply(200) },
      { what: 'region', reply: reply(401, 'AuthenticationFailedException') },
      { what: 'empty service', reply: reply(400, 'ValidationException') },
      { what: 'scope date', reply: reply(401, 'AccessDeniedException') },
    ]);
    expect(verdict).toContain('3 of 4 variants wrong');
    expect(verdict).toContain('accepted (200): upper-case signature');
    expect(verdict).toContain('empty service -> 400 ValidationException');
    expect(verdict).toContain('scope date -> 401 AccessDeniedException');
    expect(verdict).not.toContain('region');
  });
});
