import { describe, expect, it } from 'vitest';
import { b64, createTestEmulator, errorName, type TestEmulator } from './testing/index.ts';

type Kind = 'symmetric' | 'sign' | 'mac';

/** One call per operation that needs an Enabled key, for a key of each kind. */
const OPERATIONS: [Kind, string, (keyId: string) => Record<string, unknown>][] = [
  ['symmetric', 'Encrypt', (KeyId) => ({ KeyId, Plaintext: b64('x') })],
  ['symmetric', 'GenerateDataKey', (KeyId) => ({ KeyId, NumberOfBytes: 16 })],
  ['symmetric', 'GenerateDataKeyWithoutPlaintext', (KeyId) => ({ KeyId, NumberOfBytes: 16 })],
  ['symmetric', 'GenerateDataKeyPair', (KeyId) => ({ KeyId, KeyPairSpec: 'ECC_NIST_P256' })],
  ['sign', 'Sign', (KeyId) => ({ KeyId, Message: b64('m'), SigningAlgorithm: 'ECDSA_SHA_256' })],
  [
    'sign',
    'Verify',
    (KeyId) => ({
      KeyId,
      Message: b64('m'),
      Signature: b64('s'),
      SigningAlgorithm: 'ECDSA_SHA_256',
    }),
  ],
  ['sign', 'GetPublicKey', (KeyId) => ({ KeyId })],
  ['mac', 'GenerateMac', (KeyId) => ({ KeyId, Message: b64('m'), MacAlgorithm: 'HMAC_SHA_256' })],
  [
    'mac',
    'VerifyMac',
    (KeyId) => ({ KeyId, Message: b64('m'), Mac: b64('m'), MacAlgorithm: 'HMAC_SHA_256' }),
  ],
];

const SPECS: Record<Kind, Record<string, string>> = {
  symmetric: {},
  sign: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' },
  mac: { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' },
};

async function keyIn(t: TestEmulator, kind: Kind, state: string): Promise<string> {
  const origin = state === 'PendingImport' ? { Origin: 'EXTERNAL' } : {};
  const out = await t.client.call('CreateKey', { ...SPECS[kind], ...origin });
  const KeyId = String((out.KeyMetadata as Record<string, unknown>).KeyId);
  if (state === 'Disabled') await t.client.call('DisableKey', { KeyId });
  if (state === 'PendingDeletion') await t.client.call('ScheduleKeyDeletion', { KeyId });
  const described = await t.client.call('DescribeKey', { KeyId });
  expect((described.KeyMetadata as Record<string, unknown>).KeyState).toBe(state);
  return KeyId;
}

describe('key states', () => {
  it('answers each operation with the error KMS documents for the key state', async () => {
    const t = await createTestEmulator();
    const expected: Record<string, string> = {
      Disabled: 'DisabledException',
      PendingDeletion: 'KMSInvalidStateException',
      PendingImport: 'KMSInvalidStateException',
    };
    for (const [state, error] of Object.entries(expected)) {
      const keys: Record<Kind, string> = {
        symmetric: await keyIn(t, 'symmetric', state),
        sign: await keyIn(t, 'sign', state),
        mac: await keyIn(t, 'mac', state),
      };
      for (const [kind, operation, input] of OPERATIONS) {
        const name = await errorName(t.client.call(operation, input(keys[kind])));
        expect([state, operation, name]).toEqual([state, operation, error]);
      }
    }
  });

  it('lets EnableKey and DisableKey change neither a key pending deletion nor one pending import', async () => {
    const t = await createTestEmulator();
    for (const state of ['PendingDeletion', 'PendingImport']) {
      const KeyId = await keyIn(t, 'symmetric', state);
      expect(await errorName(t.client.call('EnableKey', { KeyId }))).toBe(
        'KMSInvalidStateException',
      );
      expect(await errorName(t.client.call('DisableKey', { KeyId }))).toBe(
        'KMSInvalidStateException',
      );
    }
  });
});
