/**
 * `xkslab demo` runs its whole story non-interactively, and `xkslab serve --kms-port` runs the KMS
 * emulator beside the proxy in one process, keeping its state in the data directory.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  DecryptCommand,
  DescribeCustomKeyStoresCommand,
  DisconnectCustomKeyStoreCommand,
  UpdateCustomKeyStoreCommand,
} from '@aws-sdk/client-kms';
import { newCredential } from '@xkslab/conformance/testing';
import { describe, expect, it } from 'vitest';
import { makeTempDir, removeDir, runXkslab, startXkslab, waitFor } from './support/binary.ts';
import {
  connectAndEncrypt,
  externalKeyStoreInput,
  KMS_ACCESS_KEY_ID,
  KMS_REGION,
  KMS_SECRET_ACCESS_KEY,
  kmsClient,
  waitConnected,
} from './support/kms.ts';

describe('xkslab demo', () => {
  it('walks through the whole story and cleans up after itself', async () => {
    const run = await runXkslab(['demo', '--connect-delay-ms', '100'], { timeoutMs: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (let step = 1; step <= 7; step++) expect(run.stdout).toContain(`Step ${step}/7`);
    expect(run.stdout).toContain('ConnectionState: CONNECTED');
    expect(run.stdout).toMatch(/Decrypt {10}-> KMSInvalidStateException/);
    expect(run.stdout).toContain('report.txt.enc decrypts to the original again');
    // The audit trail: KMS request ids matched to the proxy calls they caused.
    expect(run.stdout).toMatch(/[0-9a-f-]{36} {2}GenerateDataKey +Encrypt ok -> ok/);
    expect(run.stdout).toMatch(
      /[0-9a-f-]{36} {2}Decrypt +Decrypt DependencyTimeoutException -> KMSInvalidStateException/,
    );
    const dir = /data directory {3}(\S+)/.exec(run.stdout)?.[1];
    expect(dir).toBeDefined();
    expect(existsSync(dir ?? '/')).toBe(false);
  });

  it('--step runs to the end when there is no one to press Enter (stdin closed)', async () => {
    const run = await runXkslab(['demo', '--step', '--connect-delay-ms', '0'], {
      timeoutMs: 60_000,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Press Enter to run each step.');
    expect(run.stdout).toContain('Done: KMS emulator -> XKS proxy -> virtual HSM');
  });

  it('answers --help and refuses unknown flags', async () => {
    const help = await runXkslab(['demo', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: xkslab demo');
    const bad = await runXkslab(['demo', '--nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^xkslab: /);
  });
});

describe('xkslab serve --kms-port', () => {
  it('runs the emulator beside the proxy and keeps its state across restarts', async () => {
    const credential = newCredential();
    const seed = {
      modules: [{ name: 'one', keys: [{ id: 'key-1', usage: ['ENCRYPT', 'DECRYPT'] }] }],
      keyStores: [
        {
          name: 'one',
          uriPathPrefix: '/one',
          region: KMS_REGION,
          module: 'one',
          credentials: [credential],
        },
      ],
    };
    const dataDir = await makeTempDir('kms-serve');
    try {
      let server = await startXkslab({ dataDir, seed, extraArgs: ['--kms-port', '0'] });
      const kmsUrlOf = async (s: typeof server) => {
        await waitFor(() => s.logs().some((l) => l.msg === 'kms listening'), 10_000);
        return String(s.logs().find((l) => l.msg === 'kms listening')?.kmsUrl);
      };
      let kmsUrl = await kmsUrlOf(server);
      expect(server.stderr()).toContain(`AWS KMS emulator listening on ${kmsUrl}`);
      expect(server.stderr()).toContain(`AWS_ACCESS_KEY_ID=${KMS_ACCESS_KEY_ID}`);
      expect(server.stderr()).toContain(`AWS_SECRET_ACCESS_KEY=${KMS_SECRET_ACCESS_KEY}`);
      let kms = kmsClient(kmsUrl);
      const created = await kms.send(
        new CreateCustomKeyStoreCommand(
          externalKeyStoreInput('beside', {
            endpoint: server.url,
            uriPath: '/one/kms/xks/v1',
            credential,
          }),
        ),
      );
      const id = created.CustomKeyStoreId;
      let { state, encrypted: enc } = await connectAndEncrypt(kms, id, 'key-1', 'kept');
      expect(state).toBe('CONNECTED');
      kms.destroy();
      await server.stop({ removeDataDir: false });

      const stateFile = await readFile(join(dataDir, 'kms-emulator-state.json'), 'utf8');
      expect(stateFile).toContain(String(id));
      expect(stateFile).not.toContain(credential.secretAccessKey);

      server = await startXkslab({ dataDir, extraArgs: ['--kms-port', '0'] });
      kmsUrl = await kmsUrlOf(server);
      kms = kmsClient(kmsUrl);
      // The store kept its endpoint; point it at the proxy's new port, then decrypt.
      const moved = await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }));
      expect(moved.CustomKeyStores?.[0]?.ConnectionState).toBe('CONNECTED');
      await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
      await kms.send(
        new UpdateCustomKeyStoreCommand({
          CustomKeyStoreId: id,
          XksProxyUriEndpoint: server.url,
        }),
      );
      await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
      state = await waitConnected(kms, id);
      const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
      expect(new TextDecoder().decode(dec.Plaintext)).toBe('kept');
      kms.destroy();
      await server.stop({ removeDataDir: false });
    } finally {
      await removeDir(dataDir);
    }
  }, 60_000);
});

describe('xkslab kms', () => {
  it('documents its flags and local credentials, and refuses bad input with exit 2', async () => {
    const help = await runXkslab(['kms', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: xkslab kms');
    expect(help.stdout).toContain(KMS_ACCESS_KEY_ID);
    const viaHelp = await runXkslab(['help', 'kms']);
    expect(viaHelp.stdout).toBe(help.stdout);
    const bad = await runXkslab(['kms', '--region', 'nowhere']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^xkslab: --region: /);
  });
});
