/**
 * The AWS Encryption SDK for JavaScript (@aws-crypto/client-node) against `xkslab kms` with the two
 * kinds of key an application mixes: one message, one data key wrapped by an ordinary KMS key
 * (origin AWS_KMS) and by a key of an external key store on xkslab's proxy. Either key alone
 * decrypts it; disconnecting the key store takes away only the external key.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
import {
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  CreateKeyCommand,
  DisconnectCustomKeyStoreCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { newCredential } from '@xkslab/conformance/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startXkslab, type XkslabServer } from './support/binary.ts';
import {
  esdkClients,
  externalKeyStoreInput,
  KMS_REGION,
  type KmsServer,
  kmsClient,
  kmsLabSeed,
  startKms,
  waitConnected,
} from './support/kms.ts';

const PREFIX = '/kms-esdk';
const CONTEXT = { tenant: 'acme', purpose: 'esdk-e2e' };
const MESSAGE = 'one message, two wrapping keys: one in KMS, one behind an external key store';

let proxy: XkslabServer;
let emulator: KmsServer;
let kms: KMSClient;
let esdk: ReturnType<typeof esdkClients>;
let keyStoreId: string;
/** The ARN of an ordinary KMS key (origin AWS_KMS), and of an external key store's key. */
let normalArn: string;
let xksArn: string;

const { encrypt, decrypt, encryptStream, decryptStream } = buildClient(
  CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
);

/** A keyring for encrypting (a generator, maybe more keys) or, given only `keyIds`, decrypting. */
function keyring(generatorKeyId: string | undefined, keyIds: string[] = []) {
  const { clientProvider } = esdk;
  return generatorKeyId === undefined
    ? new KmsKeyringNode({ keyIds, clientProvider })
    : new KmsKeyringNode({ generatorKeyId, keyIds, clientProvider });
}

/** How many XKS Decrypt calls the proxy has answered for KMS's Decrypt. */
const proxyDecrypts = () =>
  proxy.logs().filter((l) => l.msg === 'xks' && l.operation === 'Decrypt' && l.status === 200)
    .length;

beforeAll(async () => {
  const credential = newCredential();
  [proxy, emulator] = await Promise.all([
    startXkslab({ seed: kmsLabSeed(PREFIX, credential) }),
    startKms(['--connect-delay-ms', '100', '--health-interval-ms', '0']),
  ]);
  kms = kmsClient(emulator.url);
  esdk = esdkClients(emulator.url);
  const store = await kms.send(
    new CreateCustomKeyStoreCommand(
      externalKeyStoreInput('esdk', {
        endpoint: proxy.url,
        uriPath: `${PREFIX}/kms/xks/v1`,
        credential,
      }),
    ),
  );
  keyStoreId = store.CustomKeyStoreId ?? '';
  await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: keyStoreId }));
  expect(await waitConnected(kms, keyStoreId)).toBe('CONNECTED');
  const normal = await kms.send(new CreateKeyCommand({ Description: 'esdk generator' }));
  expect(normal.KeyMetadata?.Origin).toBe('AWS_KMS');
  normalArn = normal.KeyMetadata?.Arn ?? '';
  const xks = await kms.send(
    new CreateKeyCommand({
      Origin: 'EXTERNAL_KEY_STORE',
      CustomKeyStoreId: keyStoreId,
      XksKeyId: 'esdk',
    }),
  );
  xksArn = xks.KeyMetadata?.Arn ?? '';
}, 60_000);

afterAll(async () => {
  esdk?.close();
  kms?.destroy();
  await Promise.all([proxy?.stop(), emulator?.stop()]);
});

describe('the AWS Encryption SDK with a normal KMS key and an XKS key in one keyring', () => {
  let message: Buffer;

  it('encrypts one message whose data key both keys wrap', async () => {
    const { result, messageHeader } = await encrypt(keyring(normalArn, [xksArn]), MESSAGE, {
      encryptionContext: CONTEXT,
    });
    message = result;
    expect(result.includes(Buffer.from(MESSAGE))).toBe(false);
    expect(messageHeader.encryptionContext).toMatchObject(CONTEXT);
    const edks = messageHeader.encryptedDataKeys.map((k) => [k.providerId, k.providerInfo]);
    expect(edks).toEqual([
      ['aws-kms', normalArn],
      ['aws-kms', xksArn],
    ]);
    expect(normalArn).not.toBe(xksArn);
    expect(new Set(esdk.regions)).toEqual(new Set([KMS_REGION]));
  });

  it('decrypts it with a keyring of the normal key alone, without calling the proxy', async () => {
    const before = proxyDecrypts();
    const { plaintext, messageHeader } = await decrypt(keyring(undefined, [normalArn]), message);
    expect(plaintext.toString()).toBe(MESSAGE);
    expect(messageHeader.encryptionContext).toMatchObject(CONTEXT);
    expect(proxyDecrypts()).toBe(before);
  });

  it('decrypts it with a keyring of the XKS key alone, through the proxy', async () => {
    const before = proxyDecrypts();
    const { plaintext, messageHeader } = await decrypt(keyring(undefined, [xksArn]), message);
    expect(plaintext.toString()).toBe(MESSAGE);
    expect(messageHeader.encryptionContext).toMatchObject(CONTEXT);
    expect(proxyDecrypts()).toBe(before + 1);
  });

  it('refuses a message tampered in its body or in the XKS key’s encrypted data key', async () => {
    const flip = (at: number) => {
      const copy = Buffer.from(message);
      copy[at] = (copy[at] ?? 0) ^ 0x01;
      return copy;
    };
    // The body: the plaintext's bytes sit in the one frame, before its tag and the signature.
    const inBody = flip(message.length - 160);
    for (const id of [normalArn, xksArn]) {
      await expect(decrypt(keyring(undefined, [id]), inBody)).rejects.toThrow();
    }
    // The XKS key's wrapped data key: KMS refuses it; the normal key's copy opens, but the header
    // no longer matches its authentication tag.
    const { messageHeader } = await decrypt(keyring(undefined, [normalArn]), message);
    const xksEdk = messageHeader.encryptedDataKeys[1]?.encryptedDataKey ?? new Uint8Array();
    const edkAt = message.indexOf(xksEdk);
    expect(edkAt).toBeGreaterThan(0);
    const inEdk = flip(edkAt + Math.floor(xksEdk.length / 2));
    await expect(decrypt(keyring(undefined, [xksArn]), inEdk)).rejects.toThrow(
      /Unable to decrypt data key[\s\S]*InvalidCiphertextException/,
    );
    await expect(decrypt(keyring(undefined, [normalArn]), inEdk)).rejects.toThrow(
      /unable to authenticate data/,
    );
    // The untouched message still opens: only the flipped bits made them fail.
    const { plaintext } = await decrypt(keyring(undefined, [xksArn]), message);
    expect(plaintext.toString()).toBe(MESSAGE);
  });

  it('streams 1 MiB through framed encryption and back with either key', async () => {
    const input = randomBytes(1024 * 1024);
    const frameLength = 4096;
    const sealed = await buffer(
      Readable.from([input]).pipe(
        encryptStream(keyring(normalArn, [xksArn]), { encryptionContext: CONTEXT, frameLength }),
      ),
    );
    // 256 frames each carry a sequence number, an IV and a tag (4 + 12 + 16 bytes).
    expect(sealed.length).toBeGreaterThan(input.length + (input.length / frameLength) * 32);
    let frameLengthSeen = 0;
    const opened = decryptStream(keyring(undefined, [xksArn])).on('MessageHeader', (h) => {
      frameLengthSeen = h.frameLength;
    });
    const streamed = await buffer(Readable.from([sealed]).pipe(opened));
    expect(frameLengthSeen).toBe(frameLength);
    expect(streamed.length).toBe(input.length);
    expect(streamed.equals(input)).toBe(true);
    const { plaintext, messageHeader } = await decrypt(keyring(undefined, [normalArn]), sealed);
    expect(plaintext.equals(input)).toBe(true);
    expect(messageHeader.encryptedDataKeys).toHaveLength(2);
  });

  it('after DisconnectCustomKeyStore only the normal key decrypts', async () => {
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: keyStoreId }));
    await expect(decrypt(keyring(undefined, [xksArn]), message)).rejects.toThrow(
      /Unable to decrypt data key[\s\S]*KMSInvalidStateException/,
    );
    const { plaintext, messageHeader } = await decrypt(keyring(undefined, [normalArn]), message);
    expect(plaintext.toString()).toBe(MESSAGE);
    expect(messageHeader.encryptionContext).toMatchObject(CONTEXT);
    // Encrypting with the XKS key as an extra key fails too: every key must wrap the data key.
    await expect(
      encrypt(keyring(normalArn, [xksArn]), MESSAGE, { encryptionContext: CONTEXT }),
    ).rejects.toMatchObject({
      name: 'KMSInvalidStateException',
      message: expect.stringMatching(/external key store .* is not connected/),
    });
  });
});
