import type { Hono } from 'hono';
import type { UiDeps, UiEnv } from '../ui-deps.ts';
import { registerKeyStoreActions } from './keystores/keystore-actions.tsx';
import { registerKeyStoreCredentialActions } from './keystores/keystore-credentials.tsx';
import { registerKeyStoreDetailPage } from './keystores/keystore-detail-page.tsx';
import { registerKeyStoreListPage } from './keystores/keystore-list-page.tsx';

/** Key stores: create, credentials (secret shown once), proxy configuration, policy, block. */
export function registerKeyStorePages(app: Hono<UiEnv>, deps: UiDeps): void {
  registerKeyStoreListPage(app, deps);
  registerKeyStoreDetailPage(app, deps);
  registerKeyStoreCredentialActions(app, deps);
  registerKeyStoreActions(app, deps);
}
