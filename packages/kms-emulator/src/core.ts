/**
 * What every action works with: the state, the injected clock and random source, the XKS client,
 * metrics and quota, and the small rules shared by several actions (finding keys, key states,
 * health results). Built once by KmsEmulator.
 */
import type { GetHealthStatusResponse } from '@xkslab/protocol';
import { KmsError } from './errors.ts';
import { type Account, keyArn, parseKeyReference } from './ids.ts';
import type { KeyMetaStore } from './key-meta.ts';
import { specMetadataOf } from './key-specs.ts';
import { effectiveState, stateError, wipeExpiredMaterial } from './key-state.ts';
import type { KmsMetrics } from './metrics.ts';
import type { Alias, CustomKeyStore, KeyState, KmsKey, PendingImport, Principal } from './model.ts';
import { expireImports } from './pending-imports.ts';
import type { KeyStoreQuota } from './quota.ts';
import type { XksClient, XksTarget } from './xks/xks-client.ts';

export type EmulatorSettings = {
  connectDelayMs: number;
  disconnectDelayMs: number;
  healthIntervalMs: number;
  xksTimeoutMs: number;
  quotaPerSecond: number;
};

/** The KMS request being served. */
export type CallContext = { requestId: string; principal: Principal };

export type Core = {
  readonly account: Account;
  readonly settings: EmulatorSettings;
  readonly clock: () => Date;
  readonly random: (n: number) => Uint8Array;
  readonly xks: XksClient;
  readonly metrics: KmsMetrics;
  readonly quota: KeyStoreQuota;
  readonly keyStores: Map<string, CustomKeyStore>;
  readonly keys: Map<string, KmsKey>;
  readonly aliases: Map<string, Alias>;
  /** Import parameters handed out, by token digest (pending-imports.ts). */
  readonly imports: Map<string, PendingImport>;
  /** Tags, key policies, rotation and grants of the keys. */
  readonly meta: KeyMetaStore;
  uuid(): string;
  /** Persists the state (when a storage is configured); resolves once it is written. */
  save(): Promise<void>;
  /** Starts a connection attempt that ends after the connect delay (see KmsEmulator). */
  beginConnect(store: CustomKeyStore, requestId: string): void;
  /** Starts a disconnection that ends after the disconnect delay. */
  beginDisconnect(store: CustomKeyStore): void;
};

export function nowMs(core: Core): number {
  return core.clock().getTime();
}

/** Epoch seconds, the JSON 1.1 protocol's timestamp format. */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}

export function targetOf(core: Core, store: CustomKeyStore): XksTarget {
  return { keyStoreId: store.id, region: core.account.region, proxy: store.proxy };
}

export function requireKeyStore(core: Core, id: string): CustomKeyStore {
  const store = core.keyStores.get(id);
  if (!store) {
    throw new KmsError(
      'CustomKeyStoreNotFoundException',
      `Custom key store ${id} does not exist in this account and Region.`,
    );
  }
  return store;
}

/** The key a KeyId parameter names (key id, key ARN, alias name or alias ARN). */
export function findKey(core: Core, keyIdParam: string): KmsKey {
  const ref = parseKeyReference(core.account, keyIdParam);
  if (ref.kind === 'invalid') {
    if (ref.reason === 'malformed') {
      throw new KmsError('InvalidArnException', `Invalid arn ${keyIdParam}`);
    }
    throw new KmsError('NotFoundException', `Key '${keyIdParam}' does not exist`);
  }
  let keyId: string;
  if (ref.kind === 'alias') {
    const alias = core.aliases.get(ref.aliasName);
    if (!alias) {
      throw new KmsError(
        'NotFoundException',
        `Alias arn:aws:kms:${core.account.region}:${core.account.accountId}:${ref.aliasName} is not found.`,
      );
    }
    keyId = alias.targetKeyId;
  } else {
    keyId = ref.keyId;
  }
  const key = core.keys.get(keyId);
  if (!key) {
    throw new KmsError('NotFoundException', `Key '${keyArn(core.account, keyId)}' does not exist`);
  }
  return key;
}

/** The key state DescribeKey shows (see key-state.ts). */
export function keyStateOf(core: Core, key: KmsKey): KeyState {
  return effectiveState(core, key);
}

/** Refuses XKS keys that cannot be used for cryptography right now; returns their key store. */
export function requireUsable(core: Core, key: KmsKey): CustomKeyStore {
  if (key.state !== 'Enabled') throw stateError(key, key.state);
  const store = core.keyStores.get(key.customKeyStoreId ?? '');
  if (store?.connectionState !== 'CONNECTED') {
    throw new KmsError(
      'KMSInvalidStateException',
      `${key.arn} is unavailable: its external key store ${key.customKeyStoreId} is not connected (${store?.connectionState ?? 'deleted'}).`,
    );
  }
  return store;
}

/** §5: one request from the key store's shared quota, or ThrottlingException. */
export function admit(core: Core, store: CustomKeyStore, kmsOperation: string): void {
  if (core.quota.admit(store.id, nowMs(core))) return;
  core.metrics.recordThrottle(store.id, kmsOperation);
  throw new KmsError(
    'ThrottlingException',
    `You have exceeded the rate at which you may call KMS with keys in custom key store ${store.id}. Reduce the frequency of your calls.`,
  );
}

export function keyMetadataOf(core: Core, key: KmsKey): Record<string, unknown> {
  const state = keyStateOf(core, key);
  return {
    AWSAccountId: core.account.accountId,
    KeyId: key.id,
    Arn: key.arn,
    CreationDate: epochSeconds(key.createdAt),
    Enabled: state === 'Enabled',
    Description: key.description,
    KeyState: state,
    ...(key.deletionDate === undefined ? {} : { DeletionDate: epochSeconds(key.deletionDate) }),
    ...(key.pendingWindowInDays === undefined
      ? {}
      : { PendingDeletionWindowInDays: key.pendingWindowInDays }),
    KeyManager: 'CUSTOMER',
    MultiRegion: false,
    ...specMetadataOf(key),
  };
}

/** Counts the key manager instances of a health answer and records them (§5). */
export function recordHealth(
  core: Core,
  keyStoreId: string,
  health: GetHealthStatusResponse,
): { allUnavailable: boolean } {
  const counts = { Active: 0, Degraded: 0, Unavailable: 0 };
  for (const entry of health.ekmFleetDetails) {
    if (entry.healthStatus === 'ACTIVE') counts.Active += 1;
    else if (entry.healthStatus === 'DEGRADED') counts.Degraded += 1;
    else counts.Unavailable += 1;
  }
  core.metrics.recordKeyManagerStates(keyStoreId, counts, nowMs(core));
  return { allUnavailable: counts.Active === 0 && counts.Degraded === 0 };
}

/**
 * Removes keys whose deletion date has passed, with their aliases (KMS deletes them then),
 * imported material that has expired, and expired import parameters.
 */
export function sweepDeletedKeys(core: Core): boolean {
  const now = nowMs(core);
  let removed = wipeExpiredMaterial(core.keys.values(), now);
  for (const key of core.keys.values()) {
    if (
      key.state === 'PendingDeletion' &&
      key.deletionDate !== undefined &&
      key.deletionDate <= now
    ) {
      key.material.fill(0);
      for (const earlier of key.earlierMaterials ?? []) earlier.fill(0);
      core.keys.delete(key.id);
      for (const alias of core.aliases.values()) {
        if (alias.targetKeyId === key.id) core.aliases.delete(alias.name);
      }
      removed = true;
    }
  }
  return expireImports(core.imports, core.keys, now) || removed;
}

/** Paging over a list with the numeric Marker the emulator hands out. */
export function page<T>(
  items: readonly T[],
  limit: number | undefined,
  marker: string | undefined,
): { items: T[]; truncated: boolean; nextMarker?: string } {
  const start = marker === undefined ? 0 : Number(marker);
  if (!Number.isSafeInteger(start) || start < 0 || start > items.length) {
    throw new KmsError(
      'InvalidMarkerException',
      'The marker that specifies where to start is not valid.',
    );
  }
  const size = limit ?? 100;
  const slice = items.slice(start, start + size);
  const end = start + slice.length;
  return end < items.length
    ? { items: slice, truncated: true, nextMarker: String(end) }
    : { items: slice, truncated: false };
}
