import { FaultScope } from '@xkslab/protocol';
import type { Hono } from 'hono';
import { FaultError, type FaultPlan } from '../../../faults/fault-plan.ts';
import { enableScenario } from '../../../faults/scenarios.ts';
import { FormError, formOf, parseForm, runAction } from '../../page-kit.tsx';
import type { UiDeps, UiEnv } from '../../ui-deps.ts';
import { describeRule } from './describe-rule.ts';
import { FAULTS_BASE as BASE } from './fault-paths.ts';

function planOf(deps: UiDeps): FaultPlan {
  if (!deps.faults) throw new FormError('fault injection is not available in this server');
  return deps.faults;
}

/** FaultPlan's errors as readable form errors. */
function faultErrors<T>(work: () => T): T {
  try {
    return work();
  } catch (e) {
    if (e instanceof FaultError) throw new FormError(`${e.message} (${e.code})`);
    throw e;
  }
}

/** Turn scenarios on (everywhere or scoped) and off. */
export function registerScenarioActions(app: Hono<UiEnv>, deps: UiDeps): void {
  app.post(`${BASE}/scenarios/:name/on`, (c) => {
    const name = c.req.param('name');
    return runAction(
      c,
      deps,
      { mirrors: ['POST', '/faults/scenarios/{name}'], back: BASE },
      async () => {
        const added = faultErrors(() => enableScenario(planOf(deps), name));
        if (!added) throw new FormError(`no scenario named '${name}'`);
        deps.logger.warn('fault scenario enabled', { scenario: name, rules: added.length });
        return `Scenario ${name} is on (${added.length} rule(s)).`;
      },
    );
  });

  app.post(`${BASE}/scenarios`, async (c) => {
    const form = await formOf(c);
    const name = form.scenario ?? '';
    return runAction(
      c,
      deps,
      { mirrors: ['POST', '/faults/scenarios/{name}'], back: BASE },
      async () => {
        const scope = parseForm(FaultScope, {
          ...(form.keyStore ? { keyStore: form.keyStore } : {}),
          ...(form.keyId ? { keyId: form.keyId } : {}),
        });
        const added = faultErrors(() =>
          enableScenario(planOf(deps), name, Object.keys(scope).length ? { scope } : {}),
        );
        if (!added) throw new FormError(`no scenario named '${name}'`);
        deps.logger.warn('fault scenario enabled', { scenario: name, rules: added.length });
        return `Scenario ${name} is on (${added.length} rule(s)).`;
      },
    );
  });

  app.post(`${BASE}/scenarios/:name/off`, (c) => {
    const name = c.req.param('name');
    return runAction(
      c,
      deps,
      { mirrors: ['DELETE', '/faults/{faultId}'], back: BASE },
      async () => {
        const plan = planOf(deps);
        const mine = plan.list().filter((r) => r.id.startsWith(`${name}:`));
        for (const r of mine) plan.remove(r.id);
        deps.logger.info('fault scenario disabled', { scenario: name, rules: mine.length });
        return `Scenario ${name} is off (${mine.length} rule(s) removed).`;
      },
    );
  });
}

/** Add a single rule or a defect profile, remove one rule, remove them all. */
export function registerRuleActions(app: Hono<UiEnv>, deps: UiDeps): void {
  app.post(`${BASE}/rules`, async (c) => {
    const form = await formOf(c);
    return runAction(c, deps, { mirrors: ['POST', '/faults'], back: BASE }, async () => {
      let input: unknown;
      try {
        input = JSON.parse(form.rule ?? '');
      } catch {
        throw new FormError('rule: not valid JSON');
      }
      const rule = faultErrors(() => planOf(deps).add(input));
      deps.logger.warn('fault rule added', { id: rule.id, kind: rule.kind });
      return `Rule ${rule.id} is on: ${describeRule(rule)}.`;
    });
  });

  app.post(`${BASE}/defect`, async (c) => {
    const form = await formOf(c);
    return runAction(c, deps, { mirrors: ['POST', '/faults'], back: BASE }, async () => {
      const rule = faultErrors(() => planOf(deps).add({ kind: 'defect', defect: form.defect }));
      deps.logger.warn('fault rule added', { id: rule.id, kind: rule.kind });
      return `Defect on: ${describeRule(rule)} (rule ${rule.id}).`;
    });
  });

  app.post(`${BASE}/rules/:id/remove`, (c) => {
    const id = c.req.param('id');
    return runAction(
      c,
      deps,
      { mirrors: ['DELETE', '/faults/{faultId}'], back: BASE },
      async () => {
        const rule = faultErrors(() => planOf(deps).remove(id));
        deps.logger.info('fault rule removed', { id: rule.id });
        return `Rule ${rule.id} is off.`;
      },
    );
  });

  app.post(`${BASE}/clear`, (c) =>
    runAction(c, deps, { mirrors: ['DELETE', '/faults'], back: BASE }, async () => {
      const removed = planOf(deps).clear();
      deps.logger.info('fault rules cleared', { removed });
      return `${removed} rule(s) removed: the proxy behaves as specified.`;
    }),
  );
}
