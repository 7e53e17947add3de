/**
 * `xkslab serve --kms-port PORT --kms-seed FILE`: the emulator beside the proxy starts from the
 * same seed file `xkslab kms --seed` takes, checked the same way.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  ListAliasesCommand,
  ListResourceTagsCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir, runXkslab, startXkslab, waitFor } from './support/binary.ts';
import { kmsClient } from './support/kms.ts';

let dir: string;

beforeAll(async () => {
  dir = await makeTempDir('kms-serve-seed');
});

afterAll(async () => {
  await removeDir(dir);
});

const SEED = {
  keys: [
    {
      Description: 'app data',
      Aliases: ['alias/app-data'],
      Tags: [{ TagKey: 'team', TagValue: 'payments' }],
    },
    {
      KeySpec: 'HMAC_256',
      KeyUsage: 'GENERATE_VERIFY_MAC',
      Aliases: ['alias/app-mac'],
      Enabled: false,
    },
  ],
};

describe('xkslab serve --kms-port --kms-seed', () => {
  it('starts the emulator beside the proxy from the seed file', async () => {
    const seedFile = join(dir, 'kms-seed.json');
    await writeFile(seedFile, JSON.stringify(SEED));
    const server = await startXkslab({ extraArgs: ['--kms-port', '0', '--kms-seed', seedFile] });
    try {
      await waitFor(() => server.logs().some((l) => l.msg === 'kms listening'), 10_000);
      expect(server.logs().find((l) => l.msg === 'seeded')).toMatchObject({ keys: 2, aliases: 2 });
      const kms = kmsClient(String(server.logs().find((l) => l.msg === 'kms listening')?.kmsUrl));
      const aliases = await kms.send(new ListAliasesCommand({}));
      expect(aliases.Aliases?.map((a) => a.AliasName).sort()).toEqual([
        'alias/app-data',
        'alias/app-mac',
      ]);
      const data = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/app-data' }));
      expect(data.KeyMetadata).toMatchObject({ Description: 'app data', KeyState: 'Enabled' });
      const tags = await kms.send(new ListResourceTagsCommand({ KeyId: data.KeyMetadata?.KeyId }));
      expect(tags.Tags).toEqual([{ TagKey: 'team', TagValue: 'payments' }]);
      const mac = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/app-mac' }));
      expect(mac.KeyMetadata).toMatchObject({ KeySpec: 'HMAC_256', KeyState: 'Disabled' });
      const enc = await kms.send(
        new EncryptCommand({ KeyId: 'alias/app-data', Plaintext: new TextEncoder().encode('x') }),
      );
      const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
      expect(new TextDecoder().decode(dec.Plaintext)).toBe('x');
      kms.destroy();
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('refuses a bad seed file before starting, as xkslab kms --seed does', async () => {
    const badSeed = join(dir, 'bad-seed.json');
    await writeFile(badSeed, '{"keys":[{"Descripton":"typo"}]}');
    const dataDir = join(dir, 'never-made');
    const typo = await runXkslab([
      'serve',
      '--data-dir',
      dataDir,
      '--kms-port',
      '0',
      '--kms-seed',
      badSeed,
    ]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/bad-seed\.json: .*Unrecognized key: "Descripton"/s);
    expect(existsSync(dataDir)).toBe(false);
    const missing = await runXkslab(['serve', '--kms-port', '0', '--kms-seed', join(dir, 'none')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read the seed file .*none \(ENOENT\)/);
    const alone = await runXkslab(['serve', '--kms-seed', badSeed]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--kms-seed needs --kms-port/);
    const help = await runXkslab(['serve', '--help']);
    expect(help.stdout).toContain('--kms-seed FILE');
  });
});
