import type { Vcm } from '@xkslab/vcm';
import type { AuditSink } from '../audit/audit-log.ts';
import type { BackupMaker } from '../backup/snapshot.ts';
import type { FaultPlan } from '../faults/fault-plan.ts';
import type { ImportParamsStore } from '../keys/import-params.ts';
import type { KeyStoreRegistry } from '../keystores/registry.ts';
import type { Logger } from '../logger.ts';
import type { PolicyStore } from '../policies/policy-store.ts';

/**
 * What the operations shared by the admin API and the dashboard need, passed in by the
 * composition root (wiring.ts).
 */
export type AdminDeps = {
  vcm: Vcm;
  registry: KeyStoreRegistry;
  policies: PolicyStore;
  imports: ImportParamsStore;
  /** SHA-256 of the admin bearer token. */
  adminTokenHash: Uint8Array;
  clock: () => Date;
  random: (n: number) => Uint8Array;
  logger: Logger;
  /** Fault-injection rules of the XKS proxy (`/admin/v1/faults`); absent: those routes 404. */
  faults?: FaultPlan;
  /** Request bodies above this are refused (default 64 KiB). */
  maxBodyBytes?: number;
  /** The audit log: every successful change is recorded (audit-changes.ts); absent: nothing. */
  audit?: AuditSink;
  /** Makes a backup file for GET /admin/v1/backup; absent: that route answers 404. */
  backup?: BackupMaker;
};

/** The path every admin route lives under. */
export const ADMIN_BASE = '/admin/v1';
