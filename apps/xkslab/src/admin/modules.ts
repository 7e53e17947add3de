import { createRoute } from '@hono/zod-openapi';
import {
  CreateModuleRequest,
  DeleteModuleQuery,
  DeleteModuleResponse,
  ImportParams,
  ModuleList,
  ModuleParams,
  ModuleView,
  SetModuleStateRequest,
} from '@xkslab/protocol';
import { checkPkcs11Config } from '@xkslab/vcm';
import { ADMIN_BASE, type AdminDeps } from '../services/deps.ts';
import { notFound } from '../services/errors.ts';
import { deleteModule } from '../services/operations.ts';
import { moduleView } from '../services/views.ts';
import { type AdminApp, ERROR_RESPONSES, jsonBody, jsonResponse, SECURITY } from './openapi.ts';

const tags = ['modules'];

async function requireModule(deps: AdminDeps, name: string) {
  const info = await deps.vcm.getModule(name);
  if (!info) throw notFound('MODULE_NOT_FOUND', `no module named '${name}'`);
  return info;
}

/** Modules (virtual HSM partitions): create, list, describe (with health), state, delete. */
export function registerModuleRoutes(app: AdminApp, deps: AdminDeps): void {
  registerModuleCollectionRoutes(app, deps);
  registerModuleItemRoutes(app, deps);
  registerImportParamsRoute(app, deps);
}

/** `/admin/v1/modules`: list and create. */
function registerModuleCollectionRoutes(app: AdminApp, deps: AdminDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: `${ADMIN_BASE}/modules`,
      summary: 'List modules',
      tags,
      security: SECURITY,
      responses: { 200: jsonResponse(ModuleList, 'Every module'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const modules = await deps.vcm.listModules();
      return c.json({ modules: await Promise.all(modules.map((m) => moduleView(deps, m))) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: `${ADMIN_BASE}/modules`,
      summary: 'Create a module',
      description:
        'A virtual module (`nodes`), or with `pkcs11` a module whose keys live in a PKCS#11 ' +
        'token: the server loads the library, finds the token and logs in with the PIN it reads ' +
        'from its own environment variable `pinEnv` or the owner-only file `pinFile` (the PIN ' +
        'is never sent or stored); the module is created only if that succeeds.',
      tags,
      security: SECURITY,
      request: { body: jsonBody(CreateModuleRequest) },
      responses: { 201: jsonResponse(ModuleView, 'The new module'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const info = await deps.vcm.createModule({
        name: body.name,
        ...(body.pkcs11 === undefined
          ? { nodes: body.nodes }
          : { pkcs11: checkPkcs11Config(body.pkcs11) }),
      });
      return c.json(await moduleView(deps, info), 201);
    },
  );
}

/** One module: describe (with health), set its state, delete. */
function registerModuleItemRoutes(app: AdminApp, deps: AdminDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: `${ADMIN_BASE}/modules/{module}`,
      summary: 'Describe a module, with a deep health check of every node',
      tags,
      security: SECURITY,
      request: { params: ModuleParams },
      responses: { 200: jsonResponse(ModuleView, 'The module'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const info = await requireModule(deps, c.req.valid('param').module);
      const health = await deps.vcm.healthCheck(info.name);
      return c.json(await moduleView(deps, info, health), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: `${ADMIN_BASE}/modules/{module}/state`,
      summary: 'Set a module state: active, maintenance or disconnected',
      description:
        'In maintenance every XKS call on its keys answers InvalidStateException; disconnected, ' +
        'DependencyTimeoutException (503); health reports every node UNAVAILABLE in both.',
      tags,
      security: SECURITY,
      request: { params: ModuleParams, body: jsonBody(SetModuleStateRequest) },
      responses: { 200: jsonResponse(ModuleView, 'The module'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const { module } = c.req.valid('param');
      const info = await deps.vcm.setModuleState(module, c.req.valid('json').state);
      return c.json(await moduleView(deps, info), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: `${ADMIN_BASE}/modules/{module}`,
      summary: 'Delete a module',
      description:
        'Refused (409 MODULE_IN_USE) while it holds keys or serves key stores, unless ' +
        '`force=true`: then its keys are destroyed with it and its key stores answer ' +
        'InvalidStateException until they are moved to another module.',
      tags,
      security: SECURITY,
      request: { params: ModuleParams, query: DeleteModuleQuery },
      responses: { 200: jsonResponse(DeleteModuleResponse, 'Deleted'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const { module } = c.req.valid('param');
      const force = c.req.valid('query').force === 'true';
      const { keys } = await deleteModule(deps, module, force);
      return c.json({ name: module, deleted: true as const, keysDeleted: keys }, 200);
    },
  );
}

/** Import parameters for BYOK into a module (documented with the keys). */
function registerImportParamsRoute(app: AdminApp, deps: AdminDeps): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: `${ADMIN_BASE}/modules/{module}/import-params`,
      summary: 'Get parameters to import key material (an RSA-3072 import-wrapping key)',
      description:
        'Wrap a random AES-256 key with RSA-OAEP-SHA256 under `publicKey`, the 32 bytes of key ' +
        'material with AES key wrap with padding (RFC 5649) under that AES key, and send both ' +
        '(concatenated, Base64) with `importToken` within 24 hours. Good for one import.',
      tags: ['keys'],
      security: SECURITY,
      request: { params: ModuleParams },
      responses: { 201: jsonResponse(ImportParams, 'Import parameters'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const info = await requireModule(deps, c.req.valid('param').module);
      return c.json(await deps.imports.create(info.name), 201);
    },
  );
}
