/**
 * Keys of the KMS emulator beyond the JavaScript SDK, end to end: the AWS CLI v2 and boto3 sign,
 * verify, MAC and open data key pairs against `xkslab kms` and node:crypto checks the results;
 * signing keys survive a restart through the state file.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateKeyCommand, SignCommand, VerifyCommand } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import {
  KMS_ACCESS_KEY_ID,
  KMS_REGION,
  KMS_SECRET_ACCESS_KEY,
  kmsClient,
  startKms,
} from './support/kms.ts';
import { bytes, spki, useKmsEmulator } from './support/kms-emulator.ts';

const PYTHON = '/usr/bin/python3';
const run = promisify(execFile);

const lab = useKmsEmulator('kms-keys-clients');

describe('a state file', () => {
  it('keeps signing keys across restarts with their private keys wrapped under the master key', async () => {
    const state = join(lab.dir, 'kms-state.json');
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
          lab.emulator.url,
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
    const message = join(lab.dir, 'cli-message.txt');
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
    const signatureFile = join(lab.dir, 'cli-signature.bin');
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
    const script = join(lab.dir, 'keys.py');
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
    const { stdout } = await run(PYTHON, [script, lab.emulator.url], { timeout: 60_000 });
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
