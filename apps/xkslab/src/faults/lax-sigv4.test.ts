import { type DefectName, XKS_SIGV4_SERVICE } from '@xkslab/protocol';
import { signRequest, verifyRequest } from '@xkslab/sigv4';
import { describe, expect, it } from 'vitest';
import { LAX_SIGV4_DEFECTS, type LaxInput, laxVerify } from './lax-sigv4.ts';

const NOW = new Date('2026-03-01T10:20:30Z');
const CRED = {
  accessKeyId: 'AKIAXKSLABEXAMPLE2345',
  secretAccessKey: 'u0Zq3nBQ8f0E9x1qv3lJmQ8bS0t8x8Jv1kq5Hc1b2aU=',
};
const BODY = new TextEncoder().encode(
  '{"requestMetadata":{"kmsRequestId":"1","kmsOperation":"KmsHealthCheck"}}',
);

function signed(signedHeaders: string[] = []) {
  const headers: Record<string, string> = {
    host: 'xks.example.com',
    'content-type': 'application/json',
  };
  const req = { method: 'POST', path: '/kms/xks/v1/health', headers, body: BODY };
  const s = signRequest(req, CRED, {
    region: 'us-east-1',
    service: XKS_SIGV4_SERVICE,
    now: NOW,
    signedHeaders,
  });
  return {
    ...req,
    headers: { ...headers, authorization: s.authorization, 'x-amz-date': s['x-amz-date'] },
  };
}

function input(defect: DefectName, req: ReturnType<typeof signed>, now = NOW): LaxInput {
  return {
    defect,
    ...req,
    region: 'us-east-1',
    service: XKS_SIGV4_SERVICE,
    now,
    accessKeyIds: [CRED.accessKeyId],
    secretFor: (id) => (id === CRED.accessKeyId ? CRED.secretAccessKey : undefined),
  };
}

const withAuth = (req: ReturnType<typeof signed>, change: (a: string) => string) => ({
  ...req,
  headers: { ...req.headers, authorization: change(req.headers.authorization) },
});

describe('the lax SigV4 verifiers of the sigv4-* defects', () => {
  it.each([...LAX_SIGV4_DEFECTS])('%s accepts what a strict verifier accepts', (defect) => {
    expect(laxVerify(input(defect, signed()))).toEqual({ ok: true, accessKeyId: CRED.accessKeyId });
    expect(laxVerify(input(defect, signed(['content-type']))).ok).toBe(true);
  });

  it.each([...LAX_SIGV4_DEFECTS])('%s refuses a wrong secret and a tampered body', (defect) => {
    const req = signed();
    const tampered = { ...req, body: new TextEncoder().encode('{"requestMetadata":{}}') };
    expect(laxVerify(input(defect, tampered)).ok).toBe(false);
    const other = withAuth(req, (a) => a.replace(/Signature=[0-9a-f]/, 'Signature=x'));
    expect(laxVerify(input(defect, other)).ok).toBe(false);
  });

  it('each accepts the mistake it is named for, which the strict verifier refuses', () => {
    const req = signed();
    const mistakes: Array<[DefectName, ReturnType<typeof signed>, Date?]> = [
      [
        'sigv4-algorithm-ignored',
        withAuth(req, (a) => a.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512')),
      ],
      [
        'sigv4-access-key-loose',
        withAuth(req, (a) => a.replace(CRED.accessKeyId, CRED.accessKeyId.toLowerCase())),
      ],
      [
        'sigv4-signature-prefix',
        withAuth(req, (a) => a.replace(/[0-9a-f]$/, (d) => (d === '0' ? '1' : '0'))),
      ],
      [
        'sigv4-headers-normalized',
        withAuth(req, (a) => a.replace('host;x-amz-date', 'x-amz-date;host')),
      ],
      ['sigv4-window-wide', req, new Date(NOW.getTime() + 24 * 3_600_000)],
      [
        'sigv4-body-reserialized',
        { ...req, body: new TextEncoder().encode(`${new TextDecoder().decode(BODY)} `) },
      ],
    ];
    for (const [defect, changed, now] of mistakes) {
      expect(laxVerify(input(defect, changed, now)).ok, defect).toBe(true);
      const strict = verifyRequest(changed, {
        region: 'us-east-1',
        service: XKS_SIGV4_SERVICE,
        now: now ?? NOW,
        resolveSecret: (id) => (id === CRED.accessKeyId ? CRED.secretAccessKey : undefined),
      });
      expect(strict.ok, defect).toBe(false);
    }
  });
});
