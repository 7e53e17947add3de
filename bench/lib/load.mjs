// @ts-check
// Runs a load generator (bench/load/closed.mjs or open.mjs) as a child process and returns its
// JSON result. The request pool goes through a temporary file.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR } from './common.mjs';

/**
 * @param {'open' | 'closed'} kind
 * @param {{ durationSec?: number } & Record<string, unknown>} config
 * @returns {Promise<any>} the generator's JSON result (its last stdout line), as it printed it
 */
export async function runLoad(kind, config) {
  const file = join(tmpdir(), `xkslab-bench-load-${randomUUID()}.json`);
  await writeFile(file, JSON.stringify(config));
  try {
    const script = join(BENCH_DIR, 'load', kind === 'open' ? 'open.mjs' : 'closed.mjs');
    const limitMs = ((config.durationSec ?? 10) + 60) * 1000;
    return await new Promise((done, fail) => {
      const child = spawn(process.execPath, [script, file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (s) => {
        out += s;
      });
      child.stderr.setEncoding('utf8').on('data', (s) => {
        err += s;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
      child.once('close', (code) => {
        clearTimeout(timer);
        const line = out.trim().split('\n').pop();
        try {
          if (code !== 0) throw new Error(`exit ${code}`);
          done(JSON.parse(line ?? ''));
        } catch (e) {
          const why = e instanceof Error ? e.message : String(e);
          fail(new Error(`load generator ${kind} failed (${why}): ${err || out}`));
        }
      });
    });
  } finally {
    await rm(file, { force: true });
  }
}
