import { z } from 'zod';
import { EXTERNAL_KEY_ID_PATTERN } from './constants.ts';
import { XKS_ERROR_NAMES } from './errors.ts';

/**
 * Fault-injection rules of xkslab's own proxy: what the seed file, the admin API
 * (`/admin/v1/faults`) and `xkslab faults` exchange. Faults exist only when a user adds them.
 */

/** The four XKS operations, as a rule scope names them. */
export const XksOperationName = z.enum(['GetHealthStatus', 'GetKeyMetadata', 'Encrypt', 'Decrypt']);
export type XksOperationName = z.infer<typeof XksOperationName>;

/**
 * The defects that relax one rule of SigV4 verification, each a mistake real verifiers make
 * (the proxy verifies with a lax verifier under these).
 */
export const LAX_SIGV4_DEFECT_NAMES = [
  'sigv4-algorithm-ignored',
  'sigv4-access-key-loose',
  'sigv4-scope-date-free',
  'sigv4-region-case',
  'sigv4-service-case',
  'sigv4-terminator-free',
  'sigv4-host-unsigned',
  'sigv4-headers-normalized',
  'sigv4-signature-prefix',
  'sigv4-body-reserialized',
  'sigv4-payload-hash-trusted',
  'sigv4-window-wide',
] as const;

/**
 * Named protocol defects, one at a time, to mutation-test conformance runners: each makes the
 * proxy break one rule of the spec on purpose.
 */
export const DEFECT_NAMES = [
  'urlsafe-base64',
  'pretty-json',
  'wrong-status',
  'sigv4-unchecked',
  'skew-unchecked',
  'aad-ignored',
  'metadata-unbound',
  'cdiv-unverified',
  'cdiv-wrong',
  'usage-unenforced',
  'disabled-served',
  'get-200',
  'unknown-operation-rejected',
  'unknown-fields-rejected',
  'missing-content-type',
  'iv-8-bytes',
  'tag-15-bytes',
  'tag-appended',
  'metadata-oversized',
  'error-without-json',
  'error-message-unsafe',
  'key-spec-wrong',
  'fleet-empty',
  'wrong-prefix-accepted',
  'request-id-validated',
  'second-credential-ignored',
  'curl-signing-rejected',
  'max-size-rejected',
  ...LAX_SIGV4_DEFECT_NAMES,
  'encrypt-cached',
  'short-plaintext-padded',
  'metadata-trailing-ignored',
  'slow-answers',
  'keep-alive-refused',
  'pipelining-dropped',
  'few-connections',
] as const;
export const DefectName = z.enum(DEFECT_NAMES);
export type DefectName = z.infer<typeof DefectName>;

/** Which requests a rule applies to; an absent field matches every request. */
// (seed.ts's ResourceName and ExternalKeyId, restated: the seed schema imports this file.)
export const FaultScope = z.strictObject({
  keyStore: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'a key store name')
    .optional(),
  keyId: z.string().regex(EXTERNAL_KEY_ID_PATTERN, 'an external key id').optional(),
  operation: XksOperationName.optional(),
});
export type FaultScope = z.infer<typeof FaultScope>;

const Millis = z.number().min(0).max(60_000);

/** A delay: fixed, or drawn from a normal or uniform distribution (negative draws count as 0). */
export const LatencyDistribution = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('fixed'), ms: Millis }),
  z.strictObject({ type: z.literal('normal'), mean: Millis, sd: Millis }),
  z
    .strictObject({ type: z.literal('uniform'), min: Millis, max: Millis })
    .refine((d) => d.min <= d.max, 'min must not exceed max'),
]);
export type LatencyDistribution = z.infer<typeof LatencyDistribution>;

export const FAULT_KINDS = [
  'latency',
  'error',
  'throttle',
  'drop',
  'health',
  'clock-offset',
  'bitflip',
  'defect',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const common = {
  /** Assigned by the proxy when absent: `f1`, `f2`, ... */
  id: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'use 1-64 characters of A-Z a-z 0-9 . _ : -')
    .optional(),
  scope: FaultScope.optional(),
  /** Chance (0-1) that the rule fires on a matching request; default 1. */
  probability: z.number().min(0).max(1).optional(),
  /** ISO 8601 time after which the rule is gone. */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
};

/** The kinds of fault, each with its own parameters. */
export const FaultRuleInput = z
  .discriminatedUnion('kind', [
    z.strictObject({
      ...common,
      kind: z.literal('latency'),
      latency: LatencyDistribution,
      /**
       * 'response' (default) delays the answer; 'module' delays the module call, inside the proxy's
       * module deadline (a delay beyond it is answered DependencyTimeoutException).
       */
      stage: z.enum(['response', 'module']).optional(),
    }),
    z.strictObject({
      ...common,
      kind: z.literal('error'),
      errorName: z.enum(XKS_ERROR_NAMES as [string, ...string[]]),
    }),
    z.strictObject({
      ...common,
      kind: z.literal('throttle'),
      /** Token bucket per key store: this many requests a second, bursts up to the same number. */
      requestsPerSecond: z.number().positive().max(1_000_000),
    }),
    z.strictObject({ ...common, kind: z.literal('drop') }),
    z.strictObject({
      ...common,
      kind: z.literal('health'),
      /** 'all', or node ids ('hsm-a-node-2') or their suffix ('node-2'). */
      nodes: z.union([z.literal('all'), z.array(z.string().min(1).max(128)).min(1)]),
      status: z.enum(['DEGRADED', 'UNAVAILABLE']),
    }),
    z.strictObject({
      ...common,
      kind: z.literal('clock-offset'),
      /** Added to the proxy clock for SigV4 skew checks; may be negative. */
      offsetMs: z.number().int().min(-86_400_000).max(86_400_000),
    }),
    z.strictObject({
      ...common,
      kind: z.literal('bitflip'),
      /** Which encrypt output field gets one bit flipped after the CDIV was computed. */
      field: z.enum(['ciphertext', 'authenticationTag', 'initializationVector']).optional(),
    }),
    z.strictObject({
      id: common.id,
      expiresAt: common.expiresAt,
      kind: z.literal('defect'),
      defect: DefectName,
    }),
  ])
  .meta({ id: 'FaultRule' });
export type FaultRuleInput = z.infer<typeof FaultRuleInput>;

/** A rule as the proxy holds it: with its id. */
export type FaultRule = FaultRuleInput & { id: string };

/** Admin API bodies (`/admin/v1/faults`). A rule in an answer always has its id. */
export const FaultParams = z.object({ faultId: z.string().min(1).max(64) });
export const ScenarioParams = z.object({ name: z.string().regex(/^[a-z0-9-]{1,64}$/) });

export const FaultResponse = z.object({ fault: FaultRuleInput }).meta({ id: 'FaultResponse' });
export type FaultResponse = z.infer<typeof FaultResponse>;

export const FaultList = z.object({ faults: z.array(FaultRuleInput) }).meta({ id: 'FaultList' });
export type FaultList = z.infer<typeof FaultList>;

export const FaultsCleared = z.object({ removed: z.int() }).meta({ id: 'FaultsCleared' });
export type FaultsCleared = z.infer<typeof FaultsCleared>;

export const ScenarioList = z
  .object({
    scenarios: z.array(
      z.object({ name: z.string(), summary: z.string(), rules: z.array(FaultRuleInput) }),
    ),
  })
  .meta({ id: 'ScenarioList' });
export type ScenarioList = z.infer<typeof ScenarioList>;

export const DefectList = z
  .object({
    defects: z.array(
      z.object({
        name: DefectName,
        summary: z.string(),
        specRef: z.string(),
        /** The `xkslab conformance` check that fails when this defect is on. */
        caughtBy: z.string(),
      }),
    ),
  })
  .meta({ id: 'DefectList' });
export type DefectList = z.infer<typeof DefectList>;

/** POST /admin/v1/faults/scenarios/{name}: optional scope merged into every rule. */
export const EnableScenarioRequest = z
  .strictObject({
    scope: FaultScope.optional(),
    expiresAt: common.expiresAt,
  })
  .meta({ id: 'EnableScenarioRequest' });
export type EnableScenarioRequest = z.infer<typeof EnableScenarioRequest>;
