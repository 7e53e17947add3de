import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { healthBody } from '../bodies.ts';
import { defineCheck } from '../check.ts';
import { describeReply, fail } from '../expect.ts';
import { NetworkError, send } from '../http-client.ts';

/** §1.1: TLS 1.2+ with at least one of these suites (IANA names; OpenSSL names for 1.2). */
export const KMS_TLS_SUITES = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
];
const OPENSSL_SUITES = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
].join(':');

export const tlsChecks = [
  defineCheck({
    id: 'tls.kms-cipher-suites',
    title: 'TLS 1.2 or later with a cipher suite KMS offers',
    specRef: '§1.1',
    severity: 'MUST',
    why: 'KMS connects only with TLS 1.2+ and the suites it offers; anything else is unreachable for KMS.',
    needs: ['https'],
    async run(ctx) {
      const { endpoint } = ctx.run;
      const socket = await new Promise<TLSSocket>((resolve, reject) => {
        const s = connect({
          host: endpoint.hostname,
          port: endpoint.port,
          minVersion: 'TLSv1.2',
          ciphers: OPENSSL_SUITES,
          ...(isIP(endpoint.hostname) ? {} : { servername: endpoint.hostname }),
          ...(endpoint.tls.ca ? { ca: endpoint.tls.ca } : {}),
          ...(endpoint.tls.cert ? { cert: endpoint.tls.cert } : {}),
          ...(endpoint.tls.key ? { key: endpoint.tls.key } : {}),
        });
        s.setTimeout(ctx.run.timeoutMs, () => s.destroy(new Error('TLS handshake timed out')));
        s.once('secureConnect', () => resolve(s));
        s.once('error', reject);
      }).catch((e: unknown) =>
        fail(
          `no TLS 1.2+ handshake with the KMS cipher suites: ${e instanceof Error ? e.message : String(e)}`,
        ),
      );
      const protocol = socket.getProtocol();
      const cipher = socket.getCipher().standardName;
      socket.destroy();
      if (!KMS_TLS_SUITES.includes(cipher)) fail(`negotiated ${protocol} ${cipher}`);
      ctx.note(`${protocol} ${cipher}`);
    },
  }),
  defineCheck({
    id: 'tls.client-certificate-required',
    title: 'Without a client certificate the TLS connection is refused (mTLS)',
    specRef: '§2.3',
    severity: 'SHOULD',
    why: 'mTLS keeps anyone but KMS (or its VPC endpoint) from talking to the proxy at all.',
    needs: ['https', 'clientCertificate'],
    async run(ctx) {
      const endpoint = { ...ctx.run.endpoint, tls: { ca: ctx.run.endpoint.tls.ca } };
      const body = new TextEncoder().encode(JSON.stringify(healthBody()));
      try {
        const res = await send(
          endpoint,
          {
            method: 'POST',
            path: `${endpoint.basePath}/health`,
            headers: { 'content-type': 'application/json' },
            body,
          },
          { timeoutMs: ctx.run.timeoutMs },
        );
        fail(
          `an HTTP answer came without a client certificate: ${describeReply({
            status: res.status,
            contentType: res.headers['content-type'],
            text: res.body.toString('utf8'),
            durationMs: 0,
          })}`,
        );
      } catch (e) {
        if (!(e instanceof NetworkError)) throw e;
        ctx.note(`refused (${e.code})`);
      }
    },
  }),
];
