/** GenerateRandom: bytes from the emulator's random source (node:crypto in `xkslab kms`). */
import { defineAction } from '../action.ts';
import { requireKeyStore } from '../core.ts';
import { KmsError } from '../errors.ts';
import { GenerateRandomRequest } from '../key-schemas.ts';

export const generateRandom = defineAction({
  schema: GenerateRandomRequest,
  async handle(core, input) {
    if (input.CustomKeyStoreId !== undefined) {
      const store = requireKeyStore(core, input.CustomKeyStoreId);
      // KMS generates random bytes in CloudHSM key stores only, never in an external key store.
      throw new KmsError(
        'UnsupportedOperationException',
        `GenerateRandom does not support external key store ${store.id}.`,
      );
    }
    if (input.NumberOfBytes === undefined) {
      throw new KmsError(
        'ValidationException',
        "1 validation error detected: Value null at 'numberOfBytes' failed to satisfy constraint: Member must not be null",
      );
    }
    const bytes = core.random(input.NumberOfBytes);
    const response = { Plaintext: Buffer.from(bytes).toString('base64') };
    bytes.fill(0);
    return response;
  },
});
