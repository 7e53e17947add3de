/**
 * Importing key material into EXTERNAL keys: GetParametersForImport (an RSA wrapping key pair and
 * an import token, valid 24 hours, kept in the state as pending-imports.ts says), ImportKeyMaterial and
 * DeleteImportedKeyMaterial. Wrapping (KMS Developer Guide, "Encrypt key material"):
 * RSAES_OAEP_SHA_1/256 encrypt the material with RSA-OAEP; RSA_AES_KEY_WRAP_SHA_1/256 encrypt an
 * ephemeral AES-256 key with RSA-OAEP and wrap the material under it with AES key wrap with
 * padding (RFC 5649), the two concatenated.
 */
import {
  constants,
  createHash,
  createPrivateKey,
  type KeyObject,
  privateDecrypt,
} from 'node:crypto';
import { aeskwp } from '@noble/ciphers/aes.js';
import { defineAction } from '../action.ts';
import { type Core, findKey, nowMs } from '../core.ts';
import { KmsError } from '../errors.ts';
import { GetParametersForImportRequest, ImportKeyMaterialRequest } from '../key-schemas.ts';
import { generateAsymmetric, KEY_SPECS, SYMMETRIC_KEY_BYTES } from '../key-specs.ts';
import { hasMaterial, stateError } from '../key-state.ts';
import type { KmsKey } from '../model.ts';
import { IMPORT_PARAMETERS_VALID_MS, tokenDigest } from '../pending-imports.ts';
import { KeyIdRequest } from '../schemas.ts';
import { invalidCiphertext } from './envelope-errors.ts';

const VALID_TO_MAX_MS = 365 * 24 * 60 * 60 * 1000;
const TOKEN_BYTES = 32;
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** An EXTERNAL key not pending deletion. */
function importableKey(core: Core, keyIdParam: string, operation: string): KmsKey {
  const key = findKey(core, keyIdParam);
  if (key.origin !== 'EXTERNAL') {
    throw new KmsError(
      'UnsupportedOperationException',
      `${operation} works on KMS keys with Origin EXTERNAL; ${key.arn} has Origin ${key.origin}.`,
    );
  }
  if (key.state === 'PendingDeletion') throw stateError(key, key.state);
  return key;
}

export const getParametersForImport = defineAction({
  schema: GetParametersForImportRequest,
  async handle(core, input) {
    const key = importableKey(core, input.KeyId, 'GetParametersForImport');
    if (
      input.WrappingAlgorithm === 'RSAES_PKCS1_V1_5' ||
      input.WrappingAlgorithm === 'SM2PKE' ||
      input.WrappingKeySpec === 'SM2'
    ) {
      throw new KmsError(
        'UnsupportedOperationException',
        `The KMS emulator does not offer wrapping with ${input.WrappingAlgorithm} and ${input.WrappingKeySpec}.`,
      );
    }
    const pair = await generateAsymmetric(input.WrappingKeySpec);
    const token = core.random(TOKEN_BYTES);
    const validTo = nowMs(core) + IMPORT_PARAMETERS_VALID_MS;
    const digest = tokenDigest(token);
    core.imports.set(digest, {
      tokenDigest: digest,
      keyId: key.id,
      algorithm: input.WrappingAlgorithm,
      wrappingKey: new Uint8Array(pair.privateKey.export({ format: 'der', type: 'pkcs8' })),
      validTo,
    });
    await core.save();
    return {
      KeyId: key.arn,
      ImportToken: b64(token),
      PublicKey: b64(pair.publicKey.export({ format: 'der', type: 'spki' })),
      ParametersValidTo: validTo / 1000,
    };
  },
});

function unwrap(algorithm: string, wrappingKeyDer: Uint8Array, wrapped: Uint8Array): Uint8Array {
  const wrappingKey = createPrivateKey({
    key: Buffer.from(wrappingKeyDer),
    format: 'der',
    type: 'pkcs8',
  });
  const oaepHash = algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256';
  const rsa = (bytes: Uint8Array) =>
    new Uint8Array(
      privateDecrypt(
        { key: wrappingKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
        bytes,
      ),
    );
  try {
    if (algorithm.startsWith('RSAES_OAEP')) return rsa(wrapped);
    const modulusBytes = (wrappingKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
    const aesKey = rsa(wrapped.subarray(0, modulusBytes));
    try {
      return aeskwp(aesKey).decrypt(wrapped.subarray(modulusBytes));
    } finally {
      aesKey.fill(0);
    }
  } catch {
    throw invalidCiphertext();
  }
}

function incorrectMaterial(key: KmsKey, why: string): KmsError {
  return new KmsError('IncorrectKeyMaterialException', `The key material for ${key.arn} ${why}.`);
}

/** The material as the key stores it, checked against the key spec. */
function checkMaterial(key: KmsKey, material: Uint8Array): Uint8Array {
  const info = KEY_SPECS[key.keySpec];
  if (info.kind === 'symmetric' || info.kind === 'hmac') {
    const min = info.kind === 'hmac' ? info.bytes : SYMMETRIC_KEY_BYTES;
    const max = info.kind === 'hmac' ? info.importMax : SYMMETRIC_KEY_BYTES;
    if (material.length < min || material.length > max) {
      throw incorrectMaterial(key, `must be ${min}..${max} bytes for ${key.keySpec}`);
    }
    return material;
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: Buffer.from(material), format: 'der', type: 'pkcs8' });
  } catch {
    throw incorrectMaterial(key, 'is not a PKCS#8 DER private key');
  }
  const details = privateKey.asymmetricKeyDetails;
  const fits =
    info.kind === 'rsa'
      ? privateKey.asymmetricKeyType === 'rsa' && details?.modulusLength === info.bits
      : privateKey.asymmetricKeyType === 'ec' && details?.namedCurve === info.curve;
  if (!fits) throw incorrectMaterial(key, `is not a ${key.keySpec} private key`);
  return new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
}

/** ValidTo (epoch ms) from ExpirationModel and ValidTo, as KMS pairs them. */
function expiry(core: Core, model: string | undefined, validTo: number | undefined) {
  const expires =
    (model ?? (validTo === undefined ? 'KEY_MATERIAL_DOES_NOT_EXPIRE' : 'KEY_MATERIAL_EXPIRES')) ===
    'KEY_MATERIAL_EXPIRES';
  if (expires !== (validTo !== undefined)) {
    throw new KmsError(
      'ValidationException',
      'ValidTo is required with ExpirationModel KEY_MATERIAL_EXPIRES and not allowed with KEY_MATERIAL_DOES_NOT_EXPIRE.',
    );
  }
  if (validTo === undefined) return undefined;
  const ms = validTo * 1000;
  if (ms <= nowMs(core) || ms > nowMs(core) + VALID_TO_MAX_MS) {
    throw new KmsError(
      'ValidationException',
      'ValidTo must be in the future and at most 365 days away.',
    );
  }
  return ms;
}

export const importKeyMaterial = defineAction({
  schema: ImportKeyMaterialRequest,
  async handle(core, input) {
    const key = importableKey(core, input.KeyId, 'ImportKeyMaterial');
    const parameters = core.imports.get(tokenDigest(input.ImportToken));
    if (!parameters || parameters.keyId !== key.id) {
      throw new KmsError(
        'InvalidImportTokenException',
        `The import token is not valid for ${key.arn}.`,
      );
    }
    if (parameters.validTo <= nowMs(core) || !parameters.wrappingKey) {
      throw new KmsError('ExpiredImportTokenException', 'The import token has expired.');
    }
    const validTo = expiry(core, input.ExpirationModel, input.ValidTo);
    const unwrapped = unwrap(
      parameters.algorithm,
      parameters.wrappingKey,
      input.EncryptedKeyMaterial,
    );
    let material: Uint8Array = new Uint8Array(0);
    try {
      material = checkMaterial(key, unwrapped);
    } finally {
      // Asymmetric material is stored re-encoded: the decrypted bytes are not kept.
      if (material !== unwrapped) unwrapped.fill(0);
    }
    const digest = createHash('sha256').update(material).digest('hex');
    if (key.importedDigest !== undefined && key.importedDigest !== digest) {
      material.fill(0);
      throw incorrectMaterial(key, 'is not the key material previously imported into it');
    }
    const wasPending = !hasMaterial(core, key);
    key.material.fill(0);
    key.material = material;
    key.validTo = validTo;
    key.importedDigest = digest;
    if (wasPending) key.state = 'Enabled';
    await core.save();
    return {};
  },
});

export const deleteImportedKeyMaterial = defineAction({
  schema: KeyIdRequest,
  async handle(core, input) {
    const key = importableKey(core, input.KeyId, 'DeleteImportedKeyMaterial');
    if (!hasMaterial(core, key)) throw stateError(key, 'PendingImport');
    key.material.fill(0);
    key.material = new Uint8Array(0);
    key.validTo = undefined;
    await core.save();
    return {};
  },
});
