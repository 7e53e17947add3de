import { EncryptRequest } from '@xkslab/protocol';
import { describe, expect, it } from 'vitest';
import { inContext, META, signedRequest, xksFixture } from '../../testing/xks-context.ts';
import { XksError, xksErrorBody } from '../errors.ts';
import { defineRoute } from '../route.ts';
import { authorizeStage } from './authorize.ts';
import { bodyStage } from './body.ts';
import type { XksContext, XksIncoming } from './context.ts';
import { resolveStage } from './resolve.ts';
import { answerStage, refuseStage } from './respond.ts';
import { runStage } from './run.ts';
import { validateStage } from './validate.ts';

const ENCRYPT = '/p/kms/xks/v1/keys/k/encrypt';
const BODY = { requestMetadata: META, plaintext: 'AAAA', encryptionAlgorithm: 'AES_GCM' };
type Fixture = Awaited<ReturnType<typeof xksFixture>>;

/** Resolves and reads the body, then runs `work` on the context. */
function through<T>(f: Fixture, req: Request, work: (ctx: XksContext) => T | Promise<T>) {
  return inContext(f.deps, req, async (i: XksIncoming) => {
    const ctx = resolveStage(f.deps)(i);
    await bodyStage(ctx);
    return work(ctx);
  });
}

describe('stage validate', () => {
  it('parses the request with the route schema and logs its metadata', async () => {
    const f = await xksFixture();
    const ctx = await through(f, signedRequest(ENCRYPT, { ...BODY, extra: 1 }), (ctx) => {
      validateStage(ctx);
      return ctx;
    });
    expect(ctx.request).toMatchObject({ plaintext: 'AAAA' });
    expect(ctx.log).toMatchObject({
      kmsRequestId: 'req-1',
      kmsOperation: 'Encrypt',
      awsPrincipalArn: META.awsPrincipalArn,
    });
  });

  it('refuses content type, key id, JSON and schema errors with ValidationException', async () => {
    const f = await xksFixture();
    const cases: Array<[Request, string]> = [
      [
        signedRequest(ENCRYPT, BODY, { contentType: 'text/plain' }),
        'Content-Type must be application/json',
      ],
      [
        signedRequest('/p/kms/xks/v1/keys/bad%20id/encrypt', BODY),
        'externalKeyId must be 1-128 characters of A-Z a-z 0-9 . _ -',
      ],
      [signedRequest(ENCRYPT, { requestMetadata: META }), 'plaintext: '],
    ];
    for (const [req, message] of cases) {
      await expect(through(f, req, validateStage)).rejects.toMatchObject({
        errorName: 'ValidationException',
        message: expect.stringContaining(message),
      });
    }
    const notJson = await through(f, signedRequest(ENCRYPT, BODY), (ctx) => {
      ctx.body = new TextEncoder().encode('{');
      validateStage(ctx);
    }).catch((e: XksError) => e.message);
    expect(notJson).toBe('Request body is not valid JSON');
  });
});

describe('stage authorize', () => {
  const validated = (ctx: XksContext) => {
    validateStage(ctx);
    authorizeStage(ctx);
    return ctx.log;
  };

  it('allows a key operation no policy denies, and health on a blocked key store', async () => {
    const f = await xksFixture();
    await expect(through(f, signedRequest(ENCRYPT, BODY), validated)).resolves.toBeDefined();
    await f.registry.update('s', { blocked: true });
    const health = { requestMetadata: { kmsRequestId: 'r', kmsOperation: 'KmsHealthCheck' } };
    await expect(
      through(f, signedRequest('/p/kms/xks/v1/health', health), validated),
    ).resolves.toBeDefined();
  });

  it('refuses a blocked key store and a policy denial, naming the rule in the log', async () => {
    const f = await xksFixture();
    await f.policies.set(
      { keyStore: 's' },
      { rules: [{ name: 'no-encrypt', effect: 'deny', operations: ['Encrypt'] }] },
    );
    let log: XksContext['log'] = {};
    await expect(
      through(f, signedRequest(ENCRYPT, BODY), (ctx) => {
        log = ctx.log;
        return validated(ctx);
      }),
    ).rejects.toMatchObject({ errorName: 'AccessDeniedException' });
    expect(log).toMatchObject({ policyScope: 'keystore:s', policyRule: 'no-encrypt' });
    await f.registry.update('s', { blocked: true });
    await expect(through(f, signedRequest(ENCRYPT, BODY), validated)).rejects.toMatchObject({
      errorName: 'InvalidStateException',
    });
  });
});

describe('stage run', () => {
  it("answers the route's result", async () => {
    const f = await xksFixture();
    const result = await through(f, signedRequest(ENCRYPT, BODY), (ctx) => {
      validateStage(ctx);
      return runStage(ctx);
    });
    expect(Object.keys(result)).toEqual([
      'ciphertext',
      'initializationVector',
      'authenticationTag',
      'ciphertextMetadata',
    ]);
  });

  it('refuses with DependencyTimeoutException when the route outlives the module deadline', async () => {
    const f = await xksFixture({ moduleTimeoutMs: 20 });
    const slow = defineRoute({
      operation: 'Encrypt',
      schema: EncryptRequest,
      handle: () => new Promise<object>((r) => setTimeout(() => r({}), 200)),
    });
    await expect(
      through(f, signedRequest(ENCRYPT, BODY), (ctx) => {
        validateStage(ctx);
        return runStage({ ...ctx, route: slow });
      }),
    ).rejects.toMatchObject({ errorName: 'DependencyTimeoutException' });
  });
});

describe('stages answer and refuse', () => {
  it('answer: 200 with compact JSON; refuse: the spec status and error body', async () => {
    const f = await xksFixture();
    const [ok, refused] = await through(f, signedRequest(ENCRYPT, BODY), (ctx) => {
      const error = new XksError('KeyNotFoundException', 'External key not found');
      return [
        answerStage(ctx, { a: [1] }),
        refuseStage(ctx.http, ctx, error, xksErrorBody(error)),
      ] as const;
    });
    expect([ok.status, ok.headers.get('content-type'), await ok.text()]).toEqual([
      200,
      'application/json',
      '{"a":[1]}',
    ]);
    expect([refused.status, await refused.json()]).toEqual([
      404,
      { errorName: 'KeyNotFoundException', errorMessage: 'External key not found' },
    ]);
  });
});
