import type { CreatedCredential } from '@xkslab/protocol';
import { generateAccessKeyId, generateSecretAccessKey } from '../keystores/credentials.ts';
import type { AdminDeps } from './deps.ts';
import { notFound } from './errors.ts';
import { proxyConfiguration } from './views.ts';

/** The key store named `name`, or a 404 KEYSTORE_NOT_FOUND. */
export function requireKeyStore(deps: AdminDeps, name: string) {
  const ks = deps.registry.describe(name);
  if (!ks) throw notFound('KEYSTORE_NOT_FOUND', `no key store named '${name}'`);
  return ks;
}

/**
 * Generates a credential in the spec's format (§2.2) and adds it to a key store, where it works
 * at once beside the others. The secret is in the returned value and nowhere else.
 */
export async function addGeneratedCredential(
  deps: AdminDeps,
  keyStore: string,
): Promise<CreatedCredential> {
  const credential = {
    accessKeyId: generateAccessKeyId(deps.random),
    secretAccessKey: generateSecretAccessKey(deps.random),
  };
  const active = await deps.registry.addCredential(keyStore, credential);
  const created = deps.registry
    .describe(keyStore)
    ?.credentials.find((c) => c.accessKeyId === credential.accessKeyId);
  return {
    keyStore,
    accessKeyId: credential.accessKeyId,
    secretAccessKey: credential.secretAccessKey,
    createdAt: created?.createdAt ?? deps.clock().toISOString(),
    proxyConfiguration: proxyConfiguration(
      active.uriPathPrefix,
      credential.accessKeyId,
      credential.secretAccessKey,
    ),
  };
}
