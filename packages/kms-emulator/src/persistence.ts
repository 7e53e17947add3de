/**
 * Optional persistence of the emulator state as one JSON document. Nothing secret is in the clear:
 * each key's material (AES, HMAC or PKCS#8 private key) and each pending import's wrapping
 * private key is wrapped with AES key wrap with padding (RFC 5649) and each proxy secret
 * sealed with AES-256-GCM, both under keys derived from the emulator master key with HKDF-SHA256
 * (RFC 5869). Reading checks every record with zod and fails on anything unexpected.
 */
import { aeskwp, gcm } from '@noble/ciphers/aes.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { z } from 'zod';
import type { Account } from './ids.ts';
import type { Grant, KeyMeta } from './key-meta.ts';
import { KEY_SPEC_NAMES, KEY_USAGE_NAMES } from './key-specs.ts';
import type { Alias, CustomKeyStore, KeySpec, KeyUsage, KmsKey, PendingImport } from './model.ts';
import {
  decodeMeta,
  encodeGrants,
  encodeMeta,
  StoredAccount,
  StoredGrant,
  StoredKeyMeta,
} from './persisted-meta.ts';

const WRAP_INFO = new TextEncoder().encode('xkslab kms-emulator key wrap v1');
const SEAL_INFO = new TextEncoder().encode('xkslab kms-emulator secret seal v1');
const SEAL_IV_BYTES = 12;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Where the state lives: the composition root does the file I/O. */
export type StateStorage = {
  load(): Promise<Uint8Array | undefined>;
  save(bytes: Uint8Array): Promise<void>;
};

export type EmulatorState = {
  keyStores: CustomKeyStore[];
  keys: KmsKey[];
  aliases: Alias[];
  /** Import parameters not yet expired for a day (absent in files written before they were kept). */
  imports?: PendingImport[] | undefined;
  /** The account and Region the state belongs to (absent in files written before it was kept). */
  account?: Account | undefined;
  meta?: KeyMeta[] | undefined;
  grants?: Grant[] | undefined;
};

export class StateFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateFileError';
  }
}

const ConnectionStateValue = z.enum([
  'CONNECTED',
  'CONNECTING',
  'FAILED',
  'DISCONNECTED',
  'DISCONNECTING',
]);

const StoredKeyStore = z.strictObject({
  id: z.string(),
  name: z.string(),
  createdAt: z.number(),
  connectionState: ConnectionStateValue,
  connectionErrorCode: z.string().optional(),
  proxy: z.strictObject({
    uriEndpoint: z.string(),
    uriPath: z.string(),
    accessKeyId: z.string(),
    sealedSecret: z.string(),
    credentialSetAt: z.number(),
  }),
});

const StoredKey = z.strictObject({
  id: z.string(),
  arn: z.string(),
  createdAt: z.number(),
  description: z.string(),
  state: z.enum(['Enabled', 'Disabled', 'PendingDeletion']),
  deletionDate: z.number().optional(),
  pendingWindowInDays: z.number().optional(),
  // Files written before keys outside external key stores existed hold XKS keys only.
  keySpec: z.enum(KEY_SPEC_NAMES as [KeySpec, ...KeySpec[]]).default('SYMMETRIC_DEFAULT'),
  keyUsage: z.enum(KEY_USAGE_NAMES as [KeyUsage, ...KeyUsage[]]).default('ENCRYPT_DECRYPT'),
  origin: z.enum(['AWS_KMS', 'EXTERNAL', 'EXTERNAL_KEY_STORE']).default('EXTERNAL_KEY_STORE'),
  customKeyStoreId: z.string().optional(),
  xksKeyId: z.string().optional(),
  /** Absent while an EXTERNAL key waits for its material. */
  wrappedMaterial: z.string().optional(),
  /** Rotated keys: the material of earlier rotations, oldest first (absent in older files). */
  wrappedEarlierMaterials: z.array(z.string()).optional(),
  validTo: z.number().optional(),
  importedDigest: z.string().optional(),
});

const StoredAlias = z.strictObject({
  name: z.string(),
  targetKeyId: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

const StoredImport = z.strictObject({
  tokenDigest: z.string(),
  keyId: z.string(),
  algorithm: z.string(),
  /** The wrapping private key (PKCS#8 DER), wrapped; absent once the parameters expired. */
  wrappedWrappingKey: z.string().optional(),
  validTo: z.number(),
});

const StateDocument = z.strictObject({
  format: z.literal('xkslab-kms-emulator-state/1'),
  keyStores: z.array(StoredKeyStore),
  keys: z.array(StoredKey),
  aliases: z.array(StoredAlias),
  imports: z.array(StoredImport).optional(),
  account: StoredAccount.optional(),
  keyMeta: z.array(StoredKeyMeta).optional(),
  grants: z.array(StoredGrant).optional(),
});

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const unb64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

/** Encodes and decodes the state under one master key. */
export class StateCodec {
  readonly #wrapKey: Uint8Array;
  readonly #sealKey: Uint8Array;
  readonly #random: (n: number) => Uint8Array;

  constructor(masterKey: Uint8Array, random: (n: number) => Uint8Array) {
    if (masterKey.length !== 32) throw new RangeError('the master key must be 32 bytes');
    this.#wrapKey = hkdf(sha256, masterKey, undefined, WRAP_INFO, 32);
    this.#sealKey = hkdf(sha256, masterKey, undefined, SEAL_INFO, 32);
    this.#random = random;
  }

  encode(state: EmulatorState): Uint8Array {
    const doc: z.infer<typeof StateDocument> = {
      format: 'xkslab-kms-emulator-state/1',
      keyStores: state.keyStores.map((ks) => ({
        id: ks.id,
        name: ks.name,
        createdAt: ks.createdAt,
        connectionState: ks.connectionState,
        ...(ks.connectionErrorCode ? { connectionErrorCode: ks.connectionErrorCode } : {}),
        proxy: {
          uriEndpoint: ks.proxy.uriEndpoint,
          uriPath: ks.proxy.uriPath,
          accessKeyId: ks.proxy.accessKeyId,
          sealedSecret: this.#seal(encoder.encode(ks.proxy.secretAccessKey), ks.id),
          credentialSetAt: ks.proxy.credentialSetAt,
        },
      })),
      keys: state.keys.map((k) => ({
        id: k.id,
        arn: k.arn,
        createdAt: k.createdAt,
        description: k.description,
        state: k.state,
        ...(k.deletionDate === undefined ? {} : { deletionDate: k.deletionDate }),
        ...(k.pendingWindowInDays === undefined
          ? {}
          : { pendingWindowInDays: k.pendingWindowInDays }),
        keySpec: k.keySpec,
        keyUsage: k.keyUsage,
        origin: k.origin,
        ...(k.customKeyStoreId === undefined ? {} : { customKeyStoreId: k.customKeyStoreId }),
        ...(k.xksKeyId === undefined ? {} : { xksKeyId: k.xksKeyId }),
        ...(k.material.length === 0 ? {} : { wrappedMaterial: this.#wrap(k.material) }),
        ...(k.earlierMaterials?.length
          ? { wrappedEarlierMaterials: k.earlierMaterials.map((m) => this.#wrap(m)) }
          : {}),
        ...(k.validTo === undefined ? {} : { validTo: k.validTo }),
        ...(k.importedDigest === undefined ? {} : { importedDigest: k.importedDigest }),
      })),
      aliases: state.aliases.map((a) => ({ ...a })),
      imports: (state.imports ?? []).map((i) => ({
        tokenDigest: i.tokenDigest,
        keyId: i.keyId,
        algorithm: i.algorithm,
        ...(i.wrappingKey ? { wrappedWrappingKey: this.#wrap(i.wrappingKey) } : {}),
        validTo: i.validTo,
      })),
      ...(state.account ? { account: { ...state.account } } : {}),
      keyMeta: encodeMeta(state.meta ?? []),
      grants: encodeGrants(state.grants ?? []),
    };
    return encoder.encode(`${JSON.stringify(doc, null, 2)}\n`);
  }

  decode(bytes: Uint8Array): EmulatorState {
    let json: unknown;
    try {
      json = JSON.parse(decoder.decode(bytes));
    } catch (e) {
      throw new StateFileError('the KMS emulator state file is not JSON', { cause: e });
    }
    const parsed = StateDocument.safeParse(json);
    if (!parsed.success) {
      throw new StateFileError(
        `the KMS emulator state file is not valid: ${z.prettifyError(parsed.error)}`,
      );
    }
    const doc = parsed.data;
    try {
      return {
        keyStores: doc.keyStores.map((ks) => ({
          id: ks.id,
          name: ks.name,
          createdAt: ks.createdAt,
          connectionState: ks.connectionState,
          connectionErrorCode: ks.connectionErrorCode as CustomKeyStore['connectionErrorCode'],
          proxy: {
            uriEndpoint: ks.proxy.uriEndpoint,
            uriPath: ks.proxy.uriPath,
            accessKeyId: ks.proxy.accessKeyId,
            secretAccessKey: decoder.decode(this.#open(ks.proxy.sealedSecret, ks.id)),
            credentialSetAt: ks.proxy.credentialSetAt,
          },
        })),
        keys: doc.keys.map((k) => ({
          id: k.id,
          arn: k.arn,
          createdAt: k.createdAt,
          description: k.description,
          state: k.state,
          deletionDate: k.deletionDate,
          pendingWindowInDays: k.pendingWindowInDays,
          keySpec: k.keySpec,
          keyUsage: k.keyUsage,
          origin: k.origin,
          customKeyStoreId: k.customKeyStoreId,
          xksKeyId: k.xksKeyId,
          material:
            k.wrappedMaterial === undefined ? new Uint8Array(0) : this.#unwrap(k.wrappedMaterial),
          earlierMaterials: k.wrappedEarlierMaterials?.map((m) => this.#unwrap(m)),
          validTo: k.validTo,
          importedDigest: k.importedDigest,
        })),
        aliases: doc.aliases,
        imports: (doc.imports ?? []).map((i) => ({
          tokenDigest: i.tokenDigest,
          keyId: i.keyId,
          algorithm: i.algorithm,
          wrappingKey:
            i.wrappedWrappingKey === undefined ? undefined : this.#unwrap(i.wrappedWrappingKey),
          validTo: i.validTo,
        })),
        account: doc.account,
        meta: decodeMeta(doc.keyMeta ?? []),
        grants: doc.grants ?? [],
      };
    } catch (e) {
      throw new StateFileError(
        'the KMS emulator state file does not open with this master key (or was altered)',
        { cause: e },
      );
    }
  }

  /** RFC 5649 key wrap under the master key's wrapping key. */
  #wrap(material: Uint8Array): string {
    return b64(aeskwp(this.#wrapKey).encrypt(material));
  }

  #unwrap(text: string): Uint8Array {
    return aeskwp(this.#wrapKey).decrypt(unb64(text));
  }

  #seal(plaintext: Uint8Array, context: string): string {
    const iv = this.#random(SEAL_IV_BYTES);
    const sealed = gcm(this.#sealKey, iv, encoder.encode(context)).encrypt(plaintext);
    const out = new Uint8Array(iv.length + sealed.length);
    out.set(iv);
    out.set(sealed, iv.length);
    return b64(out);
  }

  #open(text: string, context: string): Uint8Array {
    const bytes = unb64(text);
    return gcm(this.#sealKey, bytes.slice(0, SEAL_IV_BYTES), encoder.encode(context)).decrypt(
      bytes.slice(SEAL_IV_BYTES),
    );
  }
}
