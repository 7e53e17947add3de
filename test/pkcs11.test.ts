/**
 * A `pkcs11` module on a SoftHSMv2 token behind the unchanged XKS proxy: the seed generates its
 * keys in the token, XKS health / metadata / encrypt / decrypt answer over HTTP, the conformance
 * runner finds nothing wrong, AWS KMS (the emulator, through the AWS SDK) encrypts and decrypts
 * through it, ciphertexts made before a kill -9 still decrypt, and the admin CLI
 * creates a second pkcs11 module from flags (PIN from a 0600 file). Skipped, saying why, where
 * SoftHSMv2 is not installed (`.ci/run` installs it).
 */
import { randomUUID } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
} from '@aws-sdk/client-kms';
import { runConformance } from '@xkslab/conformance';
import { encryptBody, keyPath, newCredential } from '@xkslab/conformance/testing';
import { createSoftHsmToken, type SoftHsmToken, softHsmMissing } from '@xkslab/vcm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminFor } from './support/admin-api.ts';
import { runXkslab, type XkslabServer } from './support/binary.ts';
import { notPassed } from './support/conformance.ts';
import { useTempServers } from './support/fixture.ts';
import { kmsClient, startKms, waitConnected } from './support/kms.ts';
import { ENCRYPT_DECRYPT } from './support/lab-seed.ts';
import type { KeyStoreTarget } from './support/xks-client.ts';
import { sendXks } from './support/xks-client.ts';
import { decryptOk, encryptOk, healthOk, metadataOk } from './support/xks-ops.ts';

const missing = softHsmMissing();
const PREFIX = '/hsm/xks';
const REGION = 'us-east-1';
const PIN_ENV = 'XKSLAB_TEST_HSM_PIN';

describe.skipIf(missing !== undefined)(`a pkcs11 module on SoftHSMv2 ${missing ?? ''}`, () => {
  const servers = useTempServers();
  const credential = newCredential();
  const second = newCredential();
  let hsm: SoftHsmToken;
  let server: XkslabServer;
  let dataDir: string;
  let target: KeyStoreTarget;
  let env: Record<string, string>;

  const start = async () => {
    server = await servers.start({ dataDir, seed: seed(hsm), env });
    target = { port: server.port, prefix: PREFIX, region: REGION, credential };
  };

  function seed(token: SoftHsmToken) {
    return {
      modules: [
        {
          name: 'hsm',
          pkcs11: { library: token.library, tokenLabel: token.label, pinEnv: PIN_ENV },
          keys: [
            { id: 'foo', usage: [...ENCRYPT_DECRYPT] },
            { id: 'encrypt-only', usage: ['ENCRYPT'] },
            { id: 'decrypt-only', usage: ['DECRYPT'] },
            { id: 'wrap-only', usage: ['WRAP', 'UNWRAP'] },
            { id: 'disabled', usage: [...ENCRYPT_DECRYPT], status: 'DISABLED' },
          ],
        },
      ],
      keyStores: [
        {
          name: 'hsm',
          uriPathPrefix: PREFIX,
          region: REGION,
          module: 'hsm',
          credentials: [credential, second],
        },
      ],
    };
  }

  beforeAll(async () => {
    hsm = await createSoftHsmToken({ label: 'e2e', pin: `pin-${randomUUID()}` });
    dataDir = await servers.tempDir('pkcs11-data');
    env = { ...hsm.env, [PIN_ENV]: hsm.pin };
    await start();
  });

  afterAll(async () => {
    await hsm?.remove();
  });

  it('reports the token in XKS health: its model, firmware, manufacturer and serial', async () => {
    const health = await healthOk(target);
    expect(health.ekmVendor).toMatch(/^SoftHSM project \(serial number: \w+\)$/);
    expect(health.ekmFleetDetails).toEqual([
      {
        id: 'hsm-node-1',
        model: expect.stringMatching(
          /^SoftHSM.* \(firmware version: \d+\.\d+, hardware version: \d+\.\d+\)$/,
        ),
        healthStatus: 'ACTIVE',
      },
    ]);
  });

  it('answers metadata from the token: AES_256, usage from CKA_ENCRYPT/CKA_DECRYPT', async () => {
    expect(await metadataOk(target, 'foo')).toEqual({
      keySpec: 'AES_256',
      keyUsage: ['ENCRYPT', 'DECRYPT'],
      keyStatus: 'ENABLED',
    });
    expect((await metadataOk(target, 'encrypt-only')).keyUsage).toEqual(['ENCRYPT']);
    expect((await metadataOk(target, 'disabled')).keyStatus).toBe('DISABLED');
  });

  it('encrypts and decrypts in the token with AAD, metadata and CDIV as virtual modules do', async () => {
    const plaintext = Buffer.from('through the HSM');
    const aad = Buffer.from('bound');
    const out = await encryptOk(target, 'foo', { plaintext, aad, cdiv: true });
    expect(Buffer.from(out.initializationVector, 'base64')).toHaveLength(12);
    expect(Buffer.from(out.authenticationTag, 'base64')).toHaveLength(16);
    expect(out.ciphertextMetadata).toBeDefined();
    expect(out.ciphertextDataIntegrityValue).toBeDefined();
    expect(await decryptOk(target, 'foo', out, aad)).toEqual(plaintext);
    const refused = await sendXks(
      target,
      keyPath(target, 'disabled', 'encrypt'),
      encryptBody({ plaintext }),
    );
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text).errorName).toBe('InvalidStateException');
  });

  it('passes the conformance runner ', async () => {
    const report = await runConformance({
      url: `http://127.0.0.1:${server.port}${PREFIX}/kms/xks/v1`,
      accessKeyId: credential.accessKeyId,
      secretAccessKey: credential.secretAccessKey,
      region: REGION,
      keyId: 'foo',
      encryptOnlyKeyId: 'encrypt-only',
      decryptOnlyKeyId: 'decrypt-only',
      noUsageKeyId: 'wrap-only',
      disabledKeyId: 'disabled',
      secondCredential: second,
    });
    expect(notPassed(report).filter((line) => !/^(tls|load)\./.test(line))).toEqual([]);
    expect(report.summary.skipped).toBe(0);
    expect(report.summary.failed).toBe(0);
  }, 60_000);

  it('serves AWS KMS (the emulator, through the AWS SDK): key store, KMS key, Encrypt, Decrypt', async () => {
    const emulator = await startKms(['--connect-delay-ms', '100', '--health-interval-ms', '0']);
    const kms = kmsClient(emulator.url);
    try {
      const created = await kms.send(
        new CreateCustomKeyStoreCommand({
          CustomKeyStoreName: 'hsm',
          CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
          XksProxyConnectivity: 'PUBLIC_ENDPOINT',
          XksProxyUriEndpoint: server.url,
          XksProxyUriPath: `${PREFIX}/kms/xks/v1`,
          XksProxyAuthenticationCredential: {
            AccessKeyId: credential.accessKeyId,
            RawSecretAccessKey: credential.secretAccessKey,
          },
        }),
      );
      const storeId = created.CustomKeyStoreId;
      await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
      expect(await waitConnected(kms, storeId)).toBe('CONNECTED');
      const key = await kms.send(
        new CreateKeyCommand({
          Origin: 'EXTERNAL_KEY_STORE',
          CustomKeyStoreId: storeId,
          XksKeyId: 'foo',
        }),
      );
      const KeyId = key.KeyMetadata?.KeyId;
      const plaintext = Buffer.from('KMS over a PKCS#11 token');
      const context = { purpose: 'e2e' };
      const sealed = await kms.send(
        new EncryptCommand({ KeyId, Plaintext: plaintext, EncryptionContext: context }),
      );
      const opened = await kms.send(
        new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: context }),
      );
      expect(Buffer.from(opened.Plaintext ?? [])).toEqual(plaintext);
      expect(opened.KeyId).toBe(key.KeyMetadata?.Arn);
    } finally {
      kms.destroy();
      await emulator.stop();
    }
  });

  it('applies fault rules and writes the audit log as for a virtual module', async () => {
    const admin = await adminFor(server.dataDir);
    const add = (rule: object) => admin.call('POST', '/faults', rule);
    expect(
      (await add({ kind: 'error', errorName: 'InternalException', scope: { keyId: 'foo' } }))
        .status,
    ).toBe(201);
    expect((await add({ kind: 'health', nodes: 'all', status: 'DEGRADED' })).status).toBe(201);
    const hit = await sendXks(
      target,
      keyPath(target, 'foo', 'encrypt'),
      encryptBody({ plaintext: Buffer.from('x') }),
    );
    expect([hit.status, JSON.parse(hit.text).errorName]).toEqual([500, 'InternalException']);
    const degraded = (await healthOk(target)) as {
      ekmFleetDetails: Array<{ healthStatus: string }>;
    };
    expect(degraded.ekmFleetDetails[0]?.healthStatus).toBe('DEGRADED');
    expect((await admin.call('DELETE', '/faults')).status).toBe(200);
    await encryptOk(target, 'foo', { plaintext: Buffer.from('x') });
    const audit = (await readFile(join(server.dataDir, 'audit.log'), 'utf8')).trim().split('\n');
    const entries = audit.map((line) => JSON.parse(line) as Record<string, unknown>);
    const foo = entries.filter((e) => JSON.stringify(e).includes('"foo"'));
    expect(foo.length).toBeGreaterThan(2);
    expect(JSON.stringify(foo)).toContain('InternalException');
  });

  it('decrypts after a kill -9 and a restart what it encrypted before, states kept', async () => {
    const aad = Buffer.from('kept');
    const before = await encryptOk(target, 'foo', { plaintext: Buffer.from('durable'), aad });
    expect((await server.stop({ signal: 'SIGKILL' })).signal).toBe('SIGKILL');
    await start();
    expect(await decryptOk(target, 'foo', before, aad)).toEqual(Buffer.from('durable'));
    expect((await metadataOk(target, 'disabled')).keyStatus).toBe('DISABLED');
  });

  it('creates a pkcs11 module from CLI flags with the PIN in a 0600 file, and shows its kind', async () => {
    const pinFile = join(await servers.tempDir('pin'), 'pin');
    await writeFile(pinFile, `${hsm.pin}\n`, { mode: 0o644 });
    const cli = (...args: string[]) =>
      runXkslab(['modules', ...args, '--data-dir', server.dataDir]);
    const flags = ['--pkcs11-library', hsm.library, '--token-label', hsm.label];
    const open = await cli('create', 'hsm2', ...flags, '--pin-file', pinFile);
    expect(open.code).toBe(1);
    expect(open.stderr).toMatch(/may be read by others \(mode 644\): chmod 600 it/);
    await chmod(pinFile, 0o600);
    const made = await cli('create', 'hsm2', ...flags, '--pin-file', pinFile);
    expect(made.stderr).toBe('');
    expect(made.stdout).toMatch(/kind:\s+pkcs11\n/);
    expect(made.stdout).toContain(`file ${pinFile}`);
    expect(made.stdout).not.toContain(hsm.pin);
    expect(made.stdout).toMatch(/keys:\s+5\n/);
    const list = await cli('list');
    expect(list.stdout).toMatch(/hsm2\s+pkcs11\s+active/);
    expect(list.stdout).toMatch(/hsm\s+pkcs11/);
    const noPin = await cli('create', 'hsm3', ...flags, '--pin', '1234');
    expect(noPin.code).toBe(2);
    expect(noPin.stderr).toMatch(/unknown option --pin/);
    const rotate = await runXkslab(['keys', 'rotate', 'hsm/foo', '--data-dir', server.dataDir]);
    expect(rotate.code).toBe(1);
    expect(rotate.stderr).toMatch(/key rotation is not supported for pkcs11 modules: a token key/);
  });

  it('lists and describes the module while its token is gone: UNAVAILABLE, keys unknown', async () => {
    const cli = (...args: string[]) =>
      runXkslab(['modules', ...args, '--data-dir', server.dataDir]);
    const tokens = join(hsm.dir, 'tokens');
    await rename(tokens, `${tokens}-away`);
    try {
      const gone = await cli('describe', 'hsm');
      expect(gone.code, gone.stderr).toBe(0);
      expect(gone.stdout).toMatch(/^keys:\s+- \(token not reachable\)$/m);
      expect(gone.stdout).toMatch(/^hsm-node-1\s+UNAVAILABLE\s+\S/m);
      const list = await cli('list');
      expect(list.stdout).toMatch(/^hsm\s+pkcs11\s+active\s+1\s+-\s+hsm\s/m);
    } finally {
      await rename(`${tokens}-away`, tokens);
    }
    const back = await cli('describe', 'hsm');
    expect(back.stdout).toMatch(/^hsm-node-1\s+ACTIVE\s+SoftHSM project/m);
    expect(back.stdout).toMatch(/^keys:\s+5$/m);
    expect(
      await decryptOk(
        target,
        'foo',
        await encryptOk(target, 'foo', { plaintext: Buffer.from('y') }),
      ),
    ).toEqual(Buffer.from('y'));
  });
});
