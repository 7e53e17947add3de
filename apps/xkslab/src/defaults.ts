import type { Vcm } from '@xkslab/vcm';
import { generateAccessKeyId, generateSecretAccessKey } from './keystores/credentials.ts';
import type { KeyStoreRegistry } from './keystores/registry.ts';

/** The embedded defaults `xkslab serve` creates in an empty data directory. */
export const DEFAULT_MODULE = 'default';
export const DEFAULT_KEY_ID = 'default-key';
export const DEFAULT_KEY_STORE = 'default';
export const DEFAULT_URI_PATH_PREFIX = '/xkslab';
export const DEFAULT_REGION = 'us-east-1';

export type FirstStart = {
  keyStore: string;
  uriPathPrefix: string;
  region: string;
  keyId: string;
  accessKeyId: string;
  /** Shown once, on the first start, and written to the proxy-configuration file. */
  secretAccessKey: string;
};

/** Creates one module with one key, and one key store with a generated credential. */
export async function createDefaultState(deps: {
  vcm: Vcm;
  registry: KeyStoreRegistry;
  random: (n: number) => Uint8Array;
}): Promise<FirstStart> {
  const { vcm, registry, random } = deps;
  await vcm.createModule({ name: DEFAULT_MODULE, nodes: 1 });
  await vcm.createKey(DEFAULT_MODULE, { id: DEFAULT_KEY_ID, usage: ['ENCRYPT', 'DECRYPT'] });
  const credential = {
    accessKeyId: generateAccessKeyId(random),
    secretAccessKey: generateSecretAccessKey(random),
  };
  await registry.create({
    name: DEFAULT_KEY_STORE,
    uriPathPrefix: DEFAULT_URI_PATH_PREFIX,
    region: DEFAULT_REGION,
    module: DEFAULT_MODULE,
    credentials: [credential],
  });
  return {
    keyStore: DEFAULT_KEY_STORE,
    uriPathPrefix: DEFAULT_URI_PATH_PREFIX,
    region: DEFAULT_REGION,
    keyId: DEFAULT_KEY_ID,
    ...credential,
  };
}

/** The AWS KMS console's proxy configuration file (spec §2.2). */
export function kmsProxyConfiguration(uriPathPrefix: string, accessKeyId: string, secret: string) {
  return {
    XksProxyUriPath: `${uriPathPrefix}/kms/xks/v1`,
    XksProxyAuthenticationCredential: { AccessKeyId: accessKeyId, RawSecretAccessKey: secret },
  };
}
