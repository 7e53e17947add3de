import type {
  KEY_ORIGINS,
  KEY_STATES,
  KEY_STATUSES,
  KEY_USAGES,
  MODULE_STATES,
} from './constants.ts';
import type { CipherEngine } from './crypto/cipher-engine.ts';
import type { Pkcs11Config, Pkcs11PinSource } from './pkcs11/pkcs11-config.ts';
import type { RecordStore } from './storage/record-store.ts';

export type KeyUsage = (typeof KEY_USAGES)[number];
export type KeyStatus = (typeof KEY_STATUSES)[number];
export type KeyState = (typeof KEY_STATES)[number];
export type KeyOrigin = (typeof KEY_ORIGINS)[number];
export type ModuleState = (typeof MODULE_STATES)[number];

export type KeyVersionInfo = { version: number; createdAt: string };

export type KeyInfo = {
  module: string;
  id: string;
  usage: KeyUsage[];
  /** What XKS GetKeyMetadata reports: DISABLED while the key is pending deletion. */
  status: KeyStatus;
  /** The lifecycle state: `status`, or PENDING_DELETION. */
  state: KeyState;
  origin: KeyOrigin;
  /** Whether `exportKeyMaterial` may hand the material out (wrapped by the caller). */
  exportable: boolean;
  /** The kill switch: a blocked key refuses every operation. */
  blocked: boolean;
  /** ISO 8601: when a key pending deletion may be destroyed. */
  deletionDate?: string;
  /** ISO 8601. */
  createdAt: string;
  currentVersion: number;
  versions: KeyVersionInfo[];
};

/** `virtual`: keys wrapped in the record store; `pkcs11`: keys inside a PKCS#11 token. */
export type ModuleKind = 'virtual' | 'pkcs11';

export type ModuleInfo = {
  name: string;
  nodes: number;
  state: ModuleState;
  createdAt: string;
  kind: ModuleKind;
  /** Where a `pkcs11` module's token is, and where its PIN is read from (never the PIN). */
  pkcs11?: Pkcs11Config;
};

export type NodeHealthStatus = 'ACTIVE' | 'DEGRADED' | 'UNAVAILABLE';

export type NodeHealth = {
  /** `${module}-node-${i}`, i from 1. */
  id: string;
  status: NodeHealthStatus;
  detail?: string;
  /** A `pkcs11` node: the token's model, firmware and hardware versions (C_GetTokenInfo). */
  model?: string;
  /** A `pkcs11` node: the token's manufacturer and serial number. */
  vendor?: string;
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

/**
 * A virtual module (`nodes`), or a `pkcs11` one: its keys live in the token `pkcs11` names, and
 * its one node is that token.
 */
export type CreateModuleInput = { name: string; nodes?: number; pkcs11?: Pkcs11Config };

export type CreateKeyInput = {
  id: string;
  usage: readonly KeyUsage[];
  status?: KeyStatus;
  /** Exactly 32 bytes (imported or seeded); drawn from `random` when absent. */
  material?: Uint8Array;
  /** Default: IMPORTED when `material` is given, else GENERATED. */
  origin?: KeyOrigin;
  /** Default false. Fixed at creation, like the usage. */
  exportable?: boolean;
};

/** One version of an exportable key's material: the caller wraps it and wipes it. */
export type ExportedKeyVersion = { version: number; createdAt: string; material: Uint8Array };

export type ListKeysOptions = { after?: string; limit?: number };

export type VcmDeps = {
  store: RecordStore;
  engine: CipherEngine;
  /** 32 bytes. Copied; the caller may wipe its own buffer after open. */
  masterKey: Uint8Array;
  /** n random bytes (a CSPRNG). Default: crypto.getRandomValues through @noble/ciphers, pooled in 4 KiB blocks (pooledRandom). */
  random?: (n: number) => Uint8Array;
  /** Default: () => new Date(). */
  clock?: () => Date;
  /**
   * How many keys keep their unwrapped material cached (least recently used evicted, material
   * wiped; a key is admitted on its second use, see key-cache.ts). Default
   * KEY_CACHE_ENTRIES_DEFAULT; bounds memory however many keys the store holds.
   */
  keyCacheEntries?: number;
  /**
   * Reads the PIN of a `pkcs11` module from where its config says (an environment variable, a
   * file): the embedder decides, this package reads no environment. Without it, `pkcs11` modules
   * cannot log in.
   */
  pkcs11Pin?: Pkcs11PinSource;
};
