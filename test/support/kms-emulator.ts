/**
 * One `xkslab kms` shared by the tests of a file (or describe block): started before them with
 * an SDK client and a temporary directory, stopped and removed after them. Read its fields inside
 * tests (they are set in beforeAll).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll } from 'vitest';
import { makeTempDir, removeDir } from './binary.ts';
import { startedView } from './fixture.ts';
import { type KmsServer, kmsClient, startKms } from './kms.ts';

export type KmsEmulator = {
  readonly emulator: KmsServer;
  /** An AWS SDK v3 client of the emulator. */
  readonly kms: KMSClient;
  /** A temporary directory for the tests' files. */
  readonly dir: string;
};

export function useKmsEmulator(label: string): KmsEmulator {
  const started = startedView<KmsEmulator>('the KMS emulator', ['emulator', 'kms', 'dir']);
  let dir: string | undefined;
  let emulator: KmsServer | undefined;
  beforeAll(async () => {
    dir = await makeTempDir(label);
    emulator = await startKms();
    started.set({ emulator, kms: kmsClient(emulator.url), dir });
  }, 30_000);
  afterAll(async () => {
    await emulator?.stop();
    if (dir) await removeDir(dir);
  });
  return started.view;
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A public key from the DER SubjectPublicKeyInfo KMS answers (GetPublicKey, data key pairs). */
export function spki(der: Uint8Array | undefined): KeyObject {
  return createPublicKey({ key: Buffer.from(der ?? []), format: 'der', type: 'spki' });
}
