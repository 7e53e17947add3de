import type { Worker } from 'node:cluster';
import type { KeyStoreRegistry } from '../keystores/registry.ts';
import type { Logger } from '../logger.ts';
import { Pending } from './messages.ts';
import { copyKeyStores } from './worker-keystores.ts';

/**
 * How long a worker has to acknowledge new key stores. One that does not is killed (and
 * restarted with the current ones), so no worker goes on verifying with a revoked credential.
 */
const ACK_TIMEOUT_MS = 2000;

/**
 * Sends the key stores to workers and resolves once each has acknowledged them (or was killed
 * for not doing so): the admin call that changed them answers only then, so every worker honours
 * the change from the next request.
 */
export class KeyStorePush {
  readonly #acks = new Pending<undefined>();
  /** The ids a worker still has to acknowledge. */
  readonly #waiting = new Map<Worker, Set<number>>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  async to(workers: readonly Worker[], registry: KeyStoreRegistry): Promise<void> {
    const stores = copyKeyStores(registry.list());
    await Promise.all(
      workers.map(async (worker) => {
        const { id, answer } = this.#acks.open();
        const ids = this.#waiting.get(worker) ?? new Set<number>();
        ids.add(id);
        this.#waiting.set(worker, ids);
        if (worker.isConnected()) worker.send({ t: 'keystores', id, stores });
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), ACK_TIMEOUT_MS);
        });
        const outcome = await Promise.race([answer, late]);
        clearTimeout(timer);
        ids.delete(id);
        if (outcome === 'late' && !worker.isDead()) {
          this.#logger.warn('worker did not take the new key stores; restarting it', {
            worker: worker.id,
          });
          const exited = new Promise((r) => worker.once('exit', r));
          worker.process.kill('SIGKILL');
          await exited;
        }
      }),
    );
  }

  acked(id: number): void {
    this.#acks.settle(id, undefined);
  }

  /** A worker that exited acknowledges nothing more: its pushes are done. */
  gone(worker: Worker): void {
    for (const id of this.#waiting.get(worker) ?? []) this.#acks.settle(id, undefined);
    this.#waiting.delete(worker);
  }
}
