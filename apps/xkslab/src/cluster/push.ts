import type { Worker } from 'node:cluster';
import type { FaultPlan } from '../faults/fault-plan.ts';
import type { KeyStoreRegistry } from '../keystores/registry.ts';
import type { Logger } from '../logger.ts';
import { Pending, type ToWorker } from './messages.ts';
import { faultView } from './primary-calls.ts';
import { copyKeyStores } from './worker-keystores.ts';

/**
 * How long a worker has to acknowledge a change. One that does not is killed (and restarted with
 * the current state), so no worker goes on verifying with a revoked credential, or serving
 * without the fault rules in force.
 */
const ACK_TIMEOUT_MS = 2000;

/**
 * Sends a change (the key stores, the fault plan) to workers and resolves once each has
 * acknowledged it (or was killed for not doing so): the admin call that made the change answers
 * only then, so every worker honours it from the next request.
 */
export class WorkerPush {
  readonly #acks = new Pending<undefined>();
  /** The ids a worker still has to acknowledge. */
  readonly #waiting = new Map<Worker, Set<number>>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /**
   * The fault rules, then the key stores: a worker serves once it has key stores, and then
   * knows the rules in force.
   */
  async all(
    workers: readonly Worker[],
    from: { registry: KeyStoreRegistry; faults?: FaultPlan | undefined },
  ): Promise<void> {
    await this.faults(workers, from.faults);
    await this.keyStores(workers, from.registry);
  }

  /** The key stores as they are now. */
  keyStores(workers: readonly Worker[], registry: KeyStoreRegistry): Promise<void> {
    const stores = copyKeyStores(registry.list());
    return this.#to(workers, 'key stores', (id) => ({ t: 'keystores', id, stores }));
  }

  /** Whether fault rules exist, and the defect in force. */
  faults(workers: readonly Worker[], plan: FaultPlan | undefined): Promise<void> {
    const view = faultView(plan);
    return this.#to(workers, 'fault rules', (id) => ({ t: 'faults', id, view }));
  }

  /** Sends `message(id)` to each worker; `what` names the change in the log. */
  async #to(
    workers: readonly Worker[],
    what: string,
    message: (id: number) => ToWorker,
  ): Promise<void> {
    await Promise.all(
      workers.map(async (worker) => {
        const { id, answer } = this.#acks.open();
        const ids = this.#waiting.get(worker) ?? new Set<number>();
        ids.add(id);
        this.#waiting.set(worker, ids);
        if (worker.isConnected()) worker.send(message(id));
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), ACK_TIMEOUT_MS);
        });
        const outcome = await Promise.race([answer, late]);
        clearTimeout(timer);
        ids.delete(id);
        if (outcome === 'late' && !worker.isDead()) {
          this.#logger.warn(`worker did not take the new ${what}; restarting it`, {
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
