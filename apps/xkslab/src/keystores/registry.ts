import type { KeyStore } from '@xkslab/vcm';
import { z } from 'zod';
import { TokenBucket } from './token-bucket.ts';

/** What seals credential secrets at rest (the module manager's master-key seal). */
export type SecretSealer = {
  sealSecret(plaintext: Uint8Array, context: string): Uint8Array;
  openSecret(sealed: Uint8Array, context: string): Uint8Array;
};

const RECORD_PREFIX = 'xks/keystore/';

const StoredCredential = z.object({
  accessKeyId: z.string(),
  /** The secret sealed under the master key, Base64; never stored in the clear. */
  sealedSecret: z.string(),
  createdAt: z.string(),
});

const StoredKeyStore = z.object({
  name: z.string(),
  uriPathPrefix: z.string(),
  region: z.string(),
  module: z.string(),
  maxRequestsPerSecond: z.number().optional(),
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

/** A key store as the proxy serves it: secrets opened in memory, ready for SigV4 verification. */
export type ActiveKeyStore = {
  readonly name: string;
  readonly uriPathPrefix: string;
  readonly region: string;
  readonly module: string;
  readonly accessKeyIds: readonly string[];
  secretFor(accessKeyId: string): string | undefined;
  /** False when the key store's request quota is used up for now. */
  admit(nowMs: number): boolean;
};

export type KeyStoreErrorCode =
  | 'KEYSTORE_EXISTS'
  | 'PREFIX_IN_USE'
  | 'ACCESS_KEY_IN_USE'
  | 'KEYSTORE_NOT_FOUND';

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
 * Records live in the shared KeyStore; the registry keeps an in-memory index by prefix for the hot path.
 */
export class KeyStoreRegistry {
  private readonly byPrefix = new Map<string, ActiveKeyStore>();
  private readonly byName = new Map<string, StoredKeyStore>();

  private readonly store: KeyStore;
  private readonly sealer: SecretSealer;
  private readonly clock: () => Date;

  private constructor(store: KeyStore, sealer: SecretSealer, clock: () => Date) {
    this.store = store;
    this.sealer = sealer;
    this.clock = clock;
  }

  static async load(store: KeyStore, sealer: SecretSealer, clock: () => Date = () => new Date()) {
    const registry = new KeyStoreRegistry(store, sealer, clock);
    for (const { value } of await store.list({ prefix: RECORD_PREFIX })) {
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

  /** Creates a key store; durable before it resolves. */
  async create(input: KeyStoreInput): Promise<ActiveKeyStore> {
    if (this.byName.has(input.name)) {
      throw new KeyStoreError('KEYSTORE_EXISTS', `key store '${input.name}' already exists`);
    }
    if (this.byPrefix.has(input.uriPathPrefix)) {
      throw new KeyStoreError(
        'PREFIX_IN_USE',
        `URI path prefix '${input.uriPathPrefix}' is already served by another key store`,
      );
    }
    for (const c of input.credentials) this.assertAccessKeyFree(c.accessKeyId);
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
  }

  /** Adds a credential to a key store; it works at once, beside the ones already live. */
  async addCredential(name: string, credential: { accessKeyId: string; secretAccessKey: string }) {
    const record = this.byName.get(name);
    if (!record) throw new KeyStoreError('KEYSTORE_NOT_FOUND', `no key store named '${name}'`);
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
      `${RECORD_PREFIX}${record.name}`,
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
      accessKeyIds: [...secrets.keys()],
      secretFor: (id) => secrets.get(id),
      admit: (nowMs) => (bucket ? bucket.take(nowMs) : true),
    };
    this.byName.set(record.name, record);
    this.byPrefix.set(record.uriPathPrefix, active);
    return active;
  }
}
