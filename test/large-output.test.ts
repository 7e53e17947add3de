/**
 * Large output and large audit lines: every byte of a command's output reaches a pipe (not just
 * the first 64 KiB the pipe holds when the process exits) for the commands that can print that
 * much (audit query/tail, keys list --json, seed export), and a log with one giant line does not
 * crash `audit tail` / `audit query` / `audit verify`.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, MAIN_JS, makeTempDir, removeDir, runXkslab } from './support/binary.ts';
import { useTempServers } from './support/fixture.ts';
import { labSeed } from './support/lab-seed.ts';

const ENTRIES = 5000;
let dir: string;

/** Entry-shaped lines (readers need seq, prev, hash, time and operation; the chain is not valid). */
function auditLines(count: number, requestIdOf: (seq: number) => string): string {
  const hash = (n: number) => n.toString(16).padStart(64, '0');
  let text = '';
  for (let seq = 1; seq <= count; seq++) {
    text += `${JSON.stringify({
      seq,
      prev: hash(seq - 1),
      hash: hash(seq),
      time: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
      operation: 'Encrypt',
      result: 'ok',
      keyStore: 'store-a',
      keyId: 'foo',
      kmsRequestId: requestIdOf(seq),
      principal: 'arn:aws:iam::123456789012:role/pipe-output',
    })}\n`;
  }
  return text;
}

/** Runs xkslab through `sh` with stdout to a pipe read late, and to a file; returns both sizes. */
function pipeAndFileBytes(args: readonly string[]): { piped: number; file: number } {
  const quoted = [process.execPath, MAIN_JS, ...args].map((a) => `'${a}'`).join(' ');
  const outFile = join(dir, 'out.txt');
  // The reader starts after the writer has filled the pipe, as `| wc -c` on a busy machine does.
  const piped = spawnSync('sh', ['-c', `${quoted} | (sleep 0.5; wc -c)`], { encoding: 'utf8' });
  const file = spawnSync('sh', ['-c', `${quoted} > '${outFile}'; wc -c < '${outFile}'`], {
    encoding: 'utf8',
  });
  expect(file.stderr, args.join(' ')).not.toMatch(/xkslab:/);
  return { piped: Number(piped.stdout.trim()), file: Number(file.stdout.trim()) };
}

beforeAll(async () => {
  assertBuilt();
  dir = await makeTempDir('audit-large');
  await mkdir(join(dir, 'many'));
  await writeFile(
    join(dir, 'many', 'audit.log'),
    auditLines(ENTRIES, (s) => `request-${s}`),
  );
});
afterAll(() => removeDir(dir));

describe('output on a pipe', () => {
  it('audit query --json and audit tail write every byte to a pipe, as to a file', async () => {
    const dataDir = join(dir, 'many');
    for (const args of [
      ['audit', 'query', '--json'],
      ['audit', 'tail', '-n', String(ENTRIES), '--json'],
      ['audit', 'tail', '-n', String(ENTRIES)],
    ]) {
      const { piped, file } = pipeAndFileBytes([...args, '--data-dir', dataDir]);
      expect(file, args.join(' ')).toBeGreaterThan(256 * 1024);
      expect(piped, args.join(' ')).toBe(file);
    }
  });
  it('stops quietly when the reader goes away (| head -1)', async () => {
    const dataDir = join(dir, 'many');
    const quoted = [process.execPath, MAIN_JS, 'audit', 'query', '--json', '--data-dir', dataDir]
      .map((a) => `'${a}'`)
      .join(' ');
    const r = spawnSync('sh', ['-c', `${quoted} | head -1 >/dev/null`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
  });
});

describe('keys list --json and seed export on a pipe', () => {
  const { start, tempDir } = useTempServers();

  it('write every byte to a pipe, as to a file', async () => {
    const server = await start({ dataDir: await tempDir('large-output'), seed: labSeed().seed });
    const made = await runXkslab([
      ...['keys', 'bulk-create', 'many-', '--module', 'hsm-a', '--count', '3000'],
      ...['--data-dir', server.dataDir],
    ]);
    expect(made.code, made.stderr).toBe(0);
    const list = pipeAndFileBytes([
      ...['keys', 'list', '--module', 'hsm-a', '--json'],
      ...['--data-dir', server.dataDir],
    ]);
    expect(list.file).toBeGreaterThan(256 * 1024);
    expect(list.piped).toBe(list.file);
    await server.stop({ removeDataDir: false });
    const seed = pipeAndFileBytes(['seed', 'export', '--data-dir', server.dataDir]);
    expect(seed.file).toBeGreaterThan(256 * 1024);
    expect(seed.piped).toBe(seed.file);
  });
});

describe('a giant audit line', () => {
  it('audit tail -n 5000, audit query and audit verify do not crash on a 200 KB field', async () => {
    const dataDir = join(dir, 'giant');
    await mkdir(dataDir, { recursive: true });
    const giant = 'x'.repeat(200_000);
    await writeFile(
      join(dataDir, 'audit.log'),
      auditLines(ENTRIES, (s) => (s === 10 ? giant : `request-${s}`)),
    );
    const tail = await runXkslab(['audit', 'tail', '-n', '5000', '--data-dir', dataDir]);
    expect(tail.stderr).not.toMatch(/RangeError|unexpected error/);
    expect(tail.code).toBe(0);
    expect(tail.stdout.split('\n').length).toBe(ENTRIES + 2); // header, entries, final newline
    const query = await runXkslab(['audit', 'query', '--data-dir', dataDir]);
    expect(query.stderr).not.toMatch(/RangeError|unexpected error/);
    expect(query.code).toBe(0);
    const json = await runXkslab([
      'audit',
      'query',
      '--json',
      '--request-id',
      giant.slice(0, 10),
      '--data-dir',
      dataDir,
    ]);
    expect(json.code).toBe(0);
    const verify = await runXkslab(['audit', 'verify', '--data-dir', dataDir]);
    // The synthetic chain is not a valid one: verify must report that, not crash.
    expect(verify.stderr).not.toMatch(/RangeError|unexpected error/);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/chain BROKEN/);
    expect((await readFile(join(dataDir, 'audit.log'), 'utf8')).length).toBeGreaterThan(200_000);
  });
});
