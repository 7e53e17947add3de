/**
 * What KMS keeps about a key besides its material and state: tags, the key policy, automatic and
 * on-demand rotation, and grants. Kept beside the keys (one record per key id, created with the
 * defaults on first use), so every key, however it was created, has them.
 */
import type { Account } from './ids.ts';

/** KMS quotas and rules that apply to this metadata. */
export const MAX_TAGS_PER_KEY = 50;
export const RESERVED_TAG_PREFIX = 'aws:';
export const DEFAULT_POLICY_NAME = 'default';
export const ROTATION_PERIOD_DEFAULT_DAYS = 365;
export const ROTATION_PERIOD_MIN_DAYS = 90;
export const ROTATION_PERIOD_MAX_DAYS = 2560;
export const MAX_ON_DEMAND_ROTATIONS = 10;
export const MAX_GRANTS_PER_KEY = 50_000;
export const POLICY_MAX_BYTES = 32_768;
export const DAY_MS = 24 * 60 * 60 * 1000;

export type Tag = { TagKey: string; TagValue: string };

export type Rotation = { at: number; type: 'AUTOMATIC' | 'ON_DEMAND' };

export type KeyMeta = {
  keyId: string;
  /** Tag key to value, in the order the keys were first set. */
  tags: Map<string, string>;
  /** The key policy, stored and returned byte for byte. */
  policy: string;
  rotationEnabled: boolean;
  rotationPeriodDays: number;
  /** When the next automatic rotation falls due (epoch ms), while rotation is enabled. */
  nextRotationAt?: number | undefined;
  rotations: Rotation[];
};

export type GrantConstraints = {
  EncryptionContextSubset?: Record<string, string> | undefined;
  EncryptionContextEquals?: Record<string, string> | undefined;
};

export type Grant = {
  grantId: string;
  token: string;
  keyId: string;
  name?: string | undefined;
  createdAt: number;
  granteePrincipal: string;
  retiringPrincipal?: string | undefined;
  issuingAccount: string;
  operations: string[];
  constraints?: GrantConstraints | undefined;
};

/**
 * The key policy KMS gives a key created without one: the account may use IAM policies to allow
 * access. Formatted as KMS returns it from GetKeyPolicy.
 */
export function defaultKeyPolicy(account: Account): string {
  return `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::${account.accountId}:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`;
}

/** Per-key metadata and the account's grants. */
export class KeyMetaStore {
  readonly #byKey = new Map<string, KeyMeta>();
  readonly grants = new Map<string, Grant>();
  readonly #account: Account;

  constructor(account: Account) {
    this.#account = account;
  }

  /** The metadata of a key, created with KMS's defaults on first use. */
  of(keyId: string): KeyMeta {
    let meta = this.#byKey.get(keyId);
    if (!meta) {
      meta = {
        keyId,
        tags: new Map(),
        policy: defaultKeyPolicy(this.#account),
        rotationEnabled: false,
        rotationPeriodDays: ROTATION_PERIOD_DEFAULT_DAYS,
        rotations: [],
      };
      this.#byKey.set(keyId, meta);
    }
    return meta;
  }

  set(meta: KeyMeta): void {
    this.#byKey.set(meta.keyId, meta);
  }

  /** The records of the keys that still exist (deleted keys take their tags and grants along). */
  retain(exists: (keyId: string) => boolean): { meta: KeyMeta[]; grants: Grant[] } {
    for (const id of this.#byKey.keys()) if (!exists(id)) this.#byKey.delete(id);
    for (const [id, grant] of this.grants) if (!exists(grant.keyId)) this.grants.delete(id);
    return { meta: [...this.#byKey.values()], grants: [...this.grants.values()] };
  }

  /** The keys whose next automatic rotation is due at `now`. */
  rotationsDue(now: number): KeyMeta[] {
    return [...this.#byKey.values()].filter(
      (m) => m.rotationEnabled && m.nextRotationAt !== undefined && m.nextRotationAt <= now,
    );
  }

  grantsOf(keyId: string): Grant[] {
    return [...this.grants.values()]
      .filter((g) => g.keyId === keyId)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  grantByToken(token: string): Grant | undefined {
    for (const grant of this.grants.values()) if (grant.token === token) return grant;
    return undefined;
  }
}

/**
 * Records the automatic rotations that fell due up to `now` (KMS rotates on schedule); returns
 * how many, so the caller makes as many new materials (key-rotation.ts).
 */
export function catchUpRotations(meta: KeyMeta, now: number): number {
  let count = 0;
  while (meta.rotationEnabled && meta.nextRotationAt !== undefined && meta.nextRotationAt <= now) {
    meta.rotations.push({ at: meta.nextRotationAt, type: 'AUTOMATIC' });
    meta.nextRotationAt += meta.rotationPeriodDays * DAY_MS;
    count += 1;
  }
  return count;
}
