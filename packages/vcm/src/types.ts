import type { KEY_STATUSES, KEY_USAGES } from './constants.ts';
import type { CipherEngine } from './crypto/cipher-engine.ts';
import type { KeyStore } from './storage/key-store.ts';

export type KeyUsage = (typeof KEY_USAGES)[number];
export type KeyStatus = (typeof KEY_STATUSES)[number];

export type KeyVersionInfo = { version: number; createdAt: string };

export type KeyInfo = {
  module: string;
  id: string;
  usage: KeyUsage[];
  status: KeyStatus;
  /** ISO 8601. */
  createdAt: string;
  currentVersion: number;
  versions: KeyVersionInfo[];
};

export type ModuleInfo = { name: string; nodes: number; createdAt: string };

export type NodeHealthStatus = 'ACTIVE' | 'DEGRADED' | 'UNAVAILABLE';

export type NodeHealth = {
  /** `${module}-node-${i}`, i from 1. */
  id: string;
  status: NodeHealthStatus;
  detail?: string;
};

export type EncryptOutput = {
  ciphertext: Uint8Array;
  iv: Uint8Array;
  tag: Uint8Array;
  keyVersion: number;
};

/**
 * The AAD of an encryption: bytes, or a function of the key version the module picked (so a
 * caller can bind that version into the AAD, e.g. through XKS ciphertextMetadata).
 */
export type EncryptAad = Uint8Array | ((keyVersion: number) => Uint8Array);

export type EncryptInput = { plaintext: Uint8Array; aad: EncryptAad };

export type DecryptInput = {
  ciphertext: Uint8Array;
  iv: Uint8Array;
  tag: Uint8Array;
  aad: Uint8Array;
  keyVersion: number;
};

export type CreateModuleInput = { name: string; nodes?: number };

export type CreateKeyInput = {
  id: string;
  usage: readonly KeyUsage[];
  status?: KeyStatus;
  /** Exactly 32 bytes, for reproducible vectors; drawn from `random` when absent. */
  material?: Uint8Array;
};

export type ListKeysOptions = { after?: string; limit?: number };

export type VcmDeps = {
  store: KeyStore;
  engine: CipherEngine;
  /** 32 bytes. Copied; the caller may wipe its own buffer after open. */
  masterKey: Uint8Array;
  /** n random bytes (a CSPRNG). Default: crypto.getRandomValues through @noble/ciphers. */
  random?: (n: number) => Uint8Array;
  /** Default: () => new Date(). */
  clock?: () => Date;
};
