/** The output of a child process, collected as UTF-8 text while it runs. */
import type { ChildProcess } from 'node:child_process';

export type CollectedOutput = { stdout: string; stderr: string };

/** Appends everything `child` writes to stdout and stderr (when piped) to the returned object. */
export function collectOutput(child: ChildProcess): CollectedOutput {
  const out: CollectedOutput = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    out.stdout += s;
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    out.stderr += s;
  });
  return out;
}
