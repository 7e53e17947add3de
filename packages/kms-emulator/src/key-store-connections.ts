/**
 * Drives each custom key store's connection state machine (connection.ts) with timers: CONNECTING
 * ends connectDelayMs later with a GetHealthStatus call, DISCONNECTING disconnectDelayMs later.
 * A newer transition of the same store cancels the older timer.
 */
import { transition } from './connection.ts';
import { type Core, recordHealth, targetOf } from './core.ts';
import type { KmsLogger } from './emulator-deps.ts';
import { KmsError } from './errors.ts';
import type { CustomKeyStore } from './model.ts';
import type { Cancel, Scheduler } from './scheduler.ts';
import { connectionErrorCode } from './xks/error-mapping.ts';

export type KeyStoreConnectionsDeps = {
  core: Core;
  scheduler: Scheduler;
  logger: KmsLogger;
  /** Writes the state after a transition that a timer finished. */
  save: () => Promise<void>;
};

export class KeyStoreConnections {
  readonly #core: Core;
  readonly #scheduler: Scheduler;
  readonly #logger: KmsLogger;
  readonly #save: () => Promise<void>;
  readonly #pending = new Map<string, { cancel: Cancel; token: number }>();
  #token = 0;

  constructor(deps: KeyStoreConnectionsDeps) {
    this.#core = deps.core;
    this.#scheduler = deps.scheduler;
    this.#logger = deps.logger;
    this.#save = deps.save;
  }

  /** Cancels every pending transition (on stop). */
  cancelAll(): void {
    for (const { cancel } of this.#pending.values()) cancel();
    this.#pending.clear();
  }

  /** Starts CONNECTING; the health check that decides it runs after connectDelayMs. */
  beginConnect(store: CustomKeyStore, requestId: string): void {
    const t = transition(store.connectionState, 'connect');
    if (!t.ok)
      throw new KmsError('CustomKeyStoreInvalidStateException', `${sentenceCase(t.reason)}.`);
    if (!t.changed) return;
    store.connectionState = t.next;
    store.connectionErrorCode = undefined;
    this.#schedule(store.id, this.#core.settings.connectDelayMs, (token) => {
      void this.#finishConnect(store.id, requestId, token);
    });
  }

  async #finishConnect(id: string, requestId: string, token: number): Promise<void> {
    const current = () => {
      const store = this.#core.keyStores.get(id);
      return store &&
        store.connectionState === 'CONNECTING' &&
        this.#pending.get(id)?.token === token
        ? store
        : undefined;
    };
    const store = current();
    if (!store) return;
    const outcome = await this.#core.xks.health(targetOf(this.#core, store), {
      kmsOperation: 'ConnectCustomKeyStore',
      kmsRequestId: requestId,
    });
    if (!current()) return;
    this.#pending.delete(id);
    let failure: Parameters<typeof connectionErrorCode>[0] | undefined;
    if (!outcome.ok) failure = outcome.failure;
    else if (recordHealth(this.#core, id, outcome.value).allUnavailable)
      failure = 'all-unavailable';
    const t = transition(store.connectionState, failure ? 'connect-failed' : 'connect-succeeded');
    if (!t.ok) return;
    store.connectionState = t.next;
    store.connectionErrorCode = failure ? connectionErrorCode(failure) : undefined;
    this.#logger.info('kms custom key store connection', {
      keyStoreId: id,
      connectionState: store.connectionState,
      connectionErrorCode: store.connectionErrorCode,
    });
    await this.#save().catch(() => undefined);
  }

  /** Starts DISCONNECTING (finished at once when disconnectDelayMs is 0). */
  beginDisconnect(store: CustomKeyStore): void {
    const t = transition(store.connectionState, 'disconnect');
    if (!t.ok)
      throw new KmsError('CustomKeyStoreInvalidStateException', `${sentenceCase(t.reason)}.`);
    this.#pending.get(store.id)?.cancel();
    this.#pending.delete(store.id);
    store.connectionState = t.next;
    store.connectionErrorCode = undefined;
    const finish = () => {
      const done = transition(store.connectionState, 'disconnect-finished');
      if (done.ok) store.connectionState = done.next;
    };
    if (this.#core.settings.disconnectDelayMs <= 0) {
      finish();
      return;
    }
    this.#schedule(store.id, this.#core.settings.disconnectDelayMs, () => {
      this.#pending.delete(store.id);
      finish();
      void this.#save().catch(() => undefined);
    });
  }

  #schedule(id: string, ms: number, fn: (token: number) => void): void {
    this.#pending.get(id)?.cancel();
    this.#token += 1;
    const token = this.#token;
    const cancel = this.#scheduler.after(ms, () => fn(token));
    this.#pending.set(id, { cancel, token });
  }
}

function sentenceCase(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
