import { parseArgs } from 'node:util';
import { z } from 'zod';
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

function isBooleanField(schema: z.ZodType): boolean {
  let inner: z.ZodType = schema;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) {
    inner = inner.unwrap() as z.ZodType;
  }
  return inner instanceof z.ZodBoolean;
}

/**
 * Parses a command's flags from its zod options schema, the one place that spells them: each
 * field is a `--kebab-case` flag (boolean fields take no value, `help` also answers `-h`), then
 * the values are validated by the schema. Unknown flags, positionals and bad values are
 * UsageErrors naming the flag. `aliases` maps extra flag names onto fields.
 */
export function parseFlags<S extends z.ZodObject>(
  args: readonly string[],
  schema: S,
  aliases: Readonly<Record<string, keyof z.infer<S> & string>> = {},
): z.infer<S> {
  const fields = Object.entries(schema.shape as Record<string, z.ZodType>);
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [field, fieldSchema] of fields) {
    options[flagName(field)] = {
      type: isBooleanField(fieldSchema) ? 'boolean' : 'string',
      ...(field === 'help' ? { short: 'h' } : {}),
    };
  }
  for (const [alias, field] of Object.entries(aliases)) {
    const target = options[flagName(field)];
    if (target) options[alias] = { type: target.type };
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...args], strict: true, allowPositionals: false, options }));
  } catch (e) {
    throw parseArgsUsageError(e, options);
  }
  const input: Record<string, unknown> = {};
  for (const [field] of fields) input[field] = values[flagName(field)];
  for (const [alias, field] of Object.entries(aliases)) {
    if (values[alias] === undefined) continue;
    if (input[field] !== undefined) {
      throw new UsageError(`--${alias} is an alias of --${flagName(field)}: give one of them`);
    }
    input[field] = values[alias];
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `--${flagName(String(issue?.path[0] ?? ''))}: ${issue?.message ?? 'invalid value'}`,
    );
  }
  return parsed.data;
}
