import {
  constants,
  createCipheriv,
  createHmac,
  createPrivateKey,
  sign as nodeSign,
  verify as nodeVerify,
  publicEncrypt,
} from 'node:crypto';
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
  KMSInvalidSignatureException,
  KMSInvalidStateException,
  ReEncryptCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  VerifyCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { rejects } from './support/kms.ts';
import { bytes, spki, useKmsEmulator } from './support/kms-emulator.ts';

const lab = useKmsEmulator('kms-keys');

const text = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString();

async function createKey(input: ConstructorParameters<typeof CreateKeyCommand>[0] = {}) {
  const { KeyMetadata } = await lab.kms.send(new CreateKeyCommand(input));
  return KeyMetadata?.KeyId ?? '';
}

/** AES key wrap with padding (RFC 5649) by OpenSSL, independent of the emulator's own. */
function kwp(key: Uint8Array, data: Uint8Array): Buffer {
  const cipher = createCipheriv('id-aes256-wrap-pad', key, Buffer.from('a65959a6', 'hex'));
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

describe('symmetric AWS_KMS keys', () => {
  it('a default CreateKey encrypts; Decrypt finds the key in the blob; ReEncrypt and data keys work', async () => {
    const a = await createKey();
    const b = await createKey({ Description: 'second' });
    const described = await lab.kms.send(new DescribeKeyCommand({ KeyId: a }));
    expect(described.KeyMetadata).toMatchObject({
      Origin: 'AWS_KMS',
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: 'Enabled',
    });
    const context = { app: 'e2e' };
    const enc = await lab.kms.send(
      new EncryptCommand({ KeyId: a, Plaintext: bytes('hello'), EncryptionContext: context }),
    );
    const dec = await lab.kms.send(
      new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: context }),
    );
    expect(text(dec.Plaintext)).toBe('hello');
    expect(dec.KeyId).toBe(described.KeyMetadata?.Arn);
    await rejects(
      lab.kms.send(
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
      lab.kms.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: context })),
      InvalidCiphertextException,
    );
    const re = await lab.kms.send(
      new ReEncryptCommand({
        CiphertextBlob: enc.CiphertextBlob,
        SourceEncryptionContext: context,
        DestinationKeyId: b,
      }),
    );
    const back = await lab.kms.send(new DecryptCommand({ CiphertextBlob: re.CiphertextBlob }));
    expect(text(back.Plaintext)).toBe('hello');
    const dk = await lab.kms.send(new GenerateDataKeyCommand({ KeyId: a, KeySpec: 'AES_256' }));
    const opened = await lab.kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob }));
    expect(Buffer.from(opened.Plaintext ?? [])).toEqual(Buffer.from(dk.Plaintext ?? []));
  });

  it('answers DisabledException, KMSInvalidStateException and DryRunOperationException', async () => {
    const key = await createKey();
    const encrypt = (DryRun?: boolean) =>
      lab.kms.send(new EncryptCommand({ KeyId: key, Plaintext: bytes('x'), DryRun }));
    await rejects(encrypt(true), DryRunOperationException);
    await lab.kms.send(new DisableKeyCommand({ KeyId: key }));
    await rejects(encrypt(), DisabledException);
    await lab.kms.send(new ScheduleKeyDeletionCommand({ KeyId: key, PendingWindowInDays: 7 }));
    await rejects(encrypt(), KMSInvalidStateException);
  });
});

describe('asymmetric keys', () => {
  it('Decrypt opens what node:crypto encrypted with GetPublicKey, with either OAEP hash', async () => {
    const key = await createKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
    const pub = await lab.kms.send(new GetPublicKeyCommand({ KeyId: key }));
    expect(pub.EncryptionAlgorithms).toEqual(['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']);
    for (const [EncryptionAlgorithm, oaepHash] of [
      ['RSAES_OAEP_SHA_1', 'sha1'],
      ['RSAES_OAEP_SHA_256', 'sha256'],
    ] as const) {
      const ciphertext = publicEncrypt(
        { key: spki(pub.PublicKey), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
        Buffer.from('sealed outside'),
      );
      const dec = await lab.kms.send(
        new DecryptCommand({ CiphertextBlob: ciphertext, KeyId: key, EncryptionAlgorithm }),
      );
      expect(text(dec.Plaintext)).toBe('sealed outside');
    }
    await rejects(
      lab.kms.send(new EncryptCommand({ KeyId: key, Plaintext: bytes('x') })),
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
      const signed = await lab.kms.send(
        new SignCommand({ KeyId: key, Message: message, SigningAlgorithm }),
      );
      const pub = await lab.kms.send(new GetPublicKeyCommand({ KeyId: key }));
      const options = SigningAlgorithm.startsWith('ECDSA')
        ? { key: spki(pub.PublicKey), dsaEncoding: 'der' as const }
        : SigningAlgorithm.startsWith('RSASSA_PSS')
          ? { key: spki(pub.PublicKey), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
          : { key: spki(pub.PublicKey) };
      expect([
        KeySpec,
        nodeVerify(hash, message, options, signed.Signature ?? new Uint8Array()),
      ]).toEqual([KeySpec, true]);
      const verified = await lab.kms.send(
        new VerifyCommand({
          KeyId: key,
          Message: message,
          Signature: signed.Signature,
          SigningAlgorithm,
        }),
      );
      expect(verified.SignatureValid).toBe(true);
      await rejects(
        lab.kms.send(
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
    const pair = await lab.kms.send(
      new GenerateDataKeyPairCommand({ KeyId: key, KeyPairSpec: 'ECC_NIST_P256' }),
    );
    const opened = await lab.kms.send(
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
    const logged = JSON.stringify(lab.emulator.logs()) + lab.emulator.stderr();
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
    expect((await lab.kms.send(new DescribeKeyCommand({ KeyId: key }))).KeyMetadata?.KeyState).toBe(
      'PendingImport',
    );
    const params = await lab.kms.send(
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
    await lab.kms.send(
      new ImportKeyMaterialCommand({
        KeyId: key,
        ImportToken: params.ImportToken,
        EncryptedKeyMaterial: wrapped,
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      }),
    );
    const mac = await lab.kms.send(
      new GenerateMacCommand({
        KeyId: key,
        Message: bytes('mac me'),
        MacAlgorithm: 'HMAC_SHA_256',
      }),
    );
    expect(Buffer.from(mac.Mac ?? [])).toEqual(
      createHmac('sha256', material).update('mac me').digest(),
    );
    const ok = await lab.kms.send(
      new VerifyMacCommand({
        KeyId: key,
        Message: bytes('mac me'),
        MacAlgorithm: 'HMAC_SHA_256',
        Mac: mac.Mac,
      }),
    );
    expect(ok.MacValid).toBe(true);
    await lab.kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: key }));
    await rejects(
      lab.kms.send(
        new GenerateMacCommand({ KeyId: key, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' }),
      ),
      KMSInvalidStateException,
    );
  });

  it('GenerateRandom returns the bytes asked for', async () => {
    const out = await lab.kms.send(new GenerateRandomCommand({ NumberOfBytes: 48 }));
    expect(out.Plaintext?.length).toBe(48);
  });
});
