/**
 * AWS KMS facts the emulator follows (KMS API reference and Developer Guide; section numbers are
 * those of ../shared/docs/xks-api.md).
 */

/** The JSON 1.1 protocol: every call is `POST /` with this content type and `X-Amz-Target`. */
export const KMS_CONTENT_TYPE = 'application/x-amz-json-1.1';
export const KMS_TARGET_PREFIX = 'TrentService.';
/** The SigV4 service name the AWS SDKs sign KMS calls with. */
export const KMS_SIGV4_SERVICE = 'kms';
/** AWS accepts SigV4 requests up to 15 minutes off; the emulator does too. */
export const KMS_MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** §5: KMS gives the proxy 250 ms per call and retries once on a network timeout. */
export const XKS_TIMEOUT_MS = 250;
export const XKS_TIMEOUT_RETRIES = 1;
/** §5: KMS keys in one custom key store share 1,800 cryptographic operations per second. */
export const XKS_QUOTA_PER_SECOND = 1800;
/** §5: connecting takes about five minutes in AWS; the emulator makes it configurable. */
export const DEFAULT_CONNECT_DELAY_MS = 2000;
/** §1.6: KMS health-checks connected proxies "once every few minutes". */
export const DEFAULT_HEALTH_INTERVAL_MS = 60_000;
/** §5: up to 10 custom key stores per account and Region. */
export const MAX_CUSTOM_KEY_STORES = 10;

/** KMS API limits. */
export const ENCRYPT_PLAINTEXT_MAX = 4096;
export const CIPHERTEXT_BLOB_MAX = 6144;
export const DATA_KEY_BYTES_MAX = 1024;
export const PENDING_WINDOW_DAYS_MIN = 7;
export const PENDING_WINDOW_DAYS_MAX = 30;
export const PENDING_WINDOW_DAYS_DEFAULT = 30;
/** The largest KMS request body the emulator reads. */
export const KMS_MAX_BODY_BYTES = 1024 * 1024;
/** The largest proxy response the emulator reads. */
export const XKS_MAX_RESPONSE_BYTES = 1024 * 1024;

/** KMS API model: XksProxyUriPath, XksKeyId, credential formats (§1.1, §2.2). */
export const XKS_URI_PATH_PATTERN =
  /^(\/[a-zA-Z0-9/_-]+\/kms\/xks\/v\d{1,2})$|^(\/kms\/xks\/v\d{1,2})$/;
export const XKS_URI_PATH_MIN = 10;
export const XKS_URI_PATH_MAX = 128;
export const XKS_KEY_ID_PATTERN = /^[a-zA-Z0-9-_.]{1,128}$/;
export const XKS_ACCESS_KEY_ID_PATTERN = /^[A-Z2-7]{20,30}$/;
export const XKS_SECRET_PATTERN = /^[a-zA-Z0-9/+=]{43,64}$/;
/** §1.1: the whole proxy URI is at most 256 characters. */
export const XKS_URI_MAX = 256;
export const ALIAS_NAME_PATTERN = /^alias\/[a-zA-Z0-9/_-]+$/;
export const ALIAS_NAME_MAX = 256;

/** AES-256-GCM of the emulator's own (inner) layer. */
export const INNER_KEY_BYTES = 32;
export const INNER_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;

/** Local defaults: what `xkslab kms` accepts when nothing else is configured. Not secrets. */
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_ACCOUNT_ID = '111122223333';
export const DEFAULT_ACCESS_KEY_ID = 'AKIAXKSLABLOCALKMS01';
export const DEFAULT_SECRET_ACCESS_KEY = 'xkslab/local/kms/emulator/secret/not/for/aws';
export const DEFAULT_PRINCIPAL_ARN = `arn:aws:iam::${DEFAULT_ACCOUNT_ID}:user/xkslab`;
