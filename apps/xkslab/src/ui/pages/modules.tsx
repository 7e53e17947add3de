import type { Hono } from 'hono';
import type { UiDeps, UiEnv } from '../ui-deps.ts';
import { registerModuleActions } from './modules/module-actions.tsx';
import { registerModuleDetailPage } from './modules/module-detail-page.tsx';
import { registerModuleListPage } from './modules/module-list-page.tsx';

/** Modules: deploy, see keys and nodes, mark disconnected/reconnected, delete. */
export function registerModulePages(app: Hono<UiEnv>, deps: UiDeps): void {
  registerModuleListPage(app, deps);
  registerModuleDetailPage(app, deps);
  registerModuleActions(app, deps);
}
