import { MAX_SEALED_SECRET_BYTES } from '../constants.ts';
import type { VcmContext } from '../context.ts';
import { GCM_IV_BYTES, GCM_TAG_BYTES, SECRET_SEAL_INFO } from '../crypto/constants.ts';
import { deriveKey } from '../crypto/derive-key.ts';
import { VcmError } from '../crypto/errors.ts';
import { openSecretWithKey, sealSecretWithKey } from '../crypto/secret-seal.ts';
import { checkBytes } from '../validation.ts';

function checkContext(context: unknown): asserts context is string {
  if (typeof context !== 'string') {
    throw new VcmError('INVALID_INPUT', 'context must be a string');
  }
}

/** Small secrets sealed under a key derived from the master key (crypto/secret-seal.ts). */
export class SealedSecrets {
  readonly #ctx: VcmContext;
  readonly #sealKey: Uint8Array;

  constructor(ctx: VcmContext, masterKey: Uint8Array) {
    this.#ctx = ctx;
    this.#sealKey = deriveKey(masterKey, SECRET_SEAL_INFO);
  }

  seal(plaintext: Uint8Array, context: string): Uint8Array {
    checkBytes(plaintext, 'secret', MAX_SEALED_SECRET_BYTES);
    checkContext(context);
    return sealSecretWithKey(this.#sealKey, this.#ctx.bytes(GCM_IV_BYTES), plaintext, context);
  }

  open(sealed: Uint8Array, context: string): Uint8Array {
    checkBytes(sealed, 'sealed secret', MAX_SEALED_SECRET_BYTES + GCM_IV_BYTES + GCM_TAG_BYTES);
    checkContext(context);
    return openSecretWithKey(this.#sealKey, sealed, context);
  }

  wipe(): void {
    this.#sealKey.fill(0);
  }
}
