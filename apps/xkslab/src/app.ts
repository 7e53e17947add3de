import { type Context, Hono } from 'hono';
import type { FaultSource } from './faults/fault-plan.ts';
import { type FaultedRun, faultedStages } from './faults/faulted-stages.ts';
import { ADMIN_BASE } from './services/deps.ts';
import { METRICS_PATH } from './ui/ui-app.tsx';
import { UI_BASE } from './ui/ui-deps.ts';
import { PRODUCT, VERSION } from './version.ts';
import type { XksStages } from './xks/pipeline/context.ts';
import type { XksDeps } from './xks/route.ts';
import { xksHandler } from './xks/xks-handler.ts';

type FetchApp = { fetch: (request: Request, env?: object) => Response | Promise<Response> };

export type AppDeps = XksDeps & {
  /**
   * Fault-injection rules (faults/): the plan, or a worker's view of the primary's; absent or
   * inactive: the proxy behaves as specified.
   */
  faults?: FaultSource;
  /** How a call with faults is performed; absent: here (a worker hands it to the primary). */
  faultedRun?: (deps: XksDeps) => FaultedRun;
  /** The admin API, served under /admin/v1 on this listener; absent when it has its own. */
  admin?: FetchApp;
  /** The dashboard (/ui) and GET /metrics (ui/ui-app.tsx), beside the admin API. */
  ui?: FetchApp;
  /** The stages without fault rules, made from these deps; absent: the spec's (`specStages`). */
  stages?: (deps: XksDeps) => XksStages;
};

/** Hands `/ui`, `/ui/*` and `GET /metrics` to the dashboard app. */
function mountUi(app: Hono, ui: FetchApp): void {
  const toUi = (c: Context) => ui.fetch(c.req.raw, c.env as object | undefined);
  app.all(UI_BASE, toUi);
  app.all(`${UI_BASE}/*`, toUi);
  app.get(METRICS_PATH, toUi);
}

/**
 * The admin listener of its own (--admin-port, or any TLS setup): the dashboard and /metrics,
 * `/` redirecting to the dashboard, and the admin API for everything else (its 404 included).
 */
export function createAdminListenerApp(deps: { admin: FetchApp; ui?: FetchApp }): Hono {
  const app = new Hono();
  const { admin, ui } = deps;
  if (ui) {
    mountUi(app, ui);
    app.get('/', (c) => c.redirect(UI_BASE, 302));
  }
  app.all('*', (c) => admin.fetch(c.req.raw, c.env as object | undefined));
  return app;
}

/**
 * The HTTP application: `GET /ping` for load balancers (no auth, spec §1.6), the admin API under
 * /admin/v1 and the dashboard under /ui with GET /metrics (unless they have a listener of their
 * own), and the XKS API under every key store's URI path prefix.
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.get('/ping', (c) => c.text(`pong from ${PRODUCT} v${VERSION}`));
  const { admin } = deps;
  if (admin) {
    const toAdmin = (c: Context) => admin.fetch(c.req.raw, c.env as object | undefined);
    app.all(ADMIN_BASE, toAdmin);
    app.all(`${ADMIN_BASE}/*`, toAdmin);
  }
  if (deps.ui) mountUi(app, deps.ui);
  // While fault rules exist, XKS requests take the fault plan's wrapped stages (faults/).
  const { faults } = deps;
  const base = deps.stages?.(deps);
  const alternate = faults
    ? { when: faults, stages: faultedStages(faults, deps, { base, run: deps.faultedRun?.(deps) }) }
    : undefined;
  app.all('*', xksHandler(deps, alternate, base));
  return app;
}
