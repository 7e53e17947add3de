/**
 * `serve --dev-tls --workers 2`: the workers terminate TLS and check the client certificate
 * themselves (the primary only hands them the listener), so HTTPS, mTLS and the refusal of a
 * client without a certificate must hold in every worker, as they do in one process.
 */
import { join } from 'node:path';
import { decryptBody, encryptBody, unb64, XKS_API } from '@xkslab/conformance/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { XkslabServer } from './support/binary.ts';
import type { Credential } from './support/credentials.ts';
import { curl, curlXks } from './support/curl.ts';
import { useTempServers } from './support/fixture.ts';
import { defaultKeyStoreTarget } from './support/proxy-config.ts';

/** Enough sequential connections that round-robin hands some to each of the two workers. */
const EVERY_WORKER = 8;
const { start } = useTempServers();

let server: XkslabServer;
let trust: string[];
let clientArgs: string[];
let credential: Credential;
/** The default key store's URI path prefix. */
let prefix: string;

beforeAll(async () => {
  server = await start({ extraArgs: ['--dev-tls', '--workers', '2'] });
  const tls = join(server.dataDir, 'tls');
  trust = ['--cacert', join(tls, 'ca.pem')];
  clientArgs = [
    ...trust,
    ...['--cert', join(tls, 'client.pem'), '--key', join(tls, 'client-key.pem')],
  ];
  ({ credential, prefix } = await defaultKeyStoreTarget(server.port, server.dataDir));
}, 60_000);

function xks(path: string, body: unknown) {
  return curlXks({
    url: `${server.url}${prefix}${XKS_API}${path}`,
    region: 'us-east-1',
    credential,
    body: JSON.stringify(body),
    extraArgs: clientArgs,
  });
}

/** The workers that wrote log lines with message `msg`, sorted. */
function workersLogging(msg: string): unknown[] {
  return [
    ...new Set(
      server
        .logs()
        .filter((l) => l.msg === msg)
        .map((l) => l.worker),
    ),
  ].sort();
}

describe('serve --dev-tls --workers 2', () => {
  it('listens on https', () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('round-trips encrypt and decrypt over mTLS, served by both workers', async () => {
    for (let i = 0; i < EVERY_WORKER; i++) {
      const plaintext = Buffer.from(`over https, call ${i}`);
      const enc = await xks('/keys/default-key/encrypt', encryptBody({ plaintext }));
      expect(enc.status, enc.text).toBe(200);
      const dec = await xks('/keys/default-key/decrypt', decryptBody(JSON.parse(enc.text)));
      expect(dec.status, dec.text).toBe(200);
      expect(unb64(JSON.parse(dec.text).plaintext)).toEqual(plaintext);
    }
    // Round-robin hands each new connection (one per curl) to the next worker.
    expect(workersLogging('xks')).toEqual([1, 2]);
  });

  it('refuses a client without a certificate on every worker, during the handshake', async () => {
    for (let i = 0; i < EVERY_WORKER; i++) {
      const r = await curl([...trust, `${server.url}/ping`]);
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.stdout).toBe('');
    }
    expect(workersLogging('tls refused')).toEqual([1, 2]);
    const ok = await curl([...clientArgs, `${server.url}/ping`]);
    expect([ok.code, ok.stdout], ok.stderr).toEqual([0, expect.stringMatching(/^pong from /)]);
  });
});
