/**
 * Aliases, descriptions, tags, key policies, grants, rotation, unsupported operations, seed files
 * and the state file's account, end to end: `xkslab kms --seed FILE --state FILE` in front of
 * `xkslab serve`'s proxy, driven by @aws-sdk/client-kms v3, boto3 and the AWS CLI v2.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateGrantCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  InvalidGrantTokenException,
  type KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeyPoliciesCommand,
  ListKeyRotationsCommand,
  ListResourceTagsCommand,
  ListRetirableGrantsCommand,
  PutKeyPolicyCommand,
  ReplicateKeyCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  RotateKeyOnDemandCommand,
  TagException,
  TagResourceCommand,
  UnsupportedOperationException,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import { newCredential } from '@xkslab/conformance/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeTempDir,
  removeDir,
  runXkslab,
  startXkslab,
  type XkslabServer,
} from './support/binary.ts';
import type { Credential } from './support/credentials.ts';
import {
  KMS_ACCESS_KEY_ID,
  KMS_REGION,
  KMS_SECRET_ACCESS_KEY,
  type KmsServer,
  kmsClient,
  rejects,
  startKms,
} from './support/kms.ts';

const run = promisify(execFile);
const PREFIX = '/kms-meta';
const ED = ['ENCRYPT', 'DECRYPT'];
const GRANTEE = 'arn:aws:iam::111122223333:role/app';
const POLICY =
  '{"Version":"2012-10-17",  "Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*"}]}\n';

let credential: Credential;
let proxy: XkslabServer;
let emulator: KmsServer;
let kms: KMSClient;
let dir: string;
let stateFile: string;
let seedFile: string;

function kmsSeed(proxyUrl: string) {
  return {
    customKeyStores: [
      {
        CustomKeyStoreName: 'meta-lab',
        XksProxyUriEndpoint: proxyUrl,
        XksProxyUriPath: `${PREFIX}/kms/xks/v1`,
        XksProxyAuthenticationCredential: {
          AccessKeyId: credential.accessKeyId,
          RawSecretAccessKey: credential.secretAccessKey,
        },
      },
    ],
    keys: [
      {
        Origin: 'EXTERNAL_KEY_STORE',
        CustomKeyStoreName: 'meta-lab',
        XksKeyId: 'm1',
        Description: 'orders',
        Aliases: ['alias/orders'],
        Tags: [{ TagKey: 'team', TagValue: 'shop' }],
      },
      {
        Origin: 'EXTERNAL_KEY_STORE',
        CustomKeyStoreName: 'meta-lab',
        XksKeyId: 'm2',
        Aliases: ['alias/spare'],
      },
    ],
  };
}

const kmsArgs = () => [
  '--connect-delay-ms',
  '100',
  '--health-interval-ms',
  '0',
  '--state',
  stateFile,
  '--seed',
  seedFile,
];

beforeAll(async () => {
  credential = newCredential();
  dir = await makeTempDir('kms-meta');
  stateFile = join(dir, 'kms-state.json');
  seedFile = join(dir, 'kms-seed.json');
  proxy = await startXkslab({
    seed: {
      modules: [
        {
          name: 'meta-hsm',
          nodes: 1,
          keys: [
            { id: 'm1', usage: ED },
            { id: 'm2', usage: ED },
          ],
        },
      ],
      keyStores: [
        {
          name: 'meta',
          uriPathPrefix: PREFIX,
          region: KMS_REGION,
          module: 'meta-hsm',
          credentials: [credential],
        },
      ],
    },
  });
  await writeFile(seedFile, JSON.stringify(kmsSeed(proxy.url)));
  emulator = await startKms(kmsArgs());
  kms = kmsClient(emulator.url);
});

afterAll(async () => {
  kms?.destroy();
  await Promise.all([proxy?.stop(), emulator?.stop()]);
  await removeDir(dir);
});

describe('xkslab kms with @aws-sdk/client-kms: keys around the cryptography', () => {
  it('starts from the seed file: keys, aliases, tags', async () => {
    expect(emulator.logs().find((l) => l.msg === 'seeded')).toMatchObject({ keys: 2, aliases: 2 });
    const key = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/orders' }));
    expect(key.KeyMetadata).toMatchObject({ Description: 'orders', KeyState: 'Enabled' });
    const tags = await kms.send(new ListResourceTagsCommand({ KeyId: 'alias/orders' }));
    expect(tags.Tags).toEqual([{ TagKey: 'team', TagValue: 'shop' }]);
  });

  it('tags, descriptions and key policies', async () => {
    await kms.send(
      new TagResourceCommand({
        KeyId: 'alias/orders',
        Tags: [{ TagKey: 'env', TagValue: 'test' }],
      }),
    );
    await kms.send(new UntagResourceCommand({ KeyId: 'alias/orders', TagKeys: ['team'] }));
    const tags = await kms.send(new ListResourceTagsCommand({ KeyId: 'alias/orders' }));
    expect(tags.Tags).toEqual([{ TagKey: 'env', TagValue: 'test' }]);
    await rejects(
      kms.send(
        new TagResourceCommand({
          KeyId: 'alias/orders',
          Tags: [{ TagKey: 'aws:x', TagValue: '' }],
        }),
      ),
      TagException,
    );
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId: 'alias/orders', Description: 'v2' }));
    const key = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/orders' }));
    expect(key.KeyMetadata?.Description).toBe('v2');
    const initial = await kms.send(
      new GetKeyPolicyCommand({ KeyId: 'alias/orders', PolicyName: 'default' }),
    );
    expect(initial.Policy).toContain('"Sid" : "Enable IAM User Permissions"');
    await kms.send(
      new PutKeyPolicyCommand({ KeyId: 'alias/orders', PolicyName: 'default', Policy: POLICY }),
    );
    const stored = await kms.send(
      new GetKeyPolicyCommand({ KeyId: 'alias/orders', PolicyName: 'default' }),
    );
    expect(stored.Policy).toBe(POLICY);
    const names = await kms.send(new ListKeyPoliciesCommand({ KeyId: 'alias/orders' }));
    expect(names.PolicyNames).toEqual(['default']);
  });

  it('grants, and their tokens on Encrypt', async () => {
    const made = await kms.send(
      new CreateGrantCommand({
        KeyId: 'alias/orders',
        GranteePrincipal: GRANTEE,
        RetiringPrincipal: GRANTEE,
        Operations: ['Encrypt', 'Decrypt'],
      }),
    );
    await kms.send(
      new EncryptCommand({
        KeyId: 'alias/orders',
        Plaintext: new TextEncoder().encode('granted'),
        GrantTokens: [made.GrantToken ?? ''],
      }),
    );
    await rejects(
      kms.send(
        new EncryptCommand({
          KeyId: 'alias/orders',
          Plaintext: new TextEncoder().encode('x'),
          GrantTokens: ['not-a-token'],
        }),
      ),
      InvalidGrantTokenException,
    );
    const listed = await kms.send(new ListGrantsCommand({ KeyId: 'alias/orders' }));
    expect(listed.Grants?.map((g) => g.GrantId)).toEqual([made.GrantId]);
    expect(listed.Grants?.[0]?.CreationDate).toBeInstanceOf(Date);
    const retirable = await kms.send(
      new ListRetirableGrantsCommand({ RetiringPrincipal: GRANTEE }),
    );
    expect(retirable.Grants).toHaveLength(1);
    await kms.send(new RetireGrantCommand({ GrantToken: made.GrantToken }));
    const second = await kms.send(
      new CreateGrantCommand({
        KeyId: 'alias/orders',
        GranteePrincipal: GRANTEE,
        Operations: ['Decrypt'],
      }),
    );
    await kms.send(new RevokeGrantCommand({ KeyId: 'alias/orders', GrantId: second.GrantId }));
    expect((await kms.send(new ListGrantsCommand({ KeyId: 'alias/orders' }))).Grants).toEqual([]);
  });

  it('UpdateAlias, rotation errors for external keys, unsupported operations, KMS-worded validation', async () => {
    const spare = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/spare' }));
    const orders = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/orders' }));
    await kms.send(
      new UpdateAliasCommand({ AliasName: 'alias/spare', TargetKeyId: orders.KeyMetadata?.KeyId }),
    );
    const aliases = await kms.send(new ListAliasesCommand({ KeyId: spare.KeyMetadata?.KeyId }));
    expect(aliases.Aliases).toEqual([]);
    await rejects(
      kms.send(new EnableKeyRotationCommand({ KeyId: 'alias/orders' })),
      UnsupportedOperationException,
    );
    await rejects(
      kms.send(new RotateKeyOnDemandCommand({ KeyId: 'alias/orders' })),
      UnsupportedOperationException,
    );
    await rejects(
      kms.send(new ListKeyRotationsCommand({ KeyId: 'alias/orders' })),
      UnsupportedOperationException,
    );
    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: 'alias/orders' }));
    expect(status.KeyRotationEnabled).toBe(false);
    await rejects(
      kms.send(new ReplicateKeyCommand({ KeyId: 'alias/orders', ReplicaRegion: 'eu-west-1' })),
      UnsupportedOperationException,
    );
    // ValidationException is not a modeled exception class of the SDK: it arrives by name.
    const invalid = await kms
      .send(new EnableKeyRotationCommand({ KeyId: 'alias/orders', RotationPeriodInDays: 5000 }))
      .then(
        () => new Error('expected ValidationException'),
        (e: unknown) => e as Error,
      );
    expect(invalid.name).toBe('ValidationException');
    expect(invalid.message).toBe(
      "1 validation error detected: Value '5000' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value less than or equal to 2560",
    );
  });

  it('boto3 and the AWS CLI v2 see the same tags, grants and unsupported operations', async () => {
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: KMS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: KMS_SECRET_ACCESS_KEY,
      AWS_DEFAULT_REGION: KMS_REGION,
      AWS_EC2_METADATA_DISABLED: 'true',
      KMS_URL: emulator.url,
    };
    const script = `
import os, json, boto3, botocore
kms = boto3.client('kms', endpoint_url=os.environ['KMS_URL'])
kms.tag_resource(KeyId='alias/orders', Tags=[{'TagKey': 'boto', 'TagValue': '3'}])
tags = kms.list_resource_tags(KeyId='alias/orders')['Tags']
grant = kms.create_grant(KeyId='alias/orders', GranteePrincipal='${GRANTEE}', Operations=['Decrypt'])
grants = kms.list_grants(KeyId='alias/orders')['Grants']
try:
    kms.update_primary_region(KeyId='alias/orders', PrimaryRegion='eu-west-1')
    unsupported = None
except botocore.exceptions.ClientError as e:
    unsupported = e.response['Error']['Code']
print(json.dumps({'tags': tags, 'grant': grant['GrantId'], 'grants': [g['GrantId'] for g in grants], 'unsupported': unsupported}))
`;
    const boto = await run('/usr/bin/python3', ['-c', script], { env });
    const out = JSON.parse(boto.stdout) as {
      tags: unknown[];
      grant: string;
      grants: string[];
      unsupported: string;
    };
    expect(out.tags).toContainEqual({ TagKey: 'boto', TagValue: '3' });
    expect(out.grants).toContain(out.grant);
    expect(out.unsupported).toBe('UnsupportedOperationException');
    const cli = await run(
      '/usr/bin/aws',
      [
        'kms',
        'list-resource-tags',
        '--key-id',
        'alias/orders',
        '--endpoint-url',
        emulator.url,
        '--output',
        'json',
      ],
      { env },
    );
    expect((JSON.parse(cli.stdout) as { Tags: unknown[] }).Tags).toContainEqual({
      TagKey: 'boto',
      TagValue: '3',
    });
    const policy = await run(
      '/usr/bin/aws',
      [
        'kms',
        'get-key-policy',
        '--key-id',
        'alias/orders',
        '--policy-name',
        'default',
        '--endpoint-url',
        emulator.url,
        '--output',
        'text',
      ],
      { env },
    );
    expect(policy.stdout.trimEnd()).toBe(POLICY.trimEnd());
  });

  it('keeps it all in the state file, does not seed twice, and refuses another Region', async () => {
    await emulator.stop();
    emulator = await startKms(kmsArgs());
    kms.destroy();
    kms = kmsClient(emulator.url);
    expect(emulator.logs().some((l) => String(l.msg).startsWith('seed skipped'))).toBe(true);
    const tags = await kms.send(new ListResourceTagsCommand({ KeyId: 'alias/orders' }));
    expect(tags.Tags).toContainEqual({ TagKey: 'env', TagValue: 'test' });
    const other = await runXkslab([
      'kms',
      '--port',
      '0',
      '--state',
      stateFile,
      '--region',
      'eu-west-1',
    ]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(
      /Region us-east-1, account 111122223333; this emulator runs as Region eu-west-1, account 111122223333/,
    );
    const badSeed = join(dir, 'bad-seed.json');
    await writeFile(badSeed, '{"keys":[{"Descripton":"typo"}]}');
    const typo = await runXkslab(['kms', '--port', '0', '--seed', badSeed]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/Unrecognized key: "Descripton"/);
  });
});
