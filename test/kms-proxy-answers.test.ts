/**
 * The KMS emulator calls whatever proxy URI a caller gives it (CreateCustomKeyStore tests it with
 * GetHealthStatus). Its errors must not read the answer back to the caller: a proxy URI aimed at
 * an internal service would otherwise leak that service's answer (server-side request forgery).
 * The caller sees a generic reason; the details go to the emulator's log.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateCustomKeyStoreCommand, type KMSClient } from '@aws-sdk/client-kms';
import { newCredential } from '@xkslab/conformance/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalKeyStoreInput, type KmsServer, kmsClient, startKms } from './support/kms.ts';

const SECRET = 'INTERNAL-SECRET-d41d8cd98f00';

/** Answers every request with `status` and `body` (what an internal service might say). */
type Answer = { status: number; body: string };
let answer: Answer = { status: 200, body: '' };
let internal: Server;
let internalUrl: string;
let emulator: KmsServer;
let kms: KMSClient;

beforeAll(async () => {
  internal = createServer((_req, res) => {
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body);
  });
  await new Promise<void>((done) => internal.listen(0, '127.0.0.1', done));
  internalUrl = `http://127.0.0.1:${(internal.address() as AddressInfo).port}`;
  emulator = await startKms();
  kms = kmsClient(emulator.url, { maxAttempts: 1 });
});

afterAll(async () => {
  kms?.destroy();
  await emulator?.stop();
  await new Promise((done) => internal?.close(done));
});

async function createStore(name: string): Promise<Error> {
  const cred = newCredential();
  try {
    await kms.send(
      new CreateCustomKeyStoreCommand(
        externalKeyStoreInput(name, {
          endpoint: internalUrl,
          uriPath: '/kms/xks/v1',
          credential: cred,
        }),
      ),
    );
  } catch (e) {
    if (e instanceof Error) return e;
  }
  throw new Error('expected CreateCustomKeyStore to fail');
}

describe('errors about a proxy answer', () => {
  it.each([
    ['a 200 whose fields are the wrong type', 200, { xksProxyFleetSize: SECRET, [SECRET]: 1 }],
    ['a 200 that is not XKS at all', 200, { database: { password: SECRET } }],
    ['an error with an unknown errorName', 500, { errorName: SECRET, errorMessage: SECRET }],
    [
      'an XKS error with a message',
      400,
      { errorName: 'ValidationException', errorMessage: SECRET },
    ],
  ])('%s: no body, no shape in the KMS error', async (_what, status, body) => {
    answer = { status, body: JSON.stringify(body) };
    const e = await createStore(`s${status}-${Object.keys(body)[0]?.length}`);
    expect(e.name).toMatch(/^XksProxy/);
    expect(e.message).not.toContain(SECRET);
    for (const key of ['xksProxyFleetSize', 'database', 'password', 'ekmFleetDetails']) {
      expect(e.message).not.toContain(key);
    }
    expect(e.message).toMatch(/HTTP \d{3}|malformed answer|ValidationException|rejected/);
  });

  it('logs the detail on the emulator side', async () => {
    answer = { status: 200, body: JSON.stringify({ xksProxyFleetSize: 'x' }) };
    await createStore('logged');
    const line = emulator.logs().find((l) => l.msg === 'kms-xks' && l.detail !== undefined);
    expect(String(line?.detail)).toMatch(/xksProxyFleetSize/);
  });
});
