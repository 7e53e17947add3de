import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { MemoryRecordStore } from '@xkslab/vcm';
import { afterEach, describe, expect, it } from 'vitest';
import { resetCommand } from './reset-command.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A directory that looks like a data directory (master.key), and deps that answer `answer`. */
async function setup(answer: string) {
  const dir = await mkdtemp(join(tmpdir(), 'xkslab-reset-'));
  dirs.push(dir);
  await writeFile(join(dir, 'master.key'), 'x\n');
  const out: string[] = [];
  const questions: string[] = [];
  const deps = {
    io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t) },
    openStore: async () => Object.assign(new MemoryRecordStore(), { close: async () => {} }),
    interactive: true,
    ask: async (q: string) => {
      questions.push(q);
      return answer;
    },
  };
  return { dir, deps, out, questions };
}

describe('reset on a terminal', () => {
  it('asks for the directory name and wipes when it is typed', async () => {
    const { dir, deps, questions } = await setup('');
    deps.ask = async (q: string) => {
      questions.push(q);
      return `${basename(dir)}\n`;
    };
    expect(await resetCommand(['--data-dir', dir], deps)).toBe(0);
    expect(existsSync(dir)).toBe(false);
    expect(questions).toEqual([`Type the directory name (${basename(dir)}) to confirm: `]);
  });

  it("does not take another directory's name", async () => {
    const { dir, deps } = await setup('some-other-dir');
    expect(await resetCommand(['--data-dir', dir], deps)).toBe(1);
    expect(existsSync(join(dir, 'master.key'))).toBe(true);
  });

  it('keeps the directory on any other answer', async () => {
    const { dir, deps, out } = await setup('y');
    expect(await resetCommand(['--data-dir', dir], deps)).toBe(1);
    expect(existsSync(join(dir, 'master.key'))).toBe(true);
    expect(out.join('')).toContain('not confirmed: nothing removed');
  });
});
