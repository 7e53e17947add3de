import { Policy } from '@xkslab/protocol';
import { describe, expect, it } from 'vitest';
import { compilePolicy, DEFAULT_DENY, evaluatePolicy, type PolicyRequest } from './evaluate.ts';

const APP_ROLE = 'arn:aws:iam::123456789012:role/app-orders';
const OTHER_ACCOUNT = 'arn:aws:iam::210987654321:role/app-orders';

function req(extra: Partial<PolicyRequest> = {}): PolicyRequest {
  return { principal: APP_ROLE, operation: 'Encrypt', ...extra };
}

type Row = {
  name: string;
  rules: unknown[];
  request: PolicyRequest;
  allowed: boolean;
  rule?: string;
};

const TABLE: Row[] = [
  {
    name: 'empty condition allow matches all',
    rules: [{ effect: 'allow' }],
    request: req(),
    allowed: true,
    rule: 'rules[0]',
  },
  {
    name: 'principal wildcard on account and role name',
    rules: [{ effect: 'allow', principals: ['arn:aws:iam::*:role/app-*'] }],
    request: req({ principal: OTHER_ACCOUNT }),
    allowed: true,
  },
  {
    name: 'wildcard does not match another role',
    rules: [{ effect: 'allow', principals: ['arn:aws:iam::*:role/app-*'] }],
    request: req({ principal: 'arn:aws:iam::123456789012:role/admin' }),
    allowed: false,
    rule: DEFAULT_DENY,
  },
  {
    name: 'account-level match',
    rules: [{ effect: 'allow', principals: ['123456789012'] }],
    request: req(),
    allowed: true,
  },
  {
    name: 'account-level match refuses another account',
    rules: [{ effect: 'allow', principals: ['123456789012'] }],
    request: req({ principal: OTHER_ACCOUNT }),
    allowed: false,
    rule: DEFAULT_DENY,
  },
  {
    name: 'account id never matches a service principal',
    rules: [{ effect: 'allow', principals: ['123456789012'] }],
    request: req({ principal: 'ec2.amazonaws.com' }),
    allowed: false,
  },
  {
    name: 'account prefix pattern with star',
    rules: [{ effect: 'allow', principals: ['arn:aws:iam::123456789012:*'] }],
    request: req(),
    allowed: true,
  },
  {
    name: 'explicit deny wins over an earlier allow',
    rules: [
      { effect: 'allow', name: 'everyone' },
      { effect: 'deny', name: 'no-decrypt', operations: ['Decrypt'] },
    ],
    request: req({ operation: 'Decrypt' }),
    allowed: false,
    rule: 'no-decrypt',
  },
  {
    name: 'deny that does not match leaves the allow',
    rules: [
      { effect: 'deny', name: 'no-decrypt', operations: ['Decrypt'] },
      { effect: 'allow', name: 'everyone' },
    ],
    request: req({ operation: 'Encrypt' }),
    allowed: true,
    rule: 'everyone',
  },
  {
    name: 'operation wildcard',
    rules: [{ effect: 'allow', operations: ['GenerateDataKey*'] }],
    request: req({ operation: 'GenerateDataKeyWithoutPlaintext' }),
    allowed: true,
  },
  {
    name: 'unknown operation is not an error, just no match',
    rules: [{ effect: 'allow', operations: ['Encrypt', 'Decrypt'] }],
    request: req({ operation: 'SomeFutureKmsOperation' }),
    allowed: false,
    rule: DEFAULT_DENY,
  },
  {
    name: 'unknown operation matches a rule without an operations condition',
    rules: [{ effect: 'allow', principals: ['123456789012'] }],
    request: req({ operation: 'SomeFutureKmsOperation' }),
    allowed: true,
  },
  {
    name: 'all conditions of a rule must hold',
    rules: [{ effect: 'allow', principals: ['123456789012'], viaServices: ['ebs'] }],
    request: req({ viaService: 's3' }),
    allowed: false,
  },
  {
    name: 'a condition on an absent field never matches',
    rules: [{ effect: 'allow', sourceVpcs: ['vpc-*'] }],
    request: req(),
    allowed: false,
  },
  {
    name: 'a deny on an absent field does not deny',
    rules: [
      { effect: 'deny', name: 'outside-vpce', sourceVpces: ['vpce-bad'] },
      { effect: 'allow' },
    ],
    request: req(),
    allowed: true,
  },
  {
    name: 'source vpc and vpce',
    rules: [{ effect: 'allow', sourceVpcs: ['vpc-1234'], sourceVpces: ['vpce-*'] }],
    request: req({ sourceVpc: 'vpc-1234', sourceVpce: 'vpce-0abc' }),
    allowed: true,
  },
  {
    name: 'regex metacharacters in patterns are literal',
    rules: [{ effect: 'allow', principals: ['arn:aws:iam::123456789012:role/app.orders'] }],
    request: req({ principal: 'arn:aws:iam::123456789012:role/appXorders' }),
    allowed: false,
  },
  {
    name: 'matching is case-sensitive',
    rules: [{ effect: 'allow', operations: ['encrypt'] }],
    request: req(),
    allowed: false,
  },
  {
    name: 'deny without an allow rule denies by its name',
    rules: [{ effect: 'deny', principals: ['*'] }],
    request: req(),
    allowed: false,
    rule: 'rules[0]',
  },
];

describe('evaluatePolicy', () => {
  it('allows everything without a policy', () => {
    expect(evaluatePolicy(undefined, req())).toEqual({ allowed: true });
  });

  for (const row of TABLE) {
    it(row.name, () => {
      const policy = Policy.parse({ rules: row.rules });
      const decision = evaluatePolicy(compilePolicy(policy), row.request);
      expect(decision.allowed).toBe(row.allowed);
      if (row.rule !== undefined) expect(decision.rule).toBe(row.rule);
    });
  }
});

describe('Policy schema', () => {
  it('refuses misspelt conditions, bad effects and empty lists', () => {
    for (const bad of [
      { rules: [] },
      { rules: [{ effect: 'permit' }] },
      { rules: [{ effect: 'allow', principal: ['*'] }] },
      { rules: [{ effect: 'allow', operations: [] }] },
      { rules: [{ effect: 'allow', name: 'has space' }] },
      { rules: [{ effect: 'allow' }], extra: true },
    ]) {
      expect(Policy.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
