import {
  type DefectName,
  type FaultRule,
  FaultRuleInput,
  TokenBucket,
  type XksErrorName,
  type XksOperationName,
} from '@xkslab/protocol';
import { sampleDelay } from './distribution.ts';

/** What the rules decided for one XKS request (see the hooks in xks-handler.ts and the routes). */
export type RequestFaults = {
  defect: DefectName | undefined;
  /** Close the connection without an answer. */
  drop: boolean;
  /** Answer this error instead of calling the module. */
  error: XksErrorName | undefined;
  throttled: boolean;
  /** Added to the proxy clock for the SigV4 skew check. */
  clockOffsetMs: number;
  /** Delay before the module call (inside the module deadline) and before the answer. */
  moduleDelayMs: number;
  responseDelayMs: number;
  /** Fleet entries to report DEGRADED/UNAVAILABLE. */
  health: ReadonlyArray<{ nodes: 'all' | readonly string[]; status: 'DEGRADED' | 'UNAVAILABLE' }>;
  /** Flip one bit of this encrypt output field after the CDIV was computed. */
  bitflip: 'ciphertext' | 'authenticationTag' | 'initializationVector' | undefined;
};

/** A request's faults before any rule applies: none. */
export function noFaults(): RequestFaults {
  return {
    defect: undefined,
    drop: false,
    error: undefined,
    throttled: false,
    clockOffsetMs: 0,
    moduleDelayMs: 0,
    responseDelayMs: 0,
    health: [],
    bitflip: undefined,
  };
}

export type FaultErrorCode = 'FAULT_EXISTS' | 'FAULT_NOT_FOUND' | 'INVALID_FAULT';

export class FaultError extends Error {
  readonly code: FaultErrorCode;
  constructor(code: FaultErrorCode, message: string) {
    super(message);
    this.name = 'FaultError';
    this.code = code;
  }
}

type ActiveRule = {
  rule: FaultRule;
  expiresAtMs: number;
  /** Throttle rules: one token bucket per key store (KMS's quota is per key store). */
  buckets?: Map<string, TokenBucket>;
};

export type FaultPlanDeps = {
  clock: () => Date;
  /** Uniform in [0, 1): probabilities and latency draws. */
  random: () => number;
};

/**
 * Where the XKS stages get a request's faults (faulted-stages.ts): the plan itself in the process
 * that holds it, or a worker's view of the primary's plan (`serve --workers N`: the primary
 * decides every request's faults, so a counted or throttled rule counts once for all workers).
 */
export type FaultSource = {
  /** False when there are no rules: the handler then takes the spec's stages. */
  readonly active: boolean;
  /** The defect in force, if any. */
  readonly defect: DefectName | undefined;
  /** The faults of one request; a promise where deciding asks another process. */
  forRequest(
    keyStore: string,
    keyId: string,
    operation: XksOperationName,
  ): RequestFaults | undefined | Promise<RequestFaults | undefined>;
};

/**
 * The fault-injection rules of this proxy, in memory only: they exist while a user keeps them
 * (seed file, admin API, `xkslab faults`) and are gone on restart. `active` is false when there
 * are none, and that one boolean is all the hot path pays.
 */
export class FaultPlan {
  /** True while at least one rule exists. */
  active = false;
  #rules: ActiveRule[] = [];
  #nextId = 1;
  readonly #deps: FaultPlanDeps;
  #onChange: (() => Promise<void>) | undefined;
  #published: Promise<void> = Promise.resolve();

  constructor(deps: FaultPlanDeps) {
    this.#deps = deps;
  }

  /**
   * Runs `listener` after every change (add, remove, clear): the primary of `serve --workers N`
   * tells its workers whether rules exist and which defect is in force.
   */
  onChange(listener: () => Promise<void>): void {
    this.#onChange = listener;
  }

  /** Resolves once the listener has taken the last change (at once without one). */
  published(): Promise<void> {
    return this.#published;
  }

  #changed(): void {
    if (this.#onChange) this.#published = this.#onChange();
  }

  /** The rules in force, oldest first (expired ones are dropped on the way). */
  list(): FaultRule[] {
    this.#prune(this.#deps.clock().getTime());
    return this.#rules.map((r) => r.rule);
  }

  /**
   * Adds a rule (validated against the protocol schema) and returns it with its id. A defect rule
   * replaces the defect in force: one defect at a time.
   */
  add(input: unknown): FaultRule {
    const parsed = FaultRuleInput.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      throw new FaultError('INVALID_FAULT', `${path}${issue?.message ?? 'invalid fault rule'}`);
    }
    const data = parsed.data;
    const now = this.#deps.clock().getTime();
    this.#prune(now);
    const expiresAtMs = data.expiresAt ? Date.parse(data.expiresAt) : Number.POSITIVE_INFINITY;
    if (expiresAtMs <= now) throw new FaultError('INVALID_FAULT', 'expiresAt is in the past');
    if (data.kind === 'defect') this.#rules = this.#rules.filter((r) => r.rule.kind !== 'defect');
    const id = data.id ?? this.#freshId();
    if (this.#rules.some((r) => r.rule.id === id)) {
      throw new FaultError('FAULT_EXISTS', `a fault rule with id '${id}' exists`);
    }
    const rule = { ...data, id } as FaultRule;
    this.#rules.push({
      rule,
      expiresAtMs,
      ...(rule.kind === 'throttle' ? { buckets: new Map() } : {}),
    });
    this.active = true;
    this.#changed();
    return rule;
  }

  remove(id: string): FaultRule {
    const i = this.#rules.findIndex((r) => r.rule.id === id);
    const found = this.#rules[i];
    if (!found) throw new FaultError('FAULT_NOT_FOUND', `no fault rule with id '${id}'`);
    this.#rules.splice(i, 1);
    this.active = this.#rules.length > 0;
    this.#changed();
    return found.rule;
  }

  /** Removes every rule; returns how many there were. */
  clear(): number {
    const n = this.#rules.length;
    this.#rules = [];
    this.active = false;
    this.#changed();
    return n;
  }

  /** The defect in force, if any (defects apply to the whole proxy). */
  get defect(): DefectName | undefined {
    if (!this.active) return undefined;
    this.#prune(this.#deps.clock().getTime());
    for (const { rule } of this.#rules) if (rule.kind === 'defect') return rule.defect;
    return undefined;
  }

  /** Evaluates every rule for one request; undefined when none applies. */
  forRequest(
    keyStore: string,
    keyId: string,
    operation: XksOperationName,
  ): RequestFaults | undefined {
    const now = this.#deps.clock().getTime();
    this.#prune(now);
    let out: RequestFaults | undefined;
    const faults = (): RequestFaults => {
      out ??= noFaults();
      return out;
    };
    for (const active of this.#rules) {
      const { rule } = active;
      if (rule.kind === 'defect') {
        faults().defect = rule.defect;
        continue;
      }
      const scope = rule.scope;
      if (scope?.keyStore !== undefined && scope.keyStore !== keyStore) continue;
      if (scope?.keyId !== undefined && scope.keyId !== keyId) continue;
      if (scope?.operation !== undefined && scope.operation !== operation) continue;
      const p = rule.probability ?? 1;
      if (p < 1 && !(this.#deps.random() < p)) continue;
      const f = faults();
      switch (rule.kind) {
        case 'latency': {
          const ms = sampleDelay(rule.latency, this.#deps.random);
          if (rule.stage === 'module') f.moduleDelayMs += ms;
          else f.responseDelayMs += ms;
          break;
        }
        case 'error':
          f.error ??= rule.errorName as XksErrorName;
          break;
        case 'throttle': {
          const buckets = active.buckets as Map<string, TokenBucket>;
          let bucket = buckets.get(keyStore);
          if (!bucket) {
            bucket = new TokenBucket(rule.requestsPerSecond, now);
            buckets.set(keyStore, bucket);
          }
          if (!bucket.take(now)) f.throttled = true;
          break;
        }
        case 'drop':
          f.drop = true;
          break;
        case 'health':
          f.health = [...f.health, { nodes: rule.nodes, status: rule.status }];
          break;
        case 'clock-offset':
          f.clockOffsetMs += rule.offsetMs;
          break;
        case 'bitflip':
          f.bitflip ??= rule.field ?? 'ciphertext';
          break;
      }
    }
    return out;
  }

  #freshId(): string {
    let id: string;
    do id = `f${this.#nextId++}`;
    while (this.#rules.some((r) => r.rule.id === id));
    return id;
  }

  #prune(now: number) {
    if (this.#rules.length === 0) return;
    if (this.#rules.some((r) => r.expiresAtMs <= now)) {
      this.#rules = this.#rules.filter((r) => r.expiresAtMs > now);
      this.active = this.#rules.length > 0;
    }
  }
}
