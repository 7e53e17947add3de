import type * as Pkcs11js from 'pkcs11js';
import { VcmError } from '../crypto/errors.ts';
import { CKR, ckrName, ckrOf } from './pkcs11-errors.ts';

export type Pkcs11Api = typeof Pkcs11js;
export type Pkcs11 = Pkcs11js.PKCS11;
export type Handle = Pkcs11js.Handle;

let api: Promise<Pkcs11Api> | undefined;

/**
 * pkcs11js (a native addon), loaded on first use only: a lab with virtual modules never needs it,
 * and an installation where it could not be built still serves virtual modules.
 */
export function loadPkcs11Api(): Promise<Pkcs11Api> {
  api ??= import('pkcs11js').then(
    (ns) => ((ns as { default?: Pkcs11Api }).default ?? ns) as Pkcs11Api,
    (e: unknown) => {
      api = undefined;
      throw new VcmError(
        'HSM_ERROR',
        'PKCS#11 modules need the pkcs11js npm package, which is not installed or not built here',
        { cause: e },
      );
    },
  );
  return api;
}

/**
 * One loaded PKCS#11 library, shared by every module that names the same path: C_Initialize may
 * run once per process and library, so modules on one library share its context. `reinitialize`
 * is the recovery after a device error (as AWS's reference proxy does): C_Finalize, then
 * C_Initialize with OS locking (calls run on the libuv thread pool, several at once).
 */
export class Pkcs11Library {
  static readonly #open = new Map<string, Promise<Pkcs11Library>>();
  readonly path: string;
  readonly api: Pkcs11Api;
  readonly p11: Pkcs11;
  #users = 0;

  private constructor(path: string, api: Pkcs11Api) {
    this.path = path;
    this.api = api;
    this.p11 = new api.PKCS11();
  }

  /** The library at `path`, loaded and initialised once; release() it when done. */
  static acquire(path: string): Promise<Pkcs11Library> {
    let opening = Pkcs11Library.#open.get(path);
    if (opening === undefined) {
      opening = Pkcs11Library.#load(path);
      Pkcs11Library.#open.set(path, opening);
      opening.catch(() => Pkcs11Library.#open.delete(path));
    }
    return opening.then((lib) => {
      lib.#users++;
      return lib;
    });
  }

  static async #load(path: string): Promise<Pkcs11Library> {
    const lib = new Pkcs11Library(path, await loadPkcs11Api());
    try {
      lib.p11.load(path);
    } catch (e) {
      throw new VcmError('HSM_ERROR', `cannot load the PKCS#11 library ${path}: ${ckrName(e)}`, {
        cause: e,
      });
    }
    lib.#initialize();
    return lib;
  }

  #initialize(): void {
    try {
      this.p11.C_Initialize({ flags: this.api.CKF_OS_LOCKING_OK });
    } catch (e) {
      if (ckrOf(e) === CKR.CRYPTOKI_ALREADY_INITIALIZED) return;
      throw new VcmError('HSM_ERROR', `C_Initialize failed for ${this.path}: ${ckrName(e)}`, {
        cause: e,
      });
    }
  }

  /** After a device error: finalize and initialise the context again (every session is gone). */
  reinitialize(): void {
    try {
      this.p11.C_Finalize();
    } catch {
      // Already finalized, or the device is gone: initialise afresh either way.
    }
    this.#initialize();
  }

  /** One user fewer; the last one finalizes the library and unloads it. */
  release(): void {
    this.#users--;
    if (this.#users > 0) return;
    Pkcs11Library.#open.delete(this.path);
    try {
      this.p11.C_Finalize();
      this.p11.close();
    } catch {
      // Closing a library that already failed: nothing more to free.
    }
  }
}
