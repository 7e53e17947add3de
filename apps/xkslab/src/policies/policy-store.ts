import { Policy } from '@xkslab/protocol';
import type { RecordStore } from '@xkslab/vcm';
import { WriteQueue } from '@xkslab/vcm';
import { type CompiledPolicy, compilePolicy } from './evaluate.ts';

export const POLICY_RECORD_PREFIX = 'xks/policy/';
const KEYSTORE_PREFIX = `${POLICY_RECORD_PREFIX}keystore/`;
const KEY_PREFIX = `${POLICY_RECORD_PREFIX}key/`;

/** Which policy: a key store's, or a key's (keys are named by module and id). */
export type PolicyTarget = { keyStore: string } | { module: string; keyId: string };

function storeKey(target: PolicyTarget): string {
  return 'keyStore' in target
    ? `${KEYSTORE_PREFIX}${target.keyStore}`
    : `${KEY_PREFIX}${target.module}/${target.keyId}`;
}

/**
 * Secondary-authorization policies per key store and per key. Records live in the shared store
 * under `xks/policy/`; compiled copies stay in memory for the hot path, so a change takes effect
 * on the next request.
 */
export class PolicyStore {
  private readonly compiled = new Map<string, CompiledPolicy>();
  private readonly writes = new WriteQueue();
  private readonly store: RecordStore;

  private constructor(store: RecordStore) {
    this.store = store;
  }

  static async load(store: RecordStore): Promise<PolicyStore> {
    const policies = new PolicyStore(store);
    for (const { key, value } of await store.list({ prefix: POLICY_RECORD_PREFIX })) {
      const policy = Policy.parse(JSON.parse(Buffer.from(value).toString('utf8')));
      policies.compiled.set(key, compilePolicy(policy));
    }
    return policies;
  }

  get(target: PolicyTarget): CompiledPolicy | undefined {
    return this.compiled.get(storeKey(target));
  }

  /** Sets (or with undefined, clears) a policy; durable before it resolves. */
  set(target: PolicyTarget, policy: Policy | undefined): Promise<void> {
    const key = storeKey(target);
    return this.writes.run(async () => {
      if (policy === undefined) {
        await this.store.del(key);
        this.compiled.delete(key);
        return;
      }
      const compiled = compilePolicy(policy);
      await this.store.put(key, new TextEncoder().encode(JSON.stringify(policy)));
      this.compiled.set(key, compiled);
    });
  }

  /** Clears the policies of every key of a module (when the module is deleted). */
  clearModule(module: string): Promise<void> {
    const prefix = `${KEY_PREFIX}${module}/`;
    return this.writes.run(async () => {
      const keys = [...this.compiled.keys()].filter((k) => k.startsWith(prefix));
      if (keys.length === 0) return;
      await this.store.batch(keys.map((key) => ({ type: 'del' as const, key })));
      for (const k of keys) this.compiled.delete(k);
    });
  }
}
