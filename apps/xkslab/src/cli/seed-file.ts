import { readFile } from 'node:fs/promises';
import { SeedFile } from '@xkslab/protocol';
import { z } from 'zod';
import { UserFacingError } from '../user-facing-error.ts';
import { findJsonSyntaxError } from './json-position.ts';

export class SeedFileError extends UserFacingError {
  constructor(message: string) {
    super(message);
    this.name = 'SeedFileError';
  }
}

/** Reads and validates a seed file; every problem names the file and the field. */
export async function loadSeedFile(path: string): Promise<SeedFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? String(e.code) : 'unreadable';
    throw new SeedFileError(`cannot read seed file ${path} (${code})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // file:line:column, as compilers and editors print it, so the terminal can jump there.
    const problem = findJsonSyntaxError(text.replace(/^\uFEFF/, ''));
    if (problem) {
      throw new SeedFileError(
        `${path}:${problem.line}:${problem.column}: seed file is not valid JSON: ${problem.message}`,
      );
    }
    throw new SeedFileError(
      `seed file ${path} is not valid JSON: ${e instanceof Error ? e.message : e}`,
    );
  }
  const parsed = SeedFile.safeParse(json);
  if (!parsed.success) {
    const first = z.prettifyError(parsed.error).replace(/\n\s*/g, ' ');
    throw new SeedFileError(`seed file ${path} is invalid: ${first}`);
  }
  return parsed.data;
}
