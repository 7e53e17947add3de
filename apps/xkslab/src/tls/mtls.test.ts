import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnyServer, closeServer, listen } from '../server.ts';
import { testCa } from '../testing/certs.ts';
import type { TlsRefusal } from './client-name-check.ts';
import { buildTlsSetup } from './tls-config.ts';

const NOW = new Date();
const KMS = 'cks.kms.us-east-1.amazonaws.com';

type Outcome = {
  status?: number | undefined;
  body?: string | undefined;
  error?: string | undefined;
  message?: string | undefined;
  cipher?: string | undefined;
  protocol?: string | undefined;
};

let server: AnyServer;
let port: number;
let caPem: string;
const refusals: TlsRefusal[] = [];
let clients: Record<string, { certPem: string; keyPem: string }>;

beforeAll(async () => {
  const main = await testCa('main CA', NOW);
  const other = await testCa('other CA', NOW);
  caPem = main.ca.certPem;
  const pair = await main.server();
  clients = {
    good: await main.client(KMS),
    wrongName: await main.client('cks.kms.eu-west-1.amazonaws.com'),
    otherCa: await other.client(KMS),
  };
  const setup = buildTlsSetup(
    {
      cert: { text: pair.certPem, file: 'server.pem' },
      key: { text: pair.keyPem, file: 'server-key.pem' },
      mtls: { ca: { text: caPem, file: 'ca.pem' }, subject: KMS },
    },
    NOW,
  );
  const started = await listen(() => new Response('pong'), '127.0.0.1', 0, {
    serverOptions: setup.serverOptions,
    clientName: KMS,
    onRefused: (r) => refusals.push(r),
  });
  server = started.server;
  port = started.address.port;
});

afterAll(async () => {
  await closeServer(server);
});

function call(
  client: { certPem: string; keyPem: string } | undefined,
  tls: { maxVersion?: 'TLSv1.2' | 'TLSv1.3' | 'TLSv1.1'; minVersion?: 'TLSv1.1' } = {},
): Promise<Outcome> {
  return new Promise((done) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/ping',
        servername: 'localhost',
        ca: caPem,
        agent: false,
        ...(client ? { cert: client.certPem, key: client.keyPem } : {}),
        ...tls,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => {
          const socket = res.socket as import('node:tls').TLSSocket;
          done({
            status: res.statusCode,
            body,
            cipher: socket.getCipher?.()?.standardName,
            protocol: socket.getProtocol?.() ?? undefined,
          });
        });
      },
    );
    req.on('error', (e: Error & { code?: string }) =>
      done({ error: e.code ?? e.message, message: e.message }),
    );
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe('mTLS', () => {
  it('serves a client with a certificate from the CA carrying the name, over TLS 1.3', async () => {
    const out = await call(clients.good);
    expect(out).toMatchObject({ status: 200, body: 'pong', protocol: 'TLSv1.3' });
    expect(out.cipher).toBe('TLS_AES_256_GCM_SHA384');
  });

  it('offers the spec TLS 1.2 suite to a TLS 1.2 client', async () => {
    const out = await call(clients.good, { maxVersion: 'TLSv1.2' });
    expect(out).toMatchObject({ status: 200, protocol: 'TLSv1.2' });
    expect(out.cipher).toBe('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384');
  });

  it('refuses TLS 1.1', async () => {
    const out = await call(clients.good, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1.1' });
    expect(out.status).toBeUndefined();
    expect(out.error).toBeDefined();
  });

  it('refuses a client without a certificate with a TLS alert', async () => {
    const out = await call(undefined);
    expect(out.status).toBeUndefined();
    expect(out.error).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    const tls12 = await call(undefined, { maxVersion: 'TLSv1.2' });
    expect(tls12.message).toMatch(/alert handshake failure/);
    expect(refusals.some((r) => r.code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE')).toBe(true);
  });

  it('refuses a client certificate from another CA before any request is read', async () => {
    const out = await call(clients.otherCa);
    expect(out.status).toBeUndefined();
    expect(out.error).toBeDefined();
    const tls12 = await call(clients.otherCa, { maxVersion: 'TLSv1.2' });
    expect(tls12.status).toBeUndefined();
  });

  it('refuses a certificate from the CA with another name, and logs the subject', async () => {
    const before = refusals.length;
    const out = await call(clients.wrongName);
    expect(out.status).toBeUndefined();
    expect(out.error).toBeDefined();
    expect(refusals.slice(before)).toContainEqual({
      reason: `client certificate does not carry the name ${KMS}`,
      subject: 'CN=cks.kms.eu-west-1.amazonaws.com',
    });
  });
});
