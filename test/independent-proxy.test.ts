/**
 * The conformance runner against a second XKS proxy that shares no code with xkslab's
 * (test/independent-proxy: node:http(s), node:crypto, SigV4 verified by hand). It must pass every
 * check, over HTTP and over HTTPS with mTLS: a check that fails here only fits xkslab's answers.
 * And it is not a pushover: a signature made with another secret is still refused.
 */
import { type ConformanceOptions, runConformance } from '@xkslab/conformance';
import { newCredential } from '@xkslab/conformance/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IndependentProxy, startIndependentProxy } from './independent-proxy/server.ts';
import { issue, makeCa } from './support/certs.ts';
import { notPassed } from './support/conformance.ts';

const PREFIX = '/independent/store-1';
const REGION = 'eu-central-1';
const first = newCredential();
const second = newCredential();
const KEYS = {
  'main-key': { usage: ['ENCRYPT', 'DECRYPT'], enabled: true },
  'enc-only': { usage: ['ENCRYPT'], enabled: true },
  'dec-only': { usage: ['DECRYPT'], enabled: true },
  'wrap-key': { usage: ['WRAP'], enabled: true },
  'off-key': { usage: ['ENCRYPT', 'DECRYPT'], enabled: false },
} as const;

function options(base: string): ConformanceOptions {
  return {
    url: `${base}${PREFIX}/kms/xks/v1`,
    accessKeyId: first.accessKeyId,
    secretAccessKey: first.secretAccessKey,
    region: REGION,
    keyId: 'main-key',
    encryptOnlyKeyId: 'enc-only',
    decryptOnlyKeyId: 'dec-only',
    noUsageKeyId: 'wrap-key',
    disabledKeyId: 'off-key',
    secondCredential: second,
  };
}

const proxies: IndependentProxy[] = [];
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
});

describe('the conformance runner against an independent XKS proxy', () => {
  let http: IndependentProxy;
  beforeAll(async () => {
    http = await startIndependentProxy({
      prefix: PREFIX,
      region: REGION,
      credentials: [first, second],
      keys: KEYS,
    });
    proxies.push(http);
  });

  it('over HTTP: every check passes; only TLS (http://) and load (not requested) do not apply', async () => {
    const report = await runConformance(options(`http://127.0.0.1:${http.port}`));
    expect(notPassed(report).filter((l) => !/^(tls|load)\.[^ ]+ na:/.test(l))).toEqual([]);
    expect(report.summary.verdict).toBe('CONFORMS');
    const ids = report.checks.map((c) => c.id);
    for (const id of [
      'sigv4.matrix.signature',
      'crypto.nonce-unique',
      'latency.every-answer',
      'transport.pipelining',
    ]) {
      expect(ids).toContain(id);
    }
  }, 120_000);

  it('is not a pushover: the runner with a wrong secret fails its checks', async () => {
    const report = await runConformance({
      ...options(`http://127.0.0.1:${http.port}`),
      secretAccessKey: newCredential().secretAccessKey,
      only: ['health.ok', 'sigv4.matrix.algorithm'],
    });
    expect(report.checks.map((c) => `${c.id} ${c.status}`)).toEqual([
      'health.ok fail',
      'sigv4.matrix.algorithm fail',
    ]);
    expect(report.checks[0]?.message).toContain('401 AuthenticationFailedException');
  });

  it('over HTTPS with mTLS: every check passes, TLS ones included', async () => {
    const ca = await makeCa('independent-ca');
    const server = await issue(ca, { commonName: 'localhost', server: true });
    const client = await issue(ca, { commonName: 'kms-client' });
    const https = await startIndependentProxy({
      prefix: PREFIX,
      region: REGION,
      credentials: [first, second],
      keys: KEYS,
      tls: { cert: server.certPem, key: server.keyPem, ca: ca.certPem },
    });
    proxies.push(https);
    const report = await runConformance({
      ...options(`https://localhost:${https.port}`),
      tls: { ca: ca.certPem, cert: client.certPem, key: client.keyPem },
    });
    expect(notPassed(report).filter((l) => !/^load\.[^ ]+ na:/.test(l))).toEqual([]);
    expect(report.checks.find((c) => c.id === 'tls.client-certificate-required')?.status).toBe(
      'pass',
    );
  }, 120_000);
});
