export type { Base64DecodeResult } from './base64.ts';
export {
  base64Length,
  decodeBase64,
  decodedLength,
  encodeBase64,
  isStandardBase64,
} from './base64.ts';
export {
  AAD_LENGTH_PREFIX_MAX,
  ACCESS_KEY_ID_PATTERN,
  CIPHERTEXT_METADATA_MAX_BYTES,
  EKM_FLEET_MAX,
  ERROR_MESSAGE_MAX,
  EXTERNAL_KEY_ID_MAX,
  EXTERNAL_KEY_ID_PATTERN,
  GCM_IV_LENGTHS,
  GCM_TAG_BYTES,
  KEY_USAGE_MAX_VALUES,
  MIN_SUPPORTED_AAD_BYTES,
  MIN_SUPPORTED_PLAINTEXT_BYTES,
  SECRET_ACCESS_KEY_PATTERN,
  URI_PATH_MAX,
  URI_PATH_PREFIX_PATTERN,
  XKS_API_SUFFIX,
  XKS_MAX_CLOCK_SKEW_MS,
  XKS_SIGV4_SERVICE,
} from './constants.ts';
export type { XksErrorName, XksErrorStatus } from './errors.ts';
export {
  isXksErrorName,
  safeErrorMessage,
  XKS_ERROR_NAMES,
  XKS_ERRORS,
  xksErrorStatus,
} from './errors.ts';
export type { CdivInput } from './integrity.ts';
export { buildGcmAad, computeCdiv } from './integrity.ts';
export {
  CryptoRequestMetadata,
  DecryptRequest,
  DecryptResponse,
  EkmFleetEntry,
  EkmHealthStatus,
  EncryptRequest,
  EncryptResponse,
  ErrorResponse,
  GetHealthStatusRequest,
  GetHealthStatusResponse,
  GetKeyMetadataRequest,
  GetKeyMetadataResponse,
  HealthRequestMetadata,
  KeyMetadataRequestMetadata,
  KeySpec,
  KeyStatusName,
  KeyUsageName,
} from './schemas.ts';
export {
  AwsRegion,
  ExternalKeyId,
  KeyStatusValue,
  KeyUsageValue,
  ResourceName,
  SeedFile,
  SeedKey,
  SeedKeyStore,
  SeedModule,
  UriPathPrefix,
  XksCredential,
} from './seed.ts';
