import { FaultRuleInput } from '@xkslab/protocol';
import { describe, expect, it } from 'vitest';
import type { SubcommandRun } from './admin-command.ts';
import { parseLatency, ruleDetail, ruleFromFlags } from './faults-command.ts';

function run(args: string[], values: Record<string, string> = {}): SubcommandRun {
  return {
    args,
    values,
    client: undefined as never,
    io: { stdout: () => undefined, stderr: () => undefined },
    json: false,
    print: () => undefined,
  };
}

describe('xkslab faults add', () => {
  it('parses latency distributions', () => {
    expect(parseLatency('250')).toEqual({ type: 'fixed', ms: 250 });
    expect(parseLatency('normal:150:60')).toEqual({ type: 'normal', mean: 150, sd: 60 });
    expect(parseLatency('uniform:200:300')).toEqual({ type: 'uniform', min: 200, max: 300 });
    for (const bad of ['', 'x', 'normal:1', 'gamma:1:2', 'uniform:1:2:3', '-5']) {
      expect(() => parseLatency(bad), bad).toThrow(/--latency/);
    }
  });

  it('builds valid rules from flags', () => {
    const cases: Array<[string[], Record<string, string>]> = [
      [['latency'], { latency: 'uniform:1:2', stage: 'module', operation: 'Encrypt' }],
      [['error'], { 'error-name': 'ThrottlingException', 'key-id': 'foo', probability: '0.5' }],
      [['throttle'], { rps: '1800', 'key-store': 'a' }],
      [['drop'], { 'expires-in': '60', id: 'mine' }],
      [['health'], { nodes: 'node-1,node-2', status: 'UNAVAILABLE' }],
      [['clock-offset'], { 'offset-ms': '-360000' }],
      [['bitflip'], { field: 'authenticationTag' }],
      [[], { rule: '{"kind":"drop","probability":0.1}' }],
    ];
    for (const [args, values] of cases) {
      const rule = ruleFromFlags(run(args, values));
      const parsed = FaultRuleInput.safeParse(rule);
      expect(parsed.success, JSON.stringify(rule)).toBe(true);
      if (parsed.success) expect(ruleDetail(parsed.data)).not.toBe('');
    }
    expect(ruleFromFlags(run(['health'], { nodes: 'all', status: 'DEGRADED' })).nodes).toBe('all');
  });

  it('refuses unknown kinds and missing flags', () => {
    expect(() => ruleFromFlags(run(['meteor']))).toThrow(/unknown kind/);
    expect(() => ruleFromFlags(run(['error']))).toThrow(/--error-name is required/);
    expect(() => ruleFromFlags(run([]))).toThrow(/KIND or --rule/);
    expect(() => ruleFromFlags(run([], { rule: '{' }))).toThrow(/not JSON/);
    expect(() => ruleFromFlags(run(['drop'], { 'expires-in': 'soon' }))).toThrow(/--expires-in/);
  });
});
