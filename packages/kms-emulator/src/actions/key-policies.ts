/**
 * Key policies: GetKeyPolicy, PutKeyPolicy, ListKeyPolicies. A key has one policy, named
 * "default"; it is stored and returned exactly as given and is not evaluated.
 */
import { defineAction } from '../action.ts';
import { findKey } from '../core.ts';
import { KmsError } from '../errors.ts';
import { DEFAULT_POLICY_NAME } from '../key-meta.ts';
import {
  GetKeyPolicyRequest,
  ListKeyPoliciesRequest,
  PutKeyPolicyRequest,
} from '../meta-schemas.ts';
import { checkPolicy } from './meta-rules.ts';

function checkPolicyName(name: string | undefined): void {
  if (name !== undefined && name !== DEFAULT_POLICY_NAME) {
    throw new KmsError(
      'NotFoundException',
      `No such policy exists: ${name}. The only valid policy name is ${DEFAULT_POLICY_NAME}.`,
    );
  }
}

export const getKeyPolicy = defineAction({
  schema: GetKeyPolicyRequest,
  async handle(core, input) {
    const key = findKey(core, input.KeyId);
    checkPolicyName(input.PolicyName);
    return { Policy: core.meta.of(key.id).policy, PolicyName: DEFAULT_POLICY_NAME };
  },
});

export const putKeyPolicy = defineAction({
  schema: PutKeyPolicyRequest,
  async handle(core, input) {
    const key = findKey(core, input.KeyId);
    checkPolicyName(input.PolicyName);
    checkPolicy(input.Policy);
    core.meta.of(key.id).policy = input.Policy;
    await core.save();
    return {};
  },
});

export const listKeyPolicies = defineAction({
  schema: ListKeyPoliciesRequest,
  async handle(core, input) {
    findKey(core, input.KeyId);
    return { PolicyNames: [DEFAULT_POLICY_NAME], Truncated: false };
  },
});
