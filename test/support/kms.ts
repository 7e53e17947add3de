/**
 * The AWS KMS emulator in end-to-end tests: start `xkslab kms` as a child process, point the real
 * AWS SDK (@aws-sdk/client-kms) at it, and create connected external key stores on a proxy.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { KmsKeyringNode } from '@aws-crypto/client-node';
import {
  ConnectCustomKeyStoreCommand,
  CreateKeyCommand,
  DescribeCustomKeyStoresCommand,
  EncryptCommand,
  KMS,
  KMSClient,
} from '@aws-sdk/client-kms';
import { expect } from 'vitest';
import {
  assertBuilt,
  type ExitStatus,
  MAIN_JS,
  parseJsonLine,
  waitFor,
  type XkslabCommand,
} from './binary.ts';
import type { Credential } from './credentials.ts';

/** The emulator's documented default local credentials. */
export const KMS_ACCESS_KEY_ID = 'AKIAXKSLABLOCALKMS01';
export const KMS_SECRET_ACCESS_KEY = 'xkslab/local/kms/emulator/secret/not/for/aws';
export const KMS_REGION = 'us-east-1';
export const KMS_ACCOUNT = '111122223333';

export type KmsServer = {
  readonly url: string;
  readonly child: ChildProcess;
  logs(): Record<string, unknown>[];
  stderr(): string;
  stop(): Promise<ExitStatus>;
};

/**
 * Starts `xkslab kms --port 0 <args>` and waits for its `listening` line; `options.command` runs
 * another xkslab than the built bundle (see XkslabCommand in binary.ts).
 */
export async function startKms(
  args: readonly string[] = [],
  options: { command?: XkslabCommand; env?: Record<string, string>; cwd?: string } = {},
): Promise<KmsServer> {
  if (options.command === undefined) assertBuilt();
  const [program, ...leading] = options.command ?? [process.execPath, MAIN_JS];
  if (program === undefined) throw new Error('an empty xkslab command');
  const child = spawn(program, [...leading, 'kms', '--host', '127.0.0.1', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
  });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  let exited: ExitStatus | undefined;
  const exit = new Promise<ExitStatus>((done) => {
    child.once('close', (code, signal) => {
      exited = { code, signal };
      done(exited);
    });
  });
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    partial += s;
    let nl = partial.indexOf('\n');
    while (nl !== -1) {
      lines.push(partial.slice(0, nl));
      partial = partial.slice(nl + 1);
      nl = partial.indexOf('\n');
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  const logs = () =>
    lines.map(parseJsonLine).filter((l): l is Record<string, unknown> => l !== undefined);
  const ready = await waitFor(
    () => exited !== undefined || logs().some((l) => l.msg === 'listening'),
    20_000,
  );
  const listening = logs().find((l) => l.msg === 'listening');
  if (!ready || !listening || typeof listening.url !== 'string') {
    child.kill('SIGKILL');
    throw new Error(`xkslab kms did not start; stderr: ${stderr}`);
  }
  // Leave the signal handlers a moment to be installed (see binary.ts, SIGNAL_GRACE_MS).
  await new Promise((r) => setTimeout(r, 300));
  return {
    url: listening.url,
    child,
    logs,
    stderr: () => stderr,
    async stop() {
      if (!exited) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const status = await exit;
      clearTimeout(timer);
      return status;
    },
  };
}

/** The AWS SDK's KMS client, pointed at the emulator; no retries, so each call is one request. */
export function kmsClient(url: string, options: { maxAttempts?: number } = {}): KMSClient {
  return new KMSClient({
    endpoint: url,
    region: KMS_REGION,
    credentials: { accessKeyId: KMS_ACCESS_KEY_ID, secretAccessKey: KMS_SECRET_ACCESS_KEY },
    maxAttempts: options.maxAttempts ?? 1,
  });
}

type EsdkClientProvider = NonNullable<
  NonNullable<ConstructorParameters<typeof KmsKeyringNode>[0]>['clientProvider']
>;

/**
 * A KmsKeyringNode `clientProvider` whose clients talk to the emulator at `url`, one per Region the
 * keyring asks for (it passes the Region of each key ARN); `regions` records them, `close()` ends them.
 */
export function esdkClients(url: string) {
  const clients = new Map<string, KMS>();
  const regions: string[] = [];
  // The keyring's client type predates exactOptionalPropertyTypes; the SDK's KMS class is what
  // the Encryption SDK documents for it.
  const clientProvider = ((region: string) => {
    regions.push(region);
    let client = clients.get(region);
    if (client === undefined) {
      client = new KMS({
        endpoint: url,
        region,
        credentials: { accessKeyId: KMS_ACCESS_KEY_ID, secretAccessKey: KMS_SECRET_ACCESS_KEY },
        maxAttempts: 1,
      });
      clients.set(region, client);
    }
    return client;
  }) as unknown as EsdkClientProvider;
  const close = () => {
    for (const c of clients.values()) c.destroy();
  };
  return { clientProvider, regions, close };
}

export type ProxyTarget = { endpoint: string; uriPath: string; credential: Credential };

/** CreateCustomKeyStore input: an external key store on the proxy `target`, over the internet. */
export function externalKeyStoreInput(name: string, target: ProxyTarget) {
  return {
    CustomKeyStoreName: name,
    CustomKeyStoreType: 'EXTERNAL_KEY_STORE' as const,
    XksProxyConnectivity: 'PUBLIC_ENDPOINT' as const,
    XksProxyUriEndpoint: target.endpoint,
    XksProxyUriPath: target.uriPath,
    XksProxyAuthenticationCredential: {
      AccessKeyId: target.credential.accessKeyId,
      RawSecretAccessKey: target.credential.secretAccessKey,
    },
  };
}

/** Polls DescribeCustomKeyStores until the store leaves CONNECTING (at most ~10 s); its last state. */
export async function waitConnected(client: KMSClient, id: string | undefined): Promise<string> {
  let state = '';
  for (let i = 0; i < 200; i++) {
    const out = await client.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }));
    state = out.CustomKeyStores?.[0]?.ConnectionState ?? '';
    if (state !== 'CONNECTING') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return state;
}

/**
 * Connects external key store `id` and waits for its state, then creates a key on `xksKeyId` in it
 * and encrypts `text` under that key: the store's state and the Encrypt answer.
 */
export async function connectAndEncrypt(
  client: KMSClient,
  id: string | undefined,
  xksKeyId: string,
  text: string,
) {
  await client.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
  const state = await waitConnected(client, id);
  const key = await client.send(
    new CreateKeyCommand({
      Origin: 'EXTERNAL_KEY_STORE',
      CustomKeyStoreId: id,
      XksKeyId: xksKeyId,
    }),
  );
  const encrypted = await client.send(
    new EncryptCommand({
      KeyId: key.KeyMetadata?.KeyId,
      Plaintext: new TextEncoder().encode(text),
    }),
  );
  return { state, encrypted };
}

/** Awaits `p`, expects it to reject with an instance of `type`, and returns that error. */
export async function rejects<T>(
  p: Promise<unknown>,
  type: new (...args: never[]) => T,
): Promise<T> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(type);
    return e as T;
  }
  throw new Error(`expected ${type.name}`);
}

/**
 * The seed of the KMS end-to-end tests: module kms-hsm (2 nodes) with keys for every case (enabled,
 * disabled, encrypt-only, one to block) and key store kms-e2e at `prefix` with `credential`.
 */
export function kmsLabSeed(prefix: string, credential: Credential) {
  const ED = ['ENCRYPT', 'DECRYPT'];
  return {
    modules: [
      {
        name: 'kms-hsm',
        nodes: 2,
        keys: [
          { id: 'k1', usage: ED },
          { id: 'k2', usage: ED },
          { id: 'esdk', usage: ED },
          { id: 'disabled', usage: ED, status: 'DISABLED' },
          { id: 'encrypt-only', usage: ['ENCRYPT'] },
          { id: 'blockme', usage: ED },
        ],
      },
    ],
    keyStores: [
      {
        name: 'kms-e2e',
        uriPathPrefix: prefix,
        region: KMS_REGION,
        module: 'kms-hsm',
        credentials: [credential],
      },
    ],
  };
}
