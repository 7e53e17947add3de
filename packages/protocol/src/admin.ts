import { z } from 'zod';
import { ACCESS_KEY_ID_PATTERN } from './constants.ts';
import { EkmHealthStatus } from './schemas.ts';
import {
  AwsRegion,
  ExternalKeyId,
  KeyUsageValue,
  Pkcs11ModuleConfig,
  ResourceName,
  UriPathPrefix,
} from './seed.ts';

/*
 * The admin API (`/admin/v1`) wire formats. Request bodies are strict: an unknown or misspelt
 * field is a 400, so a typo never silently changes nothing. Responses list every field.
 */

/** Every admin error: `{"error":{"code":"KEY_NOT_FOUND","message":"..."}}`. */
export const AdminErrorBody = z
  .object({
    error: z.object({
      /** Stable, UPPER_SNAKE: branch on it. */
      code: z.string(),
      /** For people; may change. */
      message: z.string(),
    }),
  })
  .meta({ id: 'Error' });
export type AdminErrorBody = z.infer<typeof AdminErrorBody>;

export const ModuleStateValue = z.enum(['active', 'maintenance', 'disconnected']);
export type ModuleStateValue = z.infer<typeof ModuleStateValue>;
export const KeyStateValue = z.enum(['ENABLED', 'DISABLED', 'PENDING_DELETION']);
export type KeyStateValue = z.infer<typeof KeyStateValue>;
export const KeyOriginValue = z.enum(['GENERATED', 'IMPORTED']);

/** Path parameters. */
export const ModuleParams = z.object({ module: ResourceName });
export const KeyParams = z.object({ module: ResourceName, keyId: ExternalKeyId });
export const KeyStoreParams = z.object({ keyStore: ResourceName });
export const CredentialParams = z.object({
  keyStore: ResourceName,
  accessKeyId: z.string().regex(ACCESS_KEY_ID_PATTERN, 'use 20-30 characters of A-Z and 2-7'),
});

// ---- modules ------------------------------------------------------------------------------------

export const CreateModuleRequest = z
  .strictObject({
    name: ResourceName,
    nodes: z.int().min(1).max(10).default(1),
    /** A `pkcs11` module on a PKCS#11 token instead of a virtual one (one node: the token). */
    pkcs11: Pkcs11ModuleConfig.optional(),
  })
  .meta({ id: 'CreateModuleRequest' });
export type CreateModuleRequest = z.infer<typeof CreateModuleRequest>;

export const SetModuleStateRequest = z
  .strictObject({ state: ModuleStateValue })
  .meta({ id: 'SetModuleStateRequest' });
export type SetModuleStateRequest = z.infer<typeof SetModuleStateRequest>;

export const NodeHealthView = z.object({
  id: z.string(),
  status: EkmHealthStatus,
  detail: z.string().optional(),
  /** A `pkcs11` module's token: model, firmware and hardware versions. */
  model: z.string().optional(),
  /** A `pkcs11` module's token: manufacturer and serial number. */
  vendor: z.string().optional(),
});

export const ModuleView = z
  .object({
    name: z.string(),
    nodes: z.int(),
    state: ModuleStateValue,
    createdAt: z.string(),
    /** `virtual`, or `pkcs11`: the keys live in the PKCS#11 token `pkcs11` names. */
    kind: z.enum(['virtual', 'pkcs11']),
    /** Where a `pkcs11` module's token is and where the server reads its PIN (never the PIN). */
    pkcs11: Pkcs11ModuleConfig.optional(),
    /** null: a `pkcs11` module whose token cannot be reached now (its health says why). */
    keyCount: z.int().nullable(),
    /** Key stores served from this module. */
    keyStores: z.array(z.string()),
    /** Present on describe: a deep health check of every node. */
    health: z.array(NodeHealthView).optional(),
  })
  .meta({ id: 'Module' });
export type ModuleView = z.infer<typeof ModuleView>;

export const ModuleList = z.object({ modules: z.array(ModuleView) }).meta({ id: 'ModuleList' });
export type ModuleList = z.infer<typeof ModuleList>;

export const DeleteModuleQuery = z.object({ force: z.enum(['true', 'false']).optional() });

export const DeleteModuleResponse = z
  .object({ name: z.string(), deleted: z.literal(true), keysDeleted: z.int() })
  .meta({ id: 'DeleteModuleResponse' });
export type DeleteModuleResponse = z.infer<typeof DeleteModuleResponse>;

// ---- keys ---------------------------------------------------------------------------------------

/** Any subset of the usages, fixed at creation (an empty set makes a key that refuses everything). */
const UsageList = z
  .array(KeyUsageValue)
  .max(4)
  .refine((u) => new Set(u).size === u.length, 'usage repeats a value');

export const CreateKeyRequest = z
  .strictObject({
    id: ExternalKeyId,
    usage: UsageList.default(['ENCRYPT', 'DECRYPT']),
    exportable: z.boolean().default(false),
  })
  .meta({ id: 'CreateKeyRequest' });
export type CreateKeyRequest = z.infer<typeof CreateKeyRequest>;

/** The key transport format of import and export (AWS KMS's RSA_AES_KEY_WRAP_SHA_256). */
export const WRAPPING_ALGORITHM = 'RSA_AES_KEY_WRAP_SHA_256' as const;
export const IMPORT_WRAPPING_KEY_SPEC = 'RSA_3072' as const;

export const ImportParams = z
  .object({
    module: z.string(),
    /** Names these parameters in the import request; good for one successful import. */
    importToken: z.string(),
    wrappingAlgorithm: z.literal(WRAPPING_ALGORITHM),
    wrappingKeySpec: z.literal(IMPORT_WRAPPING_KEY_SPEC),
    /** The module's RSA public key, PEM (SPKI). */
    publicKey: z.string(),
    expiresAt: z.string(),
  })
  .meta({ id: 'ImportParams' });
export type ImportParams = z.infer<typeof ImportParams>;

const Base64Text = z
  .string()
  .max(8192)
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'not standard Base64');

export const ImportKeyRequest = z
  .strictObject({
    id: ExternalKeyId,
    usage: UsageList.default(['ENCRYPT', 'DECRYPT']),
    exportable: z.boolean().default(false),
    importToken: z.string().min(1).max(128),
    /** Base64 of RSA-OAEP-SHA256(ephemeral AES-256 key) || RFC 5649 wrap of the 32-byte material. */
    wrappedKeyMaterial: Base64Text.min(1),
  })
  .meta({ id: 'ImportKeyRequest' });
export type ImportKeyRequest = z.infer<typeof ImportKeyRequest>;

export const KeyVersionView = z.object({ version: z.int(), createdAt: z.string() });

export const KeyView = z
  .object({
    module: z.string(),
    id: z.string(),
    /** ENABLED, DISABLED or PENDING_DELETION. */
    state: KeyStateValue,
    /** What XKS GetKeyMetadata reports (DISABLED while pending deletion). */
    status: z.enum(['ENABLED', 'DISABLED']),
    usage: z.array(KeyUsageValue),
    origin: KeyOriginValue,
    exportable: z.boolean(),
    blocked: z.boolean(),
    deletionDate: z.string().optional(),
    createdAt: z.string(),
    currentVersion: z.int(),
    versions: z.array(KeyVersionView),
    hasPolicy: z.boolean(),
  })
  .meta({ id: 'Key' });
export type KeyView = z.infer<typeof KeyView>;

export const ListKeysQuery = z.object({
  state: KeyStateValue.optional(),
  usage: KeyUsageValue.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  nextToken: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,256}$/, 'not a token from a previous page')
    .optional(),
});
export type ListKeysQuery = z.infer<typeof ListKeysQuery>;

export const KeyList = z
  .object({ keys: z.array(KeyView), nextToken: z.string().optional() })
  .meta({ id: 'KeyList' });
export type KeyList = z.infer<typeof KeyList>;

export const ScheduleKeyDeletionRequest = z
  .strictObject({ pendingWindowDays: z.int().min(1).max(30).default(30) })
  .meta({ id: 'ScheduleKeyDeletionRequest' });
export type ScheduleKeyDeletionRequest = z.infer<typeof ScheduleKeyDeletionRequest>;

export const ExportKeyRequest = z
  .strictObject({
    /** The caller's RSA public key (PEM, SPKI or PKCS#1), at least 2048 bits. */
    publicKey: z.string().min(1).max(16384),
  })
  .meta({ id: 'ExportKeyRequest' });
export type ExportKeyRequest = z.infer<typeof ExportKeyRequest>;

export const ExportKeyResponse = z
  .object({
    module: z.string(),
    id: z.string(),
    wrappingAlgorithm: z.literal(WRAPPING_ALGORITHM),
    currentVersion: z.int(),
    versions: z.array(
      z.object({ version: z.int(), createdAt: z.string(), wrappedKeyMaterial: z.string() }),
    ),
  })
  .meta({ id: 'ExportKeyResponse' });
export type ExportKeyResponse = z.infer<typeof ExportKeyResponse>;

/** `force=true` destroys at once, skipping the pending-deletion period (short-lived test keys). */
export const DestroyKeyQuery = z.object({ force: z.enum(['true', 'false']).optional() });

export const DestroyKeyResponse = z
  .object({ module: z.string(), id: z.string(), destroyed: z.literal(true) })
  .meta({ id: 'DestroyKeyResponse' });

// ---- key stores and credentials -----------------------------------------------------------------

export const CredentialView = z
  .object({
    accessKeyId: z.string(),
    createdAt: z.string(),
    /** Last successful SigV4 verification (kept in memory, flushed every few seconds). */
    lastUsedAt: z.string().nullable(),
    /** Whole days since creation (KMS's XksProxyCredentialAge counts the same way). */
    ageDays: z.int(),
  })
  .meta({ id: 'Credential' });
export type CredentialView = z.infer<typeof CredentialView>;

export const CredentialList = z
  .object({ keyStore: z.string(), credentials: z.array(CredentialView) })
  .meta({ id: 'CredentialList' });
export type CredentialList = z.infer<typeof CredentialList>;

/** The AWS KMS console's proxy configuration file (spec §2.2). */
export const ProxyConfiguration = z
  .object({
    XksProxyUriPath: z.string(),
    XksProxyAuthenticationCredential: z.object({
      AccessKeyId: z.string(),
      RawSecretAccessKey: z.string(),
    }),
  })
  .meta({ id: 'ProxyConfiguration' });
export type ProxyConfiguration = z.infer<typeof ProxyConfiguration>;

/** A new credential: the secret appears here and nowhere else, ever. */
export const CreatedCredential = z
  .object({
    keyStore: z.string(),
    accessKeyId: z.string(),
    secretAccessKey: z.string(),
    createdAt: z.string(),
    proxyConfiguration: ProxyConfiguration,
  })
  .meta({ id: 'CreatedCredential' });
export type CreatedCredential = z.infer<typeof CreatedCredential>;

export const RevokeCredentialResponse = z
  .object({ keyStore: z.string(), accessKeyId: z.string(), revoked: z.literal(true) })
  .meta({ id: 'RevokeCredentialResponse' });

export const KeyStoreView = z
  .object({
    name: z.string(),
    uriPathPrefix: z.string(),
    /** What the KMS console calls the proxy URI path. */
    uriPath: z.string(),
    region: z.string(),
    module: z.string(),
    maxRequestsPerSecond: z.int().nullable(),
    blocked: z.boolean(),
    createdAt: z.string(),
    credentials: z.array(CredentialView),
    hasPolicy: z.boolean(),
  })
  .meta({ id: 'KeyStore' });
export type KeyStoreView = z.infer<typeof KeyStoreView>;

export const KeyStoreList = z
  .object({ keyStores: z.array(KeyStoreView) })
  .meta({ id: 'KeyStoreList' });
export type KeyStoreList = z.infer<typeof KeyStoreList>;

export const MaxRequestsPerSecond = z.int().min(1).max(1_000_000);

export const CreateKeyStoreRequest = z
  .strictObject({
    name: ResourceName,
    uriPathPrefix: UriPathPrefix,
    region: AwsRegion,
    module: ResourceName,
    maxRequestsPerSecond: MaxRequestsPerSecond.optional(),
    /** Generate a first credential (default true); its secret is in this response only. */
    createCredential: z.boolean().default(true),
  })
  .meta({ id: 'CreateKeyStoreRequest' });
export type CreateKeyStoreRequest = z.infer<typeof CreateKeyStoreRequest>;

export const CreateKeyStoreResponse = z
  .object({ keyStore: KeyStoreView, credential: CreatedCredential.optional() })
  .meta({ id: 'CreateKeyStoreResponse' });
export type CreateKeyStoreResponse = z.infer<typeof CreateKeyStoreResponse>;

export const UpdateKeyStoreRequest = z
  .strictObject({
    region: AwsRegion.optional(),
    module: ResourceName.optional(),
    /** null removes the quota. */
    maxRequestsPerSecond: MaxRequestsPerSecond.nullable().optional(),
    /** The kill switch: a blocked key store answers InvalidStateException (health still answers). */
    blocked: z.boolean().optional(),
  })
  .meta({ id: 'UpdateKeyStoreRequest' });
export type UpdateKeyStoreRequest = z.infer<typeof UpdateKeyStoreRequest>;

export const DeleteKeyStoreResponse = z
  .object({ name: z.string(), deleted: z.literal(true) })
  .meta({ id: 'DeleteKeyStoreResponse' });
