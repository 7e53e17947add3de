/**
 * docs/conformance.md and its CI example match the runner: the catalogue of checks is the one the
 * registry generates (`pnpm docs:conformance` rewrites it), and the GitHub Actions workflow uses
 * only flags the built binary knows, publishes the JUnit file it writes and uploads the reports
 * whatever the outcome.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ALL_CHECKS,
  CHECKS_DOC_BEGIN,
  CHECKS_DOC_END,
  formatChecksDoc,
  spliceChecksDoc,
} from '@xkslab/conformance';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT, runXkslab } from './support/binary.ts';

const DOC = join(REPO_ROOT, 'docs', 'conformance.md');
const WORKFLOW = join(REPO_ROOT, 'docs', 'examples', 'conformance-workflow.yml');

type Step = {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string>;
};

describe('docs/conformance.md', () => {
  it('lists every check of the registry as generated (else: pnpm docs:conformance)', async () => {
    const doc = await readFile(DOC, 'utf8');
    expect(doc).toContain(CHECKS_DOC_BEGIN);
    expect(spliceChecksDoc(doc, formatChecksDoc(ALL_CHECKS)), 'run pnpm docs:conformance').toBe(
      doc,
    );
    for (const check of ALL_CHECKS) {
      expect(doc).toMatch(
        new RegExp(`^\\| \`${check.id.replace(/\./g, '\\.')}\` \\| ${check.severity} \\| `, 'm'),
      );
    }
  });

  it('generates a table a Markdown reader can parse: pipes escaped, a why for every check', () => {
    const text = formatChecksDoc(ALL_CHECKS);
    const rows = text.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows).toHaveLength(ALL_CHECKS.length);
    for (const row of rows) expect(row.split(/(?<!\\)\|/)).toHaveLength(8);
    const unknown = formatChecksDoc([
      { id: 'new.check', title: 'a | b', specRef: '§9', severity: 'SHOULD' },
    ]);
    expect(unknown).toContain(
      '| `new.check` | SHOULD | §9 | a \\| b |  | Recommended by §9 of the XKS proxy API. |',
    );
    expect(() => spliceChecksDoc('no markers', text)).toThrow(CHECKS_DOC_END);
  });
});

describe('the GitHub Actions example', () => {
  it('runs the suite with flags the binary knows, publishes its JUnit file, uploads always', async () => {
    const workflow = parse(await readFile(WORKFLOW, 'utf8')) as {
      jobs: Record<string, { steps: Step[] }>;
    };
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
    const script = steps
      .map((s) => s.run ?? '')
      .join('\n')
      .replace(/\\\n\s*/g, ' ');
    const commands = script.split('\n').filter((l) => /^\s*xkslab conformance\b/.test(l));
    expect(commands.length).toBe(2);
    const [suiteHelp, compareHelp] = await Promise.all([
      runXkslab(['conformance', '--help']),
      runXkslab(['conformance', 'compare', '--help']),
    ]);
    for (const command of commands) {
      const help = /conformance compare/.test(command) ? compareHelp.stdout : suiteHelp.stdout;
      for (const flag of command.match(/--[a-z][a-z-]+/g) ?? []) {
        expect(help, `${flag} in the workflow`).toMatch(new RegExp(`${flag}\\b`));
      }
    }
    const junit = /--junit (\S+)/.exec(script)?.[1];
    const publish = steps.find((s) => s.uses?.startsWith('mikepenz/action-junit-report'));
    expect(publish?.with?.report_paths).toBe(junit);
    expect(publish?.if).toBe('always()');
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact'));
    expect(upload?.if).toBe('always()');
    expect(script).toMatch(/npm install --global "\.\/\$\{XKSLAB_TARBALL\}"/);
    // The tarball `pnpm pack` makes of this version.
    const { version } = JSON.parse(
      await readFile(join(REPO_ROOT, 'apps', 'xkslab', 'package.json'), 'utf8'),
    ) as { version: string };
    expect((workflow as { env?: Record<string, string> }).env?.XKSLAB_TARBALL).toBe(
      `vendor/xkslab-${version}.tgz`,
    );
  });
});
