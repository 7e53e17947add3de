import { z } from 'zod';
import { AdminClient, resolveAdminTarget } from './admin-client.ts';
import {
  type CommandSpec,
  commandHelp,
  defineCommand,
  HELP_OPTION,
  optionsHelp,
  parseCommand,
} from './command.ts';
import type { CommandIo } from './command-io.ts';
import { flagName, UsageError } from './flags.ts';
import { DEFAULT_DATA_DIR } from './serve-options.ts';
import { didYouMean } from './suggest.ts';

/** What main.ts hands every admin command: output streams and the environment's defaults. */
export type AdminCommandContext = {
  io: CommandIo;
  /** XKSLAB_ADMIN_URL and XKSLAB_ADMIN_TOKEN, when set. */
  env: { url?: string | undefined; token?: string | undefined };
  fetch?: typeof fetch;
};

export type SubcommandRun = {
  client: AdminClient;
  values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  args: string[];
  io: CommandIo;
  json: boolean;
  /** Writes `value` as JSON (with --json) or `text()` otherwise. */
  print(value: unknown, text: () => string): void;
};

export type Subcommand = {
  /** Positional arguments, e.g. `NAME` or `[KEY]`; required unless in brackets. */
  args: string;
  summary: string;
  /**
   * Its options beyond the common ones, each field a `--kebab-case` flag that carries its help
   * (`textOption`, `flagOption`); `run` reads them by flag name.
   */
  options?: Record<string, z.ZodType>;
  run(run: SubcommandRun): Promise<void>;
};

export type CommandGroup<N extends string = string> = {
  name: N;
  /** One line for `xkslab --help`. */
  brief: string;
  /** The first paragraph of the group's help. */
  summary: string;
  /** Extra help text after the subcommand list. */
  notes?: string;
  subcommands: Record<string, Subcommand>;
};

/** Declares a command group; the identity function, there for the types. */
export function defineGroup<const N extends string>(group: CommandGroup<N>): CommandGroup<N> {
  return group;
}

/** The options every admin command takes: how to reach the server, and the output format. */
export const ADMIN_COMMON = defineCommand({
  name: 'admin',
  summary: 'the options of every admin command',
  options: z.strictObject({
    json: z.boolean().default(false).meta({
      description: "print the API's JSON instead of a table (for scripts)",
      section: 'Common options:',
    }),
    dataDir: z
      .string()
      .min(1)
      .optional()
      .meta({
        description: `data directory of the server (default: ${DEFAULT_DATA_DIR}); the URL and token\nare read from DIR/admin.json and DIR/admin-token`,
        value: 'DIR',
        section: 'Common options:',
      }),
    url: z.string().min(1).optional().meta({
      description: 'admin API address (default: from DIR/admin.json, or XKSLAB_ADMIN_URL)',
      value: 'URL',
      section: 'Common options:',
    }),
    token: z.string().min(1).optional().meta({
      description:
        'admin token (default: XKSLAB_ADMIN_TOKEN, or DIR/admin-token); a token on the command\nline shows in ps, so rather set XKSLAB_ADMIN_TOKEN or keep it in the token file',
      value: 'TOKEN',
      section: 'Common options:',
    }),
    help: HELP_OPTION.meta({
      description: 'show this help',
      short: 'h',
      section: 'Common options:',
    }),
  }),
});

/** The common options' part of every admin help text, generated from their declaration. */
export const COMMON_HELP = optionsHelp(ADMIN_COMMON);

/** A string option of an admin command: `textOption('the module', 'M')`. */
export function textOption(description: string, value: string) {
  return z.string().optional().meta({ description, value });
}

/** A switch of an admin command. */
export function flagOption(description: string) {
  return z.boolean().optional().meta({ description });
}

export function groupHelp(group: CommandGroup): string {
  const width = Math.max(
    ...Object.entries(group.subcommands).map(([n, s]) => n.length + s.args.length + 1),
  );
  const lines = Object.entries(group.subcommands).map(
    ([n, s]) => `  ${`${n} ${s.args}`.trimEnd().padEnd(width)}  ${s.summary}`,
  );
  return `Usage: xkslab ${group.name} <command> [options]

${group.summary}

Commands:
${lines.join('\n')}
${group.notes ? `\n${group.notes}` : ''}
${COMMON_HELP}
Run 'xkslab ${group.name} <command> --help' for a command's options.
`;
}

/** The declaration of `xkslab GROUP NAME`: its own options, then the common ones. */
export function subcommandSpec(group: CommandGroup, name: string, sub: Subcommand): CommandSpec {
  const usage = `usage: xkslab ${group.name} ${name} ${sub.args}  (see --help)`;
  return defineCommand({
    name: `${group.name} ${name}`,
    summary: sub.summary,
    usage: [[group.name, name, sub.args, '[options]'].filter((w) => w !== '').join(' ')],
    description: sub.summary,
    args: sub.args
      .split(' ')
      .filter((a) => a !== '')
      .map((a) => (a.startsWith('[') ? { name: a } : { name: a, missing: usage })),
    extraArgs: () => usage,
    options: z.strictObject({ ...(sub.options ?? {}), ...ADMIN_COMMON.options.shape }),
  });
}

/** Parses `xkslab <group> <sub> ...`, calls the admin API, prints a table or JSON. */
export async function runCommandGroup(
  group: CommandGroup,
  argv: readonly string[],
  ctx: AdminCommandContext,
): Promise<number> {
  const [subName, ...rest] = argv;
  if (subName === undefined || subName === '-h' || subName === '--help' || subName === 'help') {
    ctx.io.stdout(groupHelp(group));
    return 0;
  }
  const sub = group.subcommands[subName];
  if (!sub) {
    throw new UsageError(
      `unknown command 'xkslab ${group.name} ${subName}'${didYouMean(subName, Object.keys(group.subcommands)) || '.'} Run 'xkslab ${group.name} --help'`,
    );
  }
  const spec = subcommandSpec(group, subName, sub);
  const parsed = parseCommand(spec, rest, `${group.name} ${subName}: `);
  if (parsed.help) {
    ctx.io.stdout(commandHelp(spec));
    return 0;
  }
  const values: SubcommandRun['values'] = {};
  for (const [field, value] of Object.entries(parsed.options)) {
    values[flagName(field)] = value as string | boolean | undefined;
  }
  const positionals = parsed.args;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const target = await resolveAdminTarget({
    dataDir: str(values['data-dir']) ?? DEFAULT_DATA_DIR,
    url: str(values.url) ?? ctx.env.url,
    token: str(values.token) ?? ctx.env.token,
  });
  const client = new AdminClient(target, ctx.fetch);
  const json = values.json === true;
  await sub.run({
    client,
    values,
    args: positionals,
    io: ctx.io,
    json,
    print: (value, text) => ctx.io.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : text()),
  });
  return 0;
}

/** Reads a string option, or undefined. */
export function stringOption(run: SubcommandRun, name: string): string | undefined {
  const v = run.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Parses a positive integer option, naming the flag when it is not one. */
export function intOption(
  run: SubcommandRun,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const v = stringOption(run, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name}: expected an integer from ${min} to ${max}`);
  }
  return n;
}

export function arg(run: SubcommandRun, i: number): string {
  return run.args[i] as string;
}

/** Path segment encoding for names taken from the command line. */
export function seg(s: string): string {
  return encodeURIComponent(s);
}
