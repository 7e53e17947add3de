/**
 * Key states (KMS Developer Guide, "Key states of AWS KMS keys") and what each allows. A
 * cryptographic operation needs Enabled: Disabled answers DisabledException, PendingDeletion,
 * PendingImport and Unavailable answer KMSInvalidStateException.
 */
import { KmsError } from './errors.ts';
import type { CustomKeyStore, KeyState, KmsKey } from './model.ts';

type StateView = {
  readonly keyStores: ReadonlyMap<string, CustomKeyStore>;
  readonly clock: () => Date;
};

/** Whether an EXTERNAL key holds key material that has not expired. */
export function hasMaterial(view: StateView, key: KmsKey): boolean {
  if (key.material.length === 0) return false;
  return key.validTo === undefined || key.validTo > view.clock().getTime();
}

/** The state DescribeKey shows. */
export function effectiveState(view: StateView, key: KmsKey): KeyState {
  if (key.state === 'PendingDeletion') return key.state;
  if (key.origin === 'EXTERNAL' && !hasMaterial(view, key)) return 'PendingImport';
  if (key.origin !== 'EXTERNAL_KEY_STORE') return key.state;
  const store = view.keyStores.get(key.customKeyStoreId ?? '');
  return store?.connectionState === 'CONNECTED' ? key.state : 'Unavailable';
}

/** The error KMS answers for a key in `state` when the operation needs Enabled. */
export function stateError(key: KmsKey, state: KeyState): KmsError {
  if (state === 'Disabled') return new KmsError('DisabledException', `${key.arn} is disabled.`);
  const why =
    state === 'PendingDeletion'
      ? 'pending deletion'
      : state === 'PendingImport'
        ? 'pending import'
        : 'unavailable';
  return new KmsError('KMSInvalidStateException', `${key.arn} is ${why}.`);
}

/** Refuses a key that cannot be used for cryptography right now. */
export function requireEnabled(view: StateView, key: KmsKey): void {
  const state = effectiveState(view, key);
  if (state !== 'Enabled') throw stateError(key, state);
}

/** KMS deletes imported material when it expires: wipes it; true when any was. */
export function wipeExpiredMaterial(keys: Iterable<KmsKey>, now: number): boolean {
  let wiped = false;
  for (const key of keys) {
    if (key.validTo !== undefined && key.validTo <= now && key.material.length > 0) {
      key.material.fill(0);
      key.material = new Uint8Array(0);
      wiped = true;
    }
  }
  return wiped;
}
