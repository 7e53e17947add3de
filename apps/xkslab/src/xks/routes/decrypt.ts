import {
  CIPHERTEXT_METADATA_MAX_BYTES,
  DecryptRequest,
  type DecryptResponse,
  encodeBase64,
} from '@xkslab/protocol';
import { keyVersionOf } from '../ciphertext-metadata.ts';
import { decodeAad, decodeData, decodeField, decodeOptionalField } from '../decode.ts';
import { defineRoute } from '../route.ts';

/** IV and tag are decoded up to this size; the module then insists on 12/16 and 16 bytes. */
const MAX_IV_OR_TAG_BYTES = 64;

/** Decrypt (spec §1.5). Any mismatch of ciphertext, IV, tag, AAD or metadata is InvalidCiphertextException. */
export const decryptRoute = defineRoute({
  operation: 'Decrypt',
  schema: DecryptRequest,
  async handle({ limits }, { keyStore, keyId, request, crypto }): Promise<DecryptResponse> {
    const ciphertext = decodeData('ciphertext', request.ciphertext, limits);
    const iv = decodeField(
      'initializationVector',
      request.initializationVector,
      MAX_IV_OR_TAG_BYTES,
      'InvalidCiphertextException',
    );
    const tag = decodeField(
      'authenticationTag',
      request.authenticationTag,
      MAX_IV_OR_TAG_BYTES,
      'InvalidCiphertextException',
    );
    const aad = decodeAad(request.additionalAuthenticatedData, limits.maxAadBytes);
    const metadata = decodeOptionalField(
      'ciphertextMetadata',
      request.ciphertextMetadata,
      CIPHERTEXT_METADATA_MAX_BYTES,
      'ValidationException',
    );
    // The module checks, in order: key exists, enabled, allows DECRYPT, then IV/tag sizes,
    // key version and the GCM tag. Metadata this proxy did not write names no version (0).
    const plaintext = await crypto.module.decrypt(keyStore.module, keyId, {
      ciphertext,
      iv,
      tag,
      aad: crypto.gcmAad(aad, metadata),
      keyVersion: keyVersionOf(metadata),
    });
    return { plaintext: encodeBase64(plaintext) };
  },
});
