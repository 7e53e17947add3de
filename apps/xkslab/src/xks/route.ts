import type { SigningKeyCache } from '@xkslab/sigv4';
import type { Vcm } from '@xkslab/vcm';
import type { z } from 'zod';
import type { ActiveKeyStore, KeyStoreRegistry } from '../keystores/registry.ts';
import type { Logger } from '../logger.ts';
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
  /** How long a module call may take before the proxy answers DependencyTimeoutException. */
  moduleTimeoutMs: number;
};

export type XksCall<Req> = { keyStore: ActiveKeyStore; keyId: string; request: Req };

/** One XKS operation: its request schema and what it does with a validated request. */
export type XksRoute<S extends z.ZodType = z.ZodType> = {
  operation: XksOperation;
  schema: S;
  handle(deps: XksDeps, call: XksCall<z.infer<S>>): Promise<object>;
};

export function defineRoute<S extends z.ZodType>(route: XksRoute<S>): XksRoute<S> {
  return route;
}
