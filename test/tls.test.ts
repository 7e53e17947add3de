/**
 * HTTPS and mTLS: `serve --dev-tls` (a local CA, curl trusting it, an XKS call signed by curl over
 * HTTPS), mTLS refusing clients without a certificate, from another CA or with another name, user
 * certificates (warning when they expire within 30 days, refusing expired ones), and bad flags.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { b64, decryptBody, encryptBody, unb64 } from '@xkslab/conformance/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { runXkslab, type XkslabServer } from './support/binary.ts';
import { DAY_MS, issue, makeCa, type Pem, writePem } from './support/certs.ts';
import type { Credential } from './support/credentials.ts';
import { curl, curlXks } from './support/curl.ts';
import { useTempServers } from './support/fixture.ts';

const KMS_NAME = 'cks.kms.us-east-1.amazonaws.com';
const { tempDir, start, removeLater } = useTempServers();

function expectOneLineError(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^xkslab: \S/);
  return lines[0] ?? '';
}

describe('serve --dev-tls (mTLS on)', () => {
  let server: XkslabServer;
  let tls: string;
  let trust: string[];
  let clientArgs: string[];
  let credential: Credential;

  beforeAll(async () => {
    server = await start({ extraArgs: ['--dev-tls'] });
    tls = join(server.dataDir, 'tls');
    trust = ['--cacert', join(tls, 'ca.pem')];
    clientArgs = [
      ...trust,
      '--cert',
      join(tls, 'client.pem'),
      '--key',
      join(tls, 'client-key.pem'),
    ];
    const config = JSON.parse(
      await readFile(join(server.dataDir, 'kms-proxy-config.json'), 'utf8'),
    );
    credential = {
      accessKeyId: config.XksProxyAuthenticationCredential.AccessKeyId,
      secretAccessKey: config.XksProxyAuthenticationCredential.RawSecretAccessKey,
    };
  });

  it('listens on https and prints how to trust the CA and present the client certificate', () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const err = server.stderr();
    expect(err).toContain(`curl --cacert ${join(tls, 'ca.pem')}`);
    expect(err).toContain(`--cert ${join(tls, 'client.pem')} --key ${join(tls, 'client-key.pem')}`);
    expect(err).toContain(KMS_NAME);
    expect(err).toContain('made ca.pem, server.pem, client.pem');
  });

  it('is trusted by curl through the dev CA, for 127.0.0.1 and localhost', async () => {
    const ok = await curl([...clientArgs, `${server.url}/ping`]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^pong from xkslab/);
    const byName = await curl([...clientArgs, `https://localhost:${server.port}/ping`]);
    expect(byName.code, byName.stderr).toBe(0);
    const untrusted = await curl([
      '--cert',
      join(tls, 'client.pem'),
      '--key',
      join(tls, 'client-key.pem'),
      `${server.url}/ping`,
    ]);
    expect(untrusted.code).toBe(60); // the server certificate is not trusted without the CA
  });

  it('negotiates the spec suites: TLS 1.3 AES-256-GCM, and ECDHE-ECDSA-AES256-GCM on TLS 1.2', async () => {
    const v13 = await curl(['-v', ...clientArgs, `${server.url}/ping`]);
    expect(v13.stderr).toMatch(/SSL connection using TLSv1\.3 \/ TLS_AES_256_GCM_SHA384/);
    const v12 = await curl(['-v', '--tls-max', '1.2', ...clientArgs, `${server.url}/ping`]);
    expect(v12.code, v12.stderr).toBe(0);
    expect(v12.stderr).toMatch(/SSL connection using TLSv1\.2 \/ ECDHE-ECDSA-AES256-GCM-SHA384/);
    const v11 = await curl(['--tlsv1.1', '--tls-max', '1.1', ...clientArgs, `${server.url}/ping`]);
    expect(v11.code).not.toBe(0);
  });

  it('serves XKS calls signed by curl --aws-sigv4 over HTTPS', async () => {
    const base = `${server.url}/xkslab/kms/xks/v1`;
    const call = (path: string, body: unknown) =>
      curlXks({
        url: `${base}${path}`,
        region: 'us-east-1',
        credential,
        body: JSON.stringify(body),
        extraArgs: clientArgs,
      });
    const health = await call('/health', {
      requestMetadata: { kmsRequestId: 'tls-health', kmsOperation: 'KmsHealthCheck' },
    });
    expect(health.status, health.text).toBe(200);
    const plaintext = Buffer.from('over https');
    const enc = await call('/keys/default-key/encrypt', encryptBody({ plaintext }));
    expect(enc.status, enc.text).toBe(200);
    const out = JSON.parse(enc.text);
    const dec = await call('/keys/default-key/decrypt', decryptBody(out));
    expect(dec.status, dec.text).toBe(200);
    expect(unb64(JSON.parse(dec.text).plaintext)).toEqual(plaintext);
    expect(b64(plaintext)).not.toBe(out.ciphertext);
  });

  it('refuses a client without a certificate with a TLS alert during the handshake', async () => {
    const v13 = await curl([...trust, `${server.url}/ping`]);
    expect(v13.code).not.toBe(0);
    expect(v13.stdout).toBe('');
    expect(v13.stderr).toMatch(/alert certificate required/);
    const v12 = await curl([...trust, '--tls-max', '1.2', `${server.url}/ping`]);
    expect(v12.code).toBe(35); // the handshake itself failed
    expect(v12.stderr).toMatch(/alert handshake failure/);
    expect(
      server
        .logs()
        .some(
          (l) => l.msg === 'tls refused' && l.code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE',
        ),
    ).toBe(true);
  });

  it('refuses a client certificate from another CA, even with the right name', async () => {
    const dir = await tempDir('other-ca');
    const other = await makeCa('another CA');
    const files = await writePem(dir, 'foreign', await issue(other, { commonName: KMS_NAME }));
    for (const extra of [[], ['--tls-max', '1.2']]) {
      const r = await curl([
        ...trust,
        ...extra,
        '--cert',
        files.cert,
        '--key',
        files.key,
        `${server.url}/ping`,
      ]);
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.stdout).toBe('');
    }
  });

  it('refuses a certificate of the dev CA with another subject, and logs the subject', async () => {
    const dir = await tempDir('wrong-subject');
    const ca: Pem = {
      certPem: await readFile(join(tls, 'ca.pem'), 'utf8'),
      keyPem: await readFile(join(tls, 'ca-key.pem'), 'utf8'),
    };
    const wrong = await writePem(
      dir,
      'wrong',
      await issue(ca, { commonName: 'cks.kms.eu-west-1.amazonaws.com' }),
    );
    const right = await writePem(dir, 'right', await issue(ca, { commonName: KMS_NAME }));
    for (const extra of [[], ['--tls-max', '1.2']]) {
      const r = await curl([
        ...trust,
        ...extra,
        '--cert',
        wrong.cert,
        '--key',
        wrong.key,
        `${server.url}/ping`,
      ]);
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.stdout).toBe('');
    }
    const ok = await curl([
      ...trust,
      '--cert',
      right.cert,
      '--key',
      right.key,
      `${server.url}/ping`,
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(
      server
        .logs()
        .some((l) => l.msg === 'tls refused' && l.subject === 'CN=cks.kms.eu-west-1.amazonaws.com'),
    ).toBe(true);
  });

  it('keeps its keys private and reuses the certificates on the next start', async () => {
    const { stat } = await import('node:fs/promises');
    for (const key of ['ca-key.pem', 'server-key.pem', 'client-key.pem']) {
      expect((await stat(join(tls, key))).mode & 0o777).toBe(0o600);
    }
    const before = await readFile(join(tls, 'ca.pem'), 'utf8');
    await server.stop({ removeDataDir: false });
    const again = await start({ dataDir: server.dataDir, extraArgs: ['--dev-tls'] });
    removeLater(server.dataDir);
    expect(again.stderr()).toContain('(reused;');
    expect(await readFile(join(tls, 'ca.pem'), 'utf8')).toBe(before);
    const ok = await curl([...clientArgs, `${again.url}/ping`]);
    expect(ok.code, ok.stderr).toBe(0);
  });
});

describe('the admin API next to an HTTPS listener', () => {
  it('moves to a plain-HTTP loopback listener, so the CLI works without certificates', async () => {
    const server = await start({ extraArgs: ['--dev-tls'] });
    const admin = JSON.parse(await readFile(join(server.dataDir, 'admin.json'), 'utf8'));
    expect(admin.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(admin.url).not.toBe(server.url.replace('https', 'http'));
    // Where the XKS endpoint is, for `xkslab conformance --local`.
    expect(admin.xksUrl).toBe(server.url);
    const created = await runXkslab(['modules', 'create', 'tls-mod', '--data-dir', server.dataDir]);
    expect(created.code, created.stderr).toBe(0);
    const list = await runXkslab(['modules', 'list', '--json', '--data-dir', server.dataDir]);
    expect(list.stdout).toContain('tls-mod');
    // The admin change is in the audit log, attributed to the admin.
    const verify = await runXkslab(['audit', 'query', '--json', '--data-dir', server.dataDir]);
    const entries = verify.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(entries).toContainEqual(
      expect.objectContaining({
        operation: 'admin:POST /modules',
        principal: 'admin',
        module: 'tls-mod',
        result: 'ok',
      }),
    );
    // The XKS listener still requires the client certificate, also for /admin paths.
    const r = await curl([
      '--cacert',
      join(server.dataDir, 'tls', 'ca.pem'),
      `${server.url}/admin/v1/modules`,
    ]);
    expect(r.code).not.toBe(0);
  });
});

describe('serve --dev-tls --no-mtls', () => {
  it('serves HTTPS to clients without a certificate', async () => {
    const server = await start({ extraArgs: ['--dev-tls', '--no-mtls'] });
    const ca = join(server.dataDir, 'tls', 'ca.pem');
    const r = await curl(['--cacert', ca, `${server.url}/ping`]);
    expect(r.code, r.stderr).toBe(0);
    expect(server.stderr()).not.toContain('mTLS is on');
  });
});

describe('serve --tls-cert/--tls-key with --mtls-ca/--mtls-subject', () => {
  let dir: string;
  let ca: Pem;
  beforeAll(async () => {
    dir = await tempDir('user-tls');
    ca = await makeCa('user CA');
    await writePem(dir, 'ca', ca);
  });

  it('warns on stderr when the certificate expires within 30 days, and serves', async () => {
    const files = await writePem(
      dir,
      'soon',
      await issue(ca, { commonName: 'localhost', server: true, days: 10 }),
    );
    const server = await start({ extraArgs: ['--tls-cert', files.cert, '--tls-key', files.key] });
    expect(server.stderr()).toMatch(
      /xkslab: warning: the TLS certificate \S+soon\.pem \(CN=localhost\) expires on \S+ \(in (9|10) days\)/,
    );
    const r = await curl(['--cacert', join(dir, 'ca.pem'), `${server.url}/ping`]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('requires the configured client name from the configured CA', async () => {
    const files = await writePem(
      dir,
      'srv',
      await issue(ca, { commonName: 'localhost', server: true }),
    );
    const name = 'proxy-client.example.com';
    const good = await writePem(dir, 'good', await issue(ca, { commonName: name }));
    const server = await start({
      extraArgs: [
        '--tls-cert',
        files.cert,
        '--tls-key',
        files.key,
        '--mtls-ca',
        join(dir, 'ca.pem'),
        '--mtls-subject',
        name,
      ],
    });
    const base = ['--cacert', join(dir, 'ca.pem'), `${server.url}/ping`];
    expect((await curl(['--cert', good.cert, '--key', good.key, ...base])).code).toBe(0);
    expect((await curl(base)).code).not.toBe(0);
  });

  it('refuses an expired certificate with one clear line, before touching the data directory', async () => {
    const files = await writePem(
      dir,
      'expired',
      await issue(ca, {
        commonName: 'localhost',
        server: true,
        from: new Date(Date.now() - 40 * DAY_MS),
        days: 30,
      }),
    );
    const dataDir = join(await tempDir('expired'), 'data');
    const r = await runXkslab([
      'serve',
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--tls-cert',
      files.cert,
      '--tls-key',
      files.key,
    ]);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r.stderr)).toMatch(
      /expired\.pem \(CN=localhost\) expired on .*; replace it$/,
    );
    expect(existsSync(dataDir)).toBe(false);
  });

  it('names a missing file, a key of another certificate and a file that is not PEM', async () => {
    const a = await writePem(dir, 'a', await issue(ca, { commonName: 'localhost', server: true }));
    const b = await writePem(dir, 'b', await issue(ca, { commonName: 'localhost', server: true }));
    const serve = (cert: string, key: string) =>
      runXkslab([
        'serve',
        '--data-dir',
        join(dir, 'data'),
        '--port',
        '0',
        '--tls-cert',
        cert,
        '--tls-key',
        key,
      ]);
    const missing = await serve(join(dir, 'nope.pem'), a.key);
    expect(missing.code).toBe(1);
    expect(expectOneLineError(missing.stderr)).toMatch(
      /cannot read the TLS certificate .*nope\.pem \(ENOENT\)/,
    );
    const mismatch = await serve(a.cert, b.key);
    expect(mismatch.code).toBe(1);
    expect(expectOneLineError(mismatch.stderr)).toMatch(/does not belong to the certificate/);
    const notPem = await serve(a.key, a.key);
    expect(notPem.code).toBe(1);
    expect(expectOneLineError(notPem.stderr)).toMatch(/holds no PEM certificate/);
  });

  it('refuses flags that do not go together (exit 2)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--tls-cert', 'x.pem'], /--tls-cert and --tls-key go together/],
      [['--mtls-ca', 'ca.pem', '--mtls-subject', 'a.b'], /--mtls-ca needs --tls-cert/],
      [['--mtls-ca', 'ca.pem'], /--mtls-ca and --mtls-subject go together/],
      [['--no-mtls'], /--no-mtls only applies to --dev-tls/],
      [['--dev-tls', '--tls-cert', 'a', '--tls-key', 'b'], /--dev-tls makes its own/],
      [
        ['--tls-cert', 'a', '--tls-key', 'b', '--mtls-ca', 'c', '--mtls-subject', 'bad name'],
        /--mtls-subject/,
      ],
    ];
    for (const [flags, message] of cases) {
      const r = await runXkslab(['serve', '--data-dir', join(dir, 'never'), ...flags]);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(expectOneLineError(r.stderr)).toMatch(message);
    }
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });
});
