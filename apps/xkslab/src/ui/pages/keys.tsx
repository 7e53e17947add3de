import type { Hono } from 'hono';
import type { UiDeps, UiEnv, UiState } from '../ui-deps.ts';
import { registerKeyActions } from './keys/key-actions.tsx';
import { registerKeyDetailPage } from './keys/key-detail-page.tsx';
import { registerKeyImportPages } from './keys/key-import-pages.tsx';
import { registerKeyListPage } from './keys/key-list-page.tsx';

/** Keys: create, import (wrapped), the whole lifecycle, usage and recent calls. Never material. */
export function registerKeyPages(app: Hono<UiEnv>, deps: UiDeps, state: UiState): void {
  registerKeyListPage(app, deps);
  registerKeyImportPages(app, deps);
  registerKeyDetailPage(app, deps, state);
  registerKeyActions(app, deps);
}
