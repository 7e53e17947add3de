/**
 * The admin API's dependencies for in-process tests (admin API and dashboard): a Vcm over a memory
 * record store, the key store registry, policies and import parameters on that store, the hash of
 * a known bearer token, a silent logger. One place, so a new dependency is added once.
 */
import { randomBytes } from 'node:crypto';
import { MemoryRecordStore, type Pkcs11PinSource } from '@xkslab/vcm';
import { createTestVcm, TEST_NOW } from '@xkslab/vcm/testing';
import { ImportParamsStore } from '../keys/import-params.ts';
import { KeyStoreRegistry } from '../keystores/registry.ts';
import { silentLogger } from '../logger.ts';
import { PolicyStore } from '../policies/policy-store.ts';
import { hashAdminToken } from '../services/auth.ts';
import type { AdminDeps } from '../services/deps.ts';

export const TEST_ADMIN_TOKEN = 'test-admin-token_0123456789';

export type TestAdminDepsOptions = {
  /** The bearer token the deps accept (default TEST_ADMIN_TOKEN). */
  token?: string;
  /** Default: the fixed TEST_NOW. */
  clock?: () => Date;
  /** For `pkcs11` modules: their PIN source. */
  pkcs11Pin?: Pkcs11PinSource;
};

export type TestAdminDeps = AdminDeps & {
  /** The record store under everything, for tests that look at the stored bytes. */
  store: MemoryRecordStore;
};

/** The system CSPRNG as AdminDeps wants it. */
export const systemRandom = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

/** Fresh admin dependencies over a new memory record store; spread and extend as a test needs. */
export async function createTestAdminDeps(
  options: TestAdminDepsOptions = {},
): Promise<TestAdminDeps> {
  const store = new MemoryRecordStore();
  const clock = options.clock ?? (() => TEST_NOW);
  const pin = options.pkcs11Pin === undefined ? {} : { pkcs11Pin: options.pkcs11Pin };
  const vcm = await createTestVcm({ store, clock, ...pin });
  return {
    store,
    vcm,
    registry: await KeyStoreRegistry.load(store, vcm, clock),
    policies: await PolicyStore.load(store),
    imports: new ImportParamsStore({ store, sealer: vcm, clock, random: systemRandom }),
    adminTokenHash: hashAdminToken(options.token ?? TEST_ADMIN_TOKEN),
    clock,
    random: systemRandom,
    logger: silentLogger,
  };
}
