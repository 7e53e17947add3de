/**
 * An XKS SigV4 credential (§2.2). Fresh ones come from the test kit:
 * `newCredential`, `randomAccessKeyId`, `randomSecretAccessKey` of `@xkslab/conformance/testing`.
 */
export type Credential = { accessKeyId: string; secretAccessKey: string };
