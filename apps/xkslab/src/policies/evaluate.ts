import type { Policy, PolicyRule } from '@xkslab/protocol';

/** What a policy looks at: the requestMetadata of an XKS call (spec §1.2). */
export type PolicyRequest = {
  principal: string;
  operation: string;
  viaService?: string | undefined;
  sourceVpc?: string | undefined;
  sourceVpce?: string | undefined;
};

export type PolicyDecision =
  | { allowed: true; rule?: string }
  | { allowed: false; rule: string; reason: 'explicit-deny' | 'no-allow' };

/** The label of a denial by no rule at all: a policy exists and nothing allowed the call. */
export const DEFAULT_DENY = 'default-deny';

type Matcher = (value: string | undefined) => boolean;

type Condition = (request: PolicyRequest) => boolean;

type CompiledRule = { label: string; effect: PolicyRule['effect']; conditions: Condition[] };

/** A policy ready for the hot path: every pattern turned into a matcher once. */
export type CompiledPolicy = { readonly policy: Policy; readonly rules: readonly CompiledRule[] };

const ACCOUNT_ID = /^\d{12}$/;

/** `*` matches any run of characters (also none); everything else matches itself. */
function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[\\^$.|?+()[\]{}]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 's');
}

function anyOf(patterns: readonly string[], compile: (p: string) => Matcher): Matcher {
  const matchers = patterns.map(compile);
  return (value) => value !== undefined && matchers.some((m) => m(value));
}

function valueMatcher(pattern: string): Matcher {
  if (!pattern.includes('*')) return (value) => value === pattern;
  const re = globToRegExp(pattern);
  return (value) => value !== undefined && re.test(value);
}

/** A 12-digit account id matches every principal ARN of that account (arn:aws:iam::<id>:...). */
function principalMatcher(pattern: string): Matcher {
  if (ACCOUNT_ID.test(pattern)) {
    return (value) => value !== undefined && value.split(':')[4] === pattern;
  }
  return valueMatcher(pattern);
}

export function compilePolicy(policy: Policy): CompiledPolicy {
  const rules = policy.rules.map((rule, i): CompiledRule => {
    const conditions: Condition[] = [];
    const fields: Array<[readonly string[] | undefined, (r: PolicyRequest) => string | undefined]> =
      [
        [rule.operations, (r) => r.operation],
        [rule.viaServices, (r) => r.viaService],
        [rule.sourceVpcs, (r) => r.sourceVpc],
        [rule.sourceVpces, (r) => r.sourceVpce],
      ];
    if (rule.principals) {
      const m = anyOf(rule.principals, principalMatcher);
      conditions.push((r) => m(r.principal));
    }
    for (const [patterns, pick] of fields) {
      if (!patterns) continue;
      const m = anyOf(patterns, valueMatcher);
      conditions.push((r) => m(pick(r)));
    }
    return { label: rule.name ?? `rules[${i}]`, effect: rule.effect, conditions };
  });
  return { policy, rules };
}

function matches(rule: CompiledRule, request: PolicyRequest): boolean {
  return rule.conditions.every((condition) => condition(request));
}

/**
 * Evaluates one policy: an explicit deny wins; else the first matching allow allows; else the
 * call is denied (a policy exists). No policy allows. Unknown operations are not errors: they
 * simply match only rules without an `operations` condition (or a pattern that covers them).
 */
export function evaluatePolicy(
  policy: CompiledPolicy | undefined,
  request: PolicyRequest,
): PolicyDecision {
  if (!policy) return { allowed: true };
  let allowedBy: string | undefined;
  for (const rule of policy.rules) {
    if (!matches(rule, request)) continue;
    if (rule.effect === 'deny')
      return { allowed: false, rule: rule.label, reason: 'explicit-deny' };
    allowedBy ??= rule.label;
  }
  return allowedBy === undefined
    ? { allowed: false, rule: DEFAULT_DENY, reason: 'no-allow' }
    : { allowed: true, rule: allowedBy };
}
