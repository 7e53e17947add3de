import { UserFacingError } from '../user-facing-error.ts';
import { parseArgsMessage } from './suggest.ts';

export class UsageError extends UserFacingError {
  constructor(message: string) {
    super(message, { exitCode: 2 });
    this.name = 'UsageError';
  }
}

/**
 * The UsageError for a failure of node:util parseArgs, the one way every command's flag parser
 * reports one: an unknown flag names the nearest known one (`unknown option --prot; did you mean
 * --port?`). `options` is what was given to parseArgs; `prefix` names the command when useful.
 */
export function parseArgsUsageError(
  e: unknown,
  options: Readonly<Record<string, unknown>>,
  prefix = '',
): UsageError {
  if (e instanceof UsageError) return e;
  return new UsageError(`${prefix}${parseArgsMessage(e, Object.keys(options))}`);
}

/** `maxAadBytes` -> `max-aad-bytes`: every option field is spelled as its kebab-case flag. */
export function flagName(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
