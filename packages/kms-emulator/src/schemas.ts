/**
 * Request shapes of the KMS actions the emulator serves (KMS API reference), as zod schemas. Blob
 * members arrive as standard Base64 and are decoded here, once, after their size is checked.
 * Unknown members are ignored, as AWS does.
 */
import { z } from 'zod';
import {
  ALIAS_NAME_MAX,
  CIPHERTEXT_BLOB_MAX,
  DATA_KEY_BYTES_MAX,
  ENCRYPT_PLAINTEXT_MAX,
  PENDING_WINDOW_DAYS_MAX,
  PENDING_WINDOW_DAYS_MIN,
} from './constants.ts';
import {
  CustomerMasterKeySpec,
  CustomKeyStoreType,
  DataKeySpec,
  EncryptionAlgorithmSpec,
  KeySpec,
  KeyUsageType,
  OriginType,
  XksProxyConnectivityType,
} from './model-enums.ts';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A blob member: Base64 text of `min`..`max` bytes, decoded. */
export function blob(min: number, max: number) {
  return z
    .string()
    .refine((s) => s.length <= Math.ceil(max / 3) * 4 + 4 && BASE64.test(s), {
      message: 'Member must be Base64 of at most the allowed length',
    })
    .transform((s) => new Uint8Array(Buffer.from(s, 'base64')))
    .refine((b) => b.length >= min, {
      message: `Member must have length greater than or equal to ${min}`,
    })
    .refine((b) => b.length <= max, {
      message: `Member must have length less than or equal to ${max}`,
    });
}

export const KeyIdString = z
  .string()
  .min(1, 'Member must have length greater than or equal to 1')
  .max(2048, 'Member must have length less than or equal to 2048');

export const EncryptionContextMap = z.record(z.string(), z.string()).optional();
const EncryptionAlgorithm = z.enum(EncryptionAlgorithmSpec).optional();
export const GrantTokens = z.array(z.string()).max(10).optional();

const Limit = z.number().int().min(1).max(1000).optional();
const Marker = z.string().min(1).max(1024).optional();

/** The members CreateCustomKeyStore and UpdateCustomKeyStore share for an external key store's proxy. */
const xksProxyMembers = {
  XksProxyUriEndpoint: z.string().min(10).max(128).optional(),
  XksProxyUriPath: z.string().optional(),
  XksProxyVpcEndpointServiceName: z.string().optional(),
  XksProxyAuthenticationCredential: z
    .object({ AccessKeyId: z.string(), RawSecretAccessKey: z.string() })
    .optional(),
  XksProxyConnectivity: z.enum(XksProxyConnectivityType).optional(),
};

export const CreateCustomKeyStoreRequest = z.object({
  CustomKeyStoreName: z.string().min(1).max(256),
  CustomKeyStoreType: z.enum(CustomKeyStoreType).optional(),
  ...xksProxyMembers,
  CloudHsmClusterId: z.string().optional(),
});
export type CreateCustomKeyStoreRequest = z.infer<typeof CreateCustomKeyStoreRequest>;

export const CustomKeyStoreIdRequest = z.object({
  CustomKeyStoreId: z.string().min(1).max(64),
});

export const DescribeCustomKeyStoresRequest = z.object({
  CustomKeyStoreId: z.string().min(1).max(64).optional(),
  CustomKeyStoreName: z.string().min(1).max(256).optional(),
  Limit,
  Marker,
});

export const UpdateCustomKeyStoreRequest = z.object({
  CustomKeyStoreId: z.string().min(1).max(64),
  NewCustomKeyStoreName: z.string().min(1).max(256).optional(),
  ...xksProxyMembers,
  KeyStorePassword: z.string().optional(),
  CloudHsmClusterId: z.string().optional(),
});
export type UpdateCustomKeyStoreRequest = z.infer<typeof UpdateCustomKeyStoreRequest>;

export const CreateKeyRequest = z.object({
  Description: z.string().max(8192).optional(),
  KeyUsage: z.enum(KeyUsageType).optional(),
  KeySpec: z.enum(KeySpec).optional(),
  CustomerMasterKeySpec: z.enum(CustomerMasterKeySpec).optional(),
  Origin: z.enum(OriginType).optional(),
  CustomKeyStoreId: z.string().min(1).max(64).optional(),
  XksKeyId: z.string().optional(),
  MultiRegion: z.boolean().optional(),
  Policy: z.string().optional(),
  BypassPolicyLockoutSafetyCheck: z.boolean().optional(),
  Tags: z.array(z.object({ TagKey: z.string(), TagValue: z.string() })).optional(),
});
export type CreateKeyRequest = z.infer<typeof CreateKeyRequest>;

export const KeyIdRequest = z.object({ KeyId: KeyIdString });

export const ListKeysRequest = z.object({ Limit, Marker });

export const ScheduleKeyDeletionRequest = z.object({
  KeyId: KeyIdString,
  PendingWindowInDays: z
    .number()
    .int()
    .min(
      PENDING_WINDOW_DAYS_MIN,
      `Member must have value greater than or equal to ${PENDING_WINDOW_DAYS_MIN}`,
    )
    .max(
      PENDING_WINDOW_DAYS_MAX,
      `Member must have value less than or equal to ${PENDING_WINDOW_DAYS_MAX}`,
    )
    .optional(),
});

export const CreateAliasRequest = z.object({
  AliasName: z.string().min(1).max(ALIAS_NAME_MAX),
  TargetKeyId: KeyIdString,
});

export const DeleteAliasRequest = z.object({ AliasName: z.string().min(1).max(ALIAS_NAME_MAX) });

export const ListAliasesRequest = z.object({ KeyId: KeyIdString.optional(), Limit, Marker });

export const EncryptRequest = z.object({
  KeyId: KeyIdString,
  Plaintext: blob(1, ENCRYPT_PLAINTEXT_MAX),
  EncryptionContext: EncryptionContextMap,
  GrantTokens,
  EncryptionAlgorithm,
  DryRun: z.boolean().optional(),
});

export const DecryptRequest = z.object({
  CiphertextBlob: blob(1, CIPHERTEXT_BLOB_MAX),
  EncryptionContext: EncryptionContextMap,
  GrantTokens,
  KeyId: KeyIdString.optional(),
  EncryptionAlgorithm,
  Recipient: z.unknown().optional(),
  DryRun: z.boolean().optional(),
});

export const ReEncryptRequest = z.object({
  CiphertextBlob: blob(1, CIPHERTEXT_BLOB_MAX),
  SourceEncryptionContext: EncryptionContextMap,
  SourceKeyId: KeyIdString.optional(),
  DestinationKeyId: KeyIdString,
  DestinationEncryptionContext: EncryptionContextMap,
  SourceEncryptionAlgorithm: EncryptionAlgorithm,
  DestinationEncryptionAlgorithm: EncryptionAlgorithm,
  GrantTokens,
  DryRun: z.boolean().optional(),
});

/** NumberOfBytes of GenerateDataKey and GenerateRandom: 1 to 1024. */
export const NumberOfBytes = z
  .number()
  .int()
  .min(1, 'Member must have value greater than or equal to 1')
  .max(DATA_KEY_BYTES_MAX, `Member must have value less than or equal to ${DATA_KEY_BYTES_MAX}`)
  .optional();

export const GenerateDataKeyRequest = z.object({
  KeyId: KeyIdString,
  EncryptionContext: EncryptionContextMap,
  NumberOfBytes,
  KeySpec: z.enum(DataKeySpec).optional(),
  GrantTokens,
  Recipient: z.unknown().optional(),
  DryRun: z.boolean().optional(),
});
