import {
  DEFECT_NAMES,
  type DefectList,
  type FaultList,
  type FaultResponse,
  type FaultRule,
  type FaultRuleInput,
  type FaultsCleared,
  type LatencyDistribution,
  type ScenarioList,
} from '@xkslab/protocol';
import {
  arg,
  defineGroup,
  type SubcommandRun,
  seg,
  stringOption,
  textOption,
} from './admin-command.ts';
import { UsageError } from './flags.ts';
import { formatTable, shortTime } from './table.ts';

type Rule = FaultRuleInput;

function describeLatency(d: LatencyDistribution): string {
  if (d.type === 'fixed') return `${d.ms} ms`;
  if (d.type === 'normal') return `normal(${d.mean} ms, sd ${d.sd})`;
  return `uniform(${d.min}-${d.max} ms)`;
}

/** The kind-specific part of a rule, for a table cell. */
export function ruleDetail(rule: Rule): string {
  switch (rule.kind) {
    case 'latency':
      return `${describeLatency(rule.latency)}${rule.stage === 'module' ? ' in the module' : ''}`;
    case 'error':
      return rule.errorName;
    case 'throttle':
      return `${rule.requestsPerSecond} requests/s per key store`;
    case 'drop':
      return 'close the connection, no answer';
    case 'health':
      return `${rule.nodes === 'all' ? 'all nodes' : rule.nodes.join(',')} ${rule.status}`;
    case 'clock-offset':
      return `${rule.offsetMs >= 0 ? '+' : ''}${rule.offsetMs} ms`;
    case 'bitflip':
      return `one bit of ${rule.field ?? 'ciphertext'} after the CDIV`;
    case 'defect':
      return rule.defect;
  }
}

function scopeText(rule: Rule): string {
  if (rule.kind === 'defect') return 'whole proxy';
  const s = rule.scope;
  const parts = [
    s?.keyStore ? `keystore=${s.keyStore}` : '',
    s?.keyId ? `key=${s.keyId}` : '',
    s?.operation ? `op=${s.operation}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' ') : 'all';
}

function faultTable(faults: readonly Rule[]): string {
  return formatTable(
    ['ID', 'KIND', 'WHAT', 'SCOPE', 'PROBABILITY', 'EXPIRES'],
    faults.map((f) => [
      f.id ?? '-',
      f.kind,
      ruleDetail(f),
      scopeText(f),
      f.kind === 'defect' ? '1' : String(f.probability ?? 1),
      shortTime(f.expiresAt),
    ]),
  );
}

/** `normal:MEAN:SD`, `uniform:MIN:MAX` or plain milliseconds. */
export function parseLatency(text: string): LatencyDistribution {
  const [type, a, b, ...extra] = text.split(':');
  const num = (v: string | undefined) => {
    const n = Number(v);
    if (v === undefined || v === '' || !Number.isFinite(n) || n < 0) {
      throw new UsageError(
        `--latency: expected MS, normal:MEAN:SD or uniform:MIN:MAX (got ${text})`,
      );
    }
    return n;
  };
  if (extra.length) throw new UsageError(`--latency: too many parts in ${text}`);
  if (type === 'normal') return { type: 'normal', mean: num(a), sd: num(b) };
  if (type === 'uniform') return { type: 'uniform', min: num(a), max: num(b) };
  if (a !== undefined) throw new UsageError(`--latency: unknown distribution ${type}`);
  return { type: 'fixed', ms: num(type) };
}

function expiresAt(r: SubcommandRun): string | undefined {
  const v = stringOption(r, 'expires-in');
  if (v === undefined) return undefined;
  const seconds = Number(v);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError('--expires-in: expected a number of seconds');
  }
  return new Date(Date.now() + seconds * 1000).toISOString();
}

function scopeOf(r: SubcommandRun) {
  const scope = {
    ...(stringOption(r, 'key-store') ? { keyStore: stringOption(r, 'key-store') } : {}),
    ...(stringOption(r, 'key-id') ? { keyId: stringOption(r, 'key-id') } : {}),
    ...(stringOption(r, 'operation') ? { operation: stringOption(r, 'operation') } : {}),
  };
  return Object.keys(scope).length ? scope : undefined;
}

function required(r: SubcommandRun, name: string, kind: string): string {
  const v = stringOption(r, name);
  if (v === undefined) throw new UsageError(`faults add ${kind}: --${name} is required`);
  return v;
}

/** The rule `faults add` describes with flags (the server validates it again). */
export function ruleFromFlags(r: SubcommandRun): Record<string, unknown> {
  const json = stringOption(r, 'rule');
  if (json !== undefined) {
    try {
      return JSON.parse(json) as Record<string, unknown>;
    } catch {
      throw new UsageError('--rule: not JSON');
    }
  }
  const kind = r.args[0];
  if (kind === undefined) throw new UsageError('faults add: give a KIND or --rule JSON');
  const common = {
    ...(stringOption(r, 'id') ? { id: stringOption(r, 'id') } : {}),
    ...(scopeOf(r) ? { scope: scopeOf(r) } : {}),
    ...(stringOption(r, 'probability')
      ? { probability: Number(stringOption(r, 'probability')) }
      : {}),
    ...(expiresAt(r) ? { expiresAt: expiresAt(r) } : {}),
  };
  switch (kind) {
    case 'latency':
      return {
        ...common,
        kind,
        latency: parseLatency(required(r, 'latency', kind)),
        ...(stringOption(r, 'stage') ? { stage: stringOption(r, 'stage') } : {}),
      };
    case 'error':
      return { ...common, kind, errorName: required(r, 'error-name', kind) };
    case 'throttle':
      return { ...common, kind, requestsPerSecond: Number(required(r, 'rps', kind)) };
    case 'drop':
      return { ...common, kind };
    case 'health': {
      const nodes = required(r, 'nodes', kind);
      return {
        ...common,
        kind,
        nodes: nodes === 'all' ? 'all' : nodes.split(','),
        status: required(r, 'status', kind),
      };
    }
    case 'clock-offset':
      return { ...common, kind, offsetMs: Number(required(r, 'offset-ms', kind)) };
    case 'bitflip':
      return {
        ...common,
        kind,
        ...(stringOption(r, 'field') ? { field: stringOption(r, 'field') } : {}),
      };
    default:
      throw new UsageError(
        `faults add: unknown kind '${kind}' (latency, error, throttle, drop, health, clock-offset, bitflip; defects: 'xkslab faults defect NAME')`,
      );
  }
}

const scopeOptions = {
  keyStore: textOption('only requests to this key store', 'NAME'),
  keyId: textOption('only requests for this external key', 'ID'),
  operation: textOption('only GetHealthStatus, GetKeyMetadata, Encrypt or Decrypt', 'OP'),
  expiresIn: textOption('the rule goes away after this many seconds', 'SECS'),
};

export const FAULTS_COMMAND = defineGroup({
  name: 'faults',
  brief: 'inject faults into a running proxy (list|add|remove|clear|scenarios|defect|...)',
  summary:
    'Inject faults into the running proxy: latency, errors, throttling, drops, health, clock, bit flips, protocol defects.',
  notes: `Rules live in memory (gone on restart; a seed file's "faults" array sets them at start).
With no rule the proxy behaves as specified. Defect profiles break one spec rule on purpose, to
check that a conformance runner notices: 'xkslab faults defects' names the check that catches each.
`,
  subcommands: {
    list: {
      args: '',
      summary: 'list the rules in force',
      async run(r) {
        const res = await r.client.call<FaultList>('GET', '/faults');
        r.print(res, () => faultTable(res.faults));
      },
    },
    add: {
      args: '[KIND]',
      summary: 'add a rule: latency, error, throttle, drop, health, clock-offset or bitflip',
      options: {
        latency: textOption('latency: MS, normal:MEAN:SD or uniform:MIN:MAX (ms)', 'D'),
        stage: textOption(
          'latency: response (default) or module (inside the module deadline)',
          'S',
        ),
        errorName: textOption(
          'error: an XKS errorName (its status comes from the spec table)',
          'NAME',
        ),
        rps: textOption('throttle: requests per second per key store (token bucket)', 'N'),
        nodes: textOption('health: all, or node ids/suffixes (node-1,node-2)', 'all|IDS'),
        status: textOption('health: DEGRADED or UNAVAILABLE', 'S'),
        offsetMs: textOption(
          'clock-offset: added to the proxy clock for SigV4 (negative: --offset-ms=-N)',
          'N',
        ),
        field: textOption(
          'bitflip: ciphertext (default), authenticationTag or initializationVector',
          'F',
        ),
        probability: textOption(
          '0-1, the chance the rule fires on a matching request (default 1)',
          'P',
        ),
        id: textOption("the rule's id (default: assigned)", 'ID'),
        rule: textOption('the whole rule as JSON instead of the flags', 'JSON'),
        ...scopeOptions,
      },
      async run(r) {
        const res = await r.client.call<FaultResponse>('POST', '/faults', ruleFromFlags(r));
        r.print(res, () => faultTable([res.fault]));
      },
    },
    remove: {
      args: 'ID',
      summary: 'remove one rule',
      async run(r) {
        const res = await r.client.call<FaultResponse>('DELETE', `/faults/${seg(arg(r, 0))}`);
        r.print(res, () => `removed ${res.fault.id ?? ''}\n`);
      },
    },
    clear: {
      args: '',
      summary: 'remove every rule: the proxy behaves as specified again',
      async run(r) {
        const res = await r.client.call<FaultsCleared>('DELETE', '/faults');
        r.print(res, () => `removed ${res.removed} rule(s)\n`);
      },
    },
    scenarios: {
      args: '',
      summary: 'list the named scenarios',
      async run(r) {
        const res = await r.client.call<ScenarioList>('GET', '/faults/scenarios');
        r.print(res, () =>
          formatTable(
            ['NAME', 'RULES', 'WHAT'],
            res.scenarios.map((s) => [s.name, String(s.rules.length), s.summary]),
          ),
        );
      },
    },
    'enable-scenario': {
      args: 'NAME',
      summary: "switch a scenario's rules on (ids NAME:1, NAME:2, ...)",
      options: scopeOptions,
      async run(r) {
        const scope = scopeOf(r);
        const until = expiresAt(r);
        const res = await r.client.call<FaultList>('POST', `/faults/scenarios/${seg(arg(r, 0))}`, {
          ...(scope ? { scope } : {}),
          ...(until ? { expiresAt: until } : {}),
        });
        r.print(res, () => faultTable(res.faults));
      },
    },
    defect: {
      args: 'NAME',
      summary: "turn one defect profile on (replacing the last), or 'off'",
      options: {
        expiresIn: textOption('the defect goes away after this many seconds', 'SECS'),
      },
      async run(r) {
        const name = arg(r, 0);
        if (name === 'off') {
          const { faults } = await r.client.call<FaultList>('GET', '/faults');
          const defects = faults.filter((f): f is FaultRule => f.kind === 'defect' && !!f.id);
          for (const f of defects) await r.client.call('DELETE', `/faults/${seg(f.id)}`);
          r.print({ removed: defects.length }, () => `defect off (${defects.length} removed)\n`);
          return;
        }
        if (!(DEFECT_NAMES as readonly string[]).includes(name)) {
          throw new UsageError(`unknown defect '${name}'; 'xkslab faults defects' lists them`);
        }
        const until = expiresAt(r);
        const res = await r.client.call<FaultResponse>('POST', '/faults', {
          kind: 'defect',
          defect: name,
          ...(until ? { expiresAt: until } : {}),
        });
        r.print(res, () => faultTable([res.fault]));
      },
    },
    defects: {
      args: '',
      summary: 'list the defect profiles and the conformance check that catches each',
      async run(r) {
        const res = await r.client.call<DefectList>('GET', '/faults/defects');
        r.print(res, () =>
          formatTable(
            ['DEFECT', 'CAUGHT BY', 'SPEC', 'WHAT'],
            res.defects.map((d) => [d.name, d.caughtBy, d.specRef, d.summary]),
          ),
        );
      },
    },
  },
});
