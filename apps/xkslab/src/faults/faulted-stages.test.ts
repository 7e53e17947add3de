import { describe, expect, it } from 'vitest';
import { inContext, META, NOW, signedRequest, xksFixture } from '../testing/xks-context.ts';
import { XksError, xksErrorBody } from '../xks/errors.ts';
import type { XksStages } from '../xks/pipeline/context.ts';
import { FaultPlan, type FaultSource } from './fault-plan.ts';
import { faultedStages } from './faulted-stages.ts';

const ENCRYPT = '/p/kms/xks/v1/keys/k/encrypt';
const BODY = { requestMetadata: META, plaintext: 'AAAA', encryptionAlgorithm: 'AES_GCM' };

async function setup(...rules: unknown[]) {
  const f = await xksFixture();
  const plan = new FaultPlan({ clock: () => NOW, random: () => 0.5 });
  for (const rule of rules) plan.add(rule);
  return { ...f, plan, stages: faultedStages(plan, f.deps) };
}

/** Runs the stages up to and including `last` (in the handler's order) on one request. */
async function upTo(
  s: Awaited<ReturnType<typeof setup>>,
  req: Request,
  last: 'method' | 'sigv4' | 'quota' | 'validate' | 'authorize' | 'run',
) {
  const order = ['method', 'sigv4', 'quota', 'validate', 'authorize', 'run'] as const;
  return inContext(s.deps, req, async (i) => {
    const st: XksStages = s.stages;
    const ctx = await st.resolve(i);
    for (const name of order) {
      if (name === 'method') {
        const early = st.method(ctx);
        if (early) return { ctx, early };
        await st.body(ctx);
      } else if (name === 'run') return { ctx, result: await st.run(ctx) };
      else st[name](ctx);
      if (name === last) break;
    }
    return { ctx };
  });
}

describe('faulted stages', () => {
  it('behave as the spec stages when no rule applies to the request', async () => {
    const s = await setup({ kind: 'drop', scope: { keyStore: 'other' } });
    const { ctx, result } = await upTo(s, signedRequest(ENCRYPT, BODY), 'run');
    expect(ctx.crypto.module).toBe(s.deps.vcm);
    expect(result).toHaveProperty('ciphertext');
  });

  it('serve an unknown prefix only under wrong-prefix-accepted', async () => {
    const s = await setup();
    const req = () => signedRequest('/elsewhere/kms/xks/v1/keys/k/encrypt', BODY);
    await expect(upTo(s, req(), 'method')).rejects.toMatchObject({
      errorName: 'InvalidUriPathException',
    });
    s.plan.add({ kind: 'defect', defect: 'wrong-prefix-accepted' });
    const { ctx } = await upTo(s, req(), 'method');
    expect(ctx.keyStore.name).toBe('s');
  });

  it('answer GET 200 under get-200 and 405 without it', async () => {
    const s = await setup({ kind: 'health', nodes: 'all', status: 'DEGRADED' });
    const get = () => signedRequest(ENCRYPT, BODY, { method: 'GET' });
    expect((await upTo(s, get(), 'method')).early?.status).toBe(405);
    s.plan.add({ kind: 'defect', defect: 'get-200' });
    expect((await upTo(s, get(), 'method')).early?.status).toBe(200);
  });

  it('move the proxy clock by a clock-offset rule (SigV4 then sees the skew)', async () => {
    const s = await setup({ kind: 'clock-offset', offsetMs: 10 * 60_000 });
    await expect(upTo(s, signedRequest(ENCRYPT, BODY), 'sigv4')).rejects.toMatchObject({
      errorName: 'AuthenticationFailedException',
      cause: 'CLOCK_SKEW',
    });
    s.plan.add({ kind: 'defect', defect: 'skew-unchecked' });
    const { ctx } = await upTo(s, signedRequest(ENCRYPT, BODY), 'sigv4');
    expect(ctx.now.getTime() - NOW.getTime()).toBe(10 * 60_000);
  });
});

describe('faulted stages after SigV4', () => {
  it('throttle above a throttle rule rate after the key store quota admitted', async () => {
    const s = await setup({ kind: 'throttle', requestsPerSecond: 1 });
    await expect(upTo(s, signedRequest(ENCRYPT, BODY), 'quota')).resolves.toBeDefined();
    await expect(upTo(s, signedRequest(ENCRYPT, BODY), 'quota')).rejects.toMatchObject({
      errorName: 'ThrottlingException',
    });
  });

  it('refuse what a request defect refuses after schema validation', async () => {
    const s = await setup({ kind: 'defect', defect: 'unknown-fields-rejected' });
    await expect(upTo(s, signedRequest(ENCRYPT, BODY), 'validate')).resolves.toBeDefined();
    await expect(
      upTo(s, signedRequest(ENCRYPT, { ...BODY, later: 1 }), 'validate'),
    ).rejects.toMatchObject({ errorName: 'ValidationException', message: 'Unknown field later' });
  });

  it('answer an error rule after authorization, before the module', async () => {
    const s = await setup({ kind: 'error', errorName: 'InternalException' });
    await expect(upTo(s, signedRequest(ENCRYPT, BODY), 'authorize')).rejects.toMatchObject({
      errorName: 'InternalException',
      message: 'Injected by a fault rule',
    });
  });

  it('count a module latency rule against the module deadline', async () => {
    const s = await setup({ kind: 'latency', stage: 'module', latency: { type: 'fixed', ms: 50 } });
    s.deps.moduleTimeoutMs = 10;
    await expect(upTo(s, signedRequest(ENCRYPT, BODY), 'run')).rejects.toMatchObject({
      errorName: 'DependencyTimeoutException',
    });
  });

  it('change answers and errors by the defect', async () => {
    const s = await setup({ kind: 'defect', defect: 'pretty-json' });
    const [ok, refused] = await inContext(s.deps, signedRequest(ENCRYPT, BODY), async (i) => {
      const ctx = await s.stages.resolve(i);
      const error = new XksError('KeyNotFoundException', 'External key not found');
      return [
        await s.stages.answer(ctx, { a: 1 }),
        await s.stages.refuse(i.http, undefined, error, xksErrorBody(error)),
      ];
    });
    expect(await ok?.text()).toBe('{\n  "a": 1\n}');
    expect(await refused?.text()).toContain('\n  "errorName": "KeyNotFoundException"');
  });

  it('take faults decided in another process (a promise: a worker asks the primary)', async () => {
    const s = await setup({
      kind: 'error',
      errorName: 'KeyNotFoundException',
      scope: { operation: 'Encrypt' },
    });
    const asked: string[] = [];
    const primary: FaultSource = {
      active: true,
      defect: undefined,
      forRequest: async (keyStore, keyId, operation) => {
        asked.push(`${keyStore}/${keyId}/${operation}`);
        return s.plan.forRequest(keyStore, keyId, operation);
      },
    };
    const stages = faultedStages(primary, s.deps);
    await expect(
      upTo({ ...s, stages }, signedRequest(ENCRYPT, BODY), 'authorize'),
    ).rejects.toMatchObject({ errorName: 'KeyNotFoundException' });
    expect(asked).toEqual(['s/k/Encrypt']);
  });

  it("hand a call with faults to the given run (a worker's: the primary performs it)", async () => {
    const s = await setup({ kind: 'latency', stage: 'module', latency: { type: 'fixed', ms: 50 } });
    const handed: number[] = [];
    const stages = faultedStages(s.plan, s.deps, {
      run: async (_ctx, f) => {
        handed.push(f.moduleDelayMs);
        return { performed: 'elsewhere' };
      },
    });
    const { result } = await upTo({ ...s, stages }, signedRequest(ENCRYPT, BODY), 'run');
    expect([result, handed]).toEqual([{ performed: 'elsewhere' }, [50]]);
  });
});
