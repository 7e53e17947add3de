/**
 * The KMS emulator calling an https:// proxy that requires mTLS (`serve --dev-tls`): with the dev
 * CA trusted (--ca) and the dev client certificate presented (--client-cert/--client-key), as AWS
 * KMS presents cks.kms.<region>.amazonaws.com; without them the proxy is unreachable for KMS.
 */
import { join } from 'node:path';
import {
  CreateCustomKeyStoreCommand,
  DecryptCommand,
  XksProxyUriUnreachableException,
} from '@aws-sdk/client-kms';
import { newCredential } from '@xkslab/conformance/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startXkslab, type XkslabServer } from './support/binary.ts';
import type { Credential } from './support/credentials.ts';
import {
  connectAndEncrypt,
  externalKeyStoreInput,
  KMS_REGION,
  type KmsServer,
  kmsClient,
  startKms,
} from './support/kms.ts';

let credential: Credential;
let proxy: XkslabServer;
let trusted: KmsServer;
let untrusted: KmsServer;
let endpoint: string;

function storeInput(name: string) {
  return externalKeyStoreInput(name, {
    endpoint: endpoint,
    uriPath: '/tls/kms/xks/v1',
    credential,
  });
}

beforeAll(async () => {
  credential = newCredential();
  proxy = await startXkslab({
    extraArgs: ['--dev-tls'],
    seed: {
      modules: [{ name: 'tls-hsm', keys: [{ id: 'key', usage: ['ENCRYPT', 'DECRYPT'] }] }],
      keyStores: [
        {
          name: 'tls',
          uriPathPrefix: '/tls',
          region: KMS_REGION,
          module: 'tls-hsm',
          credentials: [credential],
        },
      ],
    },
  });
  endpoint = `https://localhost:${proxy.port}`;
  const tls = join(proxy.dataDir, 'tls');
  const common = ['--connect-delay-ms', '50', '--health-interval-ms', '0'];
  [trusted, untrusted] = await Promise.all([
    startKms([
      ...common,
      '--ca',
      join(tls, 'ca.pem'),
      '--client-cert',
      join(tls, 'client.pem'),
      '--client-key',
      join(tls, 'client-key.pem'),
    ]),
    startKms(common),
  ]);
});

afterAll(async () => {
  await Promise.all([proxy?.stop(), trusted?.stop(), untrusted?.stop()]);
});

describe('KMS emulator -> XKS proxy over mTLS', () => {
  it('works end to end with the dev CA and client certificate', async () => {
    const kms = kmsClient(trusted.url);
    try {
      const created = await kms.send(new CreateCustomKeyStoreCommand(storeInput('tls')));
      const id = created.CustomKeyStoreId;
      const { state, encrypted: enc } = await connectAndEncrypt(kms, id, 'key', 'over mTLS');
      expect(state).toBe('CONNECTED');
      const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
      expect(new TextDecoder().decode(dec.Plaintext)).toBe('over mTLS');
    } finally {
      kms.destroy();
    }
  });

  it('without the CA, KMS cannot reach the proxy: XksProxyUriUnreachableException', async () => {
    const kms = kmsClient(untrusted.url);
    try {
      const e = await kms.send(new CreateCustomKeyStoreCommand(storeInput('no-ca'))).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(e).toBeInstanceOf(XksProxyUriUnreachableException);
      expect(String((e as Error).message)).toMatch(/TLS/);
    } finally {
      kms.destroy();
    }
  });
});
