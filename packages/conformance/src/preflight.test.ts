import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseEndpoint } from './endpoint.ts';
import { NetworkError } from './http-client.ts';
import { TargetUnreachableError, unreachable } from './preflight.ts';
import { ConformanceAbortedError, runConformance } from './runner.ts';

const OPTIONS = {
  accessKeyId: 'AKIAXKSLABEXAMPLE2345',
  secretAccessKey: 'a'.repeat(43),
  region: 'us-east-1',
  keyId: 'k',
};

/** A port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('the preflight request', () => {
  it('fails the run once, up front, when nothing listens', async () => {
    const port = await closedPort();
    const progress: string[] = [];
    const run = runConformance(
      { ...OPTIONS, url: `http://127.0.0.1:${port}/kms/xks/v1` },
      { onProgress: (e) => progress.push(e.type) },
    );
    await expect(run).rejects.toThrow(TargetUnreachableError);
    await expect(run).rejects.toMatchObject({
      reason: 'CONNECTION_REFUSED',
      message: `nothing listens at http://127.0.0.1:${port} (connection refused): is the proxy running?`,
    });
    expect(progress).toEqual([]);
  });

  it('names the --ca flag for an untrusted certificate, --cert for a required client certificate', () => {
    const https = parseEndpoint('https://127.0.0.1:8443/kms/xks/v1');
    const untrusted = unreachable(
      https,
      new NetworkError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'),
    );
    expect(untrusted.reason).toBe('UNTRUSTED_CERTIFICATE');
    expect(untrusted.message).toBe(
      'the TLS certificate of https://127.0.0.1:8443 is not trusted (SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain): pass --ca FILE with the PEM of the CA that issued it',
    );
    const mtls = unreachable(
      https,
      new NetworkError('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'alert 116'),
    );
    expect(mtls.reason).toBe('CLIENT_CERTIFICATE_REQUIRED');
    expect(mtls.message).toMatch(/pass --cert FILE --key FILE/);
    const openssl = unreachable(
      https,
      new NetworkError(
        'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
        '80BC:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../ssl/rec_layer_s3.c:1601:SSL alert number 116\n',
      ),
    );
    expect(openssl.message).toBe(
      'https://127.0.0.1:8443 ended the TLS handshake (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: tlsv13 alert certificate required): pass --cert FILE --key FILE (mTLS)',
    );
  });

  it('lets the checks judge any HTTP answer, and stops between checks when aborted', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('nope');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const url = `http://127.0.0.1:${port}/kms/xks/v1`;
      const report = await runConformance({ ...OPTIONS, url, only: ['health.ok'] });
      expect(report.checks.map((c) => [c.id, c.status])).toEqual([['health.ok', 'fail']]);
      const controller = new AbortController();
      const aborted = runConformance(
        { ...OPTIONS, url, only: ['health.', 'metadata.'] },
        {
          onProgress: (e) => {
            if (e.type === 'check-done') controller.abort();
          },
          signal: controller.signal,
        },
      );
      await expect(aborted).rejects.toThrow(ConformanceAbortedError);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
