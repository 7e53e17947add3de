/**
 * One model-conformance run: each operation the emulator serves (and botocore's model has) is
 * called in a fresh account holding a connected external key store, a key, an alias, a grant and a
 * ciphertext, with a request built from the model; the answer is checked against the model.
 */
import { ACTION_NAMES } from '@xkslab/kms-emulator';
import {
  createTestEmulator,
  PROXY_ACCESS_KEY_ID,
  PROXY_ENDPOINT,
  PROXY_SECRET,
  type TestEmulator,
} from '@xkslab/kms-emulator/testing';
import { buildRequest, checkShape, errorAllowed, type KmsModel } from './kms-model.ts';

export type ConformanceResult = {
  operation: string;
  outcome: 'ok' | string;
  problems: string[];
};

type World = TestEmulator & {
  values: Record<string, unknown>;
  /** A key of another spec, when the operation needs one and the emulator makes it. */
  extra: Record<string, unknown>;
};

const MESSAGE = Buffer.from('conformance message').toString('base64');

async function optionalKey(t: TestEmulator, request: object): Promise<string | undefined> {
  try {
    const created = await t.client.call('CreateKey', request);
    return (created.KeyMetadata as { KeyId: string }).KeyId;
  } catch {
    return undefined;
  }
}

/** The key of another spec an operation needs, with the values to call it (when made). */
async function extraKey(
  t: TestEmulator,
  kind: string | undefined,
): Promise<Record<string, unknown>> {
  if (kind === 'symmetric') {
    const symmetric = await optionalKey(t, {});
    return symmetric ? { KeyId: symmetric, KeyPairSpec: 'RSA_2048' } : {};
  }
  if (kind === 'signing') {
    const signing = await optionalKey(t, { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    if (!signing) return {};
    const sign = { KeyId: signing, Message: MESSAGE, SigningAlgorithm: 'ECDSA_SHA_256' };
    const signed = await t.client.call('Sign', sign);
    return { ...sign, Signature: signed.Signature };
  }
  if (kind === 'hmac') {
    const hmac = await optionalKey(t, { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    if (!hmac) return {};
    const mac = { KeyId: hmac, Message: MESSAGE, MacAlgorithm: 'HMAC_SHA_256' };
    const made = await t.client.call('GenerateMac', mac);
    return { ...mac, Mac: made.Mac };
  }
  if (kind === 'imported') {
    const imported = await optionalKey(t, { Origin: 'EXTERNAL' });
    return imported
      ? { KeyId: imported, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }
      : {};
  }
  return {};
}

/** Which extra key (if the emulator made it) an operation is called with. */
const EXTRA_KEY_OF: Readonly<Record<string, string>> = {
  Sign: 'signing',
  Verify: 'signing',
  GetPublicKey: 'signing',
  GenerateMac: 'hmac',
  VerifyMac: 'hmac',
  GenerateDataKeyPair: 'symmetric',
  GenerateDataKeyPairWithoutPlaintext: 'symmetric',
  EnableKeyRotation: 'symmetric',
  DisableKeyRotation: 'symmetric',
  GetParametersForImport: 'imported',
  ImportKeyMaterial: 'imported',
  DeleteImportedKeyMaterial: 'imported',
};

const GRANTEE = 'arn:aws:iam::111122223333:role/conformance';

async function world(operation?: string): Promise<World> {
  const t = await createTestEmulator();
  const ks = await t.connectedKeyStore();
  const keyId = await t.createKey(ks, 'ext-1');
  await t.client.call('CreateAlias', { AliasName: 'alias/conformance', TargetKeyId: keyId });
  const grant = await t.client.call('CreateGrant', {
    KeyId: keyId,
    GranteePrincipal: GRANTEE,
    RetiringPrincipal: GRANTEE,
    Operations: ['Encrypt', 'Decrypt'],
  });
  const encrypted = await t.client.call('Encrypt', {
    KeyId: keyId,
    Plaintext: Buffer.from('conformance').toString('base64'),
  });
  const values: Record<string, unknown> = {
    KeyId: keyId,
    TargetKeyId: keyId,
    SourceKeyId: keyId,
    DestinationKeyId: keyId,
    AliasName: 'alias/conformance',
    CustomKeyStoreId: ks,
    CiphertextBlob: encrypted.CiphertextBlob,
    Plaintext: Buffer.from('hello').toString('base64'),
    GrantId: grant.GrantId,
    GrantToken: grant.GrantToken,
    GranteePrincipal: GRANTEE,
    RetiringPrincipal: GRANTEE,
    Operations: ['Encrypt'],
    Policy: '{"Version":"2012-10-17","Statement":[]}',
    PolicyName: 'default',
    Tags: [{ TagKey: 'team', TagValue: 'conformance' }],
    TagKeys: ['team'],
    Description: 'conformance',
  };
  return { ...t, values, extra: await extraKey(t, EXTRA_KEY_OF[operation ?? '']) };
}

/** Members some operations need beyond the shared values. */
function overrides(operation: string, w: World): Record<string, unknown> {
  switch (operation) {
    case 'CreateKey':
      return {
        Origin: 'EXTERNAL_KEY_STORE',
        CustomKeyStoreId: w.values.CustomKeyStoreId,
        XksKeyId: 'ext-2',
      };
    case 'CreateAlias':
      return { AliasName: 'alias/conformance-new' };
    case 'GenerateRandom':
      return { NumberOfBytes: 32 };
    case 'GenerateDataKey':
    case 'GenerateDataKeyWithoutPlaintext':
      return { KeySpec: 'AES_256' };
    case 'CreateCustomKeyStore':
      return {
        CustomKeyStoreName: 'conformance-2',
        CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
        XksProxyConnectivity: 'PUBLIC_ENDPOINT',
        XksProxyUriEndpoint: PROXY_ENDPOINT,
        XksProxyUriPath: '/other/kms/xks/v1',
        XksProxyAuthenticationCredential: {
          AccessKeyId: PROXY_ACCESS_KEY_ID,
          RawSecretAccessKey: PROXY_SECRET,
        },
      };
    default:
      return { ...w.extra };
  }
}

/** What must happen first for the call to be able to succeed. */
async function prepare(operation: string, w: World): Promise<void> {
  if (operation === 'CancelKeyDeletion') {
    await w.client.call('ScheduleKeyDeletion', { KeyId: w.values.KeyId });
  }
  if (operation === 'ConnectCustomKeyStore') {
    await w.client.call('DisconnectCustomKeyStore', {
      CustomKeyStoreId: w.values.CustomKeyStoreId,
    });
  }
}

function withoutRequestId(result: Record<string, unknown>): Record<string, unknown> {
  const { $requestId: _, ...rest } = result;
  return rest;
}

export async function conformanceRun(model: KmsModel): Promise<ConformanceResult[]> {
  const results: ConformanceResult[] = [];
  for (const operation of ACTION_NAMES.filter((op) => op in model.operations)) {
    const w = await world(operation);
    await prepare(operation, w);
    const request = buildRequest(model, operation, { ...w.values, ...overrides(operation, w) });
    try {
      const answer = withoutRequestId(await w.client.call(operation, request));
      const output = model.operations[operation]?.output?.shape;
      const problems = output
        ? checkShape(model, output, answer)
        : Object.keys(answer).length === 0
          ? []
          : ['answered members where the model has no output'];
      results.push({ operation, outcome: 'ok', problems });
    } catch (e) {
      const name = e instanceof Error ? e.name : String(e);
      const known = model.shapes[name]?.exception === true || errorAllowed(model, operation, name);
      const problems =
        known && errorAllowed(model, operation, name)
          ? []
          : [`answered ${name}, which the model does not list for ${operation}`];
      results.push({ operation, outcome: name, problems });
    }
    await w.emulator.stop();
  }
  return results;
}

const NOT_IN_ENUM = 'NOT_IN_THE_MODEL';

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** The enum members of an operation's input (top level, or lists of an enum). */
function enumMembers(model: KmsModel, operation: string): { name: string; list: boolean }[] {
  const input = model.operations[operation]?.input?.shape;
  const members = input ? (model.shapes[input]?.members ?? {}) : {};
  const found: { name: string; list: boolean }[] = [];
  for (const [name, member] of Object.entries(members)) {
    const shape = model.shapes[member.shape];
    if (shape?.enum) found.push({ name, list: false });
    const item = shape?.type === 'list' ? model.shapes[shape.member?.shape ?? ''] : undefined;
    if (item?.enum) found.push({ name, list: true });
  }
  return found;
}

/**
 * For every enum member of every served operation: a value outside the enum is a
 * ValidationException worded as KMS words it. Returns what went otherwise.
 */
export async function enumRun(model: KmsModel): Promise<{ checked: number; problems: string[] }> {
  const problems: string[] = [];
  let checked = 0;
  const w = await world();
  for (const operation of ACTION_NAMES.filter((op) => op in model.operations)) {
    for (const { name, list } of enumMembers(model, operation)) {
      checked += 1;
      const request = buildRequest(model, operation, { ...w.values, ...overrides(operation, w) });
      request[name] = list ? [NOT_IN_ENUM] : NOT_IN_ENUM;
      const field = `${lowerFirst(name)}${list ? '.1.member' : ''}`;
      const expected = new RegExp(
        `^1 validation error detected: Value '${NOT_IN_ENUM}' at '${field.replace(/\./g, '\\.')}' failed to satisfy constraint: Member must satisfy enum value set: \\[[A-Za-z0-9_, ]+\\]$`,
      );
      try {
        await w.client.call(operation, request);
        problems.push(`${operation}.${name}: accepted ${NOT_IN_ENUM}`);
      } catch (e) {
        const error = e as Error;
        if (error.name !== 'ValidationException' || !expected.test(error.message)) {
          problems.push(`${operation}.${name}: ${error.name}: ${error.message}`);
        }
      }
    }
  }
  await w.emulator.stop();
  return { checked, problems };
}
