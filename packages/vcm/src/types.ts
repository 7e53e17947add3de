import type {
  KEY_ORIGINS,
  KEY_STATES,
  KEY_STATUSES,
  KEY_USAGES,
  MODULE_STATES,
} from './constants.ts';
import type { CipherEngine } from './crypto/cipher-engine.ts';
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

export type ModuleInfo = { name: string; nodes: number; state: ModuleState; createdAt: string };

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
  /** n random bytes (a CSPRNG). Default: crypto.getRandomValues through @noble/ciphers. */
  random?: (n: number) => Uint8Array;
  /** Default: () => new Date(). */
  clock?: () => Date;
  /**
   * How many keys keep their unwrapped material cached (least recently used evicted, material
   * wiped; a key is admitted on its second use, see key-cache.ts). Default
   * KEY_CACHE_ENTRIES_DEFAULT; bounds memory however many keys the store holds.
   */
  keyCacheEntries?: number;
};
