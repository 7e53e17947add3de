import { createRoute } from '@hono/zod-openapi';
import {
  CreateKeyRequest,
  DestroyKeyQuery,
  DestroyKeyResponse,
  EXTERNAL_KEY_ID_PATTERN,
  ExportKeyRequest,
  ExportKeyResponse,
  ImportKeyRequest,
  KeyList,
  KeyParams,
  KeyView,
  ListKeysQuery,
  ModuleParams,
  ScheduleKeyDeletionRequest,
  WRAPPING_ALGORITHM,
} from '@xkslab/protocol';
import type { KeyInfo } from '@xkslab/vcm';
import { ADMIN_BASE, type AdminDeps } from '../services/deps.ts';
import { badRequest } from '../services/errors.ts';
import {
  destroyKey,
  exportKey,
  importKey,
  requireKey,
  requireModule,
} from '../services/operations.ts';
import { keyView } from '../services/views.ts';
import { type AdminApp, ERROR_RESPONSES, jsonBody, jsonResponse, SECURITY } from './openapi.ts';

const tags = ['keys'];
const KEY_PATH = `${ADMIN_BASE}/modules/{module}/keys/{keyId}`;
/** Keys read from the store per page while filtering a listing. */
const SCAN_PAGE = 100;

function decodeNextToken(token: string): string {
  const id = Buffer.from(token, 'base64url').toString('utf8');
  if (!EXTERNAL_KEY_ID_PATTERN.test(id)) {
    throw badRequest('INVALID_NEXT_TOKEN', 'nextToken: not a token from a previous page');
  }
  return id;
}

/** A key action with no body: POST .../keys/{keyId}/<action> answering the key. */
function keyAction(
  app: AdminApp,
  deps: AdminDeps,
  action: string,
  summary: string,
  run: (module: string, id: string) => Promise<KeyInfo>,
): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: `${KEY_PATH}/${action}`,
      summary,
      tags,
      security: SECURITY,
      request: { params: KeyParams },
      responses: { 200: jsonResponse(KeyView, 'The key'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const { module, keyId } = c.req.valid('param');
      await requireKey(deps, module, keyId);
      return c.json(keyView(deps, await run(module, keyId)), 200);
    },
  );
}

/** Keys of a module: create, import, list, describe and their whole lifecycle. */
export function registerKeyRoutes(app: AdminApp, deps: AdminDeps): void {
  registerKeyCollectionRoutes(app, deps);
  registerKeyImportRoute(app, deps);
  registerKeyLifecycleRoutes(app, deps);
  registerKeyDeletionRoutes(app, deps);
  registerKeyExportRoute(app, deps);
}

/** `.../modules/{module}/keys`: list (filtered, paged) and create. */
function registerKeyCollectionRoutes(app: AdminApp, deps: AdminDeps): void {
  const { vcm } = deps;

  app.openapi(
    createRoute({
      method: 'get',
      path: `${ADMIN_BASE}/modules/{module}/keys`,
      summary: 'List keys (filter by state and usage; page with limit and nextToken)',
      tags,
      security: SECURITY,
      request: { params: ModuleParams, query: ListKeysQuery },
      responses: { 200: jsonResponse(KeyList, 'A page of keys'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const { module } = c.req.valid('param');
      const query = c.req.valid('query');
      await requireModule(deps, module);
      let after = query.nextToken === undefined ? undefined : decodeNextToken(query.nextToken);
      const keys: KeyInfo[] = [];
      for (;;) {
        const page = await vcm.listKeys(module, {
          limit: SCAN_PAGE,
          ...(after === undefined ? {} : { after }),
        });
        for (const key of page) {
          after = key.id;
          if (query.state !== undefined && key.state !== query.state) continue;
          if (query.usage !== undefined && !key.usage.includes(query.usage)) continue;
          keys.push(key);
          if (keys.length === query.limit) break;
        }
        if (keys.length === query.limit || page.length < SCAN_PAGE) break;
      }
      const last = keys.at(-1);
      return c.json(
        {
          keys: keys.map((k) => keyView(deps, k)),
          ...(keys.length === query.limit && last
            ? { nextToken: Buffer.from(last.id).toString('base64url') }
            : {}),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: `${ADMIN_BASE}/modules/{module}/keys`,
      summary: 'Create a key (AES-256 generated in the module; usage fixed at creation)',
      tags,
      security: SECURITY,
      request: { params: ModuleParams, body: jsonBody(CreateKeyRequest) },
      responses: { 201: jsonResponse(KeyView, 'The new key'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const { module } = c.req.valid('param');
      const body = c.req.valid('json');
      const key = await vcm.createKey(module, {
        id: body.id,
        usage: body.usage,
        exportable: body.exportable,
      });
      return c.json(keyView(deps, key), 201);
    },
  );
}

/** BYOK: import key material wrapped under the module import-wrapping key. */
function registerKeyImportRoute(app: AdminApp, deps: AdminDeps): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: `${ADMIN_BASE}/modules/{module}/keys/import`,
      summary: 'Import key material wrapped under the module import-wrapping key (BYOK)',
      description: `wrappedKeyMaterial is ${WRAPPING_ALGORITHM}: RSA-OAEP-SHA256(publicKey, K) || AES-KWP(K, material) (RFC 5649), Base64.`,
      tags,
      security: SECURITY,
      request: { params: ModuleParams, body: jsonBody(ImportKeyRequest) },
      responses: { 201: jsonResponse(KeyView, 'The imported key'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const { module } = c.req.valid('param');
      const key = await importKey(deps, module, c.req.valid('json'));
      return c.json(keyView(deps, key), 201);
    },
  );
}

/** Describe a key, and the body-less state changes: enable, disable, rotate, block, unblock,
 * cancel deletion. */
function registerKeyLifecycleRoutes(app: AdminApp, deps: AdminDeps): void {
  const { vcm } = deps;
  app.openapi(
    createRoute({
      method: 'get',
      path: KEY_PATH,
      summary: 'Describe a key (never its material)',
      tags,
      security: SECURITY,
      request: { params: KeyParams },
      responses: { 200: jsonResponse(KeyView, 'The key'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const { module, keyId } = c.req.valid('param');
      return c.json(keyView(deps, await requireKey(deps, module, keyId)), 200);
    },
  );

  keyAction(app, deps, 'enable', 'Enable a key', (m, id) => vcm.setKeyStatus(m, id, 'ENABLED'));
  keyAction(
    app,
    deps,
    'disable',
    'Disable a key (XKS: DISABLED, crypto InvalidStateException)',
    (m, id) => vcm.setKeyStatus(m, id, 'DISABLED'),
  );
  keyAction(
    app,
    deps,
    'rotate',
    'Rotate a key (new version; old ciphertexts still decrypt)',
    (m, id) => vcm.rotateKey(m, id),
  );
  keyAction(
    app,
    deps,
    'block',
    'Block a key (kill switch: every call InvalidStateException)',
    (m, id) => vcm.setKeyBlocked(m, id, true),
  );
  keyAction(app, deps, 'unblock', 'Unblock a key', (m, id) => vcm.setKeyBlocked(m, id, false));
  keyAction(
    app,
    deps,
    'cancel-deletion',
    'Cancel a scheduled deletion (the key stays DISABLED)',
    (m, id) => vcm.cancelKeyDeletion(m, id),
  );
}

/** Scheduling the destruction of a key and destroying it. */
function registerKeyDeletionRoutes(app: AdminApp, deps: AdminDeps): void {
  const { vcm } = deps;
  app.openapi(
    createRoute({
      method: 'post',
      path: `${KEY_PATH}/schedule-deletion`,
      summary: 'Schedule the destruction of a key after a waiting period (1-30 days)',
      tags,
      security: SECURITY,
      request: { params: KeyParams, body: jsonBody(ScheduleKeyDeletionRequest) },
      responses: { 200: jsonResponse(KeyView, 'The key, PENDING_DELETION'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const { module, keyId } = c.req.valid('param');
      await requireKey(deps, module, keyId);
      const key = await vcm.scheduleKeyDeletion(
        module,
        keyId,
        c.req.valid('json').pendingWindowDays,
      );
      return c.json(keyView(deps, key), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: KEY_PATH,
      summary: 'Destroy a key pending deletion whose waiting period is over (409 before)',
      description:
        'With `force=true` the key is destroyed at once, whatever its state, as deleting its ' +
        'module with force would: for short-lived test keys (`xkslab conformance --local` ' +
        'removes its own this way). Ciphertexts under it can never be decrypted again.',
      tags,
      security: SECURITY,
      request: { params: KeyParams, query: DestroyKeyQuery },
      responses: { 200: jsonResponse(DestroyKeyResponse, 'Destroyed'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const { module, keyId } = c.req.valid('param');
      await destroyKey(deps, module, keyId, c.req.valid('query').force === 'true');
      return c.json({ module, id: keyId, destroyed: true as const }, 200);
    },
  );
}

/** Export of an exportable key, wrapped under the caller's public key. */
function registerKeyExportRoute(app: AdminApp, deps: AdminDeps): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: `${KEY_PATH}/export`,
      summary: 'Export an exportable key wrapped under the caller RSA public key',
      description: `Every version, each as ${WRAPPING_ALGORITHM}: RSA-OAEP-SHA256(publicKey, K) || AES-KWP(K, material), Base64. 409 KEY_NOT_EXPORTABLE unless created exportable.`,
      tags,
      security: SECURITY,
      request: { params: KeyParams, body: jsonBody(ExportKeyRequest) },
      responses: { 200: jsonResponse(ExportKeyResponse, 'The wrapped key'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const { module, keyId } = c.req.valid('param');
      return c.json(await exportKey(deps, module, keyId, c.req.valid('json').publicKey), 200);
    },
  );
}
