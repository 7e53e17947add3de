/** Constants of the module service and its storage layout. Crypto constants: crypto/constants.ts. */

/** What a key may be used for (the XKS `keyUsage` values this module implements). */
export const KEY_USAGES = ['ENCRYPT', 'DECRYPT', 'WRAP', 'UNWRAP'] as const;

/** A key's status as the XKS API reports it. */
export const KEY_STATUSES = ['ENABLED', 'DISABLED'] as const;

/** A key's lifecycle state: its status, or PENDING_DELETION (reported DISABLED over XKS). */
export const KEY_STATES = ['ENABLED', 'DISABLED', 'PENDING_DELETION'] as const;

/** Where a key's material came from. */
export const KEY_ORIGINS = ['GENERATED', 'IMPORTED'] as const;

/**
 * A module's state. `maintenance` and `disconnected` refuse every operation on its keys (as a
 * partition taken offline, or an HSM the proxy cannot reach) and make every node UNAVAILABLE.
 */
export const MODULE_STATES = ['active', 'maintenance', 'disconnected'] as const;

/** Waiting period of a scheduled key deletion, in days (AWS KMS uses 7-30; a lab wants 1). */
export const PENDING_WINDOW_DAYS_MIN = 1;
export const PENDING_WINDOW_DAYS_MAX = 30;
export const PENDING_WINDOW_DAYS_DEFAULT = 30;

/** Module names: 1-64 of [A-Za-z0-9._-]. No '/', so storage prefixes never collide. */
export const MODULE_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** Key ids: 1-128 of [A-Za-z0-9._-]. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** Virtual HSM nodes per module (XKS ekmFleetDetails allows 1-10 entries). */
export const MODULE_NODES_MIN = 1;
export const MODULE_NODES_MAX = 10;
export const MODULE_NODES_DEFAULT = 1;

/** Largest plaintext, ciphertext or AAD the module takes (the XKS minimums are 4300 and 8192). */
export const MAX_DATA_BYTES = 1024 * 1024;

/** Keys whose unwrapped material the Vcm keeps in memory (LRU): ~1.5 KiB each. */
export const KEY_CACHE_ENTRIES_DEFAULT = 10_000;

/** Most keys one createKeys call writes (one atomic, synced store batch). */
export const MAX_BULK_KEYS = 10_000;

/** Largest secret sealSecret takes. */
export const MAX_SEALED_SECRET_BYTES = 64 * 1024;

/** Size of the random value wrapped under the master key as its check value. */
export const MASTER_CHECK_BYTES = 32;

/** Size of the random block each node encrypts and decrypts in a health check. */
export const HEALTH_CHECK_BLOCK_BYTES = 32;
/**
 * The longest a health check reuses what it read or unwrapped before (the module record from the
 * store, the unwrapped health-check key): nothing it keeps hides a failed node for longer.
 */
export const HEALTH_CHECK_REUSE_MS = 1000;

/** Version of the stored record envelope. */
export const RECORD_VERSION = 1;

/** Storage layout. Everything this package writes is under `vcm/`. */
export const STORE_PREFIX = 'vcm/';
export const MASTER_CHECK_STORE_KEY = 'vcm/meta/master-check';
export const MODULE_RECORD_PREFIX = 'vcm/module/';
export const KEY_RECORD_PREFIX = 'vcm/key/';
/**
 * The xkslab-side state of a key that lives in a PKCS#11 token (status, kill switch, when xkslab
 * generated it): the token holds the key, this record only what PKCS#11 has no attribute for.
 */
export const TOKEN_KEY_RECORD_PREFIX = 'vcm/token-key/';
