import { createRoute } from '@hono/zod-openapi';
import {
  CreatedCredential as CreatedCredentialSchema,
  CredentialList,
  CredentialParams,
  KeyStoreParams,
  RevokeCredentialResponse,
} from '@xkslab/protocol';
import { addGeneratedCredential, requireKeyStore } from '../services/credentials.ts';
import { ADMIN_BASE, type AdminDeps } from '../services/deps.ts';
import { credentialViews } from '../services/views.ts';
import { type AdminApp, ERROR_RESPONSES, jsonResponse, SECURITY } from './openapi.ts';

const tags = ['credentials'];

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
