export {
  KEY_ORIGINS,
  KEY_STATES,
  KEY_STATUSES,
  KEY_USAGES,
  MODULE_STATES,
  PENDING_WINDOW_DAYS_DEFAULT,
  PENDING_WINDOW_DAYS_MAX,
  PENDING_WINDOW_DAYS_MIN,
} from './constants.ts';
export type { CipherEngine, CipherEngineName } from './crypto/cipher-engine.ts';
export type { VcmErrorCode } from './crypto/errors.ts';
export { isVcmError, VcmError } from './crypto/errors.ts';
export { unwrapKey, wrapKey } from './crypto/key-wrap.ts';
export { nobleEngine } from './crypto/noble-engine.ts';
export { pooledRandom } from './crypto/random-pool.ts';
export { nodeEngine } from './engines/node-engine.ts';
export type { AddonLoader, EngineChoice, EngineSelection } from './engines/select-engine.ts';
export { cipherEngine, selectEngine } from './engines/select-engine.ts';
export type { Pkcs11Config, Pkcs11PinSource } from './pkcs11/pkcs11-config.ts';
export { checkPkcs11Config } from './pkcs11/pkcs11-config.ts';
export { LevelRecordStore } from './storage/level-record-store.ts';
export { MemoryRecordStore } from './storage/memory-record-store.ts';
export type { BatchOp, ListOptions, RecordStore } from './storage/record-store.ts';
export type {
  CreateKeyInput,
  CreateModuleInput,
  DecryptInput,
  EncryptAad,
  EncryptInput,
  EncryptOutput,
  ExportedKeyVersion,
  KeyInfo,
  KeyOrigin,
  KeyState,
  KeyStatus,
  KeyUsage,
  KeyVersionInfo,
  ListKeysOptions,
  ModuleInfo,
  ModuleKind,
  ModuleState,
  NodeHealth,
  NodeHealthStatus,
  VcmDeps,
} from './types.ts';
export { Vcm } from './vcm.ts';
export { WriteQueue } from './write-queue.ts';
