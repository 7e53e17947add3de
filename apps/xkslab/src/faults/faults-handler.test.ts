import { describe, expect, it, vi } from 'vitest';
import { createApp } from '../app.ts';
import { NOW, signedRequest, xksFixture } from '../testing/xks-context.ts';
import { FaultPlan } from './fault-plan.ts';

const HEALTH = { requestMetadata: { kmsRequestId: 'r', kmsOperation: 'KmsHealthCheck' } };

async function setup(faults: FaultPlan | undefined) {
  const { deps } = await xksFixture({}, { nodes: 2, keys: [] });
  const app = createApp({ ...deps, ...(faults ? { faults } : {}) });
  return async (path: string, body: unknown) => {
    const res = await app.request(signedRequest(path, body));
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };
}

describe('fault hooks in the XKS handler', () => {
  it('cost one boolean and change nothing while no rule exists', async () => {
    const plan = new FaultPlan({ clock: () => NOW, random: () => 0.5 });
    const forRequest = vi.spyOn(plan, 'forRequest');
    const withPlan = await setup(plan);
    const without = await setup(undefined);
    for (const path of [
      '/p/kms/xks/v1/health',
      '/p/kms/xks/v1/keys/nope/metadata',
      '/x/kms/xks/v1/health',
    ]) {
      const a = await withPlan(path, HEALTH);
      const b = await without(path, HEALTH);
      expect({ ...a, text: a.text.replace(/"kmsRequestId":"[^"]*"/, '') }).toEqual({
        ...b,
        text: b.text.replace(/"kmsRequestId":"[^"]*"/, ''),
      });
    }
    expect(forRequest).not.toHaveBeenCalled();
  });

  it('apply rules and defects once switched on, and stop when cleared', async () => {
    const plan = new FaultPlan({ clock: () => NOW, random: () => 0.5 });
    const call = await setup(plan);
    plan.add({ kind: 'defect', defect: 'pretty-json' });
    plan.add({ kind: 'health', nodes: ['node-1'], status: 'DEGRADED' });
    const pretty = await call('/p/kms/xks/v1/health', HEALTH);
    expect(pretty.text).toContain('\n');
    expect(
      JSON.parse(pretty.text).ekmFleetDetails.map((n: { healthStatus: string }) => n.healthStatus),
    ).toEqual(['DEGRADED', 'ACTIVE']);
    plan.add({ kind: 'clock-offset', offsetMs: 10 * 60_000 });
    expect((await call('/p/kms/xks/v1/health', HEALTH)).status).toBe(401);
    plan.clear();
    const clean = await call('/p/kms/xks/v1/health', HEALTH);
    expect(clean.status).toBe(200);
    expect(clean.text).not.toContain('\n');
  });
});
