import { createRoute } from '@hono/zod-openapi';
import {
  CreateKeyStoreRequest,
  CreateKeyStoreResponse,
  DeleteKeyStoreResponse,
  KeyStoreList,
  KeyStoreParams,
  KeyStoreView,
  UpdateKeyStoreRequest,
} from '@xkslab/protocol';
import { requireKeyStore } from '../services/credentials.ts';
import { ADMIN_BASE, type AdminDeps } from '../services/deps.ts';
import { createKeyStore, deleteKeyStore, updateKeyStore } from '../services/operations.ts';
import { keyStoreView } from '../services/views.ts';
import { type AdminApp, ERROR_RESPONSES, jsonBody, jsonResponse, SECURITY } from './openapi.ts';

const tags = ['keystores'];

function view(deps: AdminDeps, name: string) {
  return keyStoreView(deps, requireKeyStore(deps, name));
}

/** XKS key stores (endpoints): create, list, describe, update (incl. the blocked switch), delete. */
export function registerKeyStoreRoutes(app: AdminApp, deps: AdminDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: `${ADMIN_BASE}/keystores`,
      summary: 'List key stores',
      tags,
      security: SECURITY,
      responses: { 200: jsonResponse(KeyStoreList, 'Every key store'), ...ERROR_RESPONSES },
    }),
    (c) =>
      c.json({ keyStores: deps.registry.describeAll().map((ks) => keyStoreView(deps, ks)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: `${ADMIN_BASE}/keystores`,
      summary: 'Create a key store (and, unless told not to, its first credential)',
      tags,
      security: SECURITY,
      request: { body: jsonBody(CreateKeyStoreRequest) },
      responses: {
        201: jsonResponse(CreateKeyStoreResponse, 'The key store and its first credential'),
        ...ERROR_RESPONSES,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const { credential } = await createKeyStore(deps, body);
      c.header('cache-control', 'no-store');
      return c.json(
        { keyStore: view(deps, body.name), ...(credential ? { credential } : {}) },
        201,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: `${ADMIN_BASE}/keystores/{keyStore}`,
      summary: 'Describe a key store',
      tags,
      security: SECURITY,
      request: { params: KeyStoreParams },
      responses: { 200: jsonResponse(KeyStoreView, 'The key store'), ...ERROR_RESPONSES },
    }),
    (c) => c.json(view(deps, c.req.valid('param').keyStore), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: `${ADMIN_BASE}/keystores/{keyStore}`,
      summary: 'Update region, module, quota or the blocked switch (effective at once)',
      description:
        'A blocked key store answers InvalidStateException to metadata, encrypt and decrypt; ' +
        'health still answers.',
      tags,
      security: SECURITY,
      request: { params: KeyStoreParams, body: jsonBody(UpdateKeyStoreRequest) },
      responses: { 200: jsonResponse(KeyStoreView, 'The key store'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const { keyStore } = c.req.valid('param');
      const patch = c.req.valid('json');
      await updateKeyStore(deps, keyStore, patch);
      return c.json(view(deps, keyStore), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: `${ADMIN_BASE}/keystores/{keyStore}`,
      summary: 'Delete a key store (its prefix answers InvalidUriPathException at once)',
      tags,
      security: SECURITY,
      request: { params: KeyStoreParams },
      responses: { 200: jsonResponse(DeleteKeyStoreResponse, 'Deleted'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const { keyStore } = c.req.valid('param');
      await deleteKeyStore(deps, keyStore);
      return c.json({ name: keyStore, deleted: true as const }, 200);
    },
  );
}
