/**
 * Request shapes of the alias, description, tag, key policy, grant and rotation actions, with the
 * service model's constraints (lengths, patterns, enums), so a refusal reads as KMS words it
 * (validation-message.ts). Unknown members are ignored, as AWS does.
 */
import { z } from 'zod';
import { ALIAS_NAME_MAX } from './constants.ts';
import { ROTATION_PERIOD_MAX_DAYS, ROTATION_PERIOD_MIN_DAYS } from './key-meta.ts';
import { GrantOperation, IncludeKeyMaterial } from './model-enums.ts';

const KeyId = z.string().min(1).max(2048);
const Limit = z.number().int().min(1).max(1000).optional();
const Marker = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[\u0020-\u00FF]*$/)
  .optional();
const Principal = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\w+=,.@:/-]+$/);
const GrantIdType = z.string().min(1).max(128);
const GrantToken = z.string().min(1).max(8192);
const PolicyName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w]+$/);
const Policy = z
  .string()
  .min(1)
  .max(131_072)
  .regex(/^[\t\n\r\u0020-\u00FF]+$/);
const AliasName = z
  .string()
  .min(1)
  .max(ALIAS_NAME_MAX)
  .regex(/^[a-zA-Z0-9:/_-]+$/);
const EncryptionContext = z.record(z.string(), z.string()).optional();
const DryRun = z.boolean().optional();

export const GrantTokenList = z.array(GrantToken).max(10).optional();

export const TagShape = z.object({
  TagKey: z.string().min(1).max(128),
  TagValue: z.string().max(256),
});
export const TagList = z.array(TagShape);

export const UpdateAliasRequest = z.object({ AliasName, TargetKeyId: KeyId });

export const UpdateKeyDescriptionRequest = z.object({
  KeyId,
  Description: z.string().max(8192),
});

export const TagResourceRequest = z.object({ KeyId, Tags: TagList });
export const UntagResourceRequest = z.object({
  KeyId,
  TagKeys: z.array(z.string().min(1).max(128)),
});
export const ListResourceTagsRequest = z.object({
  KeyId,
  Limit: z.number().int().min(1).max(50).optional(),
  Marker,
});

export const GetKeyPolicyRequest = z.object({ KeyId, PolicyName: PolicyName.optional() });
export const PutKeyPolicyRequest = z.object({
  KeyId,
  PolicyName: PolicyName.optional(),
  Policy,
  BypassPolicyLockoutSafetyCheck: z.boolean().optional(),
});
export const ListKeyPoliciesRequest = z.object({ KeyId, Limit, Marker });

/** CreateKey's Policy and Tags, checked before the key exists. */
export const CreateKeyMetaRequest = z.object({
  Policy: Policy.optional(),
  Tags: TagList.optional(),
});

export const CreateGrantRequest = z.object({
  KeyId,
  GranteePrincipal: Principal,
  RetiringPrincipal: Principal.optional(),
  Operations: z.array(z.enum(GrantOperation)).min(1),
  Constraints: z
    .object({
      EncryptionContextSubset: EncryptionContext,
      EncryptionContextEquals: EncryptionContext,
    })
    .optional(),
  GrantTokens: GrantTokenList,
  Name: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[a-zA-Z0-9:/_-]+$/)
    .optional(),
  DryRun,
});
export type CreateGrantRequest = z.infer<typeof CreateGrantRequest>;

export const ListGrantsRequest = z.object({
  KeyId,
  Limit,
  Marker,
  GrantId: GrantIdType.optional(),
  GranteePrincipal: Principal.optional(),
});
export const ListRetirableGrantsRequest = z.object({ RetiringPrincipal: Principal, Limit, Marker });
export const RetireGrantRequest = z.object({
  GrantToken: GrantToken.optional(),
  KeyId: KeyId.optional(),
  GrantId: GrantIdType.optional(),
  DryRun,
});
export const RevokeGrantRequest = z.object({ KeyId, GrantId: GrantIdType, DryRun });

export const EnableKeyRotationRequest = z.object({
  KeyId,
  RotationPeriodInDays: z
    .number()
    .int()
    .min(ROTATION_PERIOD_MIN_DAYS)
    .max(ROTATION_PERIOD_MAX_DAYS)
    .optional(),
});
export const KeyIdOnlyRequest = z.object({ KeyId });
export const ListKeyRotationsRequest = z.object({
  KeyId,
  IncludeKeyMaterial: z.enum(IncludeKeyMaterial).optional(),
  Limit,
  Marker,
});
