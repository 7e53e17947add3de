import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { COMMON_HELP, type CommandGroup, groupHelp, subcommandSpec } from './admin-command.ts';
import {
  type CommandSpec,
  commandHelp,
  defineCommand,
  HELP_OPTION,
  parseCommand,
} from './command.ts';
import { COMMANDS, helpFor, MAIN_HELP } from './commands.ts';
import { FAULTS_COMMAND } from './faults-command.ts';
import { flagName, UsageError } from './flags.ts';
import { KEYS_COMMAND } from './keys-command.ts';
import { CREDS_COMMAND, KEYSTORES_COMMAND } from './keystores-command.ts';
import { MODULES_COMMAND } from './modules-command.ts';
import { POLICIES_COMMAND } from './policies-command.ts';

const SAMPLE = defineCommand({
  name: 'sample',
  summary: 'a command for the tests',
  args: [{ name: 'FILE', missing: 'name the FILE' }, { name: 'MORE' }],
  options: z.strictObject({
    dataDir: z.string().default('.x').meta({ description: 'data directory', value: 'DIR' }),
    maxAadBytes: z.coerce
      .number()
      .int()
      .positive()
      .optional()
      .meta({ description: 'largest AAD', value: 'N' }),
    devTls: z.boolean().default(false).meta({ description: 'dev TLS' }),
    secretAccessKey: z.string().optional().meta({ description: 'the secret', value: 'S' }),
    lines: z.coerce
      .number()
      .int()
      .default(10)
      .meta({ description: 'lines', short: 'n', section: 'Tail:' }),
    help: HELP_OPTION,
  }),
  aliases: { secret: 'secretAccessKey' },
  env: { SAMPLE_SECRET: 'the secret, from the environment' },
  check: (o) => (o.devTls && o.dataDir === 'no' ? '--dev-tls needs a data directory' : undefined),
});

const parse = (args: string[]) => {
  const parsed = parseCommand(SAMPLE, args);
  if (parsed.help) throw new Error('unexpected help');
  return parsed;
};

describe('parseCommand', () => {
  it('spells every field as its kebab-case flag, booleans without a value', () => {
    expect(parse(['f', '--data-dir', 'd', '--max-aad-bytes', '9000', '--dev-tls']).options).toEqual(
      {
        dataDir: 'd',
        maxAadBytes: 9000,
        devTls: true,
        lines: 10,
        help: false,
      },
    );
    expect(parse(['f', '-n', '3']).options.lines).toBe(3);
    expect(parseCommand(SAMPLE, ['-h'])).toEqual({ help: true });
    expect(parseCommand(SAMPLE, ['--help', '--max-aad-bytes', '0'])).toEqual({ help: true });
  });

  it('maps aliases onto fields and takes positionals as declared', () => {
    const parsed = parse(['f', 'g', '--secret', 's']);
    expect(parsed.options.secretAccessKey).toBe('s');
    expect(parsed.args).toEqual(['f', 'g']);
    expect([...parsed.given].sort()).toEqual(['secretAccessKey']);
    expect(() => parse(['f', '--secret', 'a', '--secret-access-key', 'b'])).toThrow(/alias/);
  });

  it('names the flag or argument in every usage error', () => {
    expect(() => parse(['f', '--nope'])).toThrow(UsageError);
    expect(() => parse(['f', 'g', 'extra'])).toThrow("unexpected argument 'extra'");
    expect(() => parse([])).toThrow('name the FILE');
    expect(() => parse(['f', '--max-aad-bytes', '0'])).toThrow(/^--max-aad-bytes: /);
    expect(() => parse(['f', '--data-dir'])).toThrow(/data-dir/);
    expect(() => parse(['f', '-n', 'x'])).toThrow(/^--lines \(-n\): /);
    expect(() => parse(['f', '--dev-tls', '--data-dir', 'no'])).toThrow('--dev-tls needs');
    expect(() => parseCommand(SAMPLE, ['f', '--nope'], 'sample run: ')).toThrow(
      /^sample run: unknown option --nope$/,
    );
  });

  it('names the nearest flag for a mistyped one', () => {
    expect(() => parse(['f', '--data-dri', 'd'])).toThrow(
      'unknown option --data-dri; did you mean --data-dir?',
    );
    expect(() => parse(['f', '--dev-tsl'])).toThrow(/did you mean --dev-tls\?$/);
    expect(() => parse(['f', '--zzzz'])).toThrow(/^unknown option --zzzz$/);
  });
});

describe('commandHelp', () => {
  it('lists usage, options by section with defaults, and the environment', () => {
    const help = commandHelp(SAMPLE);
    expect(help).toMatch(/^Usage: xkslab sample FILE \[MORE\] \[options\]\n/);
    expect(help).toMatch(/\nOptions:\n {2}--data-dir DIR +data directory \(default: \.x\)\n/);
    expect(help).toMatch(/\nTail:\n {2}-n, --lines VALUE +lines \(default: 10\)\n/);
    expect(help).toMatch(/ {2}-h, --help +show this help\n/);
    expect(help).toMatch(/\nEnvironment:\n {2}SAMPLE_SECRET +the secret, from the environment\n$/);
    expect(help).not.toMatch(/dev TLS \(default/);
  });

  it('refuses an option declared without a description', () => {
    const bad = defineCommand({
      name: 'bad',
      summary: 'no description',
      options: z.strictObject({ port: z.string() }),
    });
    expect(() => commandHelp(bad)).toThrow(/port has no \.meta/);
  });
});

/** Every flag of a declared command, as `--kebab-case`. */
const flagsOf = (spec: CommandSpec) =>
  Object.keys(spec.options.shape).map((field) => `--${flagName(field)}`);

describe('every command is declared once and its help follows from the declaration', () => {
  it('xkslab --help lists exactly the declared commands, with their summaries', () => {
    const section = MAIN_HELP.split('Commands:\n')[1]?.split('\n\n')[0] ?? '';
    const listed = section.split('\n').map((line) => /^ {2}(\S+)/.exec(line)?.[1]);
    expect(listed).toEqual(COMMANDS.map((c) => c.name));
    for (const c of COMMANDS) expect(section).toContain(c.summary);
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('each command help names every declared option', () => {
    for (const c of COMMANDS) {
      const help = helpFor(c.name);
      if (c.name === 'help' || c.name === 'version') {
        expect(help).toBe(MAIN_HELP);
        continue;
      }
      expect(help, c.name).toMatch(new RegExp(`^Usage: xkslab ${c.name}\\b`));
      for (const flag of flagsOf(c.spec)) {
        expect(help, `${c.name} ${flag}`).toMatch(new RegExp(`${flag}\\b`));
      }
    }
  });

  it('each admin group help names the common options', () => {
    const group: CommandGroup = { name: 'g', brief: 'b', summary: 's', subcommands: {} };
    expect(groupHelp(group)).toContain(COMMON_HELP);
    for (const flag of ['--json', '--data-dir DIR', '--url URL', '--token TOKEN', '-h, --help']) {
      expect(COMMON_HELP).toContain(flag);
    }
  });

  it('each admin subcommand help names its own and the common options', () => {
    const groups = [
      MODULES_COMMAND,
      KEYS_COMMAND,
      KEYSTORES_COMMAND,
      CREDS_COMMAND,
      POLICIES_COMMAND,
      FAULTS_COMMAND,
    ];
    const listed: readonly string[] = COMMANDS.map((c) => c.name);
    for (const g of groups) expect(listed).toContain(g.name);
    for (const g of groups) {
      for (const [name, sub] of Object.entries(g.subcommands)) {
        const spec = subcommandSpec(g, name, sub);
        const help = commandHelp(spec);
        expect(help).toMatch(new RegExp(`^Usage: xkslab ${g.name} ${name}\\b`));
        for (const flag of flagsOf(spec)) {
          expect(help, `${g.name} ${name} ${flag}`).toMatch(new RegExp(`${flag}\\b`));
        }
        expect(groupHelp(g)).toContain(sub.summary);
        const tooMany = [...sub.args.split(' '), 'a', 'b', 'c'].map((_, i) => `x${i}`);
        expect(() => parseCommand(spec, tooMany)).toThrow(
          `usage: xkslab ${g.name} ${name} ${sub.args}  (see --help)`,
        );
      }
    }
  });
});
