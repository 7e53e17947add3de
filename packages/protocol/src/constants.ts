/** XKS Proxy API v1 limits and fixed values (spec v1.0.3; ../shared/docs/xks-api.md section numbers). */

/** §1.1: the API path every key store URI ends with. */
export const XKS_API_SUFFIX = '/kms/xks/v1';
/** §2.1: the SigV4 service name KMS signs with. */
export const XKS_SIGV4_SERVICE = 'kms-xks-proxy';
/** §2.1: requests more than 5 minutes from the proxy clock fail authentication. */
export const XKS_MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** §1.1: externalKeyId is 1-128 chars of A-Z a-z 0-9 - . _ */
export const EXTERNAL_KEY_ID_MAX = 128;
export const EXTERNAL_KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
/** §1.1: the URI path prefix before /kms/xks/v1 (KMS model: whole path 10-128 chars). */
export const URI_PATH_MAX = 128;
export const URI_PATH_PREFIX_PATTERN = /^(\/[A-Za-z0-9/_-]+)?$/;

/**
 * §1.2 requestMetadata string lengths. The spec bounds only ARNs (up to 2048 chars); the other
 * bounds are the proxy's, generous against what KMS sends, so one request cannot put a
 * megabyte-long field into the log and audit trail:
 * - kmsRequestId is a UUID (36 chars) in practice, but it is opaque and must not be validated
 *   (conformance runners send non-UUIDs): 1024 leaves room for any id format.
 * - kmsOperation is a KMS API name (the longest today has 35 chars; new ones must be accepted),
 *   kmsViaService a service name, awsSourceVpc/awsSourceVpce a vpc-/vpce- id (21-22 chars): 256.
 */
export const METADATA_ARN_MAX = 2048;
export const METADATA_REQUEST_ID_MAX = 1024;
export const METADATA_NAME_MAX = 256;

/** §1.4/1.5: plaintext and ciphertext of at least 4300 bytes must be accepted. */
export const MIN_SUPPORTED_PLAINTEXT_BYTES = 4300;
/** §1.4/1.5: AAD of at least 8192 bytes must be accepted. */
export const MIN_SUPPORTED_AAD_BYTES = 8192;
/** §1.4: ciphertextMetadata is at most 20 bytes before Base64. */
export const CIPHERTEXT_METADATA_MAX_BYTES = 20;
/** §1.8: the length-prefixed AAD construction carries the AAD length in 2 bytes. */
export const AAD_LENGTH_PREFIX_MAX = 0xffff;
/** §1.4: AES-GCM IVs are 12 or 16 bytes, tags 16 bytes. */
export const GCM_IV_LENGTHS: readonly number[] = [12, 16];
export const GCM_TAG_BYTES = 16;
/** §1.7: errorMessage is shorter than 512 printable ASCII characters. */
export const ERROR_MESSAGE_MAX = 511;
/** §1.3: keyUsage lists at most 10 values. */
export const KEY_USAGE_MAX_VALUES = 10;
/** §1.6: ekmFleetDetails has 1-10 entries. */
export const EKM_FLEET_MAX = 10;

/** §2.2: access key id 20-30 chars of A-Z 2-7; secret 43-64 chars of a-z A-Z 0-9 / + = */
export const ACCESS_KEY_ID_PATTERN = /^[A-Z2-7]{20,30}$/;
export const SECRET_ACCESS_KEY_PATTERN = /^[A-Za-z0-9/+=]{43,64}$/;
