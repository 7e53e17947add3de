import { Hono } from 'hono';
import { PRODUCT, VERSION } from './version.ts';
import type { XksDeps } from './xks/route.ts';
import { xksHandler } from './xks/xks-handler.ts';

export type AppDeps = XksDeps;

/**
 * The HTTP application: `GET /ping` for load balancers (no auth, spec §1.6), and the XKS API
 * under every key store's URI path prefix.
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.get('/ping', (c) => c.text(`pong from ${PRODUCT} v${VERSION}`));
  app.all('*', xksHandler(deps));
  return app;
}
