/**
 * The KMS service model as botocore ships it (Debian's python3-botocore, installed with
 * python3-boto3 by .ci/run): requests built from its input shapes, and a checker of responses
 * against its output shapes (required members, types, enums, lengths) and of errors against the
 * errors it lists for each operation.
 */
import { existsSync, readFileSync } from 'node:fs';

export const BOTOCORE_KMS_MODEL =
  '/usr/lib/python3/dist-packages/botocore/data/kms/2014-11-01/service-2.json';

type Shape = {
  type:
    | 'structure'
    | 'string'
    | 'integer'
    | 'long'
    | 'boolean'
    | 'blob'
    | 'timestamp'
    | 'list'
    | 'map';
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  enum?: string[];
  min?: number;
  max?: number;
  exception?: boolean;
};

export type KmsModel = {
  operations: Record<
    string,
    { input?: { shape: string }; output?: { shape: string }; errors?: { shape: string }[] }
  >;
  shapes: Record<string, Shape>;
};

export function loadBotocoreKmsModel(): KmsModel {
  if (!existsSync(BOTOCORE_KMS_MODEL)) {
    throw new Error(
      `${BOTOCORE_KMS_MODEL} is missing: apt-get install python3-boto3 (.ci/run does)`,
    );
  }
  return JSON.parse(readFileSync(BOTOCORE_KMS_MODEL, 'utf8')) as KmsModel;
}

/** Errors any operation of an AWS JSON service may answer, whatever its model lists. */
export const COMMON_ERRORS = new Set([
  'ValidationException',
  'ThrottlingException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
  'AccessDeniedException',
  'SerializationException',
]);

/** Members newer than the botocore model (the current API has them; the SDK v3 model lists them). */
export const NEWER_MEMBERS = new Set([
  'GetKeyRotationStatusResponse.KeyId',
  'GetKeyRotationStatusResponse.RotationPeriodInDays',
  'GetKeyRotationStatusResponse.NextRotationDate',
  'GetKeyRotationStatusResponse.OnDemandRotationStartDate',
  'GetKeyPolicyResponse.PolicyName',
  'KeyMetadata.CurrentKeyMaterialId',
  'KeyMetadata.KeyAgreementAlgorithms',
]);

function synthesize(model: KmsModel, shapeName: string): unknown {
  const shape = model.shapes[shapeName];
  if (!shape) throw new Error(`no shape ${shapeName}`);
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      for (const name of shape.required ?? []) {
        const member = shape.members?.[name];
        if (member) out[name] = synthesize(model, member.shape);
      }
      return out;
    }
    case 'string':
      return shape.enum?.[0] ?? 'x'.repeat(Math.max(shape.min ?? 1, 1));
    case 'integer':
    case 'long':
      return shape.min ?? 1;
    case 'boolean':
      return false;
    case 'blob':
      return Buffer.alloc(Math.max(shape.min ?? 1, 1), 1).toString('base64');
    case 'timestamp':
      return 0;
    case 'list':
      return shape.member ? [synthesize(model, shape.member.shape)] : [];
    case 'map':
      return {};
  }
}

/**
 * A request for `operation`: every required member of its input shape, from `values` (by member
 * name) when given there, else made up from the shape; optional members only from `values`.
 */
export function buildRequest(
  model: KmsModel,
  operation: string,
  values: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const input = model.operations[operation]?.input?.shape;
  if (!input) return {};
  const shape = model.shapes[input];
  const out: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(shape?.members ?? {})) {
    if (name in values) out[name] = values[name];
    else if (shape?.required?.includes(name)) out[name] = synthesize(model, member.shape);
  }
  const problems = checkShape(model, input, out);
  if (problems.length > 0) throw new Error(`built an invalid ${operation} request: ${problems}`);
  return out;
}

function checkScalar(shape: Shape, value: unknown, at: string): string[] {
  const problems: string[] = [];
  const type = shape.type;
  if (type === 'string') {
    if (typeof value !== 'string') return [`${at}: not a string`];
    if (shape.enum && !shape.enum.includes(value)) problems.push(`${at}: '${value}' not in enum`);
    if (shape.min !== undefined && value.length < shape.min) problems.push(`${at}: too short`);
    if (shape.max !== undefined && value.length > shape.max) problems.push(`${at}: too long`);
  } else if (type === 'integer' || type === 'long') {
    if (!Number.isInteger(value)) return [`${at}: not an integer`];
    const n = value as number;
    if (shape.min !== undefined && n < shape.min) problems.push(`${at}: below ${shape.min}`);
    if (shape.max !== undefined && n > shape.max) problems.push(`${at}: above ${shape.max}`);
  } else if (type === 'boolean') {
    if (typeof value !== 'boolean') problems.push(`${at}: not a boolean`);
  } else if (type === 'timestamp') {
    if (typeof value !== 'number') problems.push(`${at}: not epoch seconds`);
  } else if (type === 'blob') {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
      problems.push(`${at}: not Base64`);
    }
  }
  return problems;
}

/** What is wrong with `value` as an instance of `shapeName` (empty when it conforms). */
export function checkShape(model: KmsModel, shapeName: string, value: unknown, at = ''): string[] {
  const shape = model.shapes[shapeName];
  const here = at || shapeName;
  if (!shape) return [`${here}: unknown shape ${shapeName}`];
  if (shape.type === 'structure') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return [`${here}: not an object`];
    }
    const record = value as Record<string, unknown>;
    const problems: string[] = [];
    for (const name of shape.required ?? []) {
      if (record[name] === undefined) problems.push(`${here}.${name}: required, missing`);
    }
    for (const [name, member] of Object.entries(record)) {
      const declared = shape.members?.[name];
      if (!declared) {
        if (!NEWER_MEMBERS.has(`${shapeName}.${name}`))
          problems.push(`${here}.${name}: not in the model`);
        continue;
      }
      problems.push(...checkShape(model, declared.shape, member, `${here}.${name}`));
    }
    return problems;
  }
  if (shape.type === 'list') {
    if (!Array.isArray(value)) return [`${here}: not a list`];
    const member = shape.member?.shape ?? '';
    return value.flatMap((v, i) => checkShape(model, member, v, `${here}[${i}]`));
  }
  if (shape.type === 'map') {
    if (typeof value !== 'object' || value === null) return [`${here}: not a map`];
    const valueShape = shape.value?.shape ?? '';
    return Object.entries(value).flatMap(([k, v]) =>
      checkShape(model, valueShape, v, `${here}[${k}]`),
    );
  }
  return checkScalar(shape, value, here);
}

/** Whether an error code is one the model lists for the operation, or a common one. */
export function errorAllowed(model: KmsModel, operation: string, code: string): boolean {
  if (COMMON_ERRORS.has(code)) return true;
  return (model.operations[operation]?.errors ?? []).some((e) => e.shape === code);
}
