/**
 * The object graph of xkslab, built from options and injected I/O: the module layer (Vcm and key
 * store registry), the admin services (policies, imports, faults, admin token, backups), metrics
 * and the Hono applications. No environment, no listening, no signals: `cli/serve-command.ts` and
 * `cli/demo-command.ts` call these with what `main.ts` hands them, and tests can too.
 */
import { runConformance } from '@xkslab/conformance';
import type { SeedFile } from '@xkslab/protocol';
import { SigningKeyCache } from '@xkslab/sigv4';
import { type CipherEngine, type Pkcs11PinSource, type RecordStore, Vcm } from '@xkslab/vcm';
import { createAdminApp } from './admin/admin-app.ts';
import { type AppDeps, createAdminListenerApp, createApp } from './app.ts';
import type { AuditLog } from './audit/audit-log.ts';
import { deriveBackupRootKey } from './backup/backup-format.ts';
import { backupMaker } from './backup/snapshot.ts';
import { createDefaultState, type FirstStart } from './defaults.ts';
import { FaultPlan } from './faults/fault-plan.ts';
import { ImportParamsStore } from './keys/import-params.ts';
import { KeyStoreRegistry } from './keystores/registry.ts';
import type { Logger } from './logger.ts';
import { XksMetrics } from './metrics/xks-metrics.ts';
import { nodeSha256 } from './node-sha256.ts';
import { PolicyStore } from './policies/policy-store.ts';
import { applySeed, SeedError, type SeedReport } from './seed.ts';
import { ensureAdminToken } from './services/auth.ts';
import type { AdminDeps } from './services/deps.ts';
import { createUiApp } from './ui/ui-app.tsx';
import type { KmsSource } from './ui/ui-deps.ts';
import type { XksLimits } from './xks/limits.ts';
import type { XksDeps } from './xks/route.ts';

type Random = (n: number) => Uint8Array;

/** The module layer over an open record store: the Vcm and the key store registry. */
export type Core = { vcm: Vcm; registry: KeyStoreRegistry };

/** Opens the Vcm on `store` under `masterKey` and loads the key store registry. */
export async function openCore(deps: {
  store: RecordStore;
  masterKey: Uint8Array;
  engine: CipherEngine;
  random: Random;
  pkcs11Pin?: Pkcs11PinSource;
}): Promise<Core> {
  const vcm = await Vcm.open({
    store: deps.store,
    engine: deps.engine,
    masterKey: deps.masterKey,
    random: deps.random,
    ...(deps.pkcs11Pin === undefined ? {} : { pkcs11Pin: deps.pkcs11Pin }),
  });
  try {
    return { vcm, registry: await KeyStoreRegistry.load(deps.store, vcm) };
  } catch (e) {
    await vcm.close().catch(() => undefined);
    throw e;
  }
}

/**
 * A seed's modules, keys and key stores, or on an empty database the default module, key and key
 * store (`first`, whose secret the banner shows once); nothing on a database already in use.
 */
export async function seedOrDefault(
  core: Core,
  seed: SeedFile | undefined,
  random: Random,
): Promise<{ seeded?: SeedReport; first?: FirstStart }> {
  if (seed) return { seeded: await applySeed(seed, core) };
  if (core.registry.list().length === 0 && (await core.vcm.listModules()).length === 0) {
    return { first: await createDefaultState({ ...core, random }) };
  }
  return {};
}

/** The fault plan: none active unless the seed (or later the admin API) switches rules on. */
export function faultPlan(rules: SeedFile['faults'], clock: () => Date): FaultPlan {
  const faults = new FaultPlan({ clock, random: Math.random });
  for (const rule of rules ?? []) {
    try {
      faults.add(rule);
    } catch (e) {
      throw new SeedError(`seed faults: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return faults;
}

/**
 * The services the admin API and the dashboard share (services/deps.ts), over `store`, plus the
 * admin token: `newToken` is set when one was made (first start, restore, --reset-admin-token).
 */
export async function wireServices(input: {
  core: Core;
  store: RecordStore;
  masterKey: Uint8Array;
  audit: AuditLog;
  /** Absent: no fault injection (`/admin/v1/faults` answers 404). */
  faults?: FaultPlan | undefined;
  logger: Logger;
  resetAdminToken: boolean;
  clock: () => Date;
  random: Random;
}): Promise<{ services: AdminDeps; newAdminToken?: string }> {
  const { core, store, clock, random } = input;
  const policies = await PolicyStore.load(store);
  const adminToken = await ensureAdminToken({ store, random, clock, reset: input.resetAdminToken });
  const services: AdminDeps = {
    ...core,
    policies,
    ...(input.faults ? { faults: input.faults } : {}),
    imports: new ImportParamsStore({ store, sealer: core.vcm, clock, random }),
    adminTokenHash: adminToken.hash,
    clock,
    random,
    logger: input.logger,
    audit: input.audit,
    backup: backupMaker({ store, rootKey: deriveBackupRootKey(input.masterKey), clock, random }),
  };
  return adminToken.newToken === undefined
    ? { services }
    : { services, newAdminToken: adminToken.newToken };
}

/** `deps` with xkslab's SigV4 cache and hash. */
export function withSigv4<T extends object>(
  deps: T,
): T & Pick<XksDeps, 'sigv4Cache' | 'sigv4Hash'> {
  return { ...deps, sigv4Cache: new SigningKeyCache(undefined, nodeSha256), sigv4Hash: nodeSha256 };
}

/** The XKS application with xkslab's SigV4 cache and hash, around whatever `deps` add. */
export function xksApp(deps: Omit<AppDeps, 'sigv4Cache' | 'sigv4Hash'>) {
  return createApp(withSigv4(deps));
}

/**
 * The applications of `serve`: the XKS app, and the admin API with the dashboard and /metrics,
 * either mounted on the XKS app or, with `separateAdmin`, as `adminListener` for a listener of
 * their own.
 */
export function wireApps(input: {
  services: AdminDeps;
  audit: AuditLog;
  limits: XksLimits;
  moduleTimeoutMs: number;
  /** Where the dashboard's conformance runs send XKS requests. */
  xksUrl: string;
  separateAdmin: boolean;
  /** The KMS emulator beside the proxy, for the dashboard's KMS page. */
  kms?: KmsSource;
}) {
  const { services } = input;
  const admin = createAdminApp(services);
  const metrics = new XksMetrics({ processMetrics: true });
  const ui = createUiApp({
    ...services,
    metrics,
    auditLog: input.audit,
    xksUrl: input.xksUrl,
    runConformance,
    kms: input.kms,
  });
  const xksDeps: XksDeps = withSigv4({
    vcm: services.vcm,
    registry: services.registry,
    limits: input.limits,
    logger: services.logger,
    clock: services.clock,
    moduleTimeoutMs: input.moduleTimeoutMs,
    audit: input.audit,
    policies: services.policies,
    metrics,
  });
  const app = createApp({
    ...xksDeps,
    ...(services.faults ? { faults: services.faults } : {}),
    ...(input.separateAdmin ? {} : { admin, ui: ui.app }),
  });
  const adminListener = input.separateAdmin
    ? createAdminListenerApp({ admin, ui: ui.app })
    : undefined;
  // xksDeps: what a worker group's calls run with (cluster/primary-calls.ts).
  return { app, adminListener, xksDeps };
}
