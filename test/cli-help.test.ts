/**
 * The first hour with the command line, part one: help that lists every command, suggestions for
 * typos, and seed files whose syntax errors say line and column.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runXkslab, writeSeedFile } from './support/binary.ts';
import { oneLineError, useCliProcesses } from './support/cli-processes.ts';

const { tempDir } = useCliProcesses();

/** The command names of `xkslab --help`'s Commands section. */
function listedCommands(help: string): string[] {
  const section = help.split('Commands:\n')[1]?.split('\n\n')[0] ?? '';
  return section
    .split('\n')
    .map((line) => /^ {2}(\S+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

const ALL_COMMANDS = [
  'serve',
  'kms',
  'demo',
  'conformance',
  'modules',
  'keys',
  'keystores',
  'creds',
  'policies',
  'faults',
  'audit',
  'backup',
  'restore',
  'seed',
  'reset',
  'help',
  'version',
];

describe('help lists every command', () => {
  it('xkslab --help and xkslab help list every command, and each one runs with help of its own', async () => {
    const r = await runXkslab(['--help']);
    expect(r.code, r.stderr).toBe(0);
    const listed = listedCommands(r.stdout);
    expect([...listed].sort()).toEqual([...ALL_COMMANDS].sort());
    expect((await runXkslab(['help'])).stdout).toBe(r.stdout);
    // Each listed name reaches its command (no "unknown command"); four process starts at a time.
    for (let i = 0; i < listed.length; i += 4) {
      await Promise.all(
        listed.slice(i, i + 4).map(async (name) => {
          const own = await runXkslab([name, '--help']);
          expect(own.code, `${name}: ${own.stderr}`).toBe(0);
          expect(own.stderr, name).toBe('');
          if (name === 'help' || name === 'version') return;
          expect(own.stdout, name).toMatch(new RegExp(`Usage: xkslab ${name}\\b`));
          const viaHelp = await runXkslab(['help', name]);
          expect(viaHelp.stdout, name).toBe(own.stdout);
        }),
      );
    }
  }, 120_000);
});

describe('typos get a suggestion', () => {
  it.each([
    [['serve', '--prot', '1'], 'unknown option --prot; did you mean --port?'],
    [['serve', '--data-dri', 'x'], 'unknown option --data-dri; did you mean --data-dir?'],
    [['demo', '--stpe'], 'unknown option --stpe; did you mean --step?'],
    [['kms', '--prot', '1'], 'unknown option --prot; did you mean --port?'],
    [['keys', 'list', '--modul', 'm'], 'keys list: unknown option --modul; did you mean --module?'],
    [['backup', 'f', '--data-dri', 'x'], 'unknown option --data-dri; did you mean --data-dir?'],
    [['restore', 'f', '--master-key-fiel', 'x'], 'did you mean --master-key-file?'],
    [['audit', 'tail', '--lnes', '3'], 'unknown option --lnes; did you mean --lines?'],
    [['seed', 'export', '--with-materail'], 'did you mean --with-material?'],
    [['reset', '--yse'], 'unknown option --yse; did you mean --yes?'],
    [['serv'], "unknown command 'serv'; did you mean serve?"],
    [['kesy', 'list'], "unknown command 'kesy'; did you mean keys?"],
    [['keys', 'lsit'], "unknown command 'xkslab keys lsit'; did you mean list?"],
    [['audit', 'verfy'], "unknown audit command 'verfy'; did you mean verify?"],
    [['seed', 'exprt'], "unknown command 'xkslab seed exprt'; did you mean export?"],
  ])('xkslab %j', async (args, expected) => {
    const r = await runXkslab(args);
    expect(r.code, r.stderr).toBe(2);
    expect(oneLineError(r)).toContain(expected);
  });

  it('suggests nothing for a word far from every name', async () => {
    const r = await runXkslab(['frobnicate']);
    expect(r.code).toBe(2);
    expect(oneLineError(r)).not.toContain('did you mean');
  });
});

describe('seed files with a JSON syntax error', () => {
  it.each([
    [
      'a missing comma',
      '{\n  "modules": [\n    {\n      "name": "m" "nodes": 1\n    }\n  ]\n}\n',
      ":4:19: seed file is not valid JSON: expected ',' or '}' after the property value, found '\"'",
    ],
    [
      'a trailing comma (V8 gives no position)',
      '{\n  "modules": [],\n  "keyStores": [],\n}\n',
      ":4:1: seed file is not valid JSON: expected a double-quoted property name, found '}'",
    ],
    [
      'a truncated file',
      '{\n  "modules": [\n',
      ':3:1: seed file is not valid JSON: expected a value, found end of input',
    ],
  ])('%s names the file, line and column', async (_name, text, expected) => {
    const dataDir = await tempDir('jsonpos');
    const file = await writeSeedFile(await tempDir('seedfile'), text);
    const r = await runXkslab(['serve', '--data-dir', dataDir, '--port', '0', '--seed', file]);
    expect(r.code, r.stderr).toBe(1);
    expect(oneLineError(r)).toBe(`xkslab: ${file}${expected}`);
    expect(existsSync(join(dataDir, 'db'))).toBe(false);
  });
});
