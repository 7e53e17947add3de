/**
 * The KMS emulator against xkslab's proxy with faults switched on (admin API `/faults`): what an
 * AWS SDK caller sees is what AWS documents. A proxy slower than 250 ms is retried once, then the
 * call fails; a bit flipped after the CDIV is refused; proxy throttling and the emulator's own
 * per-key-store quota.
 */
import {
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  CreateKeyCommand,
  DescribeCustomKeyStoresCommand,
  EncryptCommand,
  type KMSClient,
  KMSInvalidStateException,
  KMSServiceException,
} from '@aws-sdk/client-kms';
import { newCredential } from '@xkslab/conformance/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Admin, adminFor, adminOk } from './support/admin-api.ts';
import { startXkslab, waitFor, type XkslabServer } from './support/binary.ts';
import type { Credential } from './support/credentials.ts';
import {
  externalKeyStoreInput,
  KMS_REGION,
  type KmsServer,
  kmsClient,
  rejects,
  startKms,
} from './support/kms.ts';

const PREFIX = '/faulty';
const ED = ['ENCRYPT', 'DECRYPT'];
const KEYS = ['slow', 'slow-module', 'flippy', 'busy', 'quota'];

let credential: Credential;
let proxy: XkslabServer;
let admin: Admin;
let emulator: KmsServer;
let limited: KmsServer;
let kms: KMSClient;
const keyIds = new Map<string, string>();

/** A connected key store on the faulty proxy, with one KMS key per external key in `keys`. */
async function setUp(
  client: KMSClient,
  name: string,
  keys: string[],
): Promise<Map<string, string>> {
  const created = await client.send(
    new CreateCustomKeyStoreCommand(
      externalKeyStoreInput(name, {
        endpoint: proxy.url,
        uriPath: `${PREFIX}/kms/xks/v1`,
        credential,
      }),
    ),
  );
  const id = created.CustomKeyStoreId ?? '';
  await client.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
  for (let i = 0; i < 200; i++) {
    const out = await client.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }));
    if (out.CustomKeyStores?.[0]?.ConnectionState === 'CONNECTED') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const out = new Map<string, string>();
  for (const key of keys) {
    const k = await client.send(
      new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: id, XksKeyId: key }),
    );
    out.set(key, k.KeyMetadata?.KeyId ?? '');
  }
  return out;
}

const encrypt = (client: KMSClient, keyId: string | undefined) =>
  client.send(new EncryptCommand({ KeyId: keyId, Plaintext: new Uint8Array([1, 2, 3]) }));

beforeAll(async () => {
  credential = newCredential();
  [proxy, emulator, limited] = await Promise.all([
    startXkslab({
      // The proxy answers DependencyTimeoutException well inside KMS's 250 ms (see 'slow-module').
      extraArgs: ['--module-timeout-ms', '100'],
      seed: {
        modules: [{ name: 'faulty-hsm', keys: KEYS.map((id) => ({ id, usage: ED })) }],
        keyStores: [
          {
            name: 'faulty',
            uriPathPrefix: PREFIX,
            region: KMS_REGION,
            module: 'faulty-hsm',
            credentials: [credential],
          },
        ],
      },
    }),
    startKms(['--connect-delay-ms', '50', '--health-interval-ms', '0']),
    startKms(['--connect-delay-ms', '50', '--health-interval-ms', '0', '--quota', '2']),
  ]);
  admin = await adminFor(proxy.dataDir);
  kms = kmsClient(emulator.url);
  for (const [k, v] of await setUp(
    kms,
    'faulty',
    KEYS.filter((k) => k !== 'quota'),
  ))
    keyIds.set(k, v);
});

afterAll(async () => {
  kms?.destroy();
  await Promise.all([proxy?.stop(), emulator?.stop(), limited?.stop()]);
});

describe('faults on the proxy, seen through the AWS SDK', () => {
  it('a proxy slower than 250 ms is retried once, then the call fails with KMSInvalidStateException', async () => {
    adminOk(
      await admin.call('POST', '/faults', {
        kind: 'latency',
        latency: { type: 'fixed', ms: 400 },
        scope: { keyId: 'slow', operation: 'Encrypt' },
      }),
      201,
    );
    const started = Date.now();
    const e = await rejects(encrypt(kms, keyIds.get('slow')), KMSInvalidStateException);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(e.message).toMatch(/did not respond within 250 ms \(the request was retried once\)/);
    const requestId = e.$metadata.requestId;
    const calls = emulator
      .logs()
      .filter((l) => l.msg === 'kms-xks' && l.kmsRequestId === requestId);
    expect(calls).toEqual([
      expect.objectContaining({ xksOperation: 'Encrypt', attempts: 2, outcome: 'timeout' }),
    ]);
    // Both attempts reached the proxy under the same kmsRequestId.
    expect(
      await waitFor(
        () =>
          proxy.logs().filter((l) => l.msg === 'xks' && l.kmsRequestId === requestId).length === 2,
        3000,
      ),
    ).toBe(true);
  });

  it('other errors are not retried: a module slower than the proxy deadline is one DependencyTimeoutException', async () => {
    adminOk(
      await admin.call('POST', '/faults', {
        kind: 'latency',
        stage: 'module',
        latency: { type: 'fixed', ms: 200 },
        scope: { keyId: 'slow-module' },
      }),
      201,
    );
    const e = await rejects(encrypt(kms, keyIds.get('slow-module')), KMSInvalidStateException);
    expect(e.message).toMatch(/did not respond to the external key store proxy in time/);
    const requestId = e.$metadata.requestId;
    expect(
      emulator.logs().filter((l) => l.msg === 'kms-xks' && l.kmsRequestId === requestId),
    ).toEqual([
      expect.objectContaining({
        attempts: 1,
        outcome: 'proxy-error',
        errorName: 'DependencyTimeoutException',
      }),
    ]);
  });

  it('a bit flipped after the CDIV is refused: CDIV mismatch, KMSInvalidStateException', async () => {
    adminOk(
      await admin.call('POST', '/faults', {
        kind: 'bitflip',
        scope: { keyId: 'flippy', operation: 'Encrypt' },
      }),
      201,
    );
    const e = await rejects(encrypt(kms, keyIds.get('flippy')), KMSInvalidStateException);
    expect(e.message).toMatch(/ciphertext data integrity value \(CDIV\)/);
    const requestId = e.$metadata.requestId;
    expect(
      emulator.logs().filter((l) => l.msg === 'kms-xks' && l.kmsRequestId === requestId),
    ).toEqual([
      expect.objectContaining({ outcome: 'integrity', errorName: 'IntegrityCheckFailed' }),
    ]);
  });

  it('a throttling proxy: KMSInvalidStateException, counted as a retryable proxy error', async () => {
    adminOk(
      await admin.call('POST', '/faults', {
        kind: 'throttle',
        requestsPerSecond: 1,
        scope: { keyId: 'busy' },
      }),
      201,
    );
    await encrypt(kms, keyIds.get('busy'));
    const e = await rejects(encrypt(kms, keyIds.get('busy')), KMSInvalidStateException);
    expect(e.message).toMatch(/throttling requests from KMS/);
    const metrics = await (await fetch(`${emulator.url}/metrics`)).text();
    expect(metrics).toMatch(
      /XksProxyErrors\{[^}]*ErrorType="Retryable",ExceptionName="ThrottlingException"\} 1/,
    );
  });
});

describe("the emulator's own request quota per key store", () => {
  it('answers ThrottlingException above --quota requests a second', async () => {
    const client = kmsClient(limited.url);
    try {
      const keys = await setUp(client, 'quota', ['quota']);
      const keyId = keys.get('quota');
      const results = await Promise.allSettled([1, 2, 3, 4].map(() => encrypt(client, keyId)));
      const throttled = results.filter(
        (r) =>
          r.status === 'rejected' &&
          r.reason instanceof KMSServiceException &&
          r.reason.name === 'ThrottlingException',
      );
      expect(throttled.length).toBeGreaterThanOrEqual(2);
      const metrics = await (await fetch(`${limited.url}/metrics`)).text();
      expect(metrics).toMatch(
        /ExternalKeyStoreThrottle\{CustomKeyStoreId="cks-[0-9a-f]+",KmsOperation="Encrypt"\} [2-4]/,
      );
    } finally {
      client.destroy();
    }
  });
});
