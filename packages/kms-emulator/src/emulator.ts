/**
 * The KMS emulator: one account in one Region, its custom key stores, keys and aliases, the
 * connection state machine driven by timers, periodic health checks of connected proxies, and
 * optional persistence. Time, randomness, timers and the network are injected.
 */
import type { HttpRequestParts, SigningKeyCache } from '@xkslab/sigv4';
import { checkGrantTokens } from './actions/grants.ts';
import { ACTIONS } from './actions.ts';
import { authenticate } from './auth.ts';
import {
  DEFAULT_ACCOUNT_ID,
  DEFAULT_CONNECT_DELAY_MS,
  DEFAULT_HEALTH_INTERVAL_MS,
  DEFAULT_REGION,
  XKS_QUOTA_PER_SECOND,
  XKS_TIMEOUT_MS,
} from './constants.ts';
import {
  type CallContext,
  type Core,
  type EmulatorSettings,
  recordHealth,
  sweepDeletedKeys,
  targetOf,
} from './core.ts';
import {
  DEFAULT_CREDENTIAL,
  type KmsEmulatorDeps,
  type KmsLogger,
  silentLogger,
} from './emulator-deps.ts';
import { KmsError } from './errors.ts';
import { type Account, uuidFrom } from './ids.ts';
import { KeyMetaStore } from './key-meta.ts';
import { rotateDueKeys } from './key-rotation.ts';
import { KeyStoreConnections } from './key-store-connections.ts';
import { KmsMetrics, type MetricsSnapshot } from './metrics.ts';
import type {
  Alias,
  CustomKeyStore,
  KmsCredential,
  KmsKey,
  PendingImport,
  Principal,
} from './model.ts';
import { isModelOperation } from './model-operations.ts';
import { type EmulatorState, StateCodec, type StateStorage } from './persistence.ts';
import { KeyStoreQuota } from './quota.ts';
import { type KmsCallRecord, RecentCalls } from './recent-calls.ts';
import { type Cancel, realScheduler, type Scheduler } from './scheduler.ts';
import { checkStateAccount } from './state-account.ts';
import { type KmsStateView, stateViewOf } from './state-view.ts';
import { validationMessage } from './validation-message.ts';
import { XksClient } from './xks/xks-client.ts';

export class KmsEmulator {
  readonly account: Account;
  readonly settings: EmulatorSettings;
  readonly metrics = new KmsMetrics();
  readonly #recent = new RecentCalls();
  readonly #core: Core;
  readonly #credentials: ReadonlyMap<string, KmsCredential>;
  readonly #scheduler: Scheduler;
  readonly #logger: KmsLogger;
  readonly #sigv4Cache: SigningKeyCache | undefined;
  readonly #persistence: { storage: StateStorage; codec: StateCodec } | undefined;
  readonly #connections: KeyStoreConnections;
  #saving: Promise<void> = Promise.resolve();
  #stopPolling: Cancel | undefined;
  #polling = false;

  private constructor(deps: KmsEmulatorDeps) {
    const options = deps.options ?? {};
    const clock = deps.clock ?? (() => new Date());
    const random =
      deps.random ?? ((n: number) => crypto.getRandomValues(new Uint8Array(n)) as Uint8Array);
    this.account = {
      region: options.region ?? DEFAULT_REGION,
      accountId: options.accountId ?? DEFAULT_ACCOUNT_ID,
    };
    this.settings = {
      connectDelayMs: options.connectDelayMs ?? DEFAULT_CONNECT_DELAY_MS,
      disconnectDelayMs: options.disconnectDelayMs ?? 0,
      healthIntervalMs: options.healthIntervalMs ?? DEFAULT_HEALTH_INTERVAL_MS,
      xksTimeoutMs: options.xksTimeoutMs ?? XKS_TIMEOUT_MS,
      quotaPerSecond: options.quotaPerSecond ?? XKS_QUOTA_PER_SECOND,
    };
    const credentials = options.credentials ?? [DEFAULT_CREDENTIAL];
    this.#credentials = new Map(credentials.map((c) => [c.accessKeyId, c]));
    this.#scheduler = deps.scheduler ?? realScheduler;
    this.#logger = deps.logger ?? silentLogger;
    this.#sigv4Cache = deps.sigv4Cache;
    this.#persistence = deps.persistence
      ? {
          storage: deps.persistence.storage,
          codec: new StateCodec(deps.persistence.masterKey, random),
        }
      : undefined;
    const xks = new XksClient({
      transport: deps.transport,
      clock,
      metrics: this.metrics,
      timeoutMs: this.settings.xksTimeoutMs,
      ...(deps.monotonic ? { monotonic: deps.monotonic } : {}),
      ...(deps.sigv4Cache ? { sigv4Cache: deps.sigv4Cache } : {}),
      ...(deps.onXksCall ? { onCall: deps.onXksCall } : {}),
    });
    this.#core = {
      account: this.account,
      settings: this.settings,
      clock,
      random,
      xks,
      metrics: this.metrics,
      quota: new KeyStoreQuota(this.settings.quotaPerSecond),
      keyStores: new Map<string, CustomKeyStore>(),
      keys: new Map<string, KmsKey>(),
      aliases: new Map<string, Alias>(),
      imports: new Map<string, PendingImport>(),
      meta: new KeyMetaStore(this.account),
      uuid: () => uuidFrom(random),
      save: () => this.#save(),
      beginConnect: (store, requestId) => this.#connections.beginConnect(store, requestId),
      beginDisconnect: (store) => this.#connections.beginDisconnect(store),
    };
    this.#connections = new KeyStoreConnections({
      core: this.#core,
      scheduler: this.#scheduler,
      logger: this.#logger,
      save: () => this.#save(),
    });
  }

  /** Creates an emulator, loading its state when persistence is configured. */
  static async create(deps: KmsEmulatorDeps): Promise<KmsEmulator> {
    const emulator = new KmsEmulator(deps);
    await emulator.#load();
    return emulator;
  }

  /** A fresh request id (a UUID): the x-amzn-RequestId and the kmsRequestId sent to proxies. */
  newRequestId(): string {
    return this.#core.uuid();
  }

  /** The credentials the emulator accepts. */
  credentials(): KmsCredential[] {
    return [...this.#credentials.values()];
  }

  authenticate(req: HttpRequestParts): Principal {
    return authenticate(req, {
      region: this.account.region,
      credentials: this.#credentials,
      now: this.#core.clock(),
      cache: this.#sigv4Cache,
    });
  }

  /** Runs one action for an authenticated caller; throws KmsError. */
  async call(action: string, body: unknown, call: CallContext): Promise<object> {
    const handler = ACTIONS[action];
    if (!handler && isModelOperation(action)) {
      throw new KmsError(
        'UnsupportedOperationException',
        `The KMS emulator does not support ${action} (see docs/kms-emulator.md).`,
      );
    }
    if (!handler) {
      throw new KmsError(
        'UnknownOperationException',
        `The KMS emulator does not implement TrentService.${action}.`,
      );
    }
    const swept = sweepDeletedKeys(this.#core);
    if (rotateDueKeys(this.#core) || swept) await this.#save();
    const parsed = handler.schema.safeParse(body);
    if (!parsed.success) {
      throw new KmsError('ValidationException', validationMessage(parsed.error, body));
    }
    checkGrantTokens(this.#core, body);
    return handler.handle(this.#core, parsed.data, call);
  }

  /** Key stores, keys and aliases as they are now: copies, no key material, no proxy secret. */
  view(): KmsStateView {
    return stateViewOf(this.#core);
  }

  /** Notes one answered KMS call (kms-handler.ts), stamped with the emulator's clock. */
  recordCall(call: Omit<KmsCallRecord, 'time'>): void {
    this.#recent.add({ ...call, time: this.#core.clock().toISOString() });
  }

  /** The newest answered KMS calls (at most RECENT_KMS_CALLS), newest first. */
  recentCalls(): KmsCallRecord[] {
    return this.#recent.list();
  }

  /** Starts the periodic GetHealthStatus calls (kmsOperation KmsHealthCheck) to connected stores. */
  startHealthPolling(): void {
    if (this.#stopPolling || this.settings.healthIntervalMs <= 0) return;
    this.#stopPolling = this.#scheduler.every(this.settings.healthIntervalMs, () => {
      void this.pollHealth();
    });
  }

  /** One round of health checks; records XksExternalKeyManagerStates. Never throws. */
  async pollHealth(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const connected = [...this.#core.keyStores.values()].filter(
        (s) => s.connectionState === 'CONNECTED',
      );
      await Promise.all(
        connected.map(async (store) => {
          const outcome = await this.#core.xks.health(targetOf(this.#core, store), {
            kmsOperation: 'KmsHealthCheck',
            kmsRequestId: this.newRequestId(),
          });
          if (outcome.ok) recordHealth(this.#core, store.id, outcome.value);
          else
            this.#logger.warn('kms health check failed', {
              keyStoreId: store.id,
              failure: outcome.failure.kind,
            });
        }),
      );
    } finally {
      this.#polling = false;
    }
  }

  /** Stops timers and waits for pending writes. */
  async stop(): Promise<void> {
    this.#stopPolling?.();
    this.#stopPolling = undefined;
    this.#connections.cancelAll();
    await this.#saving;
  }

  metricsText(): string {
    return this.metrics.prometheus(this.#credentialAges(), this.#core.clock().getTime());
  }

  metricsSnapshot(): MetricsSnapshot {
    return this.metrics.snapshot(this.#credentialAges(), this.#core.clock().getTime());
  }

  #credentialAges(): Map<string, number> {
    return new Map([...this.#core.keyStores.values()].map((s) => [s.id, s.proxy.credentialSetAt]));
  }

  #save(): Promise<void> {
    const persistence = this.#persistence;
    if (!persistence) return Promise.resolve();
    const bytes = persistence.codec.encode(this.#snapshot());
    const write = this.#saving.then(() => persistence.storage.save(bytes));
    this.#saving = write.catch((e: unknown) => {
      this.#logger.error('kms state could not be saved', {
        cause: e instanceof Error ? e.message : String(e),
      });
    });
    return write;
  }

  #snapshot(): EmulatorState {
    return {
      keyStores: [...this.#core.keyStores.values()],
      keys: [...this.#core.keys.values()],
      aliases: [...this.#core.aliases.values()],
      imports: [...this.#core.imports.values()],
      account: this.account,
      ...this.#core.meta.retain((id) => this.#core.keys.has(id)),
    };
  }

  async #load(): Promise<void> {
    const persistence = this.#persistence;
    if (!persistence) return;
    const bytes = await persistence.storage.load();
    if (!bytes) return;
    const state = persistence.codec.decode(bytes);
    checkStateAccount(state, this.account);
    for (const ks of state.keyStores) this.#core.keyStores.set(ks.id, ks);
    for (const k of state.keys) this.#core.keys.set(k.id, k);
    for (const a of state.aliases) this.#core.aliases.set(a.name, a);
    for (const i of state.imports ?? []) this.#core.imports.set(i.tokenDigest, i);
    for (const m of state.meta ?? []) this.#core.meta.set(m);
    for (const g of state.grants ?? []) this.#core.meta.grants.set(g.grantId, g);
    // A connection or disconnection in progress when the state was written starts over.
    for (const store of this.#core.keyStores.values()) {
      if (store.connectionState === 'DISCONNECTING') store.connectionState = 'DISCONNECTED';
      if (store.connectionState === 'CONNECTING') {
        store.connectionState = 'DISCONNECTED';
        this.#connections.beginConnect(store, this.newRequestId());
      }
    }
  }
}
