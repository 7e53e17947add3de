/** The emulator's state: custom key stores, KMS keys and aliases of one account in one Region. */

/** §5: the connection states of a custom key store. */
export type ConnectionState =
  | 'CONNECTED'
  | 'CONNECTING'
  | 'FAILED'
  | 'DISCONNECTED'
  | 'DISCONNECTING';

/** §5: why the last ConnectCustomKeyStore failed (the subset that applies to public endpoints). */
export type ConnectionErrorCode =
  | 'INVALID_CREDENTIALS'
  | 'NETWORK_ERRORS'
  | 'INTERNAL_ERROR'
  | 'XKS_PROXY_ACCESS_DENIED'
  | 'XKS_PROXY_INVALID_CONFIGURATION'
  | 'XKS_PROXY_INVALID_RESPONSE'
  | 'XKS_PROXY_INVALID_TLS_CONFIGURATION'
  | 'XKS_PROXY_NOT_REACHABLE'
  | 'XKS_PROXY_TIMED_OUT';

/** How to reach and authenticate to one XKS proxy. */
export type XksProxySettings = {
  uriEndpoint: string;
  uriPath: string;
  accessKeyId: string;
  /** Held in memory; sealed under the emulator master key when the state is persisted. */
  secretAccessKey: string;
  /** When KMS was given this credential (XksProxyCredentialAge), epoch ms. */
  credentialSetAt: number;
};

export type CustomKeyStore = {
  id: string;
  name: string;
  createdAt: number;
  connectionState: ConnectionState;
  connectionErrorCode?: ConnectionErrorCode | undefined;
  proxy: XksProxySettings;
};

/**
 * The stored key state; `Unavailable` is derived from the key store's connection state and
 * `PendingImport` from an EXTERNAL key without (unexpired) key material (see key-state.ts).
 */
export type StoredKeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';
export type KeyState = StoredKeyState | 'PendingImport' | 'Unavailable';

export type KeySpec =
  | 'SYMMETRIC_DEFAULT'
  | 'HMAC_224'
  | 'HMAC_256'
  | 'HMAC_384'
  | 'HMAC_512'
  | 'RSA_2048'
  | 'RSA_3072'
  | 'RSA_4096'
  | 'ECC_NIST_P256'
  | 'ECC_NIST_P384'
  | 'ECC_NIST_P521'
  | 'ECC_SECG_P256K1';
export type KeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC';
export type KeyOrigin = 'AWS_KMS' | 'EXTERNAL' | 'EXTERNAL_KEY_STORE';

export type KmsKey = {
  /** A UUID. */
  id: string;
  arn: string;
  createdAt: number;
  description: string;
  state: StoredKeyState;
  deletionDate?: number | undefined;
  pendingWindowInDays?: number | undefined;
  keySpec: KeySpec;
  keyUsage: KeyUsage;
  origin: KeyOrigin;
  /** Set for EXTERNAL_KEY_STORE keys only. */
  customKeyStoreId?: string | undefined;
  xksKeyId?: string | undefined;
  /**
   * The KMS-held key material, wrapped at rest: 32 AES bytes (SYMMETRIC_DEFAULT, and the inner
   * layer of an XKS key), the HMAC key, or a PKCS#8 DER private key. Empty while an EXTERNAL key
   * waits for its material.
   */
  material: Uint8Array;
  /**
   * Rotated symmetric keys: the material of earlier rotations, oldest first, kept so their
   * ciphertexts still decrypt. Material index i is `earlierMaterials[i]`; the current `material`
   * has index `earlierMaterials.length` (0 for a key never rotated, and for state written before
   * rotation made new material). Each blob names the index it was sealed under.
   */
  earlierMaterials?: Uint8Array[] | undefined;
  /** EXTERNAL keys: when the imported material expires (epoch ms); undefined if it does not. */
  validTo?: number | undefined;
  /** EXTERNAL keys: SHA-256 of the first material imported; re-imports must match it. */
  importedDigest?: string | undefined;
};

/** A GetParametersForImport answer waiting for its ImportKeyMaterial (pending-imports.ts). */
export type PendingImport = {
  /** SHA-256 (hex) of the import token: the token itself is not kept. */
  tokenDigest: string;
  keyId: string;
  /** The wrapping algorithm asked for. */
  algorithm: string;
  /** The wrapping private key, PKCS#8 DER; dropped once the parameters expire. */
  wrappingKey?: Uint8Array | undefined;
  /** When the parameters expire (epoch ms). */
  validTo: number;
};

export type Alias = {
  name: string;
  targetKeyId: string;
  createdAt: number;
  updatedAt: number;
};

/** The caller, from the SigV4 credential of the KMS request. */
export type Principal = {
  accessKeyId: string;
  arn: string;
  /** Sent to the proxy as kmsViaService when set (an AWS service calling on the caller's behalf). */
  viaService?: string | undefined;
};

/** One local credential the emulator accepts, and who it stands for. */
export type KmsCredential = {
  accessKeyId: string;
  secretAccessKey: string;
  principalArn: string;
  viaService?: string | undefined;
};
