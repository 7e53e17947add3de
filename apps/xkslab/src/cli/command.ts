/**
 * The one CLI model: a command is declared once with `defineCommand` (name, summary, a zod
 * options schema whose fields carry their help through `.meta()`, positional arguments), and
 * its help text, its flag parser and its typo suggestions all follow from that declaration.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { flagName, parseArgsUsageError, UsageError } from './flags.ts';

/** What an option says about itself, attached with `.meta({...})` as the last call on its schema. */
export type OptionMeta = {
  /** One line, or several separated by `\n` (continuation lines are indented under the first). */
  description: string;
  /** The value's placeholder in help (`DIR`, `PORT`, `N`); enums default to `a|b`. */
  value?: string;
  /** A one-letter alias (`-n`). */
  short?: string;
  /** The heading the option is listed under (default `Options:`), in order of first use. */
  section?: string;
};

export type PositionalArg = {
  /** As help spells it: `FILE`, `COMMAND`. */
  name: string;
  /** The UsageError message when it is missing (said as is); without one it is optional. */
  missing?: string;
};

export type CommandSpec<S extends z.ZodObject = z.ZodObject, N extends string = string> = {
  name: N;
  /** One line for `xkslab --help`. */
  summary: string;
  /** The command as `xkslab --help` lists it (default: the name and its required positionals). */
  synopsis?: string;
  /** Usage lines after `xkslab ` (default: the name, the positionals and `[options]`). */
  usage?: readonly string[];
  /** The paragraphs between the usage and the options. */
  description?: string;
  options: S;
  args?: readonly PositionalArg[];
  /** The UsageError message for a positional too many (said as is); default: it names it. */
  extraArgs?: (extra: string) => string;
  /** Extra flag names for a field (`--secret` for `secretAccessKey`). */
  aliases?: Readonly<Record<string, keyof z.infer<S> & string>>;
  /** Environment variables the command reads, listed under `Environment:`. */
  env?: Readonly<Record<string, string>>;
  /** Text after the options (results, exit statuses, caveats). */
  notes?: string;
  /** Checks between flags: a message for a UsageError, or undefined when all is well. */
  check?(options: z.infer<S>): string | undefined;
};

/** Declares a command; the identity function, there for the types. */
export function defineCommand<S extends z.ZodObject, const N extends string>(
  spec: CommandSpec<S, N>,
): CommandSpec<S, N> {
  return spec;
}

/** `--help`/`-h`, the option every command declares. */
export const HELP_OPTION = z
  .boolean()
  .default(false)
  .meta({ description: 'show this help', short: 'h' } satisfies OptionMeta);

/** The metadata of an option's schema; an option without a description is a programming error. */
export function optionMeta(field: string, schema: z.ZodType): OptionMeta {
  const meta = schema.meta() as Partial<OptionMeta> | undefined;
  if (typeof meta?.description !== 'string') {
    throw new Error(`option ${field} has no .meta({ description }) for its help`);
  }
  return meta as OptionMeta;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let inner: z.ZodType = schema;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) {
    inner = inner.unwrap() as z.ZodType;
  }
  return inner;
}

function isBoolean(schema: z.ZodType): boolean {
  return unwrap(schema) instanceof z.ZodBoolean;
}

function fieldsOf(spec: CommandSpec): Array<[string, z.ZodType]> {
  return Object.entries(spec.options.shape as Record<string, z.ZodType>);
}

/** `  -n, --lines N` as the option is listed in help. */
function optionLabel(field: string, schema: z.ZodType, meta: OptionMeta): string {
  const short = meta.short === undefined ? '' : `-${meta.short}, `;
  const inner = unwrap(schema);
  const value = isBoolean(schema)
    ? ''
    : ` ${meta.value ?? (inner instanceof z.ZodEnum ? inner.options.join('|') : 'VALUE')}`;
  return `${short}--${flagName(field)}${value}`;
}

/** The description, with the zod default appended when the text does not already name one. */
function optionText(schema: z.ZodType, meta: OptionMeta): string {
  if (!(schema instanceof z.ZodDefault) || /default/i.test(meta.description)) {
    return meta.description;
  }
  const value: unknown = schema.def.defaultValue;
  if (value === false || value === undefined) return meta.description;
  return `${meta.description} (default: ${String(value)})`;
}

function twoColumns(rows: ReadonlyArray<readonly [string, string]>, width: number): string {
  return rows
    .map(([label, text]) => {
      const [first = '', ...more] = text.split('\n');
      const rest = more.map((line) => `\n  ${' '.repeat(width)}  ${line}`).join('');
      return `  ${label.padEnd(width)}  ${first}${rest}\n`;
    })
    .join('');
}

/** The option sections of a command's help, in declaration order. */
export function optionsHelp(spec: CommandSpec): string {
  const sections = new Map<string, Array<[string, string]>>();
  const rows = fieldsOf(spec).map(([field, schema]): [string, string, string] => {
    const meta = optionMeta(field, schema);
    return [meta.section ?? 'Options:', optionLabel(field, schema, meta), optionText(schema, meta)];
  });
  const env = Object.entries(spec.env ?? {});
  const width = Math.max(...rows.map(([, label]) => label.length));
  for (const [section, label, text] of rows) {
    const list = sections.get(section) ?? [];
    list.push([label, text]);
    sections.set(section, list);
  }
  const blocks = [...sections].map(([heading, list]) => `${heading}\n${twoColumns(list, width)}`);
  if (env.length > 0) {
    const envWidth = Math.max(...env.map(([name]) => name.length));
    blocks.push(`Environment:\n${twoColumns(env, envWidth)}`);
  }
  return blocks.join('\n');
}

/** The command as `xkslab --help` lists it: `backup FILE`. */
export function synopsis(spec: CommandSpec): string {
  const required = (spec.args ?? []).filter((a) => a.missing !== undefined).map((a) => a.name);
  return spec.synopsis ?? [spec.name, ...required].join(' ');
}

/** The usage lines of a command, `Usage: xkslab ...` first. */
export function usageLines(spec: CommandSpec): string[] {
  const args = (spec.args ?? []).map((a) => (a.missing === undefined ? `[${a.name}]` : a.name));
  const lines = spec.usage ?? [[spec.name, ...args, '[options]'].join(' ')];
  return lines.map((line, i) => `${i === 0 ? 'Usage:' : '      '} xkslab ${line}`);
}

/** The help text of a command, generated from its declaration. */
export function commandHelp(spec: CommandSpec): string {
  const parts = [usageLines(spec).join('\n')];
  if (spec.description !== undefined) parts.push(spec.description.trimEnd());
  parts.push(optionsHelp(spec).trimEnd());
  if (spec.notes !== undefined) parts.push(spec.notes.trimEnd());
  return `${parts.join('\n\n')}\n`;
}

export type ParsedCommand<S extends z.ZodObject> =
  | { help: true }
  | { help: false; options: z.infer<S>; args: string[]; given: ReadonlySet<string> };

type ParseArgsOptions = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** The node:util parseArgs options of a command's flags (and their aliases). */
export function flagSpecs(spec: CommandSpec): ParseArgsOptions {
  const options: ParseArgsOptions = {};
  for (const [field, schema] of fieldsOf(spec)) {
    const { short } = optionMeta(field, schema);
    options[flagName(field)] = {
      type: isBoolean(schema) ? 'boolean' : 'string',
      ...(short === undefined ? {} : { short }),
    };
  }
  for (const [alias, field] of Object.entries(spec.aliases ?? {})) {
    const target = options[flagName(field)];
    if (target) options[alias] = { type: target.type };
  }
  return options;
}

/** The schema's input from the flags given, aliases folded onto their fields. */
function flagInput(spec: CommandSpec, values: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [field] of fieldsOf(spec)) input[field] = values[flagName(field)];
  for (const [alias, field] of Object.entries(spec.aliases ?? {})) {
    if (values[alias] === undefined) continue;
    if (input[field] !== undefined) {
      throw new UsageError(`--${alias} is an alias of --${flagName(field)}: give one of them`);
    }
    input[field] = values[alias];
  }
  return input;
}

/**
 * Parses a command's arguments by its declaration: unknown flags (with the nearest known one),
 * missing or extra positionals, values the zod schema refuses and failed `check`s are
 * UsageErrors naming the flag; `--help` wins over everything else. `prefix` starts every message
 * (`keys list: `) where the command is a subcommand.
 */
export function parseCommand<S extends z.ZodObject>(
  spec: CommandSpec<S>,
  argv: readonly string[],
  prefix = '',
): ParsedCommand<S> {
  const options = flagSpecs(spec);
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options,
    }));
  } catch (e) {
    throw parseArgsUsageError(e, options, prefix);
  }
  if (values.help === true) return { help: true };
  const declared = spec.args ?? [];
  const extra = positionals[declared.length];
  if (extra !== undefined) {
    throw new UsageError(spec.extraArgs?.(extra) ?? `${prefix}unexpected argument '${extra}'`);
  }
  const missing = declared.find((a, i) => a.missing !== undefined && positionals[i] === undefined);
  if (missing?.missing !== undefined) throw new UsageError(missing.missing);
  const input = flagInput(spec, values);
  const parsed = spec.options.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? '');
    const short = options[flagName(field)]?.short;
    const flag = `--${flagName(field)}${short === undefined ? '' : ` (-${short})`}`;
    throw new UsageError(`${prefix}${flag}: ${issue?.message ?? 'invalid value'}`);
  }
  const problem = spec.check?.(parsed.data);
  if (problem !== undefined) throw new UsageError(`${prefix}${problem}`);
  const given = new Set(Object.keys(input).filter((field) => input[field] !== undefined));
  return { help: false, options: parsed.data, args: positionals, given };
}
