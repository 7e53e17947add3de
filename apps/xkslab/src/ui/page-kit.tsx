import type { Child } from 'hono/jsx';
import type { z } from 'zod';
import { adminOperation } from '../services/audit-changes.ts';
import { toAdminError, validationMessage } from '../services/errors.ts';
import { Layout, type NavId } from './layout.tsx';
import type { Flash } from './session.ts';
import type { UiContext, UiDeps } from './ui-deps.ts';

/** A form field problem, shown like an admin API error. */
export class FormError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormError';
  }
}

/** What a dashboard change names in its audit entry. */
export type AuditFields = {
  module?: string | undefined;
  keyId?: string | undefined;
  keyStore?: string | undefined;
  accessKeyId?: string | undefined;
};

/** Renders a whole page (doctype, frame, the pending flash message) for the session. */
export async function renderPage(
  c: UiContext,
  deps: UiDeps,
  options: {
    title: string;
    /** The h1, when not just `title` (a long name in it shortened with LongValue inline). */
    heading?: Child;
    active: NavId | undefined;
    status?: number;
    flash?: Flash;
  },
  body: Child,
): Promise<Response> {
  const session = c.get('session');
  const flash = options.flash ?? session.flash;
  session.flash = undefined;
  const html = await (
    <Layout
      title={options.title}
      heading={options.heading}
      active={options.active}
      csrf={session.csrf}
      flash={flash}
      faultsActive={deps.faults?.active ? deps.faults.list().length : undefined}
    >
      {body}
    </Layout>
  );
  c.header('cache-control', 'no-store');
  return c.html(`<!DOCTYPE html>${html}`, (options.status ?? 200) as 200);
}

/** Renders a fragment (a live panel that app.js swaps in). */
export async function renderFragment(c: UiContext, body: Child): Promise<Response> {
  const html = String(await body);
  c.header('cache-control', 'no-store');
  return c.html(html);
}

/** The message an action failure shows: the admin API's message and code. */
export function errorText(e: unknown): string {
  if (e instanceof FormError) return e.message;
  const error = toAdminError(e);
  if (error.status >= 500) return `${error.message} (${error.code})`;
  return `${error.message} (${error.code})`;
}

/** The submitted form fields (urlencoded or multipart), strings only. */
export async function formOf(c: UiContext): Promise<Record<string, string>> {
  const body = await c.req.parseBody({ all: true });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (typeof first === 'string') out[k] = first;
  }
  return out;
}

/** Every value of a repeated field (checkboxes). */
export async function formAll(c: UiContext, name: string): Promise<string[]> {
  const body = await c.req.parseBody({ all: true });
  const v = body[name];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.filter((x): x is string => typeof x === 'string');
}

/** Validates form input with a protocol schema; a failure is a FormError naming the field. */
export function parseForm<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new FormError(validationMessage(parsed.error.issues, 'form'));
  return parsed.data;
}

/** An optional number field: '' is absent. */
export function optionalNumber(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new FormError(`'${value}' is not a number`);
  return n;
}

/**
 * Runs a dashboard action: on success records it in the audit log under the same operation name
 * as the admin API route it mirrors (principal `admin`, detail `dashboard`) and flashes `ok`; on
 * failure flashes the error. Then redirects (POST-redirect-GET) to `back`.
 */
export async function runAction(
  c: UiContext,
  deps: UiDeps,
  options: {
    /** The admin API route this action mirrors: `['POST', '/modules/{module}/keys']`. */
    mirrors: readonly [string, string];
    back: string;
    audit?: AuditFields;
  },
  work: () => Promise<string>,
): Promise<Response> {
  const session = c.get('session');
  const started = performance.now();
  try {
    const message = await work();
    session.flash = { kind: 'ok', text: message };
    await deps.audit?.append({
      operation: adminOperation(options.mirrors[0], `/admin/v1${options.mirrors[1]}`),
      result: 'ok',
      principal: 'admin',
      ...options.audit,
      durationMs: performance.now() - started,
      detail: `dashboard ${c.req.method} ${c.req.path}`,
    });
  } catch (e) {
    logInternal(deps, c, e);
    session.flash = { kind: 'error', text: errorText(e) };
  }
  return c.redirect(options.back, 303);
}

/** Logs the cause of an internal failure (never shown to the browser). */
export function logInternal(deps: UiDeps, c: UiContext, e: unknown): void {
  if (e instanceof FormError) return;
  const error = toAdminError(e);
  if (error.status >= 500) {
    const cause = error.cause ?? e;
    deps.logger.error('dashboard internal error', {
      path: c.req.path,
      cause: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause),
    });
  }
}

/**
 * Records a dashboard change that renders its own answer (a secret shown once); resolves once
 * the entry is in the audit file (await it before answering).
 */
export function auditChange(
  deps: UiDeps,
  c: UiContext,
  mirrors: readonly [string, string],
  fields: AuditFields,
  started: number,
): Promise<void> {
  if (!deps.audit) return Promise.resolve();
  return deps.audit.append({
    operation: adminOperation(mirrors[0], `/admin/v1${mirrors[1]}`),
    result: 'ok',
    principal: 'admin',
    ...fields,
    durationMs: performance.now() - started,
    detail: `dashboard ${c.req.method} ${c.req.path}`,
  });
}

/** A path segment taken from the URL, safe to put back into one. */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
