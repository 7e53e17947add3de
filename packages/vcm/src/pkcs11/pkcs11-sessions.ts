import type * as Pkcs11js from 'pkcs11js';
import { VcmError } from '../crypto/errors.ts';
import { type Pkcs11Config, tokenName } from './pkcs11-config.ts';
import { CKR, ckrName, ckrOf, isSessionLost } from './pkcs11-errors.ts';
import type { Handle, Pkcs11Library } from './pkcs11-library.ts';

/** Sessions a token keeps open and logged in (AWS's reference proxy allows 30 by default). */
export const SESSION_POOL_MAX = 8;

/** Device errors after which the library's context itself is initialised again. */
const CONTEXT_LOST: ReadonlySet<number> = new Set([
  CKR.DEVICE_ERROR,
  CKR.DEVICE_REMOVED,
  CKR.CRYPTOKI_NOT_INITIALIZED,
]);

/** A session and the generation of the pool it was opened in. */
type Lease = { session: Handle; generation: number };

/**
 * A small pool of read/write sessions on one token, logged in as CKU_USER (PKCS#11 logs a whole
 * application in at once, so the first C_Login serves every later session). A session-level
 * failure (CKR_SESSION_HANDLE_INVALID, CKR_DEVICE_ERROR, the token removed, ...) empties the pool:
 * the sessions are dropped, the slot is looked up again, and after a device error the library's
 * context is initialised again; the next call opens and logs in afresh. Until a session opens
 * again, `lost` says why, and health reports the token UNAVAILABLE.
 */
export class Pkcs11Sessions {
  readonly #lib: Pkcs11Library;
  readonly #config: Pkcs11Config;
  readonly #pin: () => Promise<string>;
  readonly #max: number;
  readonly #onReset: () => void;
  #slot: Handle | undefined;
  #idle: Lease[] = [];
  #out = 0;
  #generation = 0;
  #waiters: Array<() => void> = [];
  #lost: string | undefined;
  #closed = false;

  constructor(
    lib: Pkcs11Library,
    config: Pkcs11Config,
    pin: () => Promise<string>,
    options: { max?: number; onReset: () => void },
  ) {
    this.#lib = lib;
    this.#config = config;
    this.#pin = pin;
    this.#max = options.max ?? SESSION_POOL_MAX;
    this.#onReset = options.onReset;
  }

  get api(): typeof Pkcs11js {
    return this.#lib.api;
  }

  get p11(): Pkcs11js.PKCS11 {
    return this.#lib.p11;
  }

  /** Why the last attempt to reach the token failed, while it has not succeeded since. */
  get lost(): string | undefined {
    return this.#lost;
  }

  /**
   * Runs `fn` with a logged-in session. A session-level failure resets the pool and, when
   * `retry` (the default: the calls here have no effect a retry could double), runs `fn` once
   * more on a fresh session.
   */
  async use<T>(fn: (session: Handle) => T | Promise<T>, retry = true): Promise<T> {
    try {
      return await this.#useOnce(fn);
    } catch (e) {
      if (!retry || !isSessionLost(e)) throw e;
      return this.#useOnce(fn);
    }
  }

  async #useOnce<T>(fn: (session: Handle) => T | Promise<T>): Promise<T> {
    let lease: Lease;
    try {
      lease = await this.#acquire();
    } catch (e) {
      // Opening failed on a lost context (CKR_CRYPTOKI_NOT_INITIALIZED after a failed
      // C_Initialize, say): reset, so the retry or the next call initialises it again.
      if (isSessionLost(e)) this.reset(e);
      throw e;
    }
    let ok = true;
    try {
      return await fn(lease.session);
    } catch (e) {
      if (isSessionLost(e)) {
        ok = false;
        this.reset(e);
      }
      throw e;
    } finally {
      this.#release(lease, ok);
    }
  }

  /** The slot of the configured token (looked up again after a reset). */
  slot(): Handle {
    this.#slot ??= this.#findSlot();
    return this.#slot;
  }

  /**
   * Drops every session after a session-level failure; the next call starts afresh. After a
   * device error, or with `reinitialize` (a failed health probe: the token may have been removed
   * and put back, which SoftHSMv2, like the reference proxy's HSMs, only sees after C_Initialize),
   * the library's context is initialised again; the library's other modules reopen on their own.
   */
  reset(cause: unknown, options: { reinitialize?: boolean } = {}): void {
    this.#generation++;
    this.#lost = ckrName(cause);
    const idle = this.#idle;
    this.#idle = [];
    for (const lease of idle) this.#closeSession(lease.session);
    this.#slot = undefined;
    this.#onReset();
    const code = ckrOf(cause);
    if (options.reinitialize === true || (code !== undefined && CONTEXT_LOST.has(code))) {
      try {
        this.#lib.reinitialize();
      } catch (e) {
        this.#lost = ckrName(e);
      }
    }
  }

  /** Closes the idle sessions; sessions in use are closed when released. */
  close(): void {
    this.#closed = true;
    this.#generation++;
    for (const lease of this.#idle) this.#closeSession(lease.session);
    this.#idle = [];
    for (const wake of this.#waiters.splice(0)) wake();
  }

  async #acquire(): Promise<Lease> {
    for (;;) {
      if (this.#closed) throw new VcmError('STORE_UNAVAILABLE', 'the module is closed');
      const idle = this.#idle.pop();
      if (idle !== undefined) {
        this.#out++;
        return idle;
      }
      if (this.#out < this.#max) {
        this.#out++;
        try {
          return await this.#openSession();
        } catch (e) {
          this.#out--;
          this.#wakeOne();
          throw e;
        }
      }
      await new Promise<void>((wake) => this.#waiters.push(wake));
    }
  }

  #release(lease: Lease, ok: boolean): void {
    this.#out--;
    if (ok && !this.#closed && lease.generation === this.#generation) this.#idle.push(lease);
    else if (ok) this.#closeSession(lease.session);
    this.#wakeOne();
  }

  #wakeOne(): void {
    this.#waiters.shift()?.();
  }

  async #openSession(): Promise<Lease> {
    const generation = this.#generation;
    const pin = await this.#pin();
    const { p11, api } = this.#lib;
    let session: Handle;
    try {
      session = p11.C_OpenSession(this.slot(), api.CKF_RW_SESSION | api.CKF_SERIAL_SESSION);
    } catch (e) {
      this.#noteFailure(e);
      throw e;
    }
    try {
      p11.C_Login(session, api.CKU_USER, pin);
    } catch (e) {
      if (ckrOf(e) !== CKR.USER_ALREADY_LOGGED_IN) {
        this.#closeSession(session);
        this.#noteFailure(e);
        throw loginError(e, this.#config);
      }
    }
    this.#lost = undefined;
    return { session, generation };
  }

  #noteFailure(e: unknown): void {
    this.#lost = e instanceof VcmError ? e.message : ckrName(e);
    this.#slot = undefined;
  }

  #closeSession(session: Handle): void {
    try {
      this.#lib.p11.C_CloseSession(session);
    } catch {
      // A session of a lost context or a removed token: nothing left to close.
    }
  }

  /**
   * The configured token's slot. When it is not there, the library's context is initialised once
   * more and the slots listed again: a token put back is seen only after C_Initialize.
   */
  #findSlot(): Handle {
    const found = this.#searchSlots();
    if (found !== undefined) return found;
    this.#lib.reinitialize();
    const again = this.#searchSlots();
    if (again !== undefined) return again;
    throw new VcmError(
      'HSM_ERROR',
      `${tokenName(this.#config)} is not present in ${this.#lib.path}`,
    );
  }

  #searchSlots(): Handle | undefined {
    const { p11 } = this.#lib;
    const { slot, tokenLabel } = this.#config;
    for (const s of p11.C_GetSlotList(true)) {
      if (slot !== undefined && slotNumber(s) === slot) return s;
      if (tokenLabel !== undefined && tokenLabelOf(p11, s) === tokenLabel) return s;
    }
    return undefined;
  }
}

/** A slot's token label, or undefined when the token cannot be read. */
function tokenLabelOf(p11: Pkcs11js.PKCS11, slot: Handle): string | undefined {
  try {
    return p11.C_GetTokenInfo(slot).label.trim();
  } catch {
    return undefined;
  }
}

/** A slot handle (a CK_SLOT_ID in host byte order, as pkcs11js hands it out) as a number. */
export function slotNumber(slot: Handle): number {
  return slot.length >= 8 ? Number(slot.readBigUInt64LE(0)) : slot.readUInt32LE(0);
}

function loginError(e: unknown, config: Pkcs11Config): VcmError {
  const code = ckrOf(e);
  const why =
    code === CKR.PIN_INCORRECT
      ? 'the PIN is incorrect'
      : code === CKR.PIN_LOCKED
        ? 'the PIN is locked'
        : ckrName(e);
  return new VcmError('HSM_ERROR', `cannot log in to ${tokenName(config)}: ${why}`, { cause: e });
}
