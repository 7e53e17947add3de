import type { FaultRule, FaultRuleInput, FaultScope } from '@xkslab/protocol';
import type { FaultPlan } from './fault-plan.ts';

type ScenarioRule = Exclude<FaultRuleInput, { kind: 'defect' }>;

export type Scenario = { summary: string; rules: readonly ScenarioRule[] };

/**
 * Named combinations of rules for demos (`xkslab faults enable-scenario NAME`). Their rule ids are
 * `<scenario>:<n>`, so `xkslab faults remove` takes them off one by one and enabling a scenario
 * again replaces its rules.
 */
export const SCENARIOS: Record<string, Scenario> = {
  'slow-hsm': {
    summary:
      'crypto calls wait ~150 ms (sd 60) in the module: some pass the module deadline and answer DependencyTimeoutException',
    rules: [
      {
        kind: 'latency',
        stage: 'module',
        latency: { type: 'normal', mean: 150, sd: 60 },
        scope: { operation: 'Encrypt' },
      },
      {
        kind: 'latency',
        stage: 'module',
        latency: { type: 'normal', mean: 150, sd: 60 },
        scope: { operation: 'Decrypt' },
      },
    ],
  },
  'near-deadline': {
    summary: 'every answer waits 200-300 ms: around KMS 250 ms deadline and over its 200 ms alarm',
    rules: [{ kind: 'latency', latency: { type: 'uniform', min: 200, max: 300 } }],
  },
  'degraded-fleet': {
    summary: 'the first node of every module reports DEGRADED in GetHealthStatus',
    rules: [{ kind: 'health', nodes: ['node-1'], status: 'DEGRADED' }],
  },
  'fleet-down': {
    summary: 'every node reports UNAVAILABLE: KMS fails Create/Connect with XksProxyUriUnreachable',
    rules: [{ kind: 'health', nodes: 'all', status: 'UNAVAILABLE' }],
  },
  'throttle-at-1800': {
    summary:
      'each key store admits 1800 requests a second (the KMS quota), then ThrottlingException',
    rules: [{ kind: 'throttle', requestsPerSecond: 1800 }],
  },
  'key-disabled-in-ekm': {
    summary:
      'Encrypt and Decrypt answer InvalidStateException, as for a key disabled in the key manager (scope it with --key-id)',
    rules: [
      { kind: 'error', errorName: 'InvalidStateException', scope: { operation: 'Encrypt' } },
      { kind: 'error', errorName: 'InvalidStateException', scope: { operation: 'Decrypt' } },
    ],
  },
  'flaky-network': {
    summary: '5% of connections dropped without an answer, 20-120 ms of jitter on the rest',
    rules: [
      { kind: 'drop', probability: 0.05 },
      { kind: 'latency', latency: { type: 'uniform', min: 20, max: 120 } },
    ],
  },
  'hsm-errors': {
    summary: '10% InternalException and 5% DependencyTimeoutException: retryable errors for KMS',
    rules: [
      { kind: 'error', errorName: 'InternalException', probability: 0.1 },
      { kind: 'error', errorName: 'DependencyTimeoutException', probability: 0.05 },
    ],
  },
  'clock-drift': {
    summary: 'the proxy clock runs 6 minutes ahead: every SigV4 check fails on skew',
    rules: [{ kind: 'clock-offset', offsetMs: 6 * 60_000 }],
  },
  'bit-rot': {
    summary: 'one encrypt in ten has a bit flipped after its CDIV: CDIV-checking callers catch it',
    rules: [{ kind: 'bitflip', probability: 0.1, scope: { operation: 'Encrypt' } }],
  },
};

export function scenarioNames(): string[] {
  return Object.keys(SCENARIOS);
}

/**
 * Switches a scenario on: its rules (ids `<name>:<n>`) replace any it had before; `scope` narrows
 * every rule (a rule's own operation stays). Returns the rules added.
 */
export function enableScenario(
  plan: FaultPlan,
  name: string,
  options: { scope?: FaultScope | undefined; expiresAt?: string | undefined } = {},
): FaultRule[] | undefined {
  const scenario = SCENARIOS[name];
  if (!scenario) return undefined;
  for (const rule of plan.list()) {
    if (rule.id.startsWith(`${name}:`)) plan.remove(rule.id);
  }
  return scenario.rules.map((rule, i) =>
    plan.add({
      ...rule,
      id: `${name}:${i + 1}`,
      ...(options.scope || rule.scope ? { scope: { ...options.scope, ...rule.scope } } : {}),
      ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
    }),
  );
}
