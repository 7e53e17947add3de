import { equalBytes } from '@noble/ciphers/utils.js';
import { EncryptRequest, type EncryptResponse, encodeBase64 } from '@xkslab/protocol';
import { encodeCiphertextMetadata } from '../ciphertext-metadata.ts';
import { decodeAad, decodeData } from '../decode.ts';
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
  async handle({ limits }, { keyStore, keyId, request, crypto }): Promise<EncryptResponse> {
    const plaintext = decodeData('plaintext', request.plaintext, limits);
    const aad = decodeAad(request.additionalAuthenticatedData, limits.maxAadBytes);
    let metadata: Uint8Array = new Uint8Array(0);
    let gcmAad: Uint8Array = new Uint8Array(0);
    const out = await crypto.module.encrypt(keyStore.module, keyId, {
      plaintext,
      aad: (keyVersion: number) => {
        metadata = encodeCiphertextMetadata(keyVersion);
        gcmAad = crypto.gcmAad(aad, metadata);
        return gcmAad;
      },
    });
    const response: EncryptResponse = {
      ciphertext: encodeBase64(out.ciphertext),
      initializationVector: encodeBase64(out.iv),
      authenticationTag: encodeBase64(out.tag),
      ciphertextMetadata: encodeBase64(metadata),
    };
    if (request.ciphertextDataIntegrityValueAlgorithm === 'SHA_256') {
      const cdiv = crypto.cdiv({
        aad,
        ciphertextMetadata: metadata,
        iv: out.iv,
        ciphertext: out.ciphertext,
        tag: out.tag,
      });
      const check = await crypto.module.decrypt(keyStore.module, keyId, {
        ciphertext: out.ciphertext,
        iv: out.iv,
        tag: out.tag,
        aad: gcmAad,
        keyVersion: out.keyVersion,
      });
      if (!equalBytes(check, plaintext)) {
        throw new XksError('InternalException', 'Encryption could not be verified');
      }
      response.ciphertextDataIntegrityValue = encodeBase64(cdiv);
    }
    return response;
  },
});
