import { describe, expect, it } from 'vitest';
import { FaultPlan } from '../faults/fault-plan.ts';
import { META, NOW, xksFixture } from '../testing/xks-context.ts';
import type { ToWorker, WorkerCall } from './messages.ts';
import { performCall, serveWorkerRequest } from './primary-calls.ts';

const ENCRYPT: WorkerCall = {
  keyStore: 's',
  keyId: 'k',
  operation: 'Encrypt',
  request: { requestMetadata: META, plaintext: 'AAAA', encryptionAlgorithm: 'AES_GCM' },
  now: NOW.getTime(),
};

describe("performCall: a worker's call, performed by the primary", () => {
  it("answers the route's result", async () => {
    const f = await xksFixture();
    const outcome = await performCall({ deps: f.deps, registry: f.registry }, ENCRYPT);
    expect(Object.keys('ok' in outcome ? outcome.ok : outcome)).toEqual([
      'ciphertext',
      'initializationVector',
      'authenticationTag',
      'ciphertextMetadata',
    ]);
  });

  it("applies the primary's live state: disabled key, kill switch, policy, quota, deleted store", async () => {
    const f = await xksFixture();
    const owner = { deps: f.deps, registry: f.registry };
    await f.vcm.setKeyStatus('m', 'k', 'DISABLED');
    expect(await performCall(owner, ENCRYPT)).toMatchObject({
      errorName: 'InvalidStateException',
    });
    await f.vcm.setKeyStatus('m', 'k', 'ENABLED');
    await f.policies.set(
      { keyStore: 's' },
      { rules: [{ name: 'no-encrypt', effect: 'deny', operations: ['Encrypt'] }] },
    );
    expect(await performCall(owner, ENCRYPT)).toEqual({
      errorName: 'AccessDeniedException',
      message: 'Denied by the secondary authorization policy',
      policyScope: 'keystore:s',
      policyRule: 'no-encrypt',
    });
    await f.registry.update('s', { blocked: true });
    expect(await performCall(owner, ENCRYPT)).toMatchObject({
      errorName: 'InvalidStateException',
    });
    await f.registry.update('s', { blocked: false, maxRequestsPerSecond: 1 });
    await f.policies.set({ keyStore: 's' }, undefined);
    const twice = [await performCall(owner, ENCRYPT), await performCall(owner, ENCRYPT)];
    expect(twice.map((o) => ('ok' in o ? 'ok' : o.errorName))).toEqual([
      'ok',
      'ThrottlingException',
    ]);
    await f.registry.delete('s');
    expect(await performCall(owner, ENCRYPT)).toMatchObject({
      errorName: 'InvalidUriPathException',
    });
  });

  it("applies a call's module faults: the defect's module, the delay under the module deadline", async () => {
    const f = await xksFixture();
    const owner = { deps: f.deps, registry: f.registry };
    // 'disabled-served': a defective proxy that serves a disabled key.
    await f.vcm.setKeyStatus('m', 'k', 'DISABLED');
    const served = await performCall(owner, {
      ...ENCRYPT,
      faults: { defect: 'disabled-served', moduleDelayMs: 0 },
    });
    expect(served).toHaveProperty('ok.ciphertext');
    await f.vcm.setKeyStatus('m', 'k', 'ENABLED');
    f.deps.moduleTimeoutMs = 10;
    expect(
      await performCall(owner, { ...ENCRYPT, faults: { defect: undefined, moduleDelayMs: 50 } }),
    ).toMatchObject({ errorName: 'DependencyTimeoutException' });
  });
});

describe("serveWorkerRequest 'decide': one fault plan for every worker", () => {
  it("decides with the primary's plan, so a throttle rule counts across workers", async () => {
    const f = await xksFixture();
    const faults = new FaultPlan({ clock: () => NOW, random: () => 0.5 });
    faults.add({ kind: 'throttle', requestsPerSecond: 1 });
    const owner = { deps: f.deps, registry: f.registry, faults };
    const answers: ToWorker[] = [];
    for (const id of [1, 2]) {
      serveWorkerRequest(
        owner,
        { t: 'decide', id, keyStore: 's', keyId: 'k', operation: 'Encrypt' },
        (a) => answers.push(a),
      );
    }
    expect(answers).toMatchObject([
      { t: 'decided', id: 1, faults: { throttled: false }, view: { active: true } },
      { t: 'decided', id: 2, faults: { throttled: true }, view: { active: true } },
    ]);
    faults.clear();
    serveWorkerRequest(
      owner,
      { t: 'decide', id: 3, keyStore: 's', keyId: 'k', operation: 'Encrypt' },
      (a) => answers.push(a),
    );
    expect(answers[2]).toEqual({
      t: 'decided',
      id: 3,
      faults: undefined,
      view: { active: false, defect: undefined },
    });
  });
});
