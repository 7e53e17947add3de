import { TokenBucket } from '@xkslab/protocol';
import { type RecordStore, WriteQueue } from '@xkslab/vcm';
import { z } from 'zod';

/** What seals credential secrets at rest (the module manager's master-key seal). */
export type SecretSealer = {
  sealSecret(plaintext: Uint8Array, context: string): Uint8Array;
  openSecret(sealed: Uint8Array, context: string): Uint8Array;
};

export const KEY_STORE_RECORD_PREFIX = 'xks/keystore/';

const StoredCredential = z.object({
  accessKeyId: z.string(),
  /** The secret sealed under the master key, Base64; never stored in the clear. */
  sealedSecret: z.string(),
  createdAt: z.string(),
  /** Last successful SigV4 verification, flushed from memory every few seconds. */
  lastUsedAt: z.string().optional(),
});

const StoredKeyStore = z.object({
  name: z.string(),
  uriPathPrefix: z.string(),
  region: z.string(),
  module: z.string(),
  maxRequestsPerSecond: z.number().optional(),
  /** The kill switch: crypto and metadata calls answer InvalidStateException. */
  blocked: z.boolean().optional(),
  createdAt: z.string(),
  credentials: z.array(StoredCredential),
});
type StoredKeyStore = z.infer<typeof StoredKeyStore>;

export type KeyStoreInput = {
  name: string;
  uriPathPrefix: string;
  region: string;
  module: string;
  maxRequestsPerSecond?: number | undefined;
  credentials: ReadonlyArray<{ accessKeyId: string; secretAccessKey: string }>;
};

/** What `update` may change; `maxRequestsPerSecond: null` removes the quota. */
export type KeyStorePatch = {
  region?: string | undefined;
  module?: string | undefined;
  maxRequestsPerSecond?: number | null | undefined;
  blocked?: boolean | undefined;
};

/** A key store as the proxy serves it: secrets opened in memory, ready for SigV4 verification. */
export type ActiveKeyStore = {
  readonly name: string;
  readonly uriPathPrefix: string;
  readonly region: string;
  readonly module: string;
  readonly blocked: boolean;
  readonly accessKeyIds: readonly string[];
  secretFor(accessKeyId: string): string | undefined;
  /** False when the key store's request quota is used up for now. */
  admit(nowMs: number): boolean;
};

/** A key store as the admin API shows it: never a secret. */
export type KeyStoreDescription = {
  name: string;
  uriPathPrefix: string;
  region: string;
  module: string;
  maxRequestsPerSecond: number | undefined;
  blocked: boolean;
  createdAt: string;
  credentials: Array<{ accessKeyId: string; createdAt: string; lastUsedAt: string | undefined }>;
};

export type KeyStoreErrorCode =
  | 'KEYSTORE_EXISTS'
  | 'PREFIX_IN_USE'
  | 'ACCESS_KEY_IN_USE'
  | 'KEYSTORE_NOT_FOUND'
  | 'CREDENTIAL_NOT_FOUND';

export class KeyStoreError extends Error {
  readonly code: KeyStoreErrorCode;
  constructor(code: KeyStoreErrorCode, message: string) {
    super(message);
    this.name = 'KeyStoreError';
    this.code = code;
  }
}

function sealContext(storeName: string, accessKeyId: string): string {
  return `xks-credential:${storeName}:${accessKeyId}`;
}

/**
 * The XKS key stores (endpoints): a URI path prefix, a region, credentials and a module each.
 * Records live in the shared RecordStore; the registry keeps an in-memory index by prefix for the hot
 * path, rebuilt for a key store after each change, so a change (a revoked credential, a block)
 * takes effect on the next request. Changes run one at a time. Credential use is noted in memory
 * (`noteUse`, no I/O on the hot path) and written by `flushUsage` every few seconds and at shutdown.
 */
export class KeyStoreRegistry {
  private readonly byPrefix = new Map<string, ActiveKeyStore>();
  private readonly byName = new Map<string, StoredKeyStore>();
  /** accessKeyId -> last use (ms), newer than what is stored. */
  private readonly lastUsed = new Map<string, number>();
  private readonly writes = new WriteQueue();
  private changed: (() => Promise<void>) | undefined;

  private readonly store: RecordStore;
  private readonly sealer: SecretSealer;
  private readonly clock: () => Date;

  private constructor(store: RecordStore, sealer: SecretSealer, clock: () => Date) {
    this.store = store;
    this.sealer = sealer;
    this.clock = clock;
  }

  static async load(
    store: RecordStore,
    sealer: SecretSealer,
    clock: () => Date = () => new Date(),
  ) {
    const registry = new KeyStoreRegistry(store, sealer, clock);
    for (const { value } of await store.list({ prefix: KEY_STORE_RECORD_PREFIX })) {
      const record = StoredKeyStore.parse(JSON.parse(Buffer.from(value).toString('utf8')));
      registry.index(record);
    }
    return registry;
  }

  /** The key store serving a URI path prefix ('' for none). */
  byUriPathPrefix(prefix: string): ActiveKeyStore | undefined {
    return this.byPrefix.get(prefix);
  }

  list(): ActiveKeyStore[] {
    return [...this.byPrefix.values()];
  }

  get(name: string): ActiveKeyStore | undefined {
    const record = this.byName.get(name);
    return record ? this.byPrefix.get(record.uriPathPrefix) : undefined;
  }

  /** Every key store's description, by name. */
  describeAll(): KeyStoreDescription[] {
    return [...this.byName.keys()].sort().map((name) => this.describe(name) as KeyStoreDescription);
  }

  describe(name: string): KeyStoreDescription | undefined {
    const r = this.byName.get(name);
    if (!r) return undefined;
    return {
      name: r.name,
      uriPathPrefix: r.uriPathPrefix,
      region: r.region,
      module: r.module,
      maxRequestsPerSecond: r.maxRequestsPerSecond,
      blocked: r.blocked === true,
      createdAt: r.createdAt,
      credentials: r.credentials.map((c) => {
        const noted = this.lastUsed.get(c.accessKeyId);
        return {
          accessKeyId: c.accessKeyId,
          createdAt: c.createdAt,
          lastUsedAt: noted === undefined ? c.lastUsedAt : new Date(noted).toISOString(),
        };
      }),
    };
  }

  /** Creates a key store; durable before it resolves. */
  create(input: KeyStoreInput): Promise<ActiveKeyStore> {
    return this.change(async () => {
      if (this.byName.has(input.name)) {
        throw new KeyStoreError('KEYSTORE_EXISTS', `key store '${input.name}' already exists`);
      }
      if (this.byPrefix.has(input.uriPathPrefix)) {
        throw new KeyStoreError(
          'PREFIX_IN_USE',
          `URI path prefix '${input.uriPathPrefix}' is already served by another key store`,
        );
      }
      const ids = new Set<string>();
      for (const c of input.credentials) {
        this.assertAccessKeyFree(c.accessKeyId);
        if (ids.has(c.accessKeyId)) {
          throw new KeyStoreError('ACCESS_KEY_IN_USE', `access key id ${c.accessKeyId} repeats`);
        }
        ids.add(c.accessKeyId);
      }
      const createdAt = this.clock().toISOString();
      const record: StoredKeyStore = {
        name: input.name,
        uriPathPrefix: input.uriPathPrefix,
        region: input.region,
        module: input.module,
        ...(input.maxRequestsPerSecond ? { maxRequestsPerSecond: input.maxRequestsPerSecond } : {}),
        createdAt,
        credentials: input.credentials.map((c) => this.sealCredential(input.name, c, createdAt)),
      };
      await this.persist(record);
      return this.index(record);
    });
  }

  /** Changes region, module, quota or the blocked switch; effective on the next request. */
  update(name: string, patch: KeyStorePatch): Promise<ActiveKeyStore> {
    return this.change(async () => {
      const record = this.require(name);
      const next: StoredKeyStore = { ...record };
      if (patch.region !== undefined) next.region = patch.region;
      if (patch.module !== undefined) next.module = patch.module;
      if (patch.blocked !== undefined) {
        if (patch.blocked) next.blocked = true;
        else delete next.blocked;
      }
      if (patch.maxRequestsPerSecond === null) delete next.maxRequestsPerSecond;
      else if (patch.maxRequestsPerSecond !== undefined) {
        next.maxRequestsPerSecond = patch.maxRequestsPerSecond;
      }
      await this.persist(next);
      return this.index(next);
    });
  }

  /** Deletes a key store: its prefix answers InvalidUriPathException from the next request. */
  delete(name: string): Promise<void> {
    return this.change(async () => {
      const record = this.require(name);
      await this.store.del(`${KEY_STORE_RECORD_PREFIX}${name}`);
      this.byName.delete(name);
      this.byPrefix.delete(record.uriPathPrefix);
      for (const c of record.credentials) this.lastUsed.delete(c.accessKeyId);
    });
  }

  /** Adds a credential to a key store; it works at once, beside the ones already live. */
  addCredential(
    name: string,
    credential: { accessKeyId: string; secretAccessKey: string },
  ): Promise<ActiveKeyStore> {
    return this.change(async () => {
      const record = this.require(name);
      this.assertAccessKeyFree(credential.accessKeyId);
      const next: StoredKeyStore = {
        ...record,
        credentials: [
          ...record.credentials,
          this.sealCredential(name, credential, this.clock().toISOString()),
        ],
      };
      await this.persist(next);
      return this.index(next);
    });
  }

  /** Revokes a credential: requests signed with it fail from the next one on. */
  revokeCredential(name: string, accessKeyId: string): Promise<ActiveKeyStore> {
    return this.change(async () => {
      const record = this.require(name);
      if (!record.credentials.some((c) => c.accessKeyId === accessKeyId)) {
        throw new KeyStoreError(
          'CREDENTIAL_NOT_FOUND',
          `key store '${name}' has no credential ${accessKeyId}`,
        );
      }
      const next: StoredKeyStore = {
        ...record,
        credentials: record.credentials.filter((c) => c.accessKeyId !== accessKeyId),
      };
      await this.persist(next);
      this.lastUsed.delete(accessKeyId);
      return this.index(next);
    });
  }

  /** Notes a successful use of a credential: memory only, cheap enough for every request. */
  noteUse(accessKeyId: string, at: Date): void {
    this.lastUsed.set(accessKeyId, at.getTime());
  }

  /** Writes the uses noted since the last flush into the records that hold those credentials. */
  flushUsage(): Promise<void> {
    return this.writes.run(async () => {
      if (this.lastUsed.size === 0) return;
      const noted = new Map(this.lastUsed);
      this.lastUsed.clear();
      for (const record of [...this.byName.values()]) {
        if (!record.credentials.some((c) => noted.has(c.accessKeyId))) continue;
        const next: StoredKeyStore = {
          ...record,
          credentials: record.credentials.map((c) => {
            const at = noted.get(c.accessKeyId);
            return at === undefined ? c : { ...c, lastUsedAt: new Date(at).toISOString() };
          }),
        };
        try {
          await this.persist(next);
          this.byName.set(next.name, next);
        } catch (e) {
          // Keep the uses for the next flush, unless newer ones were noted meanwhile.
          for (const c of record.credentials) {
            const at = noted.get(c.accessKeyId);
            if (at !== undefined && !this.lastUsed.has(c.accessKeyId)) {
              this.lastUsed.set(c.accessKeyId, at);
            }
          }
          throw e;
        }
      }
    });
  }

  /** Awaits `listener` after every change, before the change resolves (cluster/ workers). */
  onChange(listener: () => Promise<void>): void {
    this.changed = listener;
  }

  private change<T>(task: () => Promise<T>): Promise<T> {
    return this.writes.run(async () => {
      const result = await task();
      await this.changed?.();
      return result;
    });
  }

  private require(name: string): StoredKeyStore {
    const record = this.byName.get(name);
    if (!record) throw new KeyStoreError('KEYSTORE_NOT_FOUND', `no key store named '${name}'`);
    return record;
  }

  private assertAccessKeyFree(accessKeyId: string) {
    for (const s of this.byName.values()) {
      if (s.credentials.some((c) => c.accessKeyId === accessKeyId)) {
        throw new KeyStoreError(
          'ACCESS_KEY_IN_USE',
          `access key id ${accessKeyId} already belongs to key store '${s.name}'`,
        );
      }
    }
  }

  private sealCredential(
    storeName: string,
    c: { accessKeyId: string; secretAccessKey: string },
    createdAt: string,
  ) {
    const sealed = this.sealer.sealSecret(
      new TextEncoder().encode(c.secretAccessKey),
      sealContext(storeName, c.accessKeyId),
    );
    return {
      accessKeyId: c.accessKeyId,
      sealedSecret: Buffer.from(sealed).toString('base64'),
      createdAt,
    };
  }

  private async persist(record: StoredKeyStore) {
    await this.store.put(
      `${KEY_STORE_RECORD_PREFIX}${record.name}`,
      new TextEncoder().encode(JSON.stringify(record)),
    );
  }

  private index(record: StoredKeyStore): ActiveKeyStore {
    const previous = this.byName.get(record.name);
    if (previous) this.byPrefix.delete(previous.uriPathPrefix);
    const secrets = new Map<string, string>();
    for (const c of record.credentials) {
      const opened = this.sealer.openSecret(
        Buffer.from(c.sealedSecret, 'base64'),
        sealContext(record.name, c.accessKeyId),
      );
      secrets.set(c.accessKeyId, new TextDecoder().decode(opened));
    }
    const bucket = record.maxRequestsPerSecond
      ? new TokenBucket(record.maxRequestsPerSecond, this.clock().getTime())
      : undefined;
    const active: ActiveKeyStore = {
      name: record.name,
      uriPathPrefix: record.uriPathPrefix,
      region: record.region,
      module: record.module,
      blocked: record.blocked === true,
      accessKeyIds: [...secrets.keys()],
      secretFor: (id) => secrets.get(id),
      admit: (nowMs) => (bucket ? bucket.take(nowMs) : true),
    };
    this.byName.set(record.name, record);
    this.byPrefix.set(record.uriPathPrefix, active);
    return active;
  }
}
