import type { CipherEngine } from '../crypto/cipher-engine.ts';
import { nobleEngine } from '../crypto/noble-engine.ts';
import { MemoryRecordStore } from '../storage/memory-record-store.ts';
import type { RecordStore } from '../storage/record-store.ts';
import type { VcmDeps } from '../types.ts';
import { Vcm } from '../vcm.ts';

/** The master key of createTestVcm: bytes 0x00..0x1f. Never use a fixed key outside tests. */
export const TEST_MASTER_KEY: Uint8Array = Uint8Array.from({ length: 32 }, (_, i) => i);

/** The clock of createTestVcm. */
export const TEST_NOW = new Date('2025-01-01T00:00:00.000Z');

export type TestVcmOptions = {
  store?: RecordStore;
  engine?: CipherEngine;
  masterKey?: Uint8Array;
  random?: (n: number) => Uint8Array;
  clock?: () => Date;
  /** For `pkcs11` modules: reads their PIN (the tests' own source, e.g. a fixed map). */
  pkcs11Pin?: VcmDeps['pkcs11Pin'];
};

/**
 * A Vcm over a new MemoryRecordStore (or `options.store`, when the test needs to look at the stored
 * bytes) with TEST_MASTER_KEY, the noble engine, the fixed clock TEST_NOW and the system CSPRNG,
 * each overridable.
 */
export async function createTestVcm(options: TestVcmOptions = {}): Promise<Vcm> {
  const deps: VcmDeps = {
    store: options.store ?? new MemoryRecordStore(),
    engine: options.engine ?? nobleEngine,
    masterKey: options.masterKey ?? TEST_MASTER_KEY,
    clock: options.clock ?? (() => TEST_NOW),
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.pkcs11Pin === undefined ? {} : { pkcs11Pin: options.pkcs11Pin }),
  };
  return Vcm.open(deps);
}
export { openRawPkcs11AesGcm, type RawPkcs11AesGcm } from './raw-pkcs11.ts';
export type { SoftHsmToken } from './softhsm.ts';
export {
  createSoftHsmToken,
  SOFTHSM_LIBRARY,
  SOFTHSM_UTIL,
  softHsmMissing,
} from './softhsm.ts';
