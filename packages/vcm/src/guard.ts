import { VcmError } from './crypto/errors.ts';

function closed(): VcmError {
  return new VcmError('STORE_UNAVAILABLE', 'the module manager is closed');
}

/**
 * Whether the Vcm may still be used, in the two senses its calls need. The facade calls
 * `assertOpen` once at the start of every public call: after close() began, new calls are refused,
 * while writes queued before still run. `assertKeys` runs after an await that precedes a use of
 * key material or of the MAC key: once close() wiped them, code resuming there must not use them.
 */
export class Guard {
  #closing = false;
  #wiped = false;

  assertOpen(): void {
    if (this.#closing) throw closed();
  }

  assertKeys(): void {
    if (this.#wiped) throw closed();
  }

  /** close() began: refuse new calls. */
  refuseCalls(): void {
    this.#closing = true;
  }

  /** close() is about to wipe the keys (every queued write has finished). */
  markWiped(): void {
    this.#wiped = true;
  }
}
