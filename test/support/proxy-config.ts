/** The default key store of a fresh data directory, read from the kms-proxy-config.json it wrote. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XKS_API } from '@xkslab/conformance/testing';
import type { KeyStoreTarget } from './xks-client.ts';

type ProxyConfig = {
  XksProxyUriPath: string;
  XksProxyAuthenticationCredential: { AccessKeyId: string; RawSecretAccessKey: string };
};

/** The target (port, prefix, us-east-1, generated credential) of a server's default key store. */
export async function defaultKeyStoreTarget(
  port: number,
  dataDir: string,
): Promise<KeyStoreTarget> {
  const config = JSON.parse(
    await readFile(join(dataDir, 'kms-proxy-config.json'), 'utf8'),
  ) as ProxyConfig;
  return {
    port,
    prefix: config.XksProxyUriPath.slice(0, -XKS_API.length),
    region: 'us-east-1',
    credential: {
      accessKeyId: config.XksProxyAuthenticationCredential.AccessKeyId,
      secretAccessKey: config.XksProxyAuthenticationCredential.RawSecretAccessKey,
    },
  };
}
