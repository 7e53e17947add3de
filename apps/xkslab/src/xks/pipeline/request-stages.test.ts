import { describe, expect, it } from 'vitest';
import { inContext, META, signedRequest, xksFixture } from '../../testing/xks-context.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import { bodyStage } from './body.ts';
import { methodStage } from './method.ts';
import { quotaStage } from './quota.ts';
import { resolveStage } from './resolve.ts';
import { sigv4Stage } from './sigv4.ts';

const ENCRYPT = '/p/kms/xks/v1/keys/k/encrypt';
const BODY = { requestMetadata: META, plaintext: 'AAAA', encryptionAlgorithm: 'AES_GCM' };

describe('stage resolve', () => {
  it('finds the key store, operation and key, and logs them', async () => {
    const { deps } = await xksFixture();
    const ctx = await inContext(deps, signedRequest(ENCRYPT, BODY), resolveStage(deps));
    expect(ctx.route.operation).toBe('Encrypt');
    expect(ctx.keyStore.name).toBe('s');
    expect(ctx.keyId).toBe('k');
    expect(ctx.crypto.module).toBe(deps.vcm);
    expect(ctx.log).toEqual({ operation: 'Encrypt', keyStore: 's', keyId: 'k' });
    const health = await inContext(deps, signedRequest('/p/kms/xks/v1/health?x=1', {}), (i) =>
      resolveStage(deps)(i),
    );
    expect({ op: health.route.operation, keyId: health.keyId }).toEqual({
      op: 'GetHealthStatus',
      keyId: '',
    });
  });

  it('refuses an unknown prefix or a path that is no XKS API with InvalidUriPathException', async () => {
    const { deps } = await xksFixture();
    for (const path of ['/x/kms/xks/v1/health', '/p/kms/xks/v1/keys/k/sign', '/p/health']) {
      await expect(
        inContext(deps, signedRequest(path, BODY), resolveStage(deps)),
      ).rejects.toMatchObject({ errorName: 'InvalidUriPathException' });
    }
  });
});

describe('stage method', () => {
  it('lets POST through', async () => {
    const { deps } = await xksFixture();
    const early = await inContext(deps, signedRequest(ENCRYPT, BODY), (i) =>
      methodStage(resolveStage(deps)(i)),
    );
    expect(early).toBeUndefined();
  });

  it('answers any other method 405 with Allow: POST', async () => {
    const { deps } = await xksFixture();
    const res = await inContext(deps, signedRequest(ENCRYPT, BODY, { method: 'GET' }), (i) =>
      methodStage(resolveStage(deps)(i)),
    );
    expect(res?.status).toBe(405);
    expect(res?.headers.get('allow')).toBe('POST');
    expect(await res?.json()).toEqual({
      errorName: 'UnsupportedOperationException',
      errorMessage: 'Method GET not allowed; use POST',
    });
  });
});

describe('stage body', () => {
  it('keeps the body bytes as they arrived', async () => {
    const { deps } = await xksFixture();
    const body = await inContext(deps, signedRequest(ENCRYPT, BODY), async (i) => {
      const ctx = resolveStage(deps)(i);
      await bodyStage(ctx);
      return new TextDecoder().decode(ctx.body);
    });
    expect(body).toBe(JSON.stringify(BODY));
  });

  it('refuses a body over the limit with UnsupportedOperationException', async () => {
    const { deps } = await xksFixture({ limits: { ...DEFAULT_LIMITS, maxBodyBytes: 16 } });
    await expect(
      inContext(deps, signedRequest(ENCRYPT, BODY), (i) => bodyStage(resolveStage(deps)(i))),
    ).rejects.toMatchObject({
      errorName: 'UnsupportedOperationException',
      message: 'Request body is larger than 16 bytes',
    });
  });
});

describe('stage sigv4', () => {
  const verified = async (deps: Awaited<ReturnType<typeof xksFixture>>['deps'], req: Request) =>
    inContext(deps, req, async (i) => {
      const ctx = resolveStage(deps)(i);
      await bodyStage(ctx);
      try {
        sigv4Stage(ctx);
        return { ok: true, log: ctx.log, now: ctx.now };
      } catch (e) {
        return { ok: false, error: e, log: ctx.log };
      }
    });

  it('accepts a request signed with the key store credential at the proxy time', async () => {
    const { deps, registry } = await xksFixture();
    const r = await verified(deps, signedRequest(ENCRYPT, BODY));
    expect(r).toMatchObject({ ok: true, log: { accessKeyId: 'AKIAXKSLABTESTKEY2345' } });
    expect(r.now).toEqual(deps.clock());
    const described = registry.describe('s');
    expect(described?.credentials[0]?.lastUsedAt).toBe(deps.clock().toISOString());
  });

  it('refuses a wrong secret and a skewed clock with AuthenticationFailedException', async () => {
    const { deps } = await xksFixture();
    const wrong = await verified(deps, signedRequest(ENCRYPT, BODY, { secret: 'b'.repeat(43) }));
    expect(wrong).toMatchObject({
      ok: false,
      error: { errorName: 'AuthenticationFailedException' },
      log: { authFailure: 'SIGNATURE_MISMATCH' },
    });
    const signedAt = new Date(deps.clock().getTime() - 6 * 60_000);
    const skewed = await verified(deps, signedRequest(ENCRYPT, BODY, { signedAt }));
    expect(skewed).toMatchObject({
      ok: false,
      error: { message: 'Request time is more than 5 minutes from the proxy clock' },
      log: { authFailure: 'CLOCK_SKEW' },
    });
  });
});

describe('stage quota', () => {
  it('admits while the key store has tokens, then answers ThrottlingException', async () => {
    const { deps, registry } = await xksFixture();
    await registry.update('s', { maxRequestsPerSecond: 1 });
    const outcomes = await inContext(deps, signedRequest(ENCRYPT, BODY), (i) => {
      const ctx = resolveStage(deps)(i);
      ctx.now = deps.clock();
      return [0, 1].map(() => {
        try {
          quotaStage(ctx);
          return 'admitted';
        } catch (e) {
          return (e as { errorName?: string }).errorName;
        }
      });
    });
    expect(outcomes).toEqual(['admitted', 'ThrottlingException']);
  });
});
