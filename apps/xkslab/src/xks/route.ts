import type { Sha256Functions, SigningKeyCache } from '@xkslab/sigv4';
import type { Vcm } from '@xkslab/vcm';
import type { z } from 'zod';
import type { AuditSink } from '../audit/audit-log.ts';
import type { FaultPlan, RequestFaults } from '../faults/fault-plan.ts';
import type { ActiveKeyStore, KeyStoreRegistry } from '../keystores/registry.ts';
import type { Logger } from '../logger.ts';
import type { PolicyStore } from '../policies/policy-store.ts';
import type { XksLimits } from './limits.ts';

export type XksOperation = 'GetHealthStatus' | 'GetKeyMetadata' | 'Encrypt' | 'Decrypt';

/** Everything an XKS route needs, passed in by the composition root. */
export type XksDeps = {
  vcm: Vcm;
  registry: KeyStoreRegistry;
  limits: XksLimits;
  logger: Logger;
  clock: () => Date;
  sigv4Cache: SigningKeyCache;
  /** SHA-256 for SigV4 verification; absent: @noble/hashes (main.ts passes node:crypto's). */
  sigv4Hash?: Sha256Functions;
  /** How long a module call may take before the proxy answers DependencyTimeoutException. */
  moduleTimeoutMs: number;
  /** Secondary-authorization policies per key store and key; absent: every call is allowed. */
  policies?: PolicyStore;
  /** The audit log: one entry per XKS call, allowed or refused; absent: nothing recorded. */
  audit?: AuditSink;
  /** Fault-injection rules (faults/); absent or inactive: the proxy behaves as specified. */
  faults?: FaultPlan;
  /** In-process metrics (metrics/): one observation per call; absent: none kept. */
  metrics?: XksMetricsSink;
};

/** What the handler feeds the metrics with, once per call (metrics/xks-metrics.ts). */
export type XksMetricsSink = {
  observe(operation: string, durationMs: number, errorName: string | undefined): void;
};

export type XksCall<Req> = {
  keyStore: ActiveKeyStore;
  keyId: string;
  request: Req;
  /** Fault injection for this call (faults/); absent unless a user switched rules on. */
  faults?: RequestFaults;
};

/** One XKS operation: its request schema and what it does with a validated request. */
export type XksRoute<S extends z.ZodType = z.ZodType> = {
  operation: XksOperation;
  schema: S;
  handle(deps: XksDeps, call: XksCall<z.infer<S>>): Promise<object>;
};

export function defineRoute<S extends z.ZodType>(route: XksRoute<S>): XksRoute<S> {
  return route;
}
