import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  type ConformanceReport,
  compareReports,
  formatComparisonText,
  parseConformanceReport,
  ReportFormatError,
} from '@xkslab/conformance';
import { z } from 'zod';
import { commandHelp, defineCommand, HELP_OPTION, parseCommand } from './command.ts';
import { type CommandIo, errorCode } from './command-io.ts';
import { UsageError } from './flags.ts';

const MISSING = 'conformance compare: give two JSON reports: A.json B.json';

export const COMPARE_COMMAND = defineCommand({
  name: 'conformance compare',
  summary: 'compare two JSON reports of xkslab conformance',
  args: [
    { name: 'A.json', missing: MISSING },
    { name: 'B.json', missing: MISSING },
  ],
  extraArgs: (extra) => `conformance compare: compares two reports; '${extra}' is a third`,
  description: `Compare two runs of \`xkslab conformance --json FILE\` (two proxies, or one proxy before
and after a change): a side-by-side table of the checks whose result or answer differs (HTTP
status, errorName or message; numbers and random values such as CDIVs are ignored), then a
summary line.
Changes: broke (fails in B, did not in A), fixed (failed in A, not in B), result changed
(skip, N/A, pass), answer changed (same result, another answer), only in A, only in B.`,
  options: z.strictObject({
    json: z.boolean().optional().meta({
      description: 'print the comparison as JSON (rows, counts, summary) instead of the table',
    }),
    failOn: z.enum(['differs', 'regressed']).default('differs').meta({
      description:
        'what exits 1: any difference, or only a check that fails in B\nand did not fail in A (default: differs)',
    }),
    help: HELP_OPTION,
  }),
  notes: `Exit status:
  0  no check differs (with --fail-on regressed: no check broke)
  1  a check differs (with --fail-on regressed: a check fails in B that did not fail in A)
  2  usage error: bad flags, a file that cannot be read or is not a JSON report`,
});

async function readReport(path: string): Promise<ConformanceReport> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`conformance compare: cannot read ${path} (${errorCode(e)})`);
  }
  try {
    return parseConformanceReport(text);
  } catch (e) {
    if (e instanceof ReportFormatError) {
      throw new UsageError(`conformance compare: ${path}: ${e.message}`);
    }
    throw e;
  }
}

/** `xkslab conformance compare A.json B.json`: the table (or JSON) and the exit status. */
export async function compareCommand(
  argv: readonly string[],
  io: CommandIo & { columns?: number | undefined },
): Promise<number> {
  const parsed = parseCommand(COMPARE_COMMAND, argv, 'conformance compare: ');
  if (parsed.help) {
    io.stdout(commandHelp(COMPARE_COMMAND));
    return 0;
  }
  const [pathA = '', pathB = ''] = parsed.args;
  const [a, b] = await Promise.all([readReport(pathA), readReport(pathB)]);
  const cmp = compareReports(a, b, { a: basename(pathA), b: basename(pathB) });
  if (parsed.options.json) io.stdout(`${JSON.stringify(cmp, null, 2)}\n`);
  else io.stdout(formatComparisonText(cmp, { width: io.columns ?? 160 }));
  const failed = parsed.options.failOn === 'regressed' ? cmp.regressions > 0 : cmp.differs;
  return failed ? 1 : 0;
}
