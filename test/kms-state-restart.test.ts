/**
 * What `xkslab kms --state FILE` keeps across a restart, through the AWS SDK for JavaScript v3:
 * every key material a rotation leaves (old ciphertexts still decrypt, new ones use the newest),
 * and import parameters handed out before the restart.
 */
import { constants, createPublicKey, publicEncrypt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  ListKeyRotationsCommand,
  RotateKeyOnDemandCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from './support/binary.ts';
import { kmsClient, startKms } from './support/kms.ts';

let dir: string;

beforeAll(async () => {
  dir = await makeTempDir('kms-state-restart');
});

afterAll(async () => {
  if (dir) await removeDir(dir);
});

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString();

describe('xkslab kms --state across a restart', () => {
  it('keeps the materials of rotated keys and the import parameters handed out', async () => {
    const state = join(dir, 'kms-state.json');
    let server = await startKms(['--state', state]);
    try {
      let kms = kmsClient(server.url);
      const rotated = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? '';
      const before = await kms.send(
        new EncryptCommand({ KeyId: rotated, Plaintext: bytes('before') }),
      );
      await kms.send(new RotateKeyOnDemandCommand({ KeyId: rotated }));
      const after = await kms.send(
        new EncryptCommand({ KeyId: rotated, Plaintext: bytes('after') }),
      );
      // Each blob names the material index it was made with (bytes 17..20 of format 4).
      const indexOf = (blob: Uint8Array | undefined) => Buffer.from(blob ?? []).readUInt32BE(17);
      expect([indexOf(before.CiphertextBlob), indexOf(after.CiphertextBlob)]).toEqual([0, 1]);

      const imported =
        (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata?.KeyId ?? '';
      const params = await kms.send(
        new GetParametersForImportCommand({
          KeyId: imported,
          WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
          WrappingKeySpec: 'RSA_2048',
        }),
      );
      kms.destroy();
      await server.stop();
      const file = await readFile(state, 'utf8');
      expect(file).not.toContain(Buffer.from(params.ImportToken ?? []).toString('base64'));

      server = await startKms(['--state', state]);
      kms = kmsClient(server.url);
      for (const [blob, plain] of [
        [before.CiphertextBlob, 'before'],
        [after.CiphertextBlob, 'after'],
      ] as const) {
        const out = await kms.send(new DecryptCommand({ CiphertextBlob: blob }));
        expect(text(out.Plaintext)).toBe(plain);
      }
      const listed = await kms.send(new ListKeyRotationsCommand({ KeyId: rotated }));
      expect(listed.Rotations?.map((r) => r.RotationType)).toEqual(['ON_DEMAND']);

      const wrapped = publicEncrypt(
        {
          key: createPublicKey({
            key: Buffer.from(params.PublicKey ?? []),
            format: 'der',
            type: 'spki',
          }),
          padding: constants.RSA_PKCS1_OAEP_PADDING,
          oaepHash: 'sha256',
        },
        new Uint8Array(32).fill(11),
      );
      await kms.send(
        new ImportKeyMaterialCommand({
          KeyId: imported,
          ImportToken: params.ImportToken,
          EncryptedKeyMaterial: wrapped,
          ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
        }),
      );
      const sealed = await kms.send(
        new EncryptCommand({ KeyId: imported, Plaintext: bytes('imported') }),
      );
      const opened = await kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }));
      expect(text(opened.Plaintext)).toBe('imported');
      kms.destroy();
    } finally {
      await server.stop();
    }
  }, 60_000);
});
