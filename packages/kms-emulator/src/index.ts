export { ACTION_NAMES } from './actions.ts';
export type { KmsAppOptions } from './app.ts';
export { createKmsApp } from './app.ts';
export type { CiphertextBlob } from './blob.ts';
export { BLOB_VERSION, decodeBlob, encodeBlob } from './blob.ts';
export type { KmsClientOptions, KmsResult } from './client/kms-client.ts';
export { KmsClientError, KmsJsonClient } from './client/kms-client.ts';
export type { ConnectionEvent, Transition } from './connection.ts';
export { transition } from './connection.ts';
export {
  DEFAULT_ACCESS_KEY_ID,
  DEFAULT_ACCOUNT_ID,
  DEFAULT_CONNECT_DELAY_MS,
  DEFAULT_HEALTH_INTERVAL_MS,
  DEFAULT_PRINCIPAL_ARN,
  DEFAULT_REGION,
  DEFAULT_SECRET_ACCESS_KEY,
  KMS_CONTENT_TYPE,
  KMS_SIGV4_SERVICE,
  XKS_QUOTA_PER_SECOND,
  XKS_TIMEOUT_MS,
} from './constants.ts';
export { KmsEmulator } from './emulator.ts';
export type {
  KmsEmulatorDeps,
  KmsEmulatorOptions,
  KmsLogFields,
  KmsLogger,
} from './emulator-deps.ts';
export { DEFAULT_CREDENTIAL } from './emulator-deps.ts';
export type { KmsErrorName } from './errors.ts';
export { isKmsError, KMS_ERRORS, KmsError } from './errors.ts';
export type { MetricsSnapshot } from './metrics.ts';
export type {
  ConnectionErrorCode,
  ConnectionState,
  KmsCredential,
  Principal,
} from './model.ts';
export {
  AlgorithmSpec,
  CustomerMasterKeySpec,
  CustomKeyStoreType,
  DataKeyPairSpec,
  DataKeySpec,
  EncryptionAlgorithmSpec,
  ExpirationModelType,
  GrantOperation,
  IncludeKeyMaterial,
  KeySpec,
  KeyUsageType,
  MacAlgorithmSpec,
  MessageType,
  OriginType,
  RotationType,
  SigningAlgorithmSpec,
  WrappingKeySpec,
  XksProxyConnectivityType,
} from './model-enums.ts';
export type { KmsModelOperation } from './model-operations.ts';
export {
  isModelOperation,
  KMS_MODEL_OPERATIONS,
  operationStatus,
  operationStatusTable,
} from './model-operations.ts';
export type { StateStorage } from './persistence.ts';
export { StateFileError } from './persistence.ts';
export type { KmsCallRecord } from './recent-calls.ts';
export { RECENT_KMS_CALLS } from './recent-calls.ts';
export type { Cancel, Scheduler } from './scheduler.ts';
export { realScheduler } from './scheduler.ts';
export type { SeedOutcome, SeedTarget } from './seed.ts';
export { applySeed, parseSeed, SeedDocument, SeedError, seedTargetOf } from './seed.ts';
export type { AliasView, KeyStoreView, KeyView, KmsStateView } from './state-view.ts';
export type {
  NodeTransportOptions,
  TransportFailure,
  XksHttpRequest,
  XksHttpResponse,
  XksTransport,
} from './xks/transport.ts';
export { nodeTransport, XksTransportError } from './xks/transport.ts';
export type { XksCallRecord } from './xks/xks-client.ts';
export type { XksFailure } from './xks/xks-failure.ts';
