import { describe, expect, it } from 'vitest';
import { META, NOW, xksFixture } from '../testing/xks-context.ts';
import type { WorkerCall } from './messages.ts';
import { performCall } from './primary-calls.ts';

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
});
