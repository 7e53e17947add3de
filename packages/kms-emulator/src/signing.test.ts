import { constants, createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { b64, createTestEmulator, errorName, type TestEmulator, unb64 } from './testing/index.ts';

async function signingKey(t: TestEmulator, KeySpec: string): Promise<string> {
  const out = await t.client.call('CreateKey', { KeySpec, KeyUsage: 'SIGN_VERIFY' });
  return String((out.KeyMetadata as Record<string, unknown>).KeyId);
}

const CASES: [string, string][] = [
  ['RSA_2048', 'RSASSA_PSS_SHA_256'],
  ['RSA_2048', 'RSASSA_PSS_SHA_512'],
  ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_256'],
  ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_384'],
  ['ECC_NIST_P256', 'ECDSA_SHA_256'],
  ['ECC_NIST_P384', 'ECDSA_SHA_384'],
  ['ECC_NIST_P521', 'ECDSA_SHA_512'],
  ['ECC_SECG_P256K1', 'ECDSA_SHA_256'],
];

function nodeOptions(der: Uint8Array, algorithm: string) {
  const key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  if (algorithm.startsWith('RSASSA_PSS')) {
    const saltLength = Number(algorithm.slice(-3)) / 8;
    return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength };
  }
  return algorithm.startsWith('ECDSA') ? { key, dsaEncoding: 'der' as const } : { key };
}

describe('Sign and Verify', () => {
  it('signs RAW messages that node:crypto verifies with GetPublicKey, and verifies them back', {
    timeout: 30_000,
  }, async () => {
    const t = await createTestEmulator();
    const keys = new Map<string, string>();
    for (const [spec, algorithm] of CASES) {
      if (!keys.has(spec)) keys.set(spec, await signingKey(t, spec));
      const KeyId = keys.get(spec) ?? '';
      const message = b64(`message for ${algorithm}`);
      const signed = await t.client.call('Sign', {
        KeyId,
        Message: message,
        SigningAlgorithm: algorithm,
      });
      expect(signed.SigningAlgorithm).toBe(algorithm);
      const pub = await t.client.call('GetPublicKey', { KeyId });
      expect(pub).toMatchObject({ KeySpec: spec, KeyUsage: 'SIGN_VERIFY' });
      const hash = `sha${algorithm.slice(-3)}`;
      const ok = nodeVerify(
        hash,
        unb64(message),
        nodeOptions(unb64(pub.PublicKey), algorithm),
        unb64(signed.Signature),
      );
      expect([spec, algorithm, ok]).toEqual([spec, algorithm, true]);
      const verified = await t.client.call('Verify', {
        KeyId,
        Message: message,
        Signature: signed.Signature,
        SigningAlgorithm: algorithm,
      });
      expect(verified.SignatureValid).toBe(true);
      expect(
        await errorName(
          t.client.call('Verify', {
            KeyId,
            Message: b64('another message'),
            Signature: signed.Signature,
            SigningAlgorithm: algorithm,
          }),
        ),
      ).toBe('KMSInvalidSignatureException');
    }
  });

  it('signs DIGEST messages as signatures of the message the digest came from', {
    timeout: 30_000,
  }, async () => {
    const t = await createTestEmulator();
    const keys = new Map<string, string>();
    for (const [spec, algorithm] of CASES.filter(([, a]) => !a.startsWith('RSASSA_PSS'))) {
      if (!keys.has(spec)) keys.set(spec, await signingKey(t, spec));
      const KeyId = keys.get(spec) ?? '';
      const message = Buffer.from(`digest case ${algorithm}`);
      const hash = `sha${algorithm.slice(-3)}`;
      const digest = createHash(hash).update(message).digest();
      const signed = await t.client.call('Sign', {
        KeyId,
        Message: b64(digest),
        MessageType: 'DIGEST',
        SigningAlgorithm: algorithm,
      });
      const pub = await t.client.call('GetPublicKey', { KeyId });
      const opts = nodeOptions(unb64(pub.PublicKey), algorithm);
      expect([algorithm, nodeVerify(hash, message, opts, unb64(signed.Signature))]).toEqual([
        algorithm,
        true,
      ]);
      // A RAW signature verifies as a DIGEST signature of its hash.
      const raw = await t.client.call('Sign', {
        KeyId,
        Message: b64(message),
        SigningAlgorithm: algorithm,
      });
      const verified = await t.client.call('Verify', {
        KeyId,
        Message: b64(digest),
        MessageType: 'DIGEST',
        Signature: raw.Signature,
        SigningAlgorithm: algorithm,
      });
      expect(verified.SignatureValid).toBe(true);
      expect(
        await errorName(
          t.client.call('Sign', {
            KeyId,
            Message: b64(digest.subarray(1)),
            MessageType: 'DIGEST',
            SigningAlgorithm: algorithm,
          }),
        ),
      ).toBe('ValidationException');
    }
  });

  it('refuses wrong usages, algorithms and key states', async () => {
    const t = await createTestEmulator();
    const ec = await signingKey(t, 'ECC_NIST_P256');
    const sym = String(
      ((await t.client.call('CreateKey')).KeyMetadata as Record<string, unknown>).KeyId,
    );
    const m = b64('m');
    expect(
      await errorName(
        t.client.call('Sign', { KeyId: sym, Message: m, SigningAlgorithm: 'ECDSA_SHA_256' }),
      ),
    ).toBe('InvalidKeyUsageException');
    expect(
      await errorName(
        t.client.call('Sign', { KeyId: ec, Message: m, SigningAlgorithm: 'ECDSA_SHA_384' }),
      ),
    ).toBe('InvalidKeyUsageException');
    expect(
      await errorName(t.client.call('Sign', { KeyId: ec, Message: m, SigningAlgorithm: 'NOPE' })),
    ).toBe('ValidationException');
    expect(await errorName(t.client.call('GetPublicKey', { KeyId: sym }))).toBe(
      'UnsupportedOperationException',
    );
    expect(
      await errorName(
        t.client.call('Sign', {
          KeyId: ec,
          Message: m,
          SigningAlgorithm: 'ECDSA_SHA_256',
          DryRun: true,
        }),
      ),
    ).toBe('DryRunOperationException');
    await t.client.call('DisableKey', { KeyId: ec });
    expect(
      await errorName(
        t.client.call('Sign', { KeyId: ec, Message: m, SigningAlgorithm: 'ECDSA_SHA_256' }),
      ),
    ).toBe('DisabledException');
    expect(await errorName(t.client.call('GetPublicKey', { KeyId: ec }))).toBe('DisabledException');
  });
});

describe('GenerateMac and VerifyMac', () => {
  it('computes the HMAC of each spec and verifies it, refusing a wrong one', async () => {
    const t = await createTestEmulator();
    for (const bits of ['224', '256', '384', '512']) {
      const out = await t.client.call('CreateKey', {
        KeySpec: `HMAC_${bits}`,
        KeyUsage: 'GENERATE_VERIFY_MAC',
      });
      const KeyId = String((out.KeyMetadata as Record<string, unknown>).KeyId);
      const MacAlgorithm = `HMAC_SHA_${bits}`;
      const made = await t.client.call('GenerateMac', { KeyId, Message: b64('msg'), MacAlgorithm });
      expect(unb64(made.Mac).length).toBe(Number(bits) / 8);
      const ok = await t.client.call('VerifyMac', {
        KeyId,
        Message: b64('msg'),
        MacAlgorithm,
        Mac: made.Mac,
      });
      expect(ok.MacValid).toBe(true);
      const bad = unb64(made.Mac);
      bad[0] = (bad[0] ?? 0) ^ 1;
      expect(
        await errorName(
          t.client.call('VerifyMac', { KeyId, Message: b64('msg'), MacAlgorithm, Mac: b64(bad) }),
        ),
      ).toBe('KMSInvalidMacException');
      const other = bits === '256' ? 'HMAC_SHA_512' : 'HMAC_SHA_256';
      expect(
        await errorName(
          t.client.call('GenerateMac', { KeyId, Message: b64('m'), MacAlgorithm: other }),
        ),
      ).toBe('InvalidKeyUsageException');
    }
  });
});

describe('GenerateRandom', () => {
  it('returns the bytes asked for, within KMS limits', async () => {
    const t = await createTestEmulator();
    const out = await t.client.call('GenerateRandom', { NumberOfBytes: 1024 });
    expect(unb64(out.Plaintext).length).toBe(1024);
    expect(await errorName(t.client.call('GenerateRandom', { NumberOfBytes: 1025 }))).toBe(
      'ValidationException',
    );
    expect(await errorName(t.client.call('GenerateRandom', {}))).toBe('ValidationException');
    expect(
      await errorName(
        t.client.call('GenerateRandom', {
          NumberOfBytes: 8,
          CustomKeyStoreId: 'cks-00000000000000000',
        }),
      ),
    ).toBe('CustomKeyStoreNotFoundException');
    const ks = await t.connectedKeyStore();
    expect(
      await errorName(t.client.call('GenerateRandom', { NumberOfBytes: 8, CustomKeyStoreId: ks })),
    ).toBe('UnsupportedOperationException');
  });
});
