import { createRoute } from '@hono/zod-openapi';
import {
  type CreatedCredential,
  CreatedCredential as CreatedCredentialSchema,
  CredentialList,
  CredentialParams,
  KeyStoreParams,
  RevokeCredentialResponse,
} from '@xkslab/protocol';
import { generateAccessKeyId, generateSecretAccessKey } from '../keystores/credentials.ts';
import { ADMIN_BASE, type AdminApp, type AdminDeps } from './deps.ts';
import { notFound } from './errors.ts';
import { ERROR_RESPONSES, jsonResponse, SECURITY } from './openapi.ts';
import { credentialViews, proxyConfiguration } from './views.ts';

const tags = ['credentials'];

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

/** SigV4 credentials of a key store: add (secret shown once), list (never secrets), revoke. */
export function registerCredentialRoutes(app: AdminApp, deps: AdminDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: `${ADMIN_BASE}/keystores/{keyStore}/credentials`,
      summary: 'List the credentials of a key store (never the secrets)',
      tags,
      security: SECURITY,
      request: { params: KeyStoreParams },
      responses: { 200: jsonResponse(CredentialList, 'The credentials'), ...ERROR_RESPONSES },
    }),
    (c) => {
      const ks = requireKeyStore(deps, c.req.valid('param').keyStore);
      return c.json({ keyStore: ks.name, credentials: credentialViews(deps, ks) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: `${ADMIN_BASE}/keystores/{keyStore}/credentials`,
      summary: 'Add a generated credential (the secret is in this response only)',
      description:
        'The response includes `proxyConfiguration`, the file the AWS KMS console uploads. ' +
        'The new credential works at once, beside the ones already live (rotation).',
      tags,
      security: SECURITY,
      request: { params: KeyStoreParams },
      responses: {
        201: jsonResponse(CreatedCredentialSchema, 'The credential, with its secret'),
        ...ERROR_RESPONSES,
      },
    }),
    async (c) => {
      const ks = requireKeyStore(deps, c.req.valid('param').keyStore);
      c.header('cache-control', 'no-store');
      return c.json(await addGeneratedCredential(deps, ks.name), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: `${ADMIN_BASE}/keystores/{keyStore}/credentials/{accessKeyId}`,
      summary: 'Revoke a credential (requests signed with it fail at once)',
      tags,
      security: SECURITY,
      request: { params: CredentialParams },
      responses: { 200: jsonResponse(RevokeCredentialResponse, 'Revoked'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const { keyStore, accessKeyId } = c.req.valid('param');
      requireKeyStore(deps, keyStore);
      await deps.registry.revokeCredential(keyStore, accessKeyId);
      return c.json({ keyStore, accessKeyId, revoked: true as const }, 200);
    },
  );
}
