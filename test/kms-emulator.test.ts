/**
 * The AWS KMS emulator with real clients and nothing mocked in between: the AWS SDK for
 * JavaScript (@aws-sdk/client-kms) and the AWS Encryption SDK (@aws-crypto/client-node) talk to
 * `xkslab kms`, which calls `xkslab serve`'s XKS proxy as AWS KMS does, which uses the module.
 */
import { buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
import {
  CancelKeyDeletionCommand,
  ConnectCustomKeyStoreCommand,
  CreateAliasCommand,
  CreateCustomKeyStoreCommand,
  CreateKeyCommand,
  CustomKeyStoreHasCMKsException,
  CustomKeyStoreInvalidStateException,
  DecryptCommand,
  DeleteCustomKeyStoreCommand,
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  DisabledException,
  DisableKeyCommand,
  DisconnectCustomKeyStoreCommand,
  EnableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  type KMSClient,
  KMSInvalidStateException,
  ListAliasesCommand,
  ListKeysCommand,
  ReEncryptCommand,
  ScheduleKeyDeletionCommand,
  XksKeyInvalidConfigurationException,
  XksKeyNotFoundException,
  XksProxyIncorrectAuthenticationCredentialException,
  XksProxyUriUnreachableException,
} from '@aws-sdk/client-kms';
import { newCredential } from '@xkslab/conformance/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Admin, adminFor, adminOk } from './support/admin-api.ts';
import { startXkslab, type XkslabServer } from './support/binary.ts';
import type { Credential } from './support/credentials.ts';
import {
  esdkClients,
  externalKeyStoreInput,
  KMS_ACCOUNT,
  KMS_REGION,
  type KmsServer,
  kmsClient,
  kmsLabSeed,
  rejects,
  startKms,
  waitConnected,
} from './support/kms.ts';

const PREFIX = '/kms-e2e';

/** CreateKey for an external key of the test key store. */
function createXksKey(xksKeyId: string) {
  return kms.send(
    new CreateKeyCommand({
      Origin: 'EXTERNAL_KEY_STORE',
      CustomKeyStoreId: keyStoreId,
      XksKeyId: xksKeyId,
    }),
  );
}

let credential: Credential;
let proxy: XkslabServer;
let admin: Admin;
let emulator: KmsServer;
let kms: KMSClient;
let keyStoreId: string;
let k1: string;
let k1Arn: string;

const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString();
const bytes = (s: string) => new TextEncoder().encode(s);

function storeInput(name: string, cred: Credential, proxyUrl = proxy.url) {
  return externalKeyStoreInput(name, {
    endpoint: proxyUrl,
    uriPath: `${PREFIX}/kms/xks/v1`,
    credential: cred,
  });
}

beforeAll(async () => {
  credential = newCredential();
  [proxy, emulator] = await Promise.all([
    startXkslab({ seed: kmsLabSeed(PREFIX, credential) }),
    startKms(['--connect-delay-ms', '100', '--health-interval-ms', '0']),
  ]);
  admin = await adminFor(proxy.dataDir);
  kms = kmsClient(emulator.url);
});

afterAll(async () => {
  kms?.destroy();
  await Promise.all([proxy?.stop(), emulator?.stop()]);
});

describe('external key store with @aws-sdk/client-kms', () => {
  it('refuses a credential the proxy does not know, and a proxy that is not there', async () => {
    await rejects(
      kms.send(new CreateCustomKeyStoreCommand(storeInput('wrong', newCredential()))),
      XksProxyIncorrectAuthenticationCredentialException,
    );
    await rejects(
      kms.send(
        new CreateCustomKeyStoreCommand(storeInput('gone', credential, 'http://127.0.0.1:9')),
      ),
      XksProxyUriUnreachableException,
    );
  });

  it('creates the key store on xkslab’s proxy and connects it', async () => {
    const created = await kms.send(new CreateCustomKeyStoreCommand(storeInput('e2e', credential)));
    keyStoreId = created.CustomKeyStoreId ?? '';
    expect(keyStoreId).toMatch(/^cks-[0-9a-f]{17}$/);
    const described = await kms.send(
      new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: keyStoreId }),
    );
    expect(described.CustomKeyStores?.[0]).toMatchObject({
      CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
      ConnectionState: 'DISCONNECTED',
      XksProxyConfiguration: {
        Connectivity: 'PUBLIC_ENDPOINT',
        AccessKeyId: credential.accessKeyId,
        UriEndpoint: proxy.url,
        UriPath: `${PREFIX}/kms/xks/v1`,
      },
    });
    expect(described.CustomKeyStores?.[0]?.CreationDate).toBeInstanceOf(Date);
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: keyStoreId }));
    expect(await waitConnected(kms, keyStoreId)).toBe('CONNECTED');
    // The proxy saw KMS's health checks, signed over host;x-amz-date, with the KMS request ids.
    const health = proxy.logs().filter((l) => l.msg === 'xks' && l.operation === 'GetHealthStatus');
    expect(health.map((l) => l.kmsOperation)).toEqual(
      expect.arrayContaining(['CreateCustomKeyStore', 'ConnectCustomKeyStore']),
    );
  });

  it('creates KMS keys backed by the module, and refuses external keys KMS cannot use', async () => {
    const created = await kms.send(
      new CreateKeyCommand({
        Origin: 'EXTERNAL_KEY_STORE',
        CustomKeyStoreId: keyStoreId,
        XksKeyId: 'k1',
        Description: 'e2e',
      }),
    );
    k1 = created.KeyMetadata?.KeyId ?? '';
    k1Arn = created.KeyMetadata?.Arn ?? '';
    expect(k1Arn).toBe(`arn:aws:kms:${KMS_REGION}:${KMS_ACCOUNT}:key/${k1}`);
    const described = await kms.send(new DescribeKeyCommand({ KeyId: k1 }));
    expect(described.KeyMetadata).toMatchObject({
      Origin: 'EXTERNAL_KEY_STORE',
      KeyState: 'Enabled',
      KeySpec: 'SYMMETRIC_DEFAULT',
      CustomKeyStoreId: keyStoreId,
      XksKeyConfiguration: { Id: 'k1' },
    });
    await rejects(createXksKey('disabled'), XksKeyInvalidConfigurationException);
    await rejects(createXksKey('encrypt-only'), XksKeyInvalidConfigurationException);
    await rejects(createXksKey('missing'), XksKeyNotFoundException);
    const listed = await kms.send(new ListKeysCommand({}));
    expect(listed.Keys).toEqual([{ KeyId: k1, KeyArn: k1Arn }]);
  });

  it('GenerateDataKey, GenerateDataKeyWithoutPlaintext and Decrypt', async () => {
    const context = { tenant: 'a', purpose: 'e2e' };
    const dk = await kms.send(
      new GenerateDataKeyCommand({ KeyId: k1, KeySpec: 'AES_256', EncryptionContext: context }),
    );
    expect(dk.Plaintext).toHaveLength(32);
    expect(dk.KeyId).toBe(k1Arn);
    const back = await kms.send(
      new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext: context }),
    );
    expect(Buffer.from(back.Plaintext ?? []).equals(Buffer.from(dk.Plaintext ?? []))).toBe(true);
    const without = await kms.send(
      new GenerateDataKeyWithoutPlaintextCommand({ KeyId: k1, NumberOfBytes: 64 }),
    );
    expect(without).not.toHaveProperty('Plaintext');
    const opened = await kms.send(new DecryptCommand({ CiphertextBlob: without.CiphertextBlob }));
    expect(opened.Plaintext).toHaveLength(64);
  });

  it('Encrypt and Decrypt with an encryption context; a wrong context fails', async () => {
    const context = { order: '42' };
    const enc = await kms.send(
      new EncryptCommand({ KeyId: k1, Plaintext: bytes('hello xks'), EncryptionContext: context }),
    );
    expect(enc.KeyId).toBe(k1Arn);
    expect(enc.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');
    const dec = await kms.send(
      new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: context }),
    );
    expect(text(dec.Plaintext)).toBe('hello xks');
    await rejects(
      kms.send(
        new DecryptCommand({
          CiphertextBlob: enc.CiphertextBlob,
          EncryptionContext: { order: '43' },
        }),
      ),
      InvalidCiphertextException,
    );
    await rejects(
      kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })),
      InvalidCiphertextException,
    );
    // Double encryption: what the proxy was asked to encrypt is not the caller's plaintext.
    const encryptLine = proxy
      .logs()
      .find((l) => l.msg === 'xks' && l.operation === 'Encrypt' && l.kmsOperation === 'Encrypt');
    expect(encryptLine).toMatchObject({ status: 200 });
  });

  it('ReEncrypt to another key, by alias', async () => {
    const k2 = await createXksKey('k2');
    await kms.send(
      new CreateAliasCommand({ AliasName: 'alias/e2e-two', TargetKeyId: k2.KeyMetadata?.KeyId }),
    );
    const aliases = await kms.send(new ListAliasesCommand({ KeyId: k2.KeyMetadata?.KeyId }));
    expect(aliases.Aliases?.map((a) => a.AliasName)).toEqual(['alias/e2e-two']);
    const enc = await kms.send(
      new EncryptCommand({ KeyId: k1, Plaintext: bytes('move me'), EncryptionContext: { v: '1' } }),
    );
    const re = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob: enc.CiphertextBlob,
        SourceEncryptionContext: { v: '1' },
        DestinationKeyId: 'alias/e2e-two',
        DestinationEncryptionContext: { v: '2' },
      }),
    );
    expect(re.SourceKeyId).toBe(k1Arn);
    expect(re.KeyId).toBe(k2.KeyMetadata?.Arn);
    const dec = await kms.send(
      new DecryptCommand({ CiphertextBlob: re.CiphertextBlob, EncryptionContext: { v: '2' } }),
    );
    expect(text(dec.Plaintext)).toBe('move me');
    await rejects(
      kms.send(
        new DecryptCommand({
          CiphertextBlob: re.CiphertextBlob,
          KeyId: k1,
          EncryptionContext: { v: '2' },
        }),
      ),
      IncorrectKeyException,
    );
  });

  it('DisableKey makes Encrypt fail with DisabledException; EnableKey restores it', async () => {
    await kms.send(new DisableKeyCommand({ KeyId: k1 }));
    await rejects(
      kms.send(new EncryptCommand({ KeyId: k1, Plaintext: bytes('x') })),
      DisabledException,
    );
    expect((await kms.send(new DescribeKeyCommand({ KeyId: k1 }))).KeyMetadata?.KeyState).toBe(
      'Disabled',
    );
    await kms.send(new EnableKeyCommand({ KeyId: k1 }));
    await kms.send(new EncryptCommand({ KeyId: k1, Plaintext: bytes('x') }));
  });

  it('the AWS Encryption SDK encrypts and decrypts a message through a KMS keyring', async () => {
    const esdkKey = await createXksKey('esdk');
    const arn = esdkKey.KeyMetadata?.Arn ?? '';
    const { clientProvider, regions, close } = esdkClients(emulator.url);
    const keyring = new KmsKeyringNode({ generatorKeyId: arn, clientProvider });
    const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const message = 'a message for the AWS Encryption SDK, protected by an external key store';
    const { result } = await encrypt(keyring, message, { encryptionContext: { stage: 'e2e' } });
    expect(Buffer.from(result).includes(Buffer.from(message))).toBe(false);
    const { plaintext, messageHeader } = await decrypt(keyring, result);
    expect(plaintext.toString()).toBe(message);
    expect(messageHeader.encryptionContext).toMatchObject({ stage: 'e2e' });
    expect(messageHeader.encryptedDataKeys[0]?.providerInfo).toBe(arn);
    expect(new Set(regions)).toEqual(new Set([KMS_REGION]));
    close();
  });
});

describe('the external key manager going away', () => {
  it('disconnecting the module makes Decrypt fail with KMSInvalidStateException; reconnecting heals it', async () => {
    const enc = await kms.send(new EncryptCommand({ KeyId: k1, Plaintext: bytes('survives') }));
    adminOk(await admin.call('PUT', '/modules/kms-hsm/state', { state: 'disconnected' }));
    const e = await rejects(
      kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })),
      KMSInvalidStateException,
    );
    expect(e.$metadata.httpStatusCode).toBe(409);
    expect(e.message).toMatch(/external key manager/);
    await rejects(
      kms.send(new GenerateDataKeyCommand({ KeyId: k1, KeySpec: 'AES_256' })),
      KMSInvalidStateException,
    );
    adminOk(await admin.call('PUT', '/modules/kms-hsm/state', { state: 'active' }));
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    expect(text(dec.Plaintext)).toBe('survives');
  });

  it('a key blocked in the key manager fails with AWS’s message; the KMS key stays Enabled', async () => {
    const key = await createXksKey('blockme');
    const id = key.KeyMetadata?.KeyId ?? '';
    const enc = await kms.send(new EncryptCommand({ KeyId: id, Plaintext: bytes('blocked soon') }));
    adminOk(await admin.call('POST', '/modules/kms-hsm/keys/blockme/block'));
    const e = await rejects(
      kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })),
      KMSInvalidStateException,
    );
    expect(e.message).toMatch(/external key blockme is not enabled in the external key manager/);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata?.KeyState).toBe(
      'Enabled',
    );
    adminOk(await admin.call('POST', '/modules/kms-hsm/keys/blockme/unblock'));
    expect(
      text((await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).Plaintext),
    ).toBe('blocked soon');
  });

  it('a disconnected key store makes its keys Unavailable; it cannot be deleted while it has keys', async () => {
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: keyStoreId }));
    expect((await kms.send(new DescribeKeyCommand({ KeyId: k1 }))).KeyMetadata?.KeyState).toBe(
      'Unavailable',
    );
    await rejects(
      kms.send(new EncryptCommand({ KeyId: k1, Plaintext: bytes('x') })),
      KMSInvalidStateException,
    );
    await rejects(
      kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: keyStoreId })),
      CustomKeyStoreHasCMKsException,
    );
    await rejects(
      kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: keyStoreId })),
      CustomKeyStoreInvalidStateException,
    );
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: keyStoreId }));
    expect(await waitConnected(kms, keyStoreId)).toBe('CONNECTED');
    const scheduled = await kms.send(
      new ScheduleKeyDeletionCommand({ KeyId: k1, PendingWindowInDays: 7 }),
    );
    expect(scheduled.KeyState).toBe('PendingDeletion');
    await rejects(
      kms.send(new EncryptCommand({ KeyId: k1, Plaintext: bytes('x') })),
      KMSInvalidStateException,
    );
    await kms.send(new CancelKeyDeletionCommand({ KeyId: k1 }));
    expect((await kms.send(new DescribeKeyCommand({ KeyId: k1 }))).KeyMetadata?.KeyState).toBe(
      'Disabled',
    );
  });

  it('publishes KMS’s external key store metrics', async () => {
    const res = await fetch(`${emulator.url}/metrics`);
    const body = await res.text();
    expect(body).toContain(
      `XksProxyLatency_count{CustomKeyStoreId="${keyStoreId}",KmsOperation="Encrypt",XksOperation="Encrypt"}`,
    );
    expect(body).toMatch(
      new RegExp(
        `XksProxyErrors\\{CustomKeyStoreId="${keyStoreId}",KmsOperation="Decrypt",XksOperation="Decrypt",ErrorType="Retryable",ExceptionName="DependencyTimeoutException"\\} 1`,
      ),
    );
    expect(body).toContain(`XksProxyCredentialAge{CustomKeyStoreId="${keyStoreId}"} 0`);
    expect(body).toContain(
      `XksExternalKeyManagerStates{CustomKeyStoreId="${keyStoreId}",XksExternalKeyManagerState="Active"} 2`,
    );
  });
});
