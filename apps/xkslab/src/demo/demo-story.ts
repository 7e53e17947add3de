/**
 * The story `xkslab demo` tells, step by step, over real HTTP: the KMS emulator is driven with
 * SigV4-signed KMS JSON requests, and it calls xkslab's proxy exactly as AWS KMS would. Everything
 * it needs (clients, the key manager switch, files, output) is passed in by main.ts.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { concatBytes } from '@noble/ciphers/utils.js';
import { KmsClientError, type KmsJsonClient, type XksCallRecord } from '@xkslab/kms-emulator';

export type DemoProxyCall = {
  kmsRequestId: string;
  operation: string;
  kmsOperation?: string | undefined;
  /** `ok`, or the error name the proxy answered. */
  result: string;
};

export type DemoDeps = {
  kms: KmsJsonClient;
  /** The key store as the KMS console would take it. */
  proxy: {
    uriEndpoint: string;
    uriPath: string;
    accessKeyId: string;
    secretAccessKey: string;
    externalKeyId: string;
    module: string;
  };
  /** Takes the module offline (state `disconnected`) and back. */
  keyManager: { disconnect(): Promise<void>; reconnect(): Promise<void> };
  files: {
    dir: string;
    write(name: string, bytes: Uint8Array): Promise<void>;
    read(name: string): Promise<Uint8Array>;
  };
  /** Proxy calls as the proxy's audit log recorded them. */
  proxyCalls(): Promise<DemoProxyCall[]>;
  /** Proxy calls as the KMS emulator made them. */
  kmsCalls(): XksCallRecord[];
  /** One health round of the emulator (kmsOperation KmsHealthCheck) and its key manager states. */
  healthCheck(): Promise<{ Active: number; Degraded: number; Unavailable: number } | undefined>;
  random: (n: number) => Uint8Array;
  sleep: (ms: number) => Promise<void>;
  say: (text: string) => void;
  /** Waits for Enter with --step; resolves at once otherwise. */
  pause: () => Promise<void>;
};

type Sent = { action: string; requestId: string | undefined; result: string };

const REPORT = `Quarterly report (demo)
=======================
Revenue is up, the external key store is working, and nobody outside this laptop ever saw
the key that protects this file.
`;
const CONTEXT = { department: 'finance', file: 'report.txt' };

function hex(bytes: Uint8Array, max = 16): string {
  const text = Buffer.from(bytes.slice(0, max)).toString('hex');
  return bytes.length > max ? `${text}...` : text;
}

/** The envelope file: uint16 blob length, the encrypted data key, 12-byte IV, AES-GCM output. */
function envelope(blob: Uint8Array, iv: Uint8Array, sealed: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(blob.length >> 8, blob.length & 0xff), blob, iv, sealed);
}

function unenvelope(bytes: Uint8Array): { blob: Uint8Array; iv: Uint8Array; sealed: Uint8Array } {
  const length = ((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0);
  const blob = bytes.slice(2, 2 + length);
  const iv = bytes.slice(2 + length, 14 + length);
  return { blob, iv, sealed: bytes.slice(14 + length) };
}

/** What every step shares: the deps, the KMS calls sent so far and the step counter. */
function openStory(deps: DemoDeps) {
  const { kms, say } = deps;
  const sent: Sent[] = [];
  const call = async (action: string, input: object) => {
    try {
      const result = await kms.call(action, input);
      sent.push({ action, requestId: result.$requestId, result: 'ok' });
      return result;
    } catch (e) {
      if (e instanceof KmsClientError)
        sent.push({ action, requestId: e.requestId, result: e.name });
      throw e;
    }
  };
  const expectFailure = async (action: string, input: object): Promise<KmsClientError> => {
    try {
      await call(action, input);
    } catch (e) {
      if (e instanceof KmsClientError) return e;
      throw e;
    }
    throw new Error(`${action} succeeded while the key manager was disconnected`);
  };
  let stepNo = 0;
  const step = async (title: string, text: string) => {
    stepNo += 1;
    say(`\n── Step ${stepNo}/7: ${title} ${'─'.repeat(Math.max(2, 60 - title.length))}`);
    await deps.pause();
    say(text);
  };
  return { deps, say, sent, call, expectFailure, step };
}

type Story = ReturnType<typeof openStory>;

export async function runDemoStory(deps: DemoDeps): Promise<void> {
  const story = openStory(deps);
  const keyStoreId = await createKeyStore(story);
  await connectKeyStore(story, keyStoreId);
  await createDemoKey(story, keyStoreId);
  const blob = await encryptFile(story);
  await disconnectKeyManager(story, blob);
  await reconnectKeyManager(story);
  await showAuditTrail(story);
  story.say('\nDone: KMS emulator -> XKS proxy -> virtual HSM, end to end, with no AWS account.');
}

/** Step 1: the key store, as the console creates it; answers its id. */
async function createKeyStore({ deps, say, call, step }: Story): Promise<string> {
  const { proxy } = deps;
  await step(
    'Create the external key store',
    `KMS needs the proxy's URI, path and SigV4 credential. Before it accepts them it calls the
proxy's GetHealthStatus, signed with that credential (kmsOperation CreateCustomKeyStore).`,
  );
  const created = await call('CreateCustomKeyStore', {
    CustomKeyStoreName: 'demo-external-key-store',
    CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
    XksProxyConnectivity: 'PUBLIC_ENDPOINT',
    XksProxyUriEndpoint: proxy.uriEndpoint,
    XksProxyUriPath: proxy.uriPath,
    XksProxyAuthenticationCredential: {
      AccessKeyId: proxy.accessKeyId,
      RawSecretAccessKey: proxy.secretAccessKey,
    },
  });
  const keyStoreId = String(created.CustomKeyStoreId);
  say(`  CreateCustomKeyStore -> ${keyStoreId}  (proxy ${proxy.uriEndpoint}${proxy.uriPath})`);
  say('  It starts DISCONNECTED: KMS sends nothing to the proxy until it is connected.');
  return keyStoreId;
}

/** Step 2: connect, and poll until the store leaves CONNECTING. */
async function connectKeyStore(
  { deps, say, call, step }: Story,
  keyStoreId: string,
): Promise<void> {
  await step(
    'Connect it',
    `ConnectCustomKeyStore returns at once; the store stays CONNECTING (about five minutes in AWS,
a moment here) until a GetHealthStatus (kmsOperation ConnectCustomKeyStore) succeeds.`,
  );
  await call('ConnectCustomKeyStore', { CustomKeyStoreId: keyStoreId });
  let state = '';
  for (let i = 0; i < 600; i++) {
    const described = await call('DescribeCustomKeyStores', { CustomKeyStoreId: keyStoreId });
    const store = (described.CustomKeyStores as Array<Record<string, unknown>>)[0] ?? {};
    const now = String(store.ConnectionState);
    if (now !== state)
      say(
        `  ConnectionState: ${now}${store.ConnectionErrorCode ? ` (${String(store.ConnectionErrorCode)})` : ''}`,
      );
    state = now;
    if (state !== 'CONNECTING') break;
    await deps.sleep(100);
  }
  if (state !== 'CONNECTED') throw new Error(`the key store did not connect (${state})`);
}

/** Step 3: a KMS key backed by the external key, and its alias. */
async function createDemoKey({ deps, say, call, step }: Story, keyStoreId: string): Promise<void> {
  const { proxy } = deps;
  await step(
    'Create a KMS key backed by the module',
    `CreateKey with Origin EXTERNAL_KEY_STORE names the external key (XksKeyId). KMS checks it with
GetKeyMetadata: it must be an enabled AES-256 key that can encrypt and decrypt.`,
  );
  const key = await call('CreateKey', {
    Origin: 'EXTERNAL_KEY_STORE',
    CustomKeyStoreId: keyStoreId,
    XksKeyId: proxy.externalKeyId,
    Description: 'xkslab demo key',
  });
  const meta = key.KeyMetadata as Record<string, unknown>;
  await call('CreateAlias', { AliasName: 'alias/demo', TargetKeyId: meta.KeyId });
  say(`  KMS key   ${String(meta.Arn)}`);
  say(`  alias     alias/demo`);
  say(
    `  external  ${proxy.externalKeyId} in module ${proxy.module} (KeyState ${String(meta.KeyState)})`,
  );
}

/** Step 4: envelope-encrypt report.txt, decrypt it back; answers the encrypted data key. */
async function encryptFile(story: Story): Promise<Uint8Array> {
  const { deps, say, call, step } = story;
  await step(
    'Envelope-encrypt a file with a data key',
    `GenerateDataKey returns a fresh AES-256 data key twice: in the clear, to encrypt the file
locally, and encrypted, to store beside it. KMS encrypts the data key under its own material
for the KMS key, then has the proxy encrypt that ciphertext with the external key (double
encryption): the proxy never sees the data key. The encryption context is bound to both.`,
  );
  await deps.files.write('report.txt', new TextEncoder().encode(REPORT));
  const plaintextFile = await deps.files.read('report.txt');
  const dataKey = await call('GenerateDataKey', {
    KeyId: 'alias/demo',
    KeySpec: 'AES_256',
    EncryptionContext: CONTEXT,
  });
  const keyBytes = new Uint8Array(Buffer.from(String(dataKey.Plaintext), 'base64'));
  const blob = new Uint8Array(Buffer.from(String(dataKey.CiphertextBlob), 'base64'));
  const iv = deps.random(12);
  const sealed = gcm(keyBytes, iv).encrypt(plaintextFile);
  keyBytes.fill(0);
  await deps.files.write('report.txt.enc', envelope(blob, iv, sealed));
  say(`  data key         (32 bytes, used once, then wiped from memory)`);
  say(`  encrypted key    ${blob.length} bytes: ${hex(blob)}`);
  say(
    `  report.txt       ${plaintextFile.length} bytes -> report.txt.enc ${2 + blob.length + 12 + sealed.length} bytes`,
  );
  say(`  files in         ${deps.files.dir}`);

  const first = await decryptFile(story);
  if (first !== REPORT) throw new Error('the decrypted file differs from the original');
  say('  Decrypt(encrypted key) -> data key -> report.txt decrypts: identical to the original.');
  return blob;
}

/** report.txt.enc opened again: KMS decrypts the data key, which decrypts the file. */
async function decryptFile({ deps, call }: Story): Promise<string> {
  const stored = unenvelope(await deps.files.read('report.txt.enc'));
  const opened = await call('Decrypt', {
    CiphertextBlob: Buffer.from(stored.blob).toString('base64'),
    EncryptionContext: CONTEXT,
  });
  const k = new Uint8Array(Buffer.from(String(opened.Plaintext), 'base64'));
  try {
    return new TextDecoder().decode(gcm(k, stored.iv).decrypt(stored.sealed));
  } finally {
    k.fill(0);
  }
}

/** Step 5: the module goes offline; decrypting and new data keys are refused. */
async function disconnectKeyManager(
  { deps, say, expectFailure, step }: Story,
  blob: Uint8Array,
): Promise<void> {
  const { proxy } = deps;
  await step(
    'Disconnect the key manager',
    `The external key manager goes offline: module '${proxy.module}' is set to state 'disconnected'.
KMS still holds its own half, but without the external key nothing can decrypt ciphertext
encrypted under the KMS key. Every cryptographic call fails with KMSInvalidStateException.`,
  );
  await deps.keyManager.disconnect();
  const health = await deps.healthCheck();
  if (health) {
    say(
      `  KMS health check: key manager instances Active ${health.Active}, Degraded ${health.Degraded}, Unavailable ${health.Unavailable}`,
    );
  }
  const refused = await expectFailure('Decrypt', {
    CiphertextBlob: Buffer.from(blob).toString('base64'),
    EncryptionContext: CONTEXT,
  });
  say(`  Decrypt          -> ${refused.name}`);
  say(`                      "${refused.message}"`);
  const refusedNew = await expectFailure('GenerateDataKey', {
    KeyId: 'alias/demo',
    KeySpec: 'AES_256',
  });
  say(`  GenerateDataKey  -> ${refusedNew.name}`);
  say('  The KMS key itself is unchanged (KMS key state and external key status are independent).');
}

/** Step 6: the module is back and the same file decrypts. */
async function reconnectKeyManager(story: Story): Promise<void> {
  const { deps, say, step } = story;
  await step(
    'Reconnect',
    `The module is back ('active'). Nothing had to be re-imported or re-keyed: the same encrypted
data key decrypts again.`,
  );
  await deps.keyManager.reconnect();
  const again = await decryptFile(story);
  if (again !== REPORT) throw new Error('the decrypted file differs after reconnecting');
  say('  Decrypt -> ok; report.txt.enc decrypts to the original again.');
}

/** Step 7: every KMS request sent, with the proxy calls made under its request id. */
async function showAuditTrail({ deps, say, sent, step }: Story): Promise<void> {
  await step(
    'The audit trail',
    `Every KMS request has a request id; KMS passes it to the proxy as kmsRequestId, so each
proxy call can be traced back to the KMS request (CloudTrail) that caused it.`,
  );
  const byRequest = new Map<string, DemoProxyCall[]>();
  const proxyCalls = await deps.proxyCalls();
  for (const p of proxyCalls) {
    const list = byRequest.get(p.kmsRequestId) ?? [];
    list.push(p);
    byRequest.set(p.kmsRequestId, list);
  }
  const transportFailures = new Map(deps.kmsCalls().map((c) => [c.kmsRequestId, c]));
  say(
    '  KMS request id                        KMS action                proxy call -> what the caller got',
  );
  const rows: Array<{ id: string; action: string; result: string }> = sent
    .filter((s) => s.action !== 'DescribeCustomKeyStores' && s.requestId !== undefined)
    .map((s) => ({ id: s.requestId as string, action: s.action, result: s.result }));
  for (const p of proxyCalls) {
    if (p.kmsOperation === 'KmsHealthCheck' && !rows.some((r) => r.id === p.kmsRequestId)) {
      rows.push({ id: p.kmsRequestId, action: '(KMS health check)', result: 'ok' });
    }
  }
  for (const row of rows) {
    const calls = byRequest.get(row.id) ?? [];
    const failure = transportFailures.get(row.id);
    const proxyText = calls.length
      ? calls.map((c) => `${c.operation} ${c.result}`).join(', ')
      : failure && failure.outcome !== 'ok'
        ? `no answer (${failure.outcome})`
        : 'none: KMS answered alone';
    say(`  ${row.id}  ${row.action.padEnd(24)}  ${proxyText} -> ${row.result}`);
  }
  say(
    `  ${proxyCalls.length} proxy calls in the audit log, each under the id of the KMS request behind it.`,
  );
}
