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

type World = TestEmulator & { values: Record<string, unknown> };

const GRANTEE = 'arn:aws:iam::111122223333:role/conformance';

async function world(): Promise<World> {
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
  return { ...t, values };
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
      return {};
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
    const w = await world();
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
