import type { ActiveKeyStore } from '../keystores/registry.ts';
import type { XksKeyStores } from '../xks/route.ts';
import type { KeyStoreCopy } from './messages.ts';

/**
 * A worker's copy of the key stores: what resolving a path and verifying SigV4 read. The primary
 * replaces it after every change and waits for the worker's acknowledgement before the change
 * is answered, so a revoked credential fails on every worker from the next request. The kill
 * switch and the request quota are not decided here: the primary checks both with each call
 * (`blocked` and `admit` are placeholders that never refuse).
 */
export class WorkerKeyStores implements XksKeyStores {
  #byPrefix = new Map<string, ActiveKeyStore>();
  /** accessKeyId -> last successful use (ms), not yet reported to the primary. */
  readonly #uses = new Map<string, number>();

  replace(stores: readonly KeyStoreCopy[]): void {
    const next = new Map<string, ActiveKeyStore>();
    for (const s of stores) {
      const secrets = new Map(s.credentials);
      next.set(s.uriPathPrefix, {
        name: s.name,
        uriPathPrefix: s.uriPathPrefix,
        region: s.region,
        module: s.module,
        blocked: false,
        accessKeyIds: [...secrets.keys()],
        secretFor: (id) => secrets.get(id),
        admit: () => true,
      });
    }
    this.#byPrefix = next;
  }

  byUriPathPrefix(prefix: string): ActiveKeyStore | undefined {
    return this.#byPrefix.get(prefix);
  }

  list(): ActiveKeyStore[] {
    return [...this.#byPrefix.values()];
  }

  noteUse(accessKeyId: string, at: Date): void {
    this.#uses.set(accessKeyId, at.getTime());
  }

  /** The uses noted since the last call. */
  takeUses(): Array<[string, number]> {
    const uses = [...this.#uses];
    this.#uses.clear();
    return uses;
  }
}

/** The primary's key stores as workers need them (secrets included: the workers verify SigV4). */
export function copyKeyStores(stores: readonly ActiveKeyStore[]): KeyStoreCopy[] {
  return stores.map((s) => ({
    name: s.name,
    uriPathPrefix: s.uriPathPrefix,
    region: s.region,
    module: s.module,
    credentials: s.accessKeyIds.map((id): [string, string] => [id, s.secretFor(id) ?? '']),
  }));
}
