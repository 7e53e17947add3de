import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { adminTokenMatches, bearerToken } from '../services/auth.ts';
import { PRODUCT } from '../version.ts';
import { AuditView } from './audit-view.ts';
import { ConformanceRuns } from './conformance-runs.ts';
import { Document, FlashMessage } from './layout.tsx';
import { registerAuditPages } from './pages/audit.tsx';
import {
  CONFORMANCE_COMPARE,
  MAX_COMPARE_UPLOAD_BYTES,
} from './pages/conformance/conformance-paths.ts';
import { registerConformancePages } from './pages/conformance.tsx';
import { registerFaultPages } from './pages/faults.tsx';
import { registerKeyPages } from './pages/keys.tsx';
import { registerKeyStorePages } from './pages/keystores.tsx';
import { registerKmsPages } from './pages/kms.tsx';
import { registerModulePages } from './pages/modules.tsx';
import { registerOverviewPages } from './pages/overview.tsx';
import {
  CSRF_FIELD,
  LOGIN_COOKIE,
  randomToken,
  SESSION_COOKIE,
  type Session,
  SessionStore,
  tokensMatch,
} from './session.ts';
import { readStaticFile } from './static-files.ts';
import { UI_BASE, type UiDeps, type UiEnv, type UiState } from './ui-deps.ts';

export const METRICS_PATH = '/metrics';
const MAX_FORM_BYTES = 64 * 1024;
const LOGIN_COOKIE_SECONDS = 15 * 60;

/** Static files of the dashboard (src/ui/static; see static-files.ts for where they are read from). */
const STATIC_FILES: Record<string, string> = {
  'app.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
};

/**
 * Content-Security-Policy: scripts, styles, images and fetches from this origin only; no inline
 * script or style (nonce-less: the pages have none), no frames, no plugins, forms post here only.
 */
const SECURITY_HEADERS = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    fontSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    objectSrc: ["'none'"],
  },
  referrerPolicy: 'no-referrer',
  xFrameOptions: 'DENY',
  crossOriginResourcePolicy: 'same-origin',
  crossOriginOpenerPolicy: 'same-origin',
  strictTransportSecurity: false,
});

/** Where to go after login: only a path of the dashboard itself (never another site). */
function safeNext(next: string | undefined): string {
  return next !== undefined &&
    /^\/ui(?:\/[A-Za-z0-9._~%/-]*)?(?:\?[A-Za-z0-9._~%&=+-]*)?$/.test(next)
    ? next
    : UI_BASE;
}

function LoginPage(props: { csrf: string; next: string; error?: string | undefined }) {
  return (
    <Document title="Log in">
      <main class="login">
        <h1>{PRODUCT} dashboard</h1>
        {props.error ? <FlashMessage flash={{ kind: 'error', text: props.error }} /> : null}
        <form method="post" action={`${UI_BASE}/login`} class="stack card">
          <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
          <input type="hidden" name="next" value={props.next} />
          <label>
            Admin token
            <input
              name="token"
              type="password"
              required
              autocomplete="current-password"
              autofocus
              data-testid="token"
            />
          </label>
          <button type="submit" class="primary" data-testid="login">
            Log in
          </button>
          <p class="muted">
            <code>xkslab serve</code> printed it on first start; it is also in{' '}
            <code>DATA_DIR/admin-token</code>.
          </p>
        </form>
      </main>
    </Document>
  );
}

/**
 * The dashboard (`/ui`) and `GET /metrics`, for the admin listener. Login with the admin token
 * makes a server-side session (HttpOnly, SameSite=Strict cookie, Secure under TLS); every POST
 * must come from this origin (hono's csrf: Origin / Sec-Fetch-Site) and carry the session's CSRF
 * token. Pages call the same operations as the admin API (services/operations.ts and the module,
 * registry and policy stores), never the API over HTTP.
 */
export function createUiApp(deps: UiDeps): { app: Hono<UiEnv>; state: UiState } {
  const state: UiState = {
    sessions: new SessionStore({ now: () => deps.clock().getTime(), random: deps.random }),
    runs: new ConformanceRuns({
      run: deps.runConformance,
      newId: () => Buffer.from(deps.random(6)).toString('hex'),
      clock: deps.clock,
    }),
    audit: deps.auditLog ? new AuditView(deps.auditLog) : undefined,
  };
  const app = new Hono<UiEnv>();
  registerMetricsRoute(app, deps, state);
  app.use(`${UI_BASE}/*`, SECURITY_HEADERS);
  registerStaticFiles(app);
  // Forms are small; only the upload of two JSON reports to compare gets more room.
  const formLimit = bodyLimit({
    maxSize: MAX_FORM_BYTES,
    onError: (c) => c.text('form too large', 413),
  });
  const uploadLimit = bodyLimit({
    maxSize: MAX_COMPARE_UPLOAD_BYTES,
    onError: (c) => c.text('reports too large', 413),
  });
  app.use(`${UI_BASE}/*`, (c, next) =>
    (c.req.path === CONFORMANCE_COMPARE ? uploadLimit : formLimit)(c, next),
  );
  // Cross-origin form posts never get further (Origin or Sec-Fetch-Site must say same origin).
  app.use(`${UI_BASE}/*`, csrf());
  registerLoginRoutes(app, deps, state);
  registerSessionGate(app, deps, state);
  registerOverviewPages(app, deps);
  registerModulePages(app, deps);
  registerKeyPages(app, deps, state);
  registerKeyStorePages(app, deps);
  registerKmsPages(app, deps, state);
  registerAuditPages(app, deps, state);
  registerFaultPages(app, deps);
  registerConformancePages(app, deps, state);
  handleUiErrors(app, deps);
  return { app, state };
}

/** Cookies get Secure when the dashboard is served over TLS. */
function secure(url: string): boolean {
  return new URL(url).protocol === 'https:';
}

/** `GET /metrics` (Prometheus): the admin token as a bearer token, or a dashboard session. */
function registerMetricsRoute(app: Hono<UiEnv>, deps: UiDeps, state: UiState): void {
  app.get(METRICS_PATH, async (c) => {
    const token = bearerToken(c.req.header('authorization'));
    const byToken = token !== undefined && adminTokenMatches(token, deps.adminTokenHash);
    if (!byToken && !state.sessions.get(getCookie(c, SESSION_COOKIE))) {
      c.header('www-authenticate', 'Bearer realm="xkslab admin"');
      return c.text('missing or wrong admin token (Authorization: Bearer)\n', 401);
    }
    return c.body(await deps.metrics.prometheus(), 200, {
      'content-type': deps.metrics.contentType,
      'cache-control': 'no-store',
    });
  });
}

/** The dashboard's CSS and script, read once and kept. */
function registerStaticFiles(app: Hono<UiEnv>): void {
  const assets = new Map<string, string>();
  app.get(`${UI_BASE}/static/:file`, async (c) => {
    const file = c.req.param('file');
    const type = STATIC_FILES[file];
    if (!type) return c.text('not found', 404);
    let text = assets.get(file);
    if (text === undefined) {
      text = await readStaticFile(file);
      assets.set(file, text);
    }
    return c.body(text, 200, { 'content-type': type, 'cache-control': 'no-cache' });
  });
}

/** The login form's CSRF cookie, for the login page only. */
function setLoginCookie(c: Context<UiEnv>, token: string): void {
  setCookie(c, LOGIN_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: secure(c.req.url),
    path: UI_BASE,
    maxAge: LOGIN_COOKIE_SECONDS,
  });
}

/** The login form (with its own CSRF cookie) and its post, which opens a session. */
function registerLoginRoutes(app: Hono<UiEnv>, deps: UiDeps, state: UiState): void {
  app.get(`${UI_BASE}/login`, async (c) => {
    if (state.sessions.get(getCookie(c, SESSION_COOKIE))) return c.redirect(UI_BASE, 303);
    const token = randomToken(deps.random);
    setLoginCookie(c, token);
    c.header('cache-control', 'no-store');
    const html = await (<LoginPage csrf={token} next={safeNext(c.req.query('next'))} />);
    return c.html(`<!DOCTYPE html>${html}`);
  });

  app.post(`${UI_BASE}/login`, async (c) => {
    const form = await c.req.parseBody();
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
    const next = safeNext(field('next'));
    const refuse = async (message: string, status: 401 | 403) => {
      deps.logger.warn('dashboard login refused', { reason: message });
      await deps.audit?.append({ operation: 'ui:Login', result: 'UNAUTHORIZED', detail: message });
      const fresh = randomToken(deps.random);
      setLoginCookie(c, fresh);
      c.header('cache-control', 'no-store');
      const html = await (<LoginPage csrf={fresh} next={next} error={message} />);
      return c.html(`<!DOCTYPE html>${html}`, status);
    };
    if (!tokensMatch(getCookie(c, LOGIN_COOKIE), field(CSRF_FIELD))) {
      return refuse('The login form expired; try again.', 403);
    }
    const token = field('token').trim();
    if (!token || !adminTokenMatches(token, deps.adminTokenHash)) {
      return refuse('Wrong admin token.', 401);
    }
    const old = getCookie(c, SESSION_COOKIE);
    if (old) state.sessions.delete(old);
    const session = state.sessions.create();
    deleteCookie(c, LOGIN_COOKIE, { path: UI_BASE });
    setCookie(c, SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: secure(c.req.url),
      path: '/',
    });
    await deps.audit?.append({ operation: 'ui:Login', result: 'ok', principal: 'admin' });
    deps.logger.info('dashboard login', {});
    return c.redirect(next, 303);
  });
}

/** The session gate for every later `/ui` route, and logout. */
function registerSessionGate(app: Hono<UiEnv>, deps: UiDeps, state: UiState): void {
  // Everything below needs a session; every POST also the session's CSRF token. (`/ui/*`
  // matches `/ui` too.)
  app.use(`${UI_BASE}/*`, async (c, next) => {
    const session: Session | undefined = state.sessions.get(getCookie(c, SESSION_COOKIE));
    if (!session) {
      if (c.req.method === 'GET' && !c.req.path.startsWith(`${UI_BASE}/live/`)) {
        const target = `${UI_BASE}/login?next=${encodeURIComponent(c.req.path)}`;
        return c.redirect(target, 303);
      }
      return c.text('log in first', 401);
    }
    if (c.req.method === 'POST') {
      const form = await c.req.parseBody();
      const sent = form[CSRF_FIELD];
      if (!tokensMatch(session.csrf, typeof sent === 'string' ? sent : undefined)) {
        deps.logger.warn('dashboard form refused: missing or wrong CSRF token', {
          path: c.req.path,
        });
        return c.text(
          'Forbidden: missing or wrong CSRF token. Reload the page and try again.',
          403,
        );
      }
    }
    c.set('session', session);
    return next();
  });
  app.post(`${UI_BASE}/logout`, async (c) => {
    state.sessions.delete(c.get('session').id);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    await deps.audit?.append({ operation: 'ui:Logout', result: 'ok', principal: 'admin' });
    return c.redirect(`${UI_BASE}/login`, 303);
  });
}

/** Plain-text 404 and 500 (logged); hono's own refusals keep their status. */
function handleUiErrors(app: Hono<UiEnv>, deps: UiDeps): void {
  app.notFound((c) => c.text('not found', 404));
  app.onError((e, c) => {
    // hono's own refusals (csrf: a cross-origin form post) keep their status.
    if (e instanceof HTTPException) return e.getResponse();
    deps.logger.error('dashboard error', {
      path: c.req.path,
      cause: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
    });
    return c.text('Internal error; see the server log.', 500);
  });
}
