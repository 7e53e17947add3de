import { equalBytes } from '@noble/ciphers/utils.js';
import {
  buildGcmAad,
  computeCdiv,
  EncryptRequest,
  type EncryptResponse,
  encodeBase64,
} from '@xkslab/protocol';
import { emulatedEncrypt, servesRefusal } from '../../faults/defects.ts';
import { encodeCiphertextMetadata } from '../ciphertext-metadata.ts';
import { decodeField, decodeOptionalField } from '../decode.ts';
import { XksError } from '../errors.ts';
import { defineRoute } from '../route.ts';

/**
 * Encrypt (spec §1.4). The GCM AAD is the spec's length-prefixed construction with this proxy's
 * ciphertextMetadata (format and key version) bound in (§1.8). When a CDIV is asked for, it is
 * computed first, then the output is decrypted to prove it round-trips (§1.8 steps 1-4).
 */
export const encryptRoute = defineRoute({
  operation: 'Encrypt',
  schema: EncryptRequest,
  async handle(deps, { keyStore, keyId, request, faults }): Promise<EncryptResponse> {
    const { limits, vcm } = deps;
    const defect = faults?.defect;
    const plaintext = decodeField(
      'plaintext',
      request.plaintext,
      limits.maxPlaintextBytes,
      'UnsupportedOperationException',
    );
    const aad = decodeOptionalField(
      'additionalAuthenticatedData',
      request.additionalAuthenticatedData,
      limits.maxAadBytes,
      'UnsupportedOperationException',
    );
    let metadata: Uint8Array = new Uint8Array(0);
    let gcmAad: Uint8Array = new Uint8Array(0);
    let out: Awaited<ReturnType<typeof vcm.encrypt>>;
    try {
      out = await vcm.encrypt(keyStore.module, keyId, {
        plaintext,
        aad: (keyVersion: number) => {
          metadata = encodeCiphertextMetadata(keyVersion);
          gcmAad = defect
            ? buildGcmAad(
                defect === 'aad-ignored' ? undefined : aad,
                defect === 'metadata-unbound' ? undefined : metadata,
              )
            : buildGcmAad(aad, metadata);
          return gcmAad;
        },
      });
    } catch (e) {
      if (faults && servesRefusal(defect, e)) {
        const withCdiv = request.ciphertextDataIntegrityValueAlgorithm === 'SHA_256';
        return emulatedEncrypt(plaintext.length, aad, encodeCiphertextMetadata(1), withCdiv);
      }
      throw e;
    }
    const response: EncryptResponse = {
      ciphertext: encodeBase64(out.ciphertext),
      initializationVector: encodeBase64(out.iv),
      authenticationTag: encodeBase64(out.tag),
      ciphertextMetadata: encodeBase64(metadata),
    };
    if (request.ciphertextDataIntegrityValueAlgorithm === 'SHA_256') {
      const wrong = defect === 'cdiv-wrong';
      const cdiv = computeCdiv({
        aad: wrong ? undefined : aad,
        ciphertextMetadata: wrong ? undefined : metadata,
        iv: out.iv,
        ciphertext: out.ciphertext,
        tag: out.tag,
      });
      if (defect !== 'cdiv-unverified') {
        let check: Uint8Array = plaintext;
        try {
          check = await vcm.decrypt(keyStore.module, keyId, {
            ciphertext: out.ciphertext,
            iv: out.iv,
            tag: out.tag,
            aad: gcmAad,
            keyVersion: out.keyVersion,
          });
        } catch (e) {
          if (!(faults && servesRefusal(defect, e))) throw e;
        }
        if (!equalBytes(check, plaintext)) {
          throw new XksError('InternalException', 'Encryption could not be verified');
        }
      }
      response.ciphertextDataIntegrityValue = encodeBase64(cdiv);
    }
    return response;
  },
});
