/**
 * The KMS emulator: one account in one Region, its custom key stores, keys and aliases, the
 * connection state machine driven by timers, periodic health checks of connected proxies, and
 * optional persistence. Time, randomness, timers and the network are injected.
 */
import type { HttpRequestParts, SigningKeyCache } from '@xkslab/sigv4';
import type { z } from 'zod';
import { ACTIONS } from './actions.ts';
import { authenticate } from './auth.ts';
import { transition } from './connection.ts';
import {
  DEFAULT_ACCESS_KEY_ID,
  DEFAULT_ACCOUNT_ID,
  DEFAULT_CONNECT_DELAY_MS,
  DEFAULT_HEALTH_INTERVAL_MS,
  DEFAULT_PRINCIPAL_ARN,
  DEFAULT_REGION,
  DEFAULT_SECRET_ACCESS_KEY,
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
import { KmsError } from './errors.ts';
import { type Account, uuidFrom } from './ids.ts';
import { KmsMetrics, type MetricsSnapshot } from './metrics.ts';
import type { Alias, CustomKeyStore, KmsCredential, KmsKey, Principal } from './model.ts';
import { type EmulatorState, StateCodec, type StateStorage } from './persistence.ts';
import { KeyStoreQuota } from './quota.ts';
import { connectionErrorCode } from './xks/error-mapping.ts';
import type { XksTransport } from './xks/transport.ts';
import { type XksCallRecord, XksClient } from './xks/xks-client.ts';

export type KmsLogFields = Record<string, string | number | boolean | undefined>;
export type KmsLogger = {
  info(msg: string, fields?: KmsLogFields): void;
  warn(msg: string, fields?: KmsLogFields): void;
  error(msg: string, fields?: KmsLogFields): void;
};

/** Cancels a scheduled callback. */
export type Cancel = () => void;
export type Scheduler = {
  after(ms: number, fn: () => void): Cancel;
  every(ms: number, fn: () => void): Cancel;
};

/** Real timers, unref'd so they never keep a process alive on their own. */
export const realScheduler: Scheduler = {
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
  every(ms, fn) {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  },
};

export type KmsEmulatorOptions = {
  region?: string;
  accountId?: string;
  /** Local credentials the emulator accepts (default: DEFAULT_ACCESS_KEY_ID / ..._SECRET). */
  credentials?: readonly KmsCredential[];
  connectDelayMs?: number;
  disconnectDelayMs?: number;
  /** 0 turns periodic health checks off. */
  healthIntervalMs?: number;
  xksTimeoutMs?: number;
  quotaPerSecond?: number;
};

export type KmsEmulatorDeps = {
  transport: XksTransport;
  options?: KmsEmulatorOptions;
  clock?: () => Date;
  random?: (n: number) => Uint8Array;
  monotonic?: () => number;
  scheduler?: Scheduler;
  /** Where the state is kept between runs, and the key that seals it; in memory when absent. */
  persistence?: { storage: StateStorage; masterKey: Uint8Array };
  logger?: KmsLogger;
  /** Called after every proxy call (one per KMS-initiated XKS request, retries included). */
  onXksCall?: (record: XksCallRecord) => void;
  sigv4Cache?: SigningKeyCache;
};

export const DEFAULT_CREDENTIAL: KmsCredential = {
  accessKeyId: DEFAULT_ACCESS_KEY_ID,
  secretAccessKey: DEFAULT_SECRET_ACCESS_KEY,
  principalArn: DEFAULT_PRINCIPAL_ARN,
};

const silent: KmsLogger = { info() {}, warn() {}, error() {} };

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** KMS's validation message shape for the first zod issue. */
function validationMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'Invalid request';
  const path = issue.path.map((p) => lowerFirst(String(p))).join('.') || 'body';
  const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
  const constraint = missing ? 'Member must not be null' : issue.message;
  return `1 validation error detected: Value at '${path}' failed to satisfy constraint: ${constraint}`;
}

export class KmsEmulator {
  readonly account: Account;
  readonly settings: EmulatorSettings;
  readonly metrics = new KmsMetrics();
  readonly #core: Core;
  readonly #credentials: ReadonlyMap<string, KmsCredential>;
  readonly #scheduler: Scheduler;
  readonly #logger: KmsLogger;
  readonly #sigv4Cache: SigningKeyCache | undefined;
  readonly #persistence: { storage: StateStorage; codec: StateCodec } | undefined;
  readonly #pending = new Map<string, { cancel: Cancel; token: number }>();
  #token = 0;
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
    this.#logger = deps.logger ?? silent;
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
      uuid: () => uuidFrom(random),
      save: () => this.#save(),
      beginConnect: (store, requestId) => this.#beginConnect(store, requestId),
      beginDisconnect: (store) => this.#beginDisconnect(store),
    };
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
    if (!handler) {
      throw new KmsError(
        'UnknownOperationException',
        `The KMS emulator does not implement TrentService.${action}.`,
      );
    }
    if (sweepDeletedKeys(this.#core)) await this.#save();
    const parsed = handler.schema.safeParse(body);
    if (!parsed.success) throw new KmsError('ValidationException', validationMessage(parsed.error));
    return handler.handle(this.#core, parsed.data, call);
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
    for (const { cancel } of this.#pending.values()) cancel();
    this.#pending.clear();
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

  #beginConnect(store: CustomKeyStore, requestId: string): void {
    const t = transition(store.connectionState, 'connect');
    if (!t.ok)
      throw new KmsError('CustomKeyStoreInvalidStateException', `${sentenceCase(t.reason)}.`);
    if (!t.changed) return;
    store.connectionState = t.next;
    store.connectionErrorCode = undefined;
    this.#schedule(store.id, this.settings.connectDelayMs, (token) => {
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

  #beginDisconnect(store: CustomKeyStore): void {
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
    if (this.settings.disconnectDelayMs <= 0) {
      finish();
      return;
    }
    this.#schedule(store.id, this.settings.disconnectDelayMs, () => {
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
    };
  }

  async #load(): Promise<void> {
    const persistence = this.#persistence;
    if (!persistence) return;
    const bytes = await persistence.storage.load();
    if (!bytes) return;
    const state = persistence.codec.decode(bytes);
    for (const ks of state.keyStores) this.#core.keyStores.set(ks.id, ks);
    for (const k of state.keys) this.#core.keys.set(k.id, k);
    for (const a of state.aliases) this.#core.aliases.set(a.name, a);
    // A connection or disconnection in progress when the state was written starts over.
    for (const store of this.#core.keyStores.values()) {
      if (store.connectionState === 'DISCONNECTING') store.connectionState = 'DISCONNECTED';
      if (store.connectionState === 'CONNECTING') {
        store.connectionState = 'DISCONNECTED';
        this.#beginConnect(store, this.newRequestId());
      }
    }
  }
}

function sentenceCase(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
