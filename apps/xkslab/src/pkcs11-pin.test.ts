import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkcs11PinSource } from './pkcs11-pin.ts';

const LIBRARY = '/usr/lib/x.so';

describe('the PIN source of pkcs11 modules', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xkslab-pin-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const pinFile = async (name: string, text: string, mode: number) => {
    const path = join(dir, name);
    await writeFile(path, text, { mode });
    return path;
  };

  it('reads the variable the module names, through the environment it is given', async () => {
    const env: Record<string, string> = { HSM_PIN: 's3cret' };
    const source = pkcs11PinSource((name) => env[name]);
    expect(await source({ library: LIBRARY, slot: 0, pinEnv: 'HSM_PIN' })).toBe('s3cret');
    await expect(source({ library: LIBRARY, slot: 0, pinEnv: 'OTHER' })).rejects.toThrow(
      /the PIN variable OTHER is not set in the server's environment/,
    );
  });

  it('reads an owner-only file without its trailing newline, and refuses any other', async () => {
    const source = pkcs11PinSource(() => undefined);
    const read = (path: string) => source({ library: LIBRARY, slot: 0, pinFile: path });
    expect(await read(await pinFile('ok', '1234\n', 0o600))).toBe('1234');
    expect(await read(await pinFile('crlf', 'ab cd\r\n', 0o400))).toBe('ab cd');
    await expect(read(await pinFile('group', '1234', 0o640))).rejects.toThrow(/mode 640/);
    await expect(read(await pinFile('empty', '\n', 0o600))).rejects.toThrow(/is empty/);
    await expect(read(join(dir, 'absent'))).rejects.toThrow(/cannot read the PIN file/);
    await expect(read(dir)).rejects.toThrow(/not a regular file/);
  });
});
