import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLogLines } from './log-lines.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xkslab-log-lines-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function read(text: string) {
  const file = join(dir, 'log');
  await writeFile(file, text);
  const lines: string[] = [];
  const end = await readLogLines(file, (l) => lines.push(l));
  return { lines, end };
}

describe('readLogLines', () => {
  it('hands over newline-terminated lines and holds back a last line without its newline', async () => {
    expect(await read('a\nbé\n')).toEqual({ lines: ['a', 'bé'], end: { completeBytes: 6 } });
    expect(await read('a\n{"se')).toEqual({
      lines: ['a'],
      end: { completeBytes: 2, partial: '{"se' },
    });
    expect(await read('')).toEqual({ lines: [], end: { completeBytes: 0 } });
    expect(await read('\n\n')).toEqual({ lines: ['', ''], end: { completeBytes: 2 } });
  });

  it('reads a 3 MB line whole', async () => {
    const giant = 'x'.repeat(3_000_000);
    const { lines } = await read(`a\n${giant}\nb\n`);
    expect(lines.map((l) => l.length)).toEqual([1, 3_000_000, 1]);
  });

  it('rejects with the open error for a missing file', async () => {
    await expect(readLogLines(join(dir, 'missing'), () => {})).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
