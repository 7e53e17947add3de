import { createRoute } from '@hono/zod-openapi';
import {
  DEFECT_NAMES,
  DefectList,
  EnableScenarioRequest,
  FaultList,
  FaultParams,
  FaultResponse,
  FaultRuleInput,
  FaultsCleared,
  ScenarioList,
  ScenarioParams,
} from '@xkslab/protocol';
import { DEFECTS } from '../faults/defect-table.ts';
import { FaultError, type FaultPlan } from '../faults/fault-plan.ts';
import { enableScenario, SCENARIOS } from '../faults/scenarios.ts';
import { ADMIN_BASE, type AdminDeps } from '../services/deps.ts';
import { AdminError } from '../services/errors.ts';
import { type AdminApp, ERROR_RESPONSES, jsonBody, jsonResponse, SECURITY } from './openapi.ts';

const tags = ['faults'];

const FAULT_STATUS = { FAULT_EXISTS: 409, FAULT_NOT_FOUND: 404, INVALID_FAULT: 400 } as const;

/** FaultPlan errors in the admin API's shape. */
function withFaultErrors<T>(work: () => T): T {
  try {
    return work();
  } catch (e) {
    if (e instanceof FaultError) throw new AdminError(FAULT_STATUS[e.code], e.code, e.message);
    throw e;
  }
}

function planOf(deps: AdminDeps): FaultPlan {
  if (!deps.faults) throw new AdminError(404, 'NOT_FOUND', 'fault injection is not available');
  return deps.faults;
}

const DESCRIPTION =
  'Fault-injection rules of this proxy, in memory only (gone on restart). A rule has a kind ' +
  '(latency, error, throttle, drop, health, clock-offset, bitflip, defect), an optional scope ' +
  '{keyStore, keyId, operation}, a probability (0-1, default 1) and an optional expiresAt. ' +
  'Defects break one protocol rule on purpose, one at a time (a new one replaces the old).';

const base = `${ADMIN_BASE}/faults`;

/** `/admin/v1/faults`: list, add, remove and clear rules; scenarios; the defect catalogue. */
export function registerFaultRoutes(app: AdminApp, deps: AdminDeps): void {
  registerFaultRuleRoutes(app, deps);
  registerScenarioRoutes(app, deps);
  registerDefectRoutes(app);
  registerFaultRemovalRoute(app, deps);
}

/** The rule set as a whole: list, add one, clear all. */
function registerFaultRuleRoutes(app: AdminApp, deps: AdminDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: base,
      summary: 'List the fault rules in force',
      description: DESCRIPTION,
      tags,
      security: SECURITY,
      responses: { 200: jsonResponse(FaultList, 'The rules, oldest first'), ...ERROR_RESPONSES },
    }),
    (c) => c.json({ faults: planOf(deps).list() }, 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: base,
      summary: 'Add a fault rule (its id is assigned when absent)',
      description: DESCRIPTION,
      tags,
      security: SECURITY,
      request: { body: jsonBody(FaultRuleInput) },
      responses: { 201: jsonResponse(FaultResponse, 'The rule added'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const fault = withFaultErrors(() => planOf(deps).add(c.req.valid('json')));
      deps.logger.warn('fault rule added', { id: fault.id, kind: fault.kind });
      // With --workers, answered once every worker knows: the next request sees the rule.
      await planOf(deps).published();
      return c.json({ fault }, 201);
    },
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: base,
      summary: 'Remove every fault rule: the proxy behaves as specified again',
      tags,
      security: SECURITY,
      responses: { 200: jsonResponse(FaultsCleared, 'How many were removed'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const removed = planOf(deps).clear();
      deps.logger.info('fault rules cleared', { removed });
      await planOf(deps).published();
      return c.json({ removed }, 200);
    },
  );
}

/** Named scenarios: list them, switch one on. */
function registerScenarioRoutes(app: AdminApp, deps: AdminDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: `${base}/scenarios`,
      summary: 'List the named scenarios (combinations of rules for demos)',
      tags,
      security: SECURITY,
      responses: { 200: jsonResponse(ScenarioList, 'The scenarios'), ...ERROR_RESPONSES },
    }),
    (c) =>
      c.json(
        {
          scenarios: Object.entries(SCENARIOS).map(([name, s]) => ({
            name,
            summary: s.summary,
            rules: [...s.rules],
          })),
        },
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: `${base}/scenarios/{name}`,
      summary: "Switch a scenario on (replacing its earlier rules); the rules' ids are NAME:n",
      tags,
      security: SECURITY,
      request: {
        params: ScenarioParams,
        body: { ...jsonBody(EnableScenarioRequest), required: false },
      },
      responses: { 201: jsonResponse(FaultList, 'The rules added'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const text = await c.req.text();
      let options: EnableScenarioRequest = {};
      if (text.trim() !== '') {
        const parsed = EnableScenarioRequest.safeParse(JSON.parse(text));
        if (!parsed.success) {
          throw new AdminError(400, 'VALIDATION_ERROR', parsed.error.issues[0]?.message ?? '');
        }
        options = parsed.data;
      }
      const faults = withFaultErrors(() => enableScenario(planOf(deps), name, options));
      if (!faults) throw new AdminError(404, 'SCENARIO_NOT_FOUND', `no scenario named '${name}'`);
      deps.logger.warn('fault scenario enabled', { scenario: name, rules: faults.length });
      await planOf(deps).published();
      return c.json({ faults }, 201);
    },
  );
}

/** The defect catalogue. */
function registerDefectRoutes(app: AdminApp): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: `${base}/defects`,
      summary: 'List the defect profiles and the conformance check that catches each',
      tags,
      security: SECURITY,
      responses: { 200: jsonResponse(DefectList, 'The defects'), ...ERROR_RESPONSES },
    }),
    (c) => c.json({ defects: DEFECT_NAMES.map((name) => ({ name, ...DEFECTS[name] })) }, 200),
  );
}

/** Removing one rule by id; registered last, after the fixed paths under /faults. */
function registerFaultRemovalRoute(app: AdminApp, deps: AdminDeps): void {
  app.openapi(
    createRoute({
      method: 'delete',
      path: `${base}/{faultId}`,
      summary: 'Remove one fault rule',
      tags,
      security: SECURITY,
      request: { params: FaultParams },
      responses: { 200: jsonResponse(FaultResponse, 'The rule removed'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const fault = withFaultErrors(() => planOf(deps).remove(c.req.valid('param').faultId));
      deps.logger.info('fault rule removed', { id: fault.id });
      await planOf(deps).published();
      return c.json({ fault }, 200);
    },
  );
}
