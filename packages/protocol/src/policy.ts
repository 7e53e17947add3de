import { z } from 'zod';

/**
 * Secondary authorization policies (spec §2.4): an ordered list of rules per key store and per
 * key. Strict objects: a misspelt condition must fail loudly, not silently widen a rule.
 */

/** A value or pattern of a condition; `*` matches any run of characters (including none). */
const PolicyPattern = z.string().min(1).max(2048);
const PolicyPatterns = z.array(PolicyPattern).min(1).max(100);

export const PolicyEffect = z.enum(['allow', 'deny']);
export type PolicyEffect = z.infer<typeof PolicyEffect>;

export const PolicyRule = z
  .strictObject({
    /** Named in the log line of a denial (`policyRule`); else the rule's index is. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'use 1-64 characters of A-Z a-z 0-9 . _ : -')
      .optional(),
    effect: PolicyEffect,
    /**
     * awsPrincipalArn patterns (`arn:aws:iam::*:role/app-*`); a bare 12-digit account id matches
     * every principal of that account.
     */
    principals: PolicyPatterns.optional(),
    /** kmsOperation values or patterns (`Encrypt`, `GenerateDataKey*`). */
    operations: PolicyPatterns.optional(),
    /** kmsViaService values or patterns; a request without one never matches. */
    viaServices: PolicyPatterns.optional(),
    /** awsSourceVpc values or patterns; a request without one never matches. */
    sourceVpcs: PolicyPatterns.optional(),
    /** awsSourceVpce values or patterns; a request without one never matches. */
    sourceVpces: PolicyPatterns.optional(),
  })
  .meta({ id: 'PolicyRule' });
export type PolicyRule = z.infer<typeof PolicyRule>;

/**
 * A policy: explicit deny wins; else allow when an allow rule matches; else deny. A rule matches
 * when every condition it has matches (no conditions: every request). No policy: allow.
 */
export const Policy = z
  .strictObject({ rules: z.array(PolicyRule).min(1).max(100) })
  .meta({ id: 'Policy' });
export type Policy = z.infer<typeof Policy>;

export const PolicyResponse = z
  .object({ policy: Policy.nullable() })
  .meta({ id: 'PolicyResponse' });
export type PolicyResponse = z.infer<typeof PolicyResponse>;
