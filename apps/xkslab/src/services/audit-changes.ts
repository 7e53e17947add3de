import type { Context, MiddlewareHandler } from 'hono';
import type { AuditEntryInput } from '../audit/audit-entry.ts';
import type { AuditSink } from '../audit/audit-log.ts';
import { ADMIN_BASE } from './deps.ts';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Fields of a created resource that name it; nothing else of a response is ever read. */
const NAMING_FIELDS = ['id', 'name', 'accessKeyId'] as const;

/** `POST /modules/{module}/keys`: the route's template under /admin/v1, OpenAPI style. */
export function adminOperation(method: string, routePath: string): string {
  const template = routePath.startsWith(ADMIN_BASE)
    ? routePath.slice(ADMIN_BASE.length)
    : routePath;
  return `admin:${method} ${template.replace(/:([A-Za-z0-9_]+)/g, '{$1}') || '/'}`;
}

/** The names a 201 answer gives what it created, one level deep (only NAMING_FIELDS, never secrets). */
async function createdNames(c: Context): Promise<Record<string, string>> {
  if (c.res.status !== 201) return {};
  const body = (await c.res
    .clone()
    .json()
    .catch(() => undefined)) as Record<string, unknown> | undefined;
  const out: Record<string, string> = {};
  // The answer itself, then the objects it wraps ({"keyStore":{...},"credential":{...}}).
  const objects = [body, ...Object.values(body ?? {})].filter(
    (v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v),
  );
  for (const object of objects) {
    for (const field of NAMING_FIELDS) {
      const value = object[field];
      if (typeof value === 'string' && out[field] === undefined) out[field] = value;
    }
  }
  return out;
}

/**
 * One middleware records every successful admin change (any method but GET/HEAD/OPTIONS that
 * answered 2xx) in the audit log: principal `admin`, the route as operation, the module, key, key
 * store and credential it touched (from the path, or from a 201 answer's id/name/accessKeyId),
 * and the request path as detail. Never bodies, tokens, secrets or key material. Mount it after
 * the token check, so only authenticated requests are recorded. The entry is written to the audit
 * file before the answer is sent.
 */
export function auditChanges(audit: AuditSink | undefined): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    if (!audit || READ_METHODS.has(c.req.method) || c.res.status >= 300) return;
    // After next(), routePath and param() describe the route that answered.
    const params = c.req.param() as Record<string, string | undefined>;
    const created = await createdNames(c);
    const routePath = c.req.routePath;
    const entry: AuditEntryInput = {
      operation: adminOperation(c.req.method, routePath),
      result: 'ok',
      principal: 'admin',
      module: params.module,
      keyId: params.keyId ?? (routePath.includes('/keys') ? created.id : undefined),
      keyStore: params.keyStore ?? (routePath.endsWith('/keystores') ? created.name : undefined),
      accessKeyId: params.accessKeyId ?? created.accessKeyId,
      durationMs: performance.now() - started,
      detail: `${c.req.method} ${c.req.path}`,
    };
    if (entry.module === undefined && routePath.endsWith('/modules')) entry.module = created.name;
    // Before the answer leaves: a change that was answered is in the audit file.
    await audit.append(entry);
  };
}
