/** CLI end-to-end tests: the processes a test file starts, and what a refusal prints. */
import type { ChildProcess } from 'node:child_process';
import { afterAll, expect } from 'vitest';
import { type TempServers, useTempServers } from './fixture.ts';

/**
 * The temp servers of a CLI test file and the child processes it spawns itself: every child has
 * exited (SIGKILL) before the temporary directories are removed.
 */
export function useCliProcesses(): TempServers & { children: ChildProcess[] } {
  const servers = useTempServers();
  const children: ChildProcess[] = [];
  // Registered after useTempServers, so it runs first: every child has exited before its data
  // directory is removed (a dying server can still write a LevelDB file into it).
  afterAll(async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const gone = new Promise((done) => child.once('exit', done));
        child.kill('SIGKILL');
        await gone;
      }),
    );
  });
  return { ...servers, children };
}

export function oneLineError(r: { stderr: string }): string {
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  return lines[0] ?? '';
}
