/** Test helpers for @xkslab/kms-emulator: never used by the binary. */
import { sequenceRandom } from '@xkslab/protocol/testing';
import type { Hono } from 'hono';
import { createKmsApp } from '../app.ts';
import { KmsJsonClient } from '../client/kms-client.ts';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_REGION, DEFAULT_SECRET_ACCESS_KEY } from '../constants.ts';
import { KmsEmulator } from '../emulator.ts';
import type { KmsEmulatorDeps, KmsEmulatorOptions } from '../emulator-deps.ts';
import type { Cancel, Scheduler } from '../scheduler.ts';
import type { XksCallRecord } from '../xks/xks-client.ts';
import { type FakeKey, FakeXksProxy } from './fake-proxy.ts';

export { b64, errorName, rejection, unb64 } from './calls.ts';
export type { FakeKey, FakeProxyOptions, RecordedCall, ScriptedFault } from './fake-proxy.ts';
export { FakeXksProxy } from './fake-proxy.ts';
export { memoryStorage, TEST_MASTER_KEY } from './memory-state.ts';
export { sequenceRandom };

/** Timers that only run when the test says so. */
export class ManualScheduler implements Scheduler {
  #now = 0;
  #next = 0;
  readonly #timers = new Map<number, { at: number; every?: number; fn: () => void }>();

  after(ms: number, fn: () => void): Cancel {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + ms, fn });
    return () => this.#timers.delete(id);
  }

  every(ms: number, fn: () => void): Cancel {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + ms, every: ms, fn });
    return () => this.#timers.delete(id);
  }

  /** Advances the timer clock by `ms`, running every callback that falls due, in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let due: [number, { at: number; every?: number; fn: () => void }] | undefined;
      for (const entry of this.#timers.entries()) {
        if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      }
      if (!due) break;
      const [id, timer] = due;
      this.#now = timer.at;
      if (timer.every) timer.at += timer.every;
      else this.#timers.delete(id);
      timer.fn();
    }
    this.#now = end;
  }

  get pending(): number {
    return this.#timers.size;
  }
}

export const TEST_NOW = new Date('2025-06-01T12:00:00.000Z');
export const PROXY_ENDPOINT = 'https://xks.example.com';
export const PROXY_URI_PATH = '/tenant/kms/xks/v1';
export const PROXY_ACCESS_KEY_ID = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const PROXY_SECRET = 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==';

/** An UpdateCustomKeyStore request with a proxy credential the fake proxy does not know. */
export function unknownCredentialUpdate(customKeyStoreId: string) {
  return {
    CustomKeyStoreId: customKeyStoreId,
    XksProxyAuthenticationCredential: {
      AccessKeyId: 'ZZZZZZZZZZZZZZZZZZZZZZ',
      RawSecretAccessKey: PROXY_SECRET,
    },
  };
}

/** CreateCustomKeyStore input for the fake proxy's endpoint and credential, with `overrides`. */
export function customKeyStoreInput(overrides: Record<string, unknown> = {}) {
  return {
    CustomKeyStoreName: 'ks',
    CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
    XksProxyConnectivity: 'PUBLIC_ENDPOINT',
    XksProxyUriEndpoint: PROXY_ENDPOINT,
    XksProxyUriPath: PROXY_URI_PATH,
    XksProxyAuthenticationCredential: {
      AccessKeyId: PROXY_ACCESS_KEY_ID,
      RawSecretAccessKey: PROXY_SECRET,
    },
    ...overrides,
  };
}

/** Lets pending promise callbacks run (the emulator's timers start async work). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

export type TestEmulator = {
  emulator: KmsEmulator;
  proxy: FakeXksProxy;
  scheduler: ManualScheduler;
  client: KmsJsonClient;
  /** A client signing with other credentials or another Region. */
  clientWith(
    credentials: { accessKeyId: string; secretAccessKey: string },
    region?: string,
  ): KmsJsonClient;
  app: Hono;
  xksCalls: XksCallRecord[];
  /** Moves the emulator's clock (SigV4 timestamps of both sides follow it). */
  setNow(date: Date): void;
  /** Creates a key store on the fake proxy and connects it (runs the connect delay). */
  connectedKeyStore(name?: string): Promise<string>;
  /** Creates a KMS key on a connected key store. */
  createKey(keyStoreId: string, xksKeyId: string): Promise<string>;
};

export async function createTestEmulator(
  options: {
    keys?: FakeKey[];
    emulator?: KmsEmulatorOptions;
    persistence?: KmsEmulatorDeps['persistence'];
  } = {},
): Promise<TestEmulator> {
  let now = TEST_NOW;
  const clock = () => now;
  const random = sequenceRandom(7);
  const scheduler = new ManualScheduler();
  const proxy = new FakeXksProxy({
    endpoint: PROXY_ENDPOINT,
    uriPath: PROXY_URI_PATH,
    region: options.emulator?.region ?? DEFAULT_REGION,
    accessKeyId: PROXY_ACCESS_KEY_ID,
    secretAccessKey: PROXY_SECRET,
    keys: options.keys ?? [
      { id: 'ext-1', material: new Uint8Array(32).fill(1) },
      { id: 'ext-2', material: new Uint8Array(32).fill(2) },
    ],
    clock,
    random: sequenceRandom(100),
  });
  const xksCalls: XksCallRecord[] = [];
  let tick = 0;
  const emulator = await KmsEmulator.create({
    transport: proxy.transport,
    options: { connectDelayMs: 1000, ...options.emulator },
    clock,
    random,
    monotonic: () => tick++,
    scheduler,
    onXksCall: (r) => xksCalls.push(r),
    ...(options.persistence ? { persistence: options.persistence } : {}),
  });
  const app = createKmsApp(emulator);
  const clientWith = (
    credentials: { accessKeyId: string; secretAccessKey: string },
    region = emulator.account.region,
  ) =>
    new KmsJsonClient({
      endpoint: 'http://kms.local',
      region,
      credentials,
      clock,
      fetch: async (request) => app.fetch(request),
    });
  const client = clientWith({
    accessKeyId: DEFAULT_ACCESS_KEY_ID,
    secretAccessKey: DEFAULT_SECRET_ACCESS_KEY,
  });
  const test: TestEmulator = {
    emulator,
    proxy,
    scheduler,
    client,
    clientWith,
    app,
    xksCalls,
    setNow(date) {
      now = date;
    },
    async connectedKeyStore(name = 'store-1') {
      const created = await client.call(
        'CreateCustomKeyStore',
        customKeyStoreInput({ CustomKeyStoreName: name }),
      );
      const id = String(created.CustomKeyStoreId);
      await client.call('ConnectCustomKeyStore', { CustomKeyStoreId: id });
      scheduler.advance(emulator.settings.connectDelayMs);
      await flush();
      return id;
    },
    async createKey(keyStoreId, xksKeyId) {
      const created = await client.call('CreateKey', {
        Origin: 'EXTERNAL_KEY_STORE',
        CustomKeyStoreId: keyStoreId,
        XksKeyId: xksKeyId,
      });
      return String((created.KeyMetadata as { KeyId: string }).KeyId);
    },
  };
  return test;
}
