import { VcmError } from '../crypto/errors.ts';
import { type Pkcs11Config, type Pkcs11PinSource, pkcs11ConfigBody } from './pkcs11-config.ts';
import { Pkcs11Library } from './pkcs11-library.ts';
import { Pkcs11Token } from './pkcs11-token.ts';

type Open = { config: string; token: Promise<Pkcs11Token> };

/**
 * The open tokens of the `pkcs11` modules, one per module, opened on first use: the library is
 * loaded (shared by the modules that name it) and the PIN read from where the module's config
 * says, through the embedder's PIN source, each time sessions are opened and logged in.
 */
export class TokenRegistry {
  readonly #pin: Pkcs11PinSource | undefined;
  readonly #open = new Map<string, Open>();

  constructor(pin: Pkcs11PinSource | undefined) {
    this.#pin = pin;
  }

  /** The module's token, opened on the first call (again after a failed open). */
  token(module: string, config: Pkcs11Config): Promise<Pkcs11Token> {
    const key = JSON.stringify(pkcs11ConfigBody(config));
    const open = this.#open.get(module);
    if (open !== undefined && open.config === key) return open.token;
    if (open !== undefined) this.forget(module);
    const token = this.#openToken(config);
    this.#open.set(module, { config: key, token });
    token.catch(() => {
      if (this.#open.get(module)?.token === token) this.#open.delete(module);
    });
    return token;
  }

  /** Closes a module's token (the module was deleted, or its creation failed). */
  forget(module: string): void {
    const open = this.#open.get(module);
    if (open === undefined) return;
    this.#open.delete(module);
    open.token.then(
      (t) => t.close(),
      () => undefined,
    );
  }

  async closeAll(): Promise<void> {
    const open = [...this.#open.values()];
    this.#open.clear();
    for (const { token } of open) {
      try {
        (await token).close();
      } catch {
        // A token that never opened has nothing to close.
      }
    }
  }

  async #openToken(config: Pkcs11Config): Promise<Pkcs11Token> {
    const source = this.#pin;
    if (source === undefined) {
      throw new VcmError('HSM_ERROR', 'no PIN source is configured for PKCS#11 modules');
    }
    const lib = await Pkcs11Library.acquire(config.library);
    return new Pkcs11Token(lib, config, () => source(config));
  }
}
