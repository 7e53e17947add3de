import type { z } from 'zod';

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** KMS's validation message shape for the first zod issue. */
export function validationMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'Invalid request';
  const path = issue.path.map((p) => lowerFirst(String(p))).join('.') || 'body';
  const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
  const constraint = missing ? 'Member must not be null' : issue.message;
  return `1 validation error detected: Value at '${path}' failed to satisfy constraint: ${constraint}`;
}
