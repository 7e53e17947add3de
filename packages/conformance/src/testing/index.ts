// The test kit: XKS request builders and a signed XKS client, written once and used by the
// conformance runner, the end-to-end tests, the reliability suites and the benchmarks.
export type { Body, EncryptInput, Sealed } from '../bodies.ts';
export {
  b64,
  bogusSealed,
  decryptBody,
  encryptBody,
  healthBody,
  healthPath,
  KMS_ACCOUNT,
  KMS_KEY_ARN,
  keyPath,
  metadataBody,
  PRINCIPAL_ARN,
  requestMetadata,
  unb64,
  XKS_API,
} from '../bodies.ts';
export type { Endpoint, TlsSettings, WireRequest, WireResponse } from '../http-client.ts';
export { send } from '../http-client.ts';
export type { XksSignInput } from '../sign.ts';
export { bodyBytes, signXksRequest } from '../sign.ts';
export { newCredential, randomAccessKeyId, randomSecretAccessKey } from './credentials.ts';
export type { XksClient, XksClientOptions, XksReply, XksTarget } from './xks-client.ts';
export { sealedOf, xksClient, xksEndpoint } from './xks-client.ts';
