import {
  type BulkCreateKeysRequest,
  type BulkCreateKeysResponse,
  type CreatedCredential,
  type CreateKeyStoreRequest,
  type ExportKeyResponse,
  type ImportKeyRequest,
  type UpdateKeyStoreRequest,
  WRAPPING_ALGORITHM,
} from '@xkslab/protocol';
import type { KeyInfo } from '@xkslab/vcm';
import {
  KeyTransportError,
  parseRsaPublicKey,
  unwrapKeyMaterial,
  wrapKeyMaterial,
} from '../keys/key-transport.ts';
import { addGeneratedCredential, requireKeyStore } from './credentials.ts';
import { ADMIN_BASE, type AdminDeps } from './deps.ts';
import { AdminError, badRequest, conflict, notFound } from './errors.ts';

/*
 * Admin operations with more to them than one module or registry call, shared by the admin API
 * routes and the dashboard (ui/) so both enforce the same rules. They throw AdminError or the
 * typed errors errors.ts maps (VcmError, KeyStoreError).
 */

export async function requireModule(deps: AdminDeps, name: string): Promise<void> {
  if (!(await deps.vcm.getModule(name))) {
    throw notFound('MODULE_NOT_FOUND', `no module named '${name}'`);
  }
}

/** The key, or 404 naming what is missing (the module or the key). */
export async function requireKey(deps: AdminDeps, module: string, id: string): Promise<KeyInfo> {
  const key = await deps.vcm.getKey(module, id);
  if (key) return key;
  await requireModule(deps, module);
  throw notFound('KEY_NOT_FOUND', `no key '${id}' in module '${module}'`);
}

/**
 * Deletes a module: refused while key stores use it, unless `force` (then its keys go with it).
 * Clears the policies and import parameters of its keys.
 */
export async function deleteModule(
  deps: AdminDeps,
  module: string,
  force: boolean,
): Promise<{ keys: number }> {
  await requireModule(deps, module);
  const users = deps.registry.list().filter((ks) => ks.module === module);
  if (users.length > 0 && !force) {
    throw conflict(
      'MODULE_IN_USE',
      `module '${module}' serves key store(s) ${users.map((k) => k.name).join(', ')}; use force`,
    );
  }
  const { keys } = await deps.vcm.deleteModule(module, { force });
  await deps.policies.clearModule(module);
  await deps.imports.clearModule(module);
  return { keys };
}

/** Imports key material wrapped under the module's import-wrapping key (one use per token). */
export async function importKey(
  deps: AdminDeps,
  module: string,
  body: ImportKeyRequest,
): Promise<KeyInfo> {
  await requireModule(deps, module);
  if (await deps.vcm.getKey(module, body.id)) {
    throw new AdminError(409, 'KEY_EXISTS', `key ${body.id} already exists in module ${module}`);
  }
  const privateKey = await deps.imports.privateKey(module, body.importToken);
  if (!privateKey) {
    throw badRequest(
      'INVALID_IMPORT_TOKEN',
      'importToken: unknown, expired, already used, or of another module',
    );
  }
  let material: Uint8Array;
  try {
    material = unwrapKeyMaterial(privateKey, Buffer.from(body.wrappedKeyMaterial, 'base64'));
  } catch (e) {
    if (e instanceof KeyTransportError) {
      throw badRequest('INVALID_WRAPPED_KEY_MATERIAL', `wrappedKeyMaterial: ${e.message}`);
    }
    throw e;
  }
  try {
    if (material.length !== 32) {
      throw badRequest(
        'INVALID_WRAPPED_KEY_MATERIAL',
        'wrappedKeyMaterial: key material must be exactly 32 bytes (AES-256)',
      );
    }
    const key = await deps.vcm.createKey(module, {
      id: body.id,
      usage: body.usage,
      exportable: body.exportable,
      material,
      origin: 'IMPORTED',
    });
    await deps.imports.consume(module, body.importToken);
    return key;
  } finally {
    material.fill(0);
  }
}

/**
 * Exports every version of an exportable key, each wrapped under the caller's RSA public key
 * (PEM) as WRAPPING_ALGORITHM. 400 INVALID_PUBLIC_KEY for a bad key, 409 KEY_NOT_EXPORTABLE.
 */
export async function exportKey(
  deps: AdminDeps,
  module: string,
  keyId: string,
  publicKeyPem: string,
): Promise<ExportKeyResponse> {
  const key = await requireKey(deps, module, keyId);
  let publicKey: ReturnType<typeof parseRsaPublicKey>;
  try {
    publicKey = parseRsaPublicKey(publicKeyPem);
  } catch (e) {
    if (e instanceof KeyTransportError) throw badRequest('INVALID_PUBLIC_KEY', e.message);
    throw e;
  }
  const versions = await deps.vcm.exportKeyMaterial(module, keyId);
  try {
    return {
      module,
      id: keyId,
      wrappingAlgorithm: WRAPPING_ALGORITHM,
      currentVersion: key.currentVersion,
      versions: versions.map((v) => ({
        version: v.version,
        createdAt: v.createdAt,
        wrappedKeyMaterial: Buffer.from(
          wrapKeyMaterial(publicKey, v.material, deps.random),
        ).toString('base64'),
      })),
    };
  } finally {
    for (const v of versions) v.material.fill(0);
  }
}

/** Creates `<idPrefix><start>` .. in one atomic store batch (Vcm.createKeys): all or none. */
export async function bulkCreateKeys(
  deps: AdminDeps,
  module: string,
  body: BulkCreateKeysRequest,
): Promise<BulkCreateKeysResponse> {
  const ids = Array.from({ length: body.count }, (_, i) => `${body.idPrefix}${body.start + i}`);
  if (ids.some((id) => id.length > 128)) {
    throw badRequest('INVALID_INPUT', 'idPrefix plus the number must stay within 128 characters');
  }
  await deps.vcm.createKeys(
    module,
    ids.map((id) => ({ id, usage: body.usage })),
  );
  return {
    module,
    created: ids.length,
    firstId: ids[0] as string,
    lastId: ids[ids.length - 1] as string,
  };
}

/** Destroys a key pending deletion whose waiting period is over, and its policy. */
export async function destroyKey(
  deps: AdminDeps,
  module: string,
  keyId: string,
  force = false,
): Promise<void> {
  await requireKey(deps, module, keyId);
  await deps.vcm.destroyKey(module, keyId, { force });
  await deps.policies.set({ module, keyId }, undefined);
}

/** URI path prefixes a key store may not take: the admin API's and the dashboard's. */
export const RESERVED_PREFIXES = [ADMIN_BASE, '/ui'] as const;

/** Creates a key store and, unless told not to, its first credential (the secret: here only). */
export async function createKeyStore(
  deps: AdminDeps,
  body: CreateKeyStoreRequest,
): Promise<{ credential?: CreatedCredential }> {
  for (const reserved of RESERVED_PREFIXES) {
    if (body.uriPathPrefix === reserved || body.uriPathPrefix.startsWith(`${reserved}/`)) {
      throw badRequest(
        'RESERVED_PREFIX',
        `uriPathPrefix: ${reserved} is where the ${reserved === ADMIN_BASE ? 'admin API' : 'dashboard'} lives; pick another prefix`,
      );
    }
  }
  await requireModule(deps, body.module);
  await deps.registry.create({
    name: body.name,
    uriPathPrefix: body.uriPathPrefix,
    region: body.region,
    module: body.module,
    maxRequestsPerSecond: body.maxRequestsPerSecond,
    credentials: [],
  });
  return body.createCredential ? { credential: await addGeneratedCredential(deps, body.name) } : {};
}

/** Changes region, module, quota or the blocked switch of a key store (effective at once). */
export async function updateKeyStore(
  deps: AdminDeps,
  name: string,
  patch: UpdateKeyStoreRequest,
): Promise<void> {
  requireKeyStore(deps, name);
  if (patch.module !== undefined) await requireModule(deps, patch.module);
  await deps.registry.update(name, patch);
}

/** Deletes a key store (its prefix answers InvalidUriPathException at once) and its policy. */
export async function deleteKeyStore(deps: AdminDeps, name: string): Promise<void> {
  requireKeyStore(deps, name);
  await deps.registry.delete(name);
  await deps.policies.set({ keyStore: name }, undefined);
}
