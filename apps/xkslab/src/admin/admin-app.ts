import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { describeError } from '../logger.ts';
import { auditChanges } from '../services/audit-changes.ts';
import { adminTokenMatches, bearerToken } from '../services/auth.ts';
import { ADMIN_BASE, type AdminDeps } from '../services/deps.ts';
import { AdminError, errorBody, toAdminError, validationMessage } from '../services/errors.ts';
import { PRODUCT, VERSION } from '../version.ts';
import { registerBackupRoutes } from './backup.ts';
import { registerBulkKeyRoutes } from './bulk-keys.ts';
import { registerCredentialRoutes } from './credentials.ts';
import { registerFaultRoutes } from './faults.ts';
import { registerKeyRoutes } from './keys.ts';
import { registerKeyStoreRoutes } from './keystores.ts';
import { registerModuleRoutes } from './modules.ts';
import type { AdminApp } from './openapi.ts';
import { registerPolicyRoutes } from './policies.ts';

export const DEFAULT_ADMIN_MAX_BODY_BYTES = 64 * 1024;
export const OPENAPI_PATH = `${ADMIN_BASE}/openapi.json`;

const TARGETS: Record<string, string> = {
  json: 'body',
  param: 'path',
  query: 'query',
  header: 'header',
};

function answer(c: Context, e: AdminError): Response {
  return c.json(errorBody(e), e.status as 400);
}

/** Error codes for answers that did not come from our handlers (a stray text response). */
const STATUS_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/**
 * The admin API under /admin/v1: JSON in and out, every body, path and query validated by the
 * zod schemas of @xkslab/protocol, which also generate the OpenAPI document served (without a
 * token) at /admin/v1/openapi.json. Everything else needs `Authorization: Bearer <admin token>`.
 *
 * Errors are `{"error":{"code","message"}}`, mapped in one place: validation failures in the
 * default hook, everything thrown in onError (toAdminError), unknown paths in notFound.
 *
 * To add a resource: write `registerXRoutes(app, deps)` in its own file with `createRoute` +
 * `app.openapi`, schemas in @xkslab/protocol, throw AdminError (or a typed error mapped in
 * errors.ts), and call it below.
 */
export function createAdminApp(deps: AdminDeps): AdminApp {
  const app: AdminApp = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) {
        const where = TARGETS[result.target] ?? result.target;
        const code = result.target === 'param' ? 'INVALID_PATH' : 'VALIDATION_ERROR';
        return answer(c, new AdminError(400, code, validationMessage(result.error.issues, where)));
      }
      return undefined;
    },
  });
  useAdminMiddleware(app, deps);
  registerAllRoutes(app, deps);
  registerAdminDocument(app);
  handleAdminErrors(app, deps);
  return app;
}

/** Logging, authentication, audit and the body limit, in that order, for every admin request. */
function useAdminMiddleware(app: AdminApp, deps: AdminDeps): void {
  // One log line per request: never bodies, tokens or secrets.
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    // A stray non-JSON error (from a middleware or the framework) still gets our error body.
    const type = c.res.headers.get('content-type') ?? '';
    if (c.res.status >= 400 && !type.startsWith('application/json')) {
      const code = STATUS_CODES[c.res.status] ?? 'ERROR';
      c.res = answer(c, new AdminError(c.res.status, code, (await c.res.text()) || code));
    }
    let errorCode: string | undefined;
    if (c.res.status >= 400) {
      const body = (await c.res
        .clone()
        .json()
        .catch(() => undefined)) as { error?: { code?: string } } | undefined;
      errorCode = body?.error?.code;
    }
    deps.logger.info('admin', {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      errorCode,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    });
  });

  app.use('*', async (c, next) => {
    if (c.req.method === 'GET' && c.req.path === OPENAPI_PATH) return next();
    const token = bearerToken(c.req.header('authorization'));
    if (token === undefined || !adminTokenMatches(token, deps.adminTokenHash)) {
      c.header('www-authenticate', 'Bearer realm="xkslab admin"');
      return answer(
        c,
        new AdminError(401, 'UNAUTHORIZED', 'missing or wrong admin token (Authorization: Bearer)'),
      );
    }
    return next();
  });

  // Every successful change goes to the audit log (only authenticated requests get this far).
  app.use('*', auditChanges(deps.audit));

  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_ADMIN_MAX_BODY_BYTES;
  app.use(
    '*',
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) =>
        answer(
          c,
          new AdminError(
            400,
            'BODY_TOO_LARGE',
            `request body is larger than ${maxBodyBytes} bytes`,
          ),
        ),
    }),
  );
}

function registerAllRoutes(app: AdminApp, deps: AdminDeps): void {
  registerModuleRoutes(app, deps);
  registerBulkKeyRoutes(app, deps);
  registerKeyRoutes(app, deps);
  registerKeyStoreRoutes(app, deps);
  registerCredentialRoutes(app, deps);
  registerPolicyRoutes(app, deps);
  registerBackupRoutes(app, deps);
  registerFaultRoutes(app, deps);
}

/** The OpenAPI document at OPENAPI_PATH, built from the registered routes. */
function registerAdminDocument(app: AdminApp): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description:
      'The admin token `xkslab serve` printed on first start (also in DATA_DIR/admin-token).',
  });
  app.doc31(OPENAPI_PATH, {
    openapi: '3.1.0',
    info: {
      title: `${PRODUCT} admin API`,
      version: VERSION,
      description:
        'Manage modules, keys, key stores, credentials and secondary-authorization policies of a ' +
        'running xkslab. Errors: {"error":{"code":"...","message":"..."}}.',
    },
  });
}

/** Unknown paths and thrown errors become the admin error body; 5xx causes are logged. */
function handleAdminErrors(app: AdminApp, deps: AdminDeps): void {
  app.notFound((c) =>
    answer(c, new AdminError(404, 'NOT_FOUND', `no admin API at ${c.req.method} ${c.req.path}`)),
  );
  app.onError((e, c) => {
    const error = toAdminError(e);
    if (error.status >= 500) {
      const cause = error.cause ?? e;
      deps.logger.error('admin internal error', {
        path: c.req.path,
        cause: describeError(cause),
      });
    }
    return answer(c, error);
  });
}
