import { randomBytes } from 'node:crypto';
import {
  buildGcmAad,
  CIPHERTEXT_METADATA_MAX_BYTES,
  DecryptRequest,
  type DecryptResponse,
  type DefectName,
  encodeBase64,
} from '@xkslab/protocol';
import { servesRefusal } from '../../faults/defects.ts';
import { keyVersionOf } from '../ciphertext-metadata.ts';
import { decodeField, decodeOptionalField } from '../decode.ts';
import { defineRoute, type XksDeps } from '../route.ts';

/** IV and tag are decoded up to this size; the module then insists on 12/16 and 16 bytes. */
const MAX_IV_OR_TAG_BYTES = 64;

/** Decrypt (spec §1.5). Any mismatch of ciphertext, IV, tag, AAD or metadata is InvalidCiphertextException. */
export const decryptRoute = defineRoute({
  operation: 'Decrypt',
  schema: DecryptRequest,
  async handle(deps, { keyStore, keyId, request, faults }): Promise<DecryptResponse> {
    const { limits, vcm } = deps;
    const defect = faults?.defect;
    const ciphertext = decodeField(
      'ciphertext',
      request.ciphertext,
      limits.maxPlaintextBytes,
      'UnsupportedOperationException',
    );
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
    const aad = decodeOptionalField(
      'additionalAuthenticatedData',
      request.additionalAuthenticatedData,
      limits.maxAadBytes,
      'UnsupportedOperationException',
    );
    const metadata = decodeOptionalField(
      'ciphertextMetadata',
      request.ciphertextMetadata,
      CIPHERTEXT_METADATA_MAX_BYTES,
      'ValidationException',
    );
    // The module checks, in order: key exists, enabled, allows DECRYPT, then IV/tag sizes,
    // key version and the GCM tag. Metadata this proxy did not write names no version (0).
    if (faults)
      return decryptWithFaults(deps, keyStore.module, keyId, defect, {
        ciphertext,
        iv,
        tag,
        aad,
        metadata,
      });
    const keyVersion = keyVersionOf(metadata);
    const plaintext = await vcm.decrypt(keyStore.module, keyId, {
      ciphertext,
      iv,
      tag,
      aad: buildGcmAad(aad, metadata),
      keyVersion,
    });
    return { plaintext: encodeBase64(plaintext) };
  },
});

/**
 * Decrypt under a defect profile: 'aad-ignored' leaves the AAD out of GCM, 'metadata-unbound'
 * neither binds ciphertextMetadata nor reads the key version from it (the current version is
 * used); 'usage-unenforced' and 'disabled-served' answer a refusal with emulated plaintext.
 */
async function decryptWithFaults(
  deps: XksDeps,
  module: string,
  keyId: string,
  defect: DefectName | undefined,
  input: {
    ciphertext: Uint8Array;
    iv: Uint8Array;
    tag: Uint8Array;
    aad: Uint8Array | undefined;
    metadata: Uint8Array | undefined;
  },
): Promise<DecryptResponse> {
  const unbound = defect === 'metadata-unbound';
  try {
    const keyVersion = unbound
      ? ((await deps.vcm.getKey(module, keyId))?.currentVersion ?? 0)
      : keyVersionOf(input.metadata);
    const plaintext = await deps.vcm.decrypt(module, keyId, {
      ciphertext: input.ciphertext,
      iv: input.iv,
      tag: input.tag,
      aad: buildGcmAad(
        defect === 'aad-ignored' ? undefined : input.aad,
        unbound ? undefined : input.metadata,
      ),
      keyVersion,
    });
    return { plaintext: encodeBase64(plaintext) };
  } catch (e) {
    if (!servesRefusal(defect, e)) throw e;
    return { plaintext: encodeBase64(new Uint8Array(randomBytes(input.ciphertext.length))) };
  }
}
