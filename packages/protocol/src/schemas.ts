import { z } from 'zod';
import { decodedLength, isStandardBase64 } from './base64.ts';
import {
  CIPHERTEXT_METADATA_MAX_BYTES,
  EKM_FLEET_MAX,
  ERROR_MESSAGE_MAX,
  GCM_IV_LENGTHS,
  GCM_TAG_BYTES,
  KEY_USAGE_MAX_VALUES,
  METADATA_ARN_MAX,
  METADATA_NAME_MAX,
  METADATA_REQUEST_ID_MAX,
} from './constants.ts';
import { XKS_ERROR_NAMES } from './errors.ts';

/*
 * Requests. Objects ignore unknown keys (spec §1.1: KMS adds fields over time). Binary fields are
 * strings here; they are decoded once, with their size limits, by the proxy (see decodeBase64).
 */

/** A requestMetadata string of at most `max` characters (bounds: see METADATA_ARN_MAX). */
const bounded = (max: number) => z.string().max(max, `longer than ${max} characters`);
const Arn = bounded(METADATA_ARN_MAX);
const RequestId = bounded(METADATA_REQUEST_ID_MAX);
const Name = bounded(METADATA_NAME_MAX);

/** §1.2 requestMetadata fields for GetHealthStatus. */
export const HealthRequestMetadata = z.object({
  kmsRequestId: RequestId,
  kmsOperation: Name,
});
export type HealthRequestMetadata = z.infer<typeof HealthRequestMetadata>;

/** §1.2 requestMetadata fields for GetKeyMetadata (the test client also sends kmsKeyArn, kmsViaService). */
export const KeyMetadataRequestMetadata = z.object({
  awsPrincipalArn: Arn,
  kmsOperation: Name,
  kmsRequestId: RequestId,
  kmsKeyArn: Arn.optional(),
  kmsViaService: Name.optional(),
  awsSourceVpc: Name.optional(),
  awsSourceVpce: Name.optional(),
});
export type KeyMetadataRequestMetadata = z.infer<typeof KeyMetadataRequestMetadata>;

/** §1.2 requestMetadata fields for Encrypt and Decrypt. */
export const CryptoRequestMetadata = KeyMetadataRequestMetadata.extend({ kmsKeyArn: Arn });
export type CryptoRequestMetadata = z.infer<typeof CryptoRequestMetadata>;

export const GetHealthStatusRequest = z.object({ requestMetadata: HealthRequestMetadata });
export type GetHealthStatusRequest = z.infer<typeof GetHealthStatusRequest>;

export const GetKeyMetadataRequest = z.object({ requestMetadata: KeyMetadataRequestMetadata });
export type GetKeyMetadataRequest = z.infer<typeof GetKeyMetadataRequest>;

/** §1.4 */
export const EncryptRequest = z.object({
  requestMetadata: CryptoRequestMetadata,
  plaintext: z.string(),
  encryptionAlgorithm: z.literal('AES_GCM'),
  additionalAuthenticatedData: z.string().optional(),
  ciphertextDataIntegrityValueAlgorithm: z.literal('SHA_256').optional(),
});
export type EncryptRequest = z.infer<typeof EncryptRequest>;

/** §1.5 */
export const DecryptRequest = z.object({
  requestMetadata: CryptoRequestMetadata,
  ciphertext: z.string(),
  encryptionAlgorithm: z.literal('AES_GCM'),
  initializationVector: z.string(),
  authenticationTag: z.string(),
  additionalAuthenticatedData: z.string().optional(),
  ciphertextMetadata: z.string().optional(),
});
export type DecryptRequest = z.infer<typeof DecryptRequest>;

/*
 * Responses, as strict as the spec: what a proxy must send (the conformance runner checks
 * other vendors' proxies against these).
 */

/** Standard Base64 text whose decoded length satisfies `check`. */
function base64Bytes(check: (n: number) => boolean, what: string) {
  return z
    .string()
    .refine(isStandardBase64, { message: 'not standard Base64 with padding' })
    .refine((s) => check(decodedLength(s)), { message: what });
}

export const KeySpec = z.literal('AES_256');
export const KeyUsageName = z.string().regex(/^[A-Z_]+$/, 'key usage values are uppercase');
export const KeyStatusName = z.enum(['ENABLED', 'DISABLED']);

/** §1.3 */
export const GetKeyMetadataResponse = z.object({
  keySpec: z.string(),
  keyUsage: z.array(KeyUsageName).max(KEY_USAGE_MAX_VALUES),
  keyStatus: KeyStatusName,
});
export type GetKeyMetadataResponse = z.infer<typeof GetKeyMetadataResponse>;

/** §1.4 */
export const EncryptResponse = z.object({
  ciphertext: base64Bytes(() => true, ''),
  initializationVector: base64Bytes((n) => GCM_IV_LENGTHS.includes(n), 'IV must be 12 or 16 bytes'),
  authenticationTag: base64Bytes((n) => n === GCM_TAG_BYTES, 'tag must be 16 bytes'),
  ciphertextMetadata: base64Bytes(
    (n) => n <= CIPHERTEXT_METADATA_MAX_BYTES,
    'ciphertextMetadata must be at most 20 bytes',
  ).optional(),
  ciphertextDataIntegrityValue: base64Bytes((n) => n === 32, 'CDIV must be 32 bytes').optional(),
});
export type EncryptResponse = z.infer<typeof EncryptResponse>;

/** §1.5 */
export const DecryptResponse = z.object({ plaintext: base64Bytes(() => true, '') });
export type DecryptResponse = z.infer<typeof DecryptResponse>;

export const EkmHealthStatus = z.enum(['ACTIVE', 'DEGRADED', 'UNAVAILABLE']);
export type EkmHealthStatus = z.infer<typeof EkmHealthStatus>;

export const EkmFleetEntry = z.object({
  id: z.string(),
  model: z.string(),
  healthStatus: EkmHealthStatus,
});
export type EkmFleetEntry = z.infer<typeof EkmFleetEntry>;

/** §1.6 */
export const GetHealthStatusResponse = z.object({
  xksProxyFleetSize: z.number().int().positive(),
  xksProxyVendor: z.string(),
  xksProxyModel: z.string(),
  ekmVendor: z.string(),
  ekmFleetDetails: z.array(EkmFleetEntry).min(1).max(EKM_FLEET_MAX),
});
export type GetHealthStatusResponse = z.infer<typeof GetHealthStatusResponse>;

/** §1.7 */
export const ErrorResponse = z.object({
  errorName: z.enum(XKS_ERROR_NAMES as [string, ...string[]]),
  errorMessage: z
    .string()
    .max(ERROR_MESSAGE_MAX)
    .regex(/^[\x20-\x7e]*$/, 'errorMessage must be printable ASCII')
    .optional(),
});
export type ErrorResponse = z.infer<typeof ErrorResponse>;
