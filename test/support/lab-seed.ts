/**
 * The seed most suites start from: two modules, three key stores (different prefixes, regions and
 * modules; one with two live credentials, one with a request quota), keys of every usage and
 * status, and keys with known material so tests can check ciphertexts with node:crypto.
 */
import { randomBytes } from 'node:crypto';
import { newCredential } from '@xkslab/conformance/testing';
import type { Credential } from './credentials.ts';
import type { KeyStoreTarget } from './xks-client.ts';

export const ENCRYPT_DECRYPT = ['ENCRYPT', 'DECRYPT'] as const;

export type LabSeed = {
  seed: Record<string, unknown>;
  /** Key material of `fixed` (in both modules) and `fixed-disabled` (module hsm-a). */
  material: Buffer;
  disabledMaterial: Buffer;
  credentials: {
    a1: Credential;
    a2: Credential;
    b: Credential;
    quota: Credential;
    root: Credential;
  };
  /** Targets for a server listening on `port`. */
  targets(port: number): LabTargets;
};

export type LabTargets = {
  /** Key store `a`, first credential: prefix /example/prefix, us-east-1, module hsm-a (2 nodes). */
  a: KeyStoreTarget;
  /** Key store `a`, second credential. */
  a2: KeyStoreTarget;
  /** Key store `b`: prefix /tenant-b/xks, eu-west-1, module hsm-b (3 nodes). */
  b: KeyStoreTarget;
  /** Key store `quota-limited`: prefix /quota/limited, us-west-2, module hsm-a, 5 requests/s. */
  quota: KeyStoreTarget;
  /** Key store `root` with the empty prefix (only with `labSeed({ emptyPrefix: true })`): ap-southeast-2, hsm-b. */
  root: KeyStoreTarget;
};

export const PREFIX_A = '/example/prefix';
export const PREFIX_B = '/tenant-b/xks';
export const PREFIX_QUOTA = '/quota/limited';
export const REGION_A = 'us-east-1';
export const REGION_B = 'eu-west-1';
export const REGION_QUOTA = 'us-west-2';
export const REGION_ROOT = 'ap-southeast-2';
export const QUOTA_PER_SECOND = 5;

/** `xkslab conformance` arguments that aim the runner at key store a of `lab` on `port`, key `foo`. */
export function conformanceArgsA(lab: LabSeed, port: number): string[] {
  return [
    'conformance',
    '--url',
    `http://127.0.0.1:${port}${PREFIX_A}/kms/xks/v1`,
    '--access-key-id',
    lab.credentials.a1.accessKeyId,
    '--region',
    REGION_A,
    '--key-id',
    'foo',
  ];
}

export function labSeed(options: { emptyPrefix?: boolean } = {}): LabSeed {
  const material = randomBytes(32);
  const disabledMaterial = randomBytes(32);
  const credentials = {
    a1: newCredential(),
    a2: newCredential(),
    b: newCredential(),
    quota: newCredential(),
    root: newCredential(),
  };
  const seed = {
    modules: [
      {
        name: 'hsm-a',
        nodes: 2,
        keys: [
          { id: 'foo', usage: [...ENCRYPT_DECRYPT], status: 'ENABLED' },
          { id: 'bar', usage: [...ENCRYPT_DECRYPT] },
          { id: 'fixed', usage: [...ENCRYPT_DECRYPT], material: material.toString('base64') },
          {
            id: 'fixed-disabled',
            usage: [...ENCRYPT_DECRYPT],
            status: 'DISABLED',
            material: disabledMaterial.toString('base64'),
          },
          { id: 'encrypt-only', usage: ['ENCRYPT'] },
          { id: 'decrypt-only', usage: ['DECRYPT'] },
          { id: 'wrap-only', usage: ['WRAP', 'UNWRAP'] },
          { id: 'Key.With_All-Chars.0123456789', usage: [...ENCRYPT_DECRYPT] },
        ],
      },
      {
        name: 'hsm-b',
        nodes: 3,
        keys: [
          { id: 'foo', usage: [...ENCRYPT_DECRYPT] },
          { id: 'only-in-b', usage: [...ENCRYPT_DECRYPT] },
          { id: 'fixed', usage: [...ENCRYPT_DECRYPT], material: material.toString('base64') },
        ],
      },
    ],
    keyStores: [
      {
        name: 'a',
        uriPathPrefix: PREFIX_A,
        region: REGION_A,
        module: 'hsm-a',
        credentials: [credentials.a1, credentials.a2],
      },
      {
        name: 'b',
        uriPathPrefix: PREFIX_B,
        region: REGION_B,
        module: 'hsm-b',
        credentials: [credentials.b],
      },
      {
        uriPathPrefix: PREFIX_QUOTA,
        region: REGION_QUOTA,
        module: 'hsm-a',
        credentials: [credentials.quota],
        maxRequestsPerSecond: QUOTA_PER_SECOND,
      },
      ...(options.emptyPrefix
        ? [
            {
              name: 'root',
              uriPathPrefix: '',
              region: REGION_ROOT,
              module: 'hsm-b',
              credentials: [credentials.root],
            },
          ]
        : []),
    ],
  };
  return {
    seed,
    material,
    disabledMaterial,
    credentials,
    targets: (port) => ({
      a: { port, prefix: PREFIX_A, region: REGION_A, credential: credentials.a1 },
      a2: { port, prefix: PREFIX_A, region: REGION_A, credential: credentials.a2 },
      b: { port, prefix: PREFIX_B, region: REGION_B, credential: credentials.b },
      quota: { port, prefix: PREFIX_QUOTA, region: REGION_QUOTA, credential: credentials.quota },
      root: { port, prefix: '', region: REGION_ROOT, credential: credentials.root },
    }),
  };
}
