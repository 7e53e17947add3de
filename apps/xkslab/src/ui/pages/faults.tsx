import type { Hono } from 'hono';
import type { UiDeps, UiEnv } from '../ui-deps.ts';
import { registerRuleActions, registerScenarioActions } from './faults/fault-actions.tsx';
import { registerFaultOverview } from './faults/fault-overview-page.tsx';

/** Faults: scenarios and single rules on and off, the defect profiles, what is active. */
export function registerFaultPages(app: Hono<UiEnv>, deps: UiDeps): void {
  registerFaultOverview(app, deps);
  registerScenarioActions(app, deps);
  registerRuleActions(app, deps);
}
