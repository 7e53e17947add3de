/**
 * ValidationException messages in AWS KMS's wording, from zod issues: `1 validation error
 * detected: Value 'X' at 'field' failed to satisfy constraint: Member must ...`, several joined
 * with `; ` as KMS does. The constraints (lengths, ranges, patterns, enums) come from the schemas,
 * which carry the service model's; the value is echoed except for members that hold secrets or
 * data, for which KMS writes `Value at`.
 */
import type { z } from 'zod';

/** Members whose values never appear in a message (key material, plaintext, secrets, blobs). */
const UNECHOED = new Set([
  'plaintext',
  'ciphertextBlob',
  'rawSecretAccessKey',
  'keyStorePassword',
  'encryptedKeyMaterial',
  'importToken',
  'message',
  'mac',
  'signature',
  'publicKey',
  'policy',
]);

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** KMS's member path: `tags.1.member.tagKey` (list positions count from 1). */
function fieldPath(path: readonly PropertyKey[]): string {
  const parts: string[] = [];
  for (const p of path) {
    if (typeof p === 'number') parts.push(`${p + 1}.member`);
    else parts.push(lowerFirst(String(p)));
  }
  return parts.join('.') || 'body';
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const p of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[p];
  }
  return value;
}

function valueText(value: unknown, field: string): string {
  const last = field.split('.').at(-1) ?? field;
  if (value === undefined || value === null) return 'Value null';
  if (UNECHOED.has(last)) return 'Value';
  if (typeof value === 'string' && value.length <= 2048) return `Value '${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return `Value '${String(value)}'`;
  return 'Value';
}

function enumConstraint(allowed: readonly string[]): string {
  return `Member must satisfy enum value set: [${allowed.join(', ')}]`;
}

/** The message of a ValidationException for one value outside an enum, checked outside a schema. */
export function enumViolationMessage(value: string, field: string, allowed: readonly string[]) {
  return `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${enumConstraint(allowed)}`;
}

/** A pattern as the model writes it: the regular expression's source, without slashes. */
function patternText(pattern: unknown): string {
  if (pattern instanceof RegExp) return pattern.source;
  const text = String(pattern);
  const match = /^\/(.*)\/[a-z]*$/s.exec(text);
  return match?.[1] ?? text;
}

function constraintOf(issue: z.core.$ZodIssue, value: unknown): string {
  const measure = (origin: string) => (origin === 'number' ? 'value' : 'length');
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined || value === null
        ? 'Member must not be null'
        : `Member must be of type ${issue.expected}`;
    case 'too_small':
      return `Member must have ${measure(issue.origin)} greater than or equal to ${String(issue.minimum)}`;
    case 'too_big':
      return `Member must have ${measure(issue.origin)} less than or equal to ${String(issue.maximum)}`;
    case 'invalid_value':
      return enumConstraint(issue.values.map(String));
    case 'invalid_format':
      return issue.format === 'regex' && 'pattern' in issue
        ? `Member must satisfy regular expression pattern: ${patternText(issue.pattern)}`
        : issue.message;
    default:
      return issue.message;
  }
}

/** The message of a ValidationException for the issues of one request. */
export function validationMessage(error: z.ZodError, input?: unknown): string {
  const issues = error.issues;
  if (issues.length === 0) return 'Invalid request';
  const parts = issues.map((issue) => {
    const field = fieldPath(issue.path);
    const value = valueAt(input, issue.path);
    return `${valueText(value, field)} at '${field}' failed to satisfy constraint: ${constraintOf(issue, value)}`;
  });
  const count = parts.length === 1 ? '1 validation error' : `${parts.length} validation errors`;
  return `${count} detected: ${parts.join('; ')}`;
}
