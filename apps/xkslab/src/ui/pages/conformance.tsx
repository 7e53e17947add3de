import type { Hono } from 'hono';
import type { UiDeps, UiEnv, UiState } from '../ui-deps.ts';
import { registerConformanceComparePage } from './conformance/conformance-compare-page.tsx';
import { registerConformanceFormPage } from './conformance/conformance-form-page.tsx';
import { registerConformanceRunActions } from './conformance/conformance-run-actions.tsx';
import { registerConformanceRunPage } from './conformance/conformance-run-page.tsx';

/**
 * Conformance: run the suite against a URL (this xkslab's key stores preselected), download a
 * run's reports, compare two runs.
 */
export function registerConformancePages(app: Hono<UiEnv>, deps: UiDeps, state: UiState): void {
  registerConformanceFormPage(app, deps, state);
  registerConformanceRunActions(app, deps, state);
  registerConformanceRunPage(app, deps, state);
  registerConformanceComparePage(app, deps, state);
}
