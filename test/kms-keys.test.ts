/**
 * Keys whose material the KMS emulator holds (Origin AWS_KMS and EXTERNAL), end to end: the AWS SDK
 * for JavaScript v3 and boto3 talk to `xkslab kms`, and node:crypto checks every result on its own
 * (signatures with the public key GetPublicKey gives, RSA ciphertexts made outside the emulator,
 * data key pairs, HMACs of imported material).
 */
import { execFile } from 'node:child_process';
import {
  constants,
  createCipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  sign as nodeSign,
  verify as nodeVerify,
  publicEncrypt,
} from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateKeyCommand,
  DecryptCommand,
  DeleteImportedKeyMaterialCommand,
  DescribeKeyCommand,
  DisabledException,
  DisableKeyCommand,
  DryRunOperationException,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateMacCommand,
  GenerateRandomCommand,
  GetParametersForImportCommand,
  GetPublicKeyCommand,
  ImportKeyMaterialCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  InvalidKeyUsageException,
  type KMSClient,
  KMSInvalidSignatureException,
  KMSInvalidStateException,
  ReEncryptCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  VerifyCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from './support/binary.ts';
import {
  KMS_ACCESS_KEY_ID,
  KMS_REGION,
  KMS_SECRET_ACCESS_KEY,
  type KmsServer,
  kmsClient,
  rejects,
  startKms,
} from './support/kms.ts';

const PYTHON = '/usr/bin/python3';
const run = promisify(execFile);

let emulator: KmsServer;
let kms: KMSClient;
let dir: string;

beforeAll(async () => {
  dir = await makeTempDir('kms-keys');
  emulator = await startKms();
  kms = kmsClient(emulator.url);
}, 30_000);

afterAll(async () => {
  await emulator?.stop();
  if (dir) await removeDir(dir);
});

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString();

async function createKey(input: ConstructorParameters<typeof CreateKeyCommand>[0] = {}) {
  const { KeyMetadata } = await kms.send(new CreateKeyCommand(input));
  return KeyMetadata?.KeyId ?? '';
}

/** AES key wrap with padding (RFC 5649) by OpenSSL, independent of the emulator's own. */
function kwp(key: Uint8Array, data: Uint8Array): Buffer {
  const cipher = createCipheriv('id-aes256-wrap-pad', key, Buffer.from('a65959a6', 'hex'));
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

function spki(der: Uint8Array | undefined) {
  return createPublicKey({ key: Buffer.from(der ?? []), format: 'der', type: 'spki' });
}

describe('symmetric AWS_KMS keys', () => {
  it('a default CreateKey encrypts; Decrypt finds the key in the blob; ReEncrypt and data keys work', async () => {
    const a = await createKey();
    const b = await createKey({ Description: 'second' });
    const described = await kms.send(new DescribeKeyCommand({ KeyId: a }));
    expect(described.KeyMetadata).toMatchObject({
      Origin: 'AWS_KMS',
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: 'Enabled',
    });
    const context = { app: 'e2e' };
    const enc = await kms.send(
      new EncryptCommand({ KeyId: a, Plaintext: bytes('hello'), EncryptionContext: context }),
    );
    const dec = await kms.send(
      new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: context }),
    );
    expect(text(dec.Plaintext)).toBe('hello');
    expect(dec.KeyId).toBe(described.KeyMetadata?.Arn);
    await rejects(
      kms.send(
        new DecryptCommand({
          CiphertextBlob: enc.CiphertextBlob,
          EncryptionContext: context,
          KeyId: b,
        }),
      ),
      IncorrectKeyException,
    );
    const tampered = Uint8Array.from(enc.CiphertextBlob ?? []);
    tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 1;
    await rejects(
      kms.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: context })),
      InvalidCiphertextException,
    );
    const re = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob: enc.CiphertextBlob,
        SourceEncryptionContext: context,
        DestinationKeyId: b,
      }),
    );
    const back = await kms.send(new DecryptCommand({ CiphertextBlob: re.CiphertextBlob }));
    expect(text(back.Plaintext)).toBe('hello');
    const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: a, KeySpec: 'AES_256' }));
    const opened = await kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob }));
    expect(Buffer.from(opened.Plaintext ?? [])).toEqual(Buffer.from(dk.Plaintext ?? []));
  });

  it('answers DisabledException, KMSInvalidStateException and DryRunOperationException', async () => {
    const key = await createKey();
    const encrypt = (DryRun?: boolean) =>
      kms.send(new EncryptCommand({ KeyId: key, Plaintext: bytes('x'), DryRun }));
    await rejects(encrypt(true), DryRunOperationException);
    await kms.send(new DisableKeyCommand({ KeyId: key }));
    await rejects(encrypt(), DisabledException);
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key, PendingWindowInDays: 7 }));
    await rejects(encrypt(), KMSInvalidStateException);
  });
});

describe('asymmetric keys', () => {
  it('Decrypt opens what node:crypto encrypted with GetPublicKey, with either OAEP hash', async () => {
    const key = await createKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
    const pub = await kms.send(new GetPublicKeyCommand({ KeyId: key }));
    expect(pub.EncryptionAlgorithms).toEqual(['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']);
    for (const [EncryptionAlgorithm, oaepHash] of [
      ['RSAES_OAEP_SHA_1', 'sha1'],
      ['RSAES_OAEP_SHA_256', 'sha256'],
    ] as const) {
      const ciphertext = publicEncrypt(
        { key: spki(pub.PublicKey), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
        Buffer.from('sealed outside'),
      );
      const dec = await kms.send(
        new DecryptCommand({ CiphertextBlob: ciphertext, KeyId: key, EncryptionAlgorithm }),
      );
      expect(text(dec.Plaintext)).toBe('sealed outside');
    }
    await rejects(
      kms.send(new EncryptCommand({ KeyId: key, Plaintext: bytes('x') })),
      InvalidKeyUsageException,
    );
  });

  it('ECDSA and RSA signatures verify with node:crypto, and Verify refuses a forged one', async () => {
    const cases = [
      ['ECC_NIST_P256', 'ECDSA_SHA_256', 'sha256'],
      ['ECC_SECG_P256K1', 'ECDSA_SHA_256', 'sha256'],
      ['RSA_2048', 'RSASSA_PSS_SHA_256', 'sha256'],
      ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_512', 'sha512'],
    ] as const;
    for (const [KeySpec, SigningAlgorithm, hash] of cases) {
      const key = await createKey({ KeySpec, KeyUsage: 'SIGN_VERIFY' });
      const message = bytes(`signed with ${KeySpec}`);
      const signed = await kms.send(
        new SignCommand({ KeyId: key, Message: message, SigningAlgorithm }),
      );
      const pub = await kms.send(new GetPublicKeyCommand({ KeyId: key }));
      const options = SigningAlgorithm.startsWith('ECDSA')
        ? { key: spki(pub.PublicKey), dsaEncoding: 'der' as const }
        : SigningAlgorithm.startsWith('RSASSA_PSS')
          ? { key: spki(pub.PublicKey), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
          : { key: spki(pub.PublicKey) };
      expect([
        KeySpec,
        nodeVerify(hash, message, options, signed.Signature ?? new Uint8Array()),
      ]).toEqual([KeySpec, true]);
      const verified = await kms.send(
        new VerifyCommand({
          KeyId: key,
          Message: message,
          Signature: signed.Signature,
          SigningAlgorithm,
        }),
      );
      expect(verified.SignatureValid).toBe(true);
      await rejects(
        kms.send(
          new VerifyCommand({
            KeyId: key,
            Message: bytes('forged'),
            Signature: signed.Signature,
            SigningAlgorithm,
          }),
        ),
        KMSInvalidSignatureException,
      );
    }
  });

  it('a data key pair private key opens from its blob and matches the public key', async () => {
    const key = await createKey();
    const pair = await kms.send(
      new GenerateDataKeyPairCommand({ KeyId: key, KeyPairSpec: 'ECC_NIST_P256' }),
    );
    const opened = await kms.send(
      new DecryptCommand({ CiphertextBlob: pair.PrivateKeyCiphertextBlob }),
    );
    expect(Buffer.from(opened.Plaintext ?? [])).toEqual(
      Buffer.from(pair.PrivateKeyPlaintext ?? []),
    );
    const privateKey = createPrivateKey({
      key: Buffer.from(opened.Plaintext ?? []),
      format: 'der',
      type: 'pkcs8',
    });
    const signature = nodeSign('sha256', Buffer.from('pair'), privateKey);
    expect(nodeVerify('sha256', Buffer.from('pair'), spki(pair.PublicKey), signature)).toBe(true);
    // The emulator's log lines name the call, never the key material it returned.
    const logged = JSON.stringify(emulator.logs()) + emulator.stderr();
    expect(logged).toContain('GenerateDataKeyPair');
    expect(logged).not.toContain(
      Buffer.from(pair.PrivateKeyPlaintext ?? [])
        .toString('base64')
        .slice(-40),
    );
  });
});

describe('imported key material and HMAC', () => {
  it('imports HMAC material wrapped with RSA_AES_KEY_WRAP_SHA_256: GenerateMac equals node:crypto HMAC', async () => {
    const key = await createKey({
      Origin: 'EXTERNAL',
      KeySpec: 'HMAC_256',
      KeyUsage: 'GENERATE_VERIFY_MAC',
    });
    expect((await kms.send(new DescribeKeyCommand({ KeyId: key }))).KeyMetadata?.KeyState).toBe(
      'PendingImport',
    );
    const params = await kms.send(
      new GetParametersForImportCommand({
        KeyId: key,
        WrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256',
        WrappingKeySpec: 'RSA_3072',
      }),
    );
    const material = new Uint8Array(32).map((_, i) => i * 7);
    const aesKey = new Uint8Array(32).map((_, i) => 255 - i);
    const wrapped = Buffer.concat([
      publicEncrypt(
        {
          key: spki(params.PublicKey),
          padding: constants.RSA_PKCS1_OAEP_PADDING,
          oaepHash: 'sha256',
        },
        aesKey,
      ),
      kwp(aesKey, material),
    ]);
    await kms.send(
      new ImportKeyMaterialCommand({
        KeyId: key,
        ImportToken: params.ImportToken,
        EncryptedKeyMaterial: wrapped,
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      }),
    );
    const mac = await kms.send(
      new GenerateMacCommand({
        KeyId: key,
        Message: bytes('mac me'),
        MacAlgorithm: 'HMAC_SHA_256',
      }),
    );
    expect(Buffer.from(mac.Mac ?? [])).toEqual(
      createHmac('sha256', material).update('mac me').digest(),
    );
    const ok = await kms.send(
      new VerifyMacCommand({
        KeyId: key,
        Message: bytes('mac me'),
        MacAlgorithm: 'HMAC_SHA_256',
        Mac: mac.Mac,
      }),
    );
    expect(ok.MacValid).toBe(true);
    await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: key }));
    await rejects(
      kms.send(
        new GenerateMacCommand({ KeyId: key, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' }),
      ),
      KMSInvalidStateException,
    );
  });

  it('GenerateRandom returns the bytes asked for', async () => {
    const out = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 48 }));
    expect(out.Plaintext?.length).toBe(48);
  });
});

describe('a state file', () => {
  it('keeps signing keys across restarts with their private keys wrapped under the master key', async () => {
    const state = join(dir, 'kms-state.json');
    let server = await startKms(['--state', state]);
    try {
      const client = kmsClient(server.url);
      const { KeyMetadata } = await client.send(
        new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
      );
      const KeyId = KeyMetadata?.KeyId ?? '';
      const signed = await client.send(
        new SignCommand({ KeyId, Message: bytes('kept'), SigningAlgorithm: 'ECDSA_SHA_256' }),
      );
      await server.stop();
      const file = await readFile(state, 'utf8');
      expect(file).toContain(KeyId);
      expect(file).toContain('"keySpec": "ECC_NIST_P256"');
      // A P-256 PKCS#8 DER key starts with these bytes; wrapped, they appear nowhere.
      expect(file).not.toContain(Buffer.from('308187020100', 'hex').toString('base64').slice(0, 8));
      server = await startKms(['--state', state]);
      const again = kmsClient(server.url);
      const verified = await again.send(
        new VerifyCommand({
          KeyId,
          Message: bytes('kept'),
          Signature: signed.Signature,
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );
      expect(verified.SignatureValid).toBe(true);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe('AWS CLI v2', () => {
  it('creates a signing key, signs a file and verifies the signature', async () => {
    const aws = (...args: string[]) =>
      run(
        '/usr/bin/aws',
        [
          'kms',
          '--endpoint-url',
          emulator.url,
          '--region',
          KMS_REGION,
          '--output',
          'text',
          ...args,
        ],
        {
          timeout: 60_000,
          env: {
            ...process.env,
            AWS_ACCESS_KEY_ID: KMS_ACCESS_KEY_ID,
            AWS_SECRET_ACCESS_KEY: KMS_SECRET_ACCESS_KEY,
            AWS_CONFIG_FILE: '/dev/null',
            AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          },
        },
      ).then((r) => r.stdout.trim());
    const message = join(dir, 'cli-message.txt');
    await writeFile(message, 'signed by the AWS CLI');
    const key = await aws(
      'create-key',
      '--key-spec',
      'RSA_3072',
      '--key-usage',
      'SIGN_VERIFY',
      '--query',
      'KeyMetadata.KeyId',
    );
    const signature = await aws(
      'sign',
      '--key-id',
      key,
      '--message',
      `fileb://${message}`,
      '--signing-algorithm',
      'RSASSA_PKCS1_V1_5_SHA_256',
      '--query',
      'Signature',
    );
    const publicKey = await aws('get-public-key', '--key-id', key, '--query', 'PublicKey');
    expect(
      nodeVerify(
        'sha256',
        Buffer.from('signed by the AWS CLI'),
        spki(Buffer.from(publicKey, 'base64')),
        Buffer.from(signature, 'base64'),
      ),
    ).toBe(true);
    const signatureFile = join(dir, 'cli-signature.bin');
    await writeFile(signatureFile, Buffer.from(signature, 'base64'));
    const valid = await aws(
      'verify',
      '--key-id',
      key,
      '--message',
      `fileb://${message}`,
      '--signature',
      `fileb://${signatureFile}`,
      '--signing-algorithm',
      'RSASSA_PKCS1_V1_5_SHA_256',
      '--query',
      'SignatureValid',
    );
    expect(valid).toBe('True');
  }, 60_000);
});

describe('boto3', () => {
  it('signs, verifies, MACs and opens a data key pair through botocore', async () => {
    const script = join(dir, 'keys.py');
    await writeFile(
      script,
      `import json, sys, boto3
kms = boto3.client('kms', endpoint_url=sys.argv[1], region_name='${KMS_REGION}',
                   aws_access_key_id='${KMS_ACCESS_KEY_ID}', aws_secret_access_key='${KMS_SECRET_ACCESS_KEY}')
ec = kms.create_key(KeySpec='ECC_NIST_P384', KeyUsage='SIGN_VERIFY')['KeyMetadata']['KeyId']
sig = kms.sign(KeyId=ec, Message=b'boto3', SigningAlgorithm='ECDSA_SHA_384')['Signature']
valid = kms.verify(KeyId=ec, Message=b'boto3', Signature=sig, SigningAlgorithm='ECDSA_SHA_384')['SignatureValid']
try:
    kms.verify(KeyId=ec, Message=b'other', Signature=sig, SigningAlgorithm='ECDSA_SHA_384')
    forged = 'accepted'
except kms.exceptions.KMSInvalidSignatureException:
    forged = 'KMSInvalidSignatureException'
public = kms.get_public_key(KeyId=ec)['PublicKey']
mac_key = kms.create_key(KeySpec='HMAC_384', KeyUsage='GENERATE_VERIFY_MAC')['KeyMetadata']['KeyId']
mac = kms.generate_mac(KeyId=mac_key, Message=b'boto3', MacAlgorithm='HMAC_SHA_384')['Mac']
mac_valid = kms.verify_mac(KeyId=mac_key, Message=b'boto3', MacAlgorithm='HMAC_SHA_384', Mac=mac)['MacValid']
sym = kms.create_key()['KeyMetadata']['KeyId']
pair = kms.generate_data_key_pair_without_plaintext(KeyId=sym, KeyPairSpec='RSA_2048')
private = kms.decrypt(CiphertextBlob=pair['PrivateKeyCiphertextBlob'])['Plaintext']
print(json.dumps({'valid': valid, 'forged': forged, 'signature': sig.hex(), 'public': public.hex(),
                  'macValid': mac_valid, 'macLength': len(mac), 'private': private.hex(),
                  'pairPublic': pair['PublicKey'].hex()}))
`,
    );
    const { stdout } = await run(PYTHON, [script, emulator.url], { timeout: 60_000 });
    const out = JSON.parse(stdout) as Record<string, string | boolean | number>;
    expect(out).toMatchObject({
      valid: true,
      forged: 'KMSInvalidSignatureException',
      macValid: true,
      macLength: 48,
    });
    const publicKey = spki(Buffer.from(String(out.public), 'hex'));
    const signature = Buffer.from(String(out.signature), 'hex');
    expect(
      nodeVerify('sha384', Buffer.from('boto3'), { key: publicKey, dsaEncoding: 'der' }, signature),
    ).toBe(true);
    const privateKey = createPrivateKey({
      key: Buffer.from(String(out.private), 'hex'),
      format: 'der',
      type: 'pkcs8',
    });
    expect(
      createPublicKey(privateKey)
        .export({ format: 'der', type: 'spki' })
        .equals(Buffer.from(String(out.pairPublic), 'hex')),
    ).toBe(true);
  }, 60_000);
});
