export { KEY_STATUSES, KEY_USAGES } from './constants.ts';
export type { CipherEngine, CipherEngineName } from './crypto/cipher-engine.ts';
export type { VcmErrorCode } from './crypto/errors.ts';
export { isVcmError, VcmError } from './crypto/errors.ts';
export { unwrapKey, wrapKey } from './crypto/key-wrap.ts';
export { nobleEngine } from './crypto/noble-engine.ts';
export { nodeEngine } from './engines/node-engine.ts';
export { cipherEngine } from './engines/select-engine.ts';
export type { BatchOp, KeyStore, ListOptions } from './storage/key-store.ts';
export { LevelKeyStore } from './storage/level-key-store.ts';
export { MemoryKeyStore } from './storage/memory-key-store.ts';
export type {
  CreateKeyInput,
  CreateModuleInput,
  DecryptInput,
  EncryptAad,
  EncryptInput,
  EncryptOutput,
  KeyInfo,
  KeyStatus,
  KeyUsage,
  KeyVersionInfo,
  ListKeysOptions,
  ModuleInfo,
  NodeHealth,
  NodeHealthStatus,
  VcmDeps,
} from './types.ts';
export { Vcm } from './vcm.ts';
