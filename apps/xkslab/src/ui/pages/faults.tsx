import { DEFECT_NAMES, type FaultRule, FaultScope } from '@xkslab/protocol';
import type { Hono } from 'hono';
import { DEFECTS } from '../../faults/defects.ts';
import { FaultError, type FaultPlan } from '../../faults/fault-plan.ts';
import { enableScenario, SCENARIOS } from '../../faults/scenarios.ts';
import { ActionButton, Badge, CsrfField, Empty, shorten, Table, when } from '../layout.tsx';
import { FormError, formOf, parseForm, renderPage, runAction, seg } from '../page-kit.tsx';
import { UI_BASE, type UiDeps, type UiEnv } from '../ui-deps.ts';

const BASE = `${UI_BASE}/faults`;

/**
 * One line saying what a rule does, for people. `short` shortens the key store and key it names
 * (for a table or a list: put the whole line in a title).
 */
export function describeRule(rule: FaultRule, options: { short?: boolean } = {}): string {
  const name = (v: string) => (options.short ? shorten(v) : v);
  const parts: string[] = [rule.kind];
  switch (rule.kind) {
    case 'latency': {
      const l = rule.latency;
      const d =
        l.type === 'fixed'
          ? `${l.ms} ms`
          : l.type === 'normal'
            ? `~${l.mean} ms (sd ${l.sd})`
            : `${l.min}-${l.max} ms`;
      parts.push(`${d}${rule.stage === 'module' ? ' in the module' : ''}`);
      break;
    }
    case 'error':
      parts.push(rule.errorName);
      break;
    case 'throttle':
      parts.push(`${rule.requestsPerSecond} req/s per key store`);
      break;
    case 'health':
      parts.push(
        `${rule.nodes === 'all' ? 'every node' : rule.nodes.map(name).join(', ')} ${rule.status}`,
      );
      break;
    case 'clock-offset':
      parts.push(`${rule.offsetMs > 0 ? '+' : ''}${rule.offsetMs} ms`);
      break;
    case 'bitflip':
      parts.push(rule.field ?? 'ciphertext');
      break;
    case 'defect':
      parts.push(rule.defect);
      break;
    case 'drop':
      break;
  }
  if (rule.kind !== 'defect') {
    const s = rule.scope;
    const scope = [
      s?.keyStore && `key store ${name(s.keyStore)}`,
      s?.keyId && `key ${name(s.keyId)}`,
      s?.operation,
    ].filter(Boolean);
    if (scope.length) parts.push(`(${scope.join(', ')})`);
    if (rule.probability !== undefined && rule.probability < 1) {
      parts.push(`p=${rule.probability}`);
    }
  }
  if (rule.expiresAt) parts.push(`until ${when(rule.expiresAt)}`);
  return parts.join(' ');
}

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

function scenarioOn(rules: readonly FaultRule[], name: string): boolean {
  const scenario = SCENARIOS[name];
  if (!scenario) return false;
  return scenario.rules.every((_, i) => rules.some((r) => r.id === `${name}:${i + 1}`));
}

const RULE_EXAMPLES = [
  '{"kind": "latency", "latency": {"type": "fixed", "ms": 120}}',
  '{"kind": "error", "errorName": "InternalException", "probability": 0.2}',
  '{"kind": "health", "nodes": ["node-2"], "status": "DEGRADED"}',
  '{"kind": "throttle", "requestsPerSecond": 50, "scope": {"keyStore": "default"}}',
];

/** Faults: scenarios and single rules on and off, the defect profiles, what is active. */
export function registerFaultPages(app: Hono<UiEnv>, deps: UiDeps): void {
  app.get(BASE, async (c) => {
    const csrf = c.get('session').csrf;
    if (!deps.faults) {
      return renderPage(
        c,
        deps,
        { title: 'Faults', active: 'faults' },
        <Empty>Fault injection is not available in this server.</Empty>,
      );
    }
    const rules = deps.faults.list();
    const keyStores = deps.registry.describeAll();
    return renderPage(
      c,
      deps,
      { title: 'Faults', active: 'faults' },
      <div class="grid">
        <section class="card wide">
          <h2>Active rules</h2>
          {rules.length === 0 ? (
            <Empty>None: the proxy behaves as specified.</Empty>
          ) : (
            <>
              <Table head={['Id', 'Rule', '']}>
                {rules.map((r) => (
                  <tr data-testid={`rule-${r.id}`}>
                    <td>
                      <code>{r.id}</code>
                    </td>
                    <td title={describeRule(r)}>{describeRule(r, { short: true })}</td>
                    <td class="actions">
                      <ActionButton
                        action={`${BASE}/rules/${seg(r.id)}/remove`}
                        csrf={csrf}
                        label="Turn off"
                      />
                    </td>
                  </tr>
                ))}
              </Table>
              <ActionButton
                action={`${BASE}/clear`}
                csrf={csrf}
                label="Turn every rule off"
                kind="danger"
                confirm="Remove every fault rule?"
              />
            </>
          )}
        </section>
        <section class="card wide">
          <h2>Scenarios</h2>
          <p class="muted">
            Named combinations of rules for demos. Turning one on again replaces its rules.
          </p>
          <Table head={['Scenario (what it does)', 'State', '']}>
            {Object.entries(SCENARIOS).map(([name, s]) => {
              const on = scenarioOn(rules, name);
              // Name and summary in one cell: on a phone the state and the button stay in view.
              return (
                <tr data-testid={`scenario-${name}`}>
                  <td>
                    <code>{name}</code>
                    <div class="muted wrap">{s.summary}</div>
                  </td>
                  <td>{on ? <Badge tone="warn">on</Badge> : <Badge tone="muted">off</Badge>}</td>
                  <td class="actions">
                    {on ? (
                      <ActionButton
                        action={`${BASE}/scenarios/${seg(name)}/off`}
                        csrf={csrf}
                        label="Turn off"
                        testId={`scenario-off-${name}`}
                      />
                    ) : (
                      <ActionButton
                        action={`${BASE}/scenarios/${seg(name)}/on`}
                        csrf={csrf}
                        label="Turn on"
                        kind="primary"
                        testId={`scenario-on-${name}`}
                      />
                    )}
                  </td>
                </tr>
              );
            })}
          </Table>
          <h3>Turn a scenario on for one key store or key</h3>
          <form method="post" action={`${BASE}/scenarios`} class="row">
            <CsrfField token={csrf} />
            <label>
              Scenario
              <select name="scenario">
                {Object.keys(SCENARIOS).map((n) => (
                  <option value={n}>{n}</option>
                ))}
              </select>
            </label>
            <label>
              Key store
              <select name="keyStore">
                <option value="">any</option>
                {keyStores.map((ks) => (
                  <option value={ks.name}>{ks.name}</option>
                ))}
              </select>
            </label>
            <label>
              Key id
              <input name="keyId" placeholder="any" />
            </label>
            <button type="submit" class="primary">
              Turn on
            </button>
          </form>
        </section>
        <section class="card">
          <h2>Add a single rule</h2>
          <form method="post" action={`${BASE}/rules`} class="stack">
            <CsrfField token={csrf} />
            <label>
              Rule (JSON)
              <textarea name="rule" rows={5} required placeholder={RULE_EXAMPLES[0]} />
            </label>
            <button type="submit" class="primary">
              Add rule
            </button>
          </form>
          <p class="muted">Examples:</p>
          <ul class="plain-list">
            {RULE_EXAMPLES.map((e) => (
              <li>
                <code>{e}</code>
              </li>
            ))}
          </ul>
          <p class="muted">
            Kinds: latency, error, throttle, drop, health, clock-offset, bitflip, defect; optional
            scope {'{keyStore, keyId, operation}'}, probability (0-1), expiresAt (ISO time).
          </p>
        </section>
        <section class="card">
          <h2>Defect profiles</h2>
          <p class="muted">
            Each breaks one rule of the spec on purpose (one at a time), for testing a conformance
            runner.
          </p>
          <form method="post" action={`${BASE}/defect`} class="stack">
            <CsrfField token={csrf} />
            <label>
              Defect
              <select name="defect">
                {DEFECT_NAMES.map((d) => (
                  <option value={d}>{`${d}: ${DEFECTS[d].summary}`}</option>
                ))}
              </select>
            </label>
            <button type="submit" class="primary">
              Turn on
            </button>
          </form>
        </section>
      </div>,
    );
  });

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
