import type { KeyMetadataRequestMetadata } from '@xkslab/protocol';
import type { ActiveKeyStore } from '../keystores/registry.ts';
import { evaluatePolicy } from '../policies/evaluate.ts';
import type { PolicyStore } from '../policies/policy-store.ts';
import { XksError } from './errors.ts';

/** Which policy denied and by which rule: the log line names both (spec §2.4). */
export type PolicyDenial = { policyScope: string; policyRule: string };

/**
 * Secondary authorization (spec §2.4) of a metadata, encrypt or decrypt call, never health: the
 * key store's policy and the key's policy must both allow it (no policy allows). Throws
 * AccessDeniedException after `onDeny` has recorded which rule denied.
 */
export function authorize(
  policies: PolicyStore | undefined,
  call: { keyStore: ActiveKeyStore; keyId: string; metadata: KeyMetadataRequestMetadata },
  onDeny: (denial: PolicyDenial) => void,
): void {
  if (!policies) return;
  const { keyStore, keyId, metadata } = call;
  const request = {
    principal: metadata.awsPrincipalArn,
    operation: metadata.kmsOperation,
    viaService: metadata.kmsViaService,
    sourceVpc: metadata.awsSourceVpc,
    sourceVpce: metadata.awsSourceVpce,
  };
  const scopes = [
    { scope: `keystore:${keyStore.name}`, policy: policies.get({ keyStore: keyStore.name }) },
    {
      scope: `key:${keyStore.module}/${keyId}`,
      policy: policies.get({ module: keyStore.module, keyId }),
    },
  ];
  for (const { scope, policy } of scopes) {
    const decision = evaluatePolicy(policy, request);
    if (!decision.allowed) {
      onDeny({ policyScope: scope, policyRule: decision.rule });
      throw new XksError('AccessDeniedException', 'Denied by the secondary authorization policy');
    }
  }
}
