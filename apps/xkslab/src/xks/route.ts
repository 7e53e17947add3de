import type { buildGcmAad, computeCdiv } from '@xkslab/protocol';
import type { Sha256Functions, SigningKeyCache } from '@xkslab/sigv4';
import type { Vcm } from '@xkslab/vcm';
import type { z } from 'zod';
import type { AuditSink } from '../audit/audit-log.ts';
import type { ActiveKeyStore, KeyStoreRegistry } from '../keystores/registry.ts';
import type { Logger } from '../logger.ts';
import type { PolicyStore } from '../policies/policy-store.ts';
import type { XksLimits } from './limits.ts';

export type XksOperation = 'GetHealthStatus' | 'GetKeyMetadata' | 'Encrypt' | 'Decrypt';

/** Everything an XKS route needs, passed in by the composition root. */
export type XksDeps = {
  vcm: Vcm;
  /** The key stores as the XKS path reads them (a worker process holds a copy: cluster/). */
  registry: XksKeyStores;
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
  /** In-process metrics (metrics/): one observation per call; absent: none kept. */
  metrics?: XksMetricsSink;
};

export type XksKeyStores = Pick<KeyStoreRegistry, 'byUriPathPrefix' | 'list' | 'noteUse'>;

/** What the handler feeds the metrics with, once per call (metrics/xks-metrics.ts). */
export type XksMetricsSink = {
  observe(operation: string, durationMs: number, errorName: string | undefined): void;
  /** A call whose client closed the connection before its body ended (never answered). */
  clientAbort(operation: string): void;
};

export type XksCall<Req> = {
  keyStore: ActiveKeyStore;
  keyId: string;
  request: Req;
  /** The module calls and constructions this call computes with (the spec's, or swapped parts). */
  crypto: XksCrypto;
};

/**
 * What encrypt and decrypt compute with: the module, the GCM AAD construction and the CDIV (spec
 * §1.8). `SPEC_CRYPTO`-style values follow the spec; a wrapper outside xks/ (fault injection)
 * may hand a route other parts without the route knowing.
 */
export type XksCrypto = {
  module: Pick<Vcm, 'encrypt' | 'decrypt'>;
  gcmAad: typeof buildGcmAad;
  cdiv: typeof computeCdiv;
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
