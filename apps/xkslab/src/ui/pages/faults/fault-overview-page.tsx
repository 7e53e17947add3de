import { DEFECT_NAMES, type FaultRule } from '@xkslab/protocol';
import type { Hono } from 'hono';
import { DEFECTS } from '../../../faults/defect-table.ts';
import { SCENARIOS } from '../../../faults/scenarios.ts';
import type { KeyStoreDescription } from '../../../keystores/registry.ts';
import { ActionButton, Badge, CsrfField, Empty, Table } from '../../layout.tsx';
import { renderPage, seg } from '../../page-kit.tsx';
import type { UiDeps, UiEnv } from '../../ui-deps.ts';
import { describeRule } from './describe-rule.ts';
import { FAULTS_BASE as BASE } from './fault-paths.ts';

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

/** The fault rules in force, each one button away from off. */
function ActiveRulesCard(props: { rules: readonly FaultRule[]; csrf: string }) {
  const { rules, csrf } = props;
  return (
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
  );
}

/** The named scenarios, on or off, and the form that scopes one to a key store or key. */
function ScenariosCard(props: {
  rules: readonly FaultRule[];
  keyStores: readonly KeyStoreDescription[];
  csrf: string;
}) {
  const { rules, keyStores, csrf } = props;
  return (
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
  );
}

/** The form that adds one rule as JSON, with examples. */
function AddRuleCard(props: { csrf: string }) {
  const { csrf } = props;
  return (
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
        Kinds: latency, error, throttle, drop, health, clock-offset, bitflip, defect; optional scope{' '}
        {'{keyStore, keyId, operation}'}, probability (0-1), expiresAt (ISO time).
      </p>
    </section>
  );
}

/** The defect profiles: each breaks one rule of the spec on purpose. */
function DefectsCard(props: { csrf: string }) {
  const { csrf } = props;
  return (
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
  );
}

/** The fault page: active rules, scenarios, a single rule, defect profiles. */
export function registerFaultOverview(app: Hono<UiEnv>, deps: UiDeps): void {
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
        <ActiveRulesCard rules={rules} csrf={csrf} />
        <ScenariosCard rules={rules} keyStores={keyStores} csrf={csrf} />
        <AddRuleCard csrf={csrf} />
        <DefectsCard csrf={csrf} />
      </div>,
    );
  });
}
