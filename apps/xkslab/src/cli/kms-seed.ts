/** `xkslab kms --seed FILE`: reads the seed file and applies it to an empty emulator at start. */
import { readFile } from 'node:fs/promises';
import {
  applySeed,
  type KmsEmulator,
  parseSeed,
  type SeedDocument,
  SeedError,
  seedTargetOf,
} from '@xkslab/kms-emulator';
import type { Logger } from '../logger.ts';
import { CommandError, errorCode } from './command-io.ts';

/** How often a seed looks at a key store that is connecting. */
const SEED_POLL_MS = 50;

export async function readKmsSeed(file: string): Promise<SeedDocument> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CommandError(`cannot read the seed file ${file} (${errorCode(e)})`, { cause: e });
  }
  try {
    return parseSeed(text);
  } catch (e) {
    if (e instanceof SeedError) throw new CommandError(`${file}: ${e.message}`, { cause: e });
    throw e;
  }
}

export async function applyKmsSeed(
  emulator: KmsEmulator,
  seed: SeedDocument,
  logger: Logger,
): Promise<void> {
  const wait = () => new Promise<void>((r) => setTimeout(r, SEED_POLL_MS));
  try {
    const outcome = await applySeed(seedTargetOf(emulator, wait), seed);
    logger.info(outcome.applied ? 'seeded' : 'seed skipped: the state is not empty', {
      keyStores: outcome.keyStores,
      keys: outcome.keys,
      aliases: outcome.aliases,
    });
  } catch (e) {
    await emulator.stop();
    if (e instanceof SeedError) throw new CommandError(e.message, { cause: e });
    throw e;
  }
}
