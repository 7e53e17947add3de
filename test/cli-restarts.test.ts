/**
 * The command line and the data directory, part three: first start, restarts, seeds applied
 * twice, and signals.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  healthBody,
  healthPath,
  keyPath,
  metadataBody,
  newCredential,
} from '@xkslab/conformance/testing';
import { describe, expect, it } from 'vitest';
import { expectOk, expectXksError } from './support/assertions.ts';
import { signalAsSoonAsListening } from './support/binary.ts';
import { mode, type ProxyConfig } from './support/cli-checks.ts';
import { useTempServers } from './support/fixture.ts';
import { labSeed } from './support/lab-seed.ts';
import { type KeyStoreTarget, SIGNERS, sendXks } from './support/xks-client.ts';
import { decryptOk, encryptOk, healthOk, metadataOk } from './support/xks-ops.ts';

const { tempDir, start } = useTempServers();

describe('first start and restarts', () => {
  it('creates the defaults, master.key and kms-proxy-config.json (0600) whose credential works', async () => {
    const dataDir = await tempDir('first');
    const s = await start({ dataDir });
    const masterKey = await stat(join(dataDir, 'master.key'));
    expect(mode(masterKey)).toBe(0o600);
    expect(
      Buffer.from((await readFile(join(dataDir, 'master.key'), 'utf8')).trim(), 'base64'),
    ).toHaveLength(32);
    const configFile = join(dataDir, 'kms-proxy-config.json');
    expect(mode(await stat(configFile))).toBe(0o600);
    const config = JSON.parse(await readFile(configFile, 'utf8')) as ProxyConfig;
    expect(Object.keys(config).sort()).toEqual([
      'XksProxyAuthenticationCredential',
      'XksProxyUriPath',
    ]);
    expect(config.XksProxyUriPath).toBe('/xkslab/kms/xks/v1');
    const { AccessKeyId, RawSecretAccessKey } = config.XksProxyAuthenticationCredential;
    expect(Object.keys(config.XksProxyAuthenticationCredential).sort()).toEqual([
      'AccessKeyId',
      'RawSecretAccessKey',
    ]);
    expect(AccessKeyId).toMatch(/^[A-Z2-7]{26}$/);
    expect(RawSecretAccessKey).toMatch(/^[A-Za-z0-9/+]{43}=$/);
    expect(Buffer.from(RawSecretAccessKey, 'base64')).toHaveLength(32);
    expect(s.stderr()).toContain('First start');
    expect(s.stderr()).toContain(AccessKeyId);
    expect(s.stderr()).toContain('default-key');
    const listening = s.logs().find((l) => l.msg === 'listening');
    // The default engine is native where its addon loads, as it does in this build.
    expect(listening).toMatchObject({ level: 'info', url: s.url, engine: 'native' });
    expect(listening).not.toHaveProperty('nativeUnavailable');

    const target: KeyStoreTarget = {
      port: s.port,
      prefix: config.XksProxyUriPath.replace(/\/kms\/xks\/v1$/, ''),
      region: 'us-east-1',
      credential: { accessKeyId: AccessKeyId, secretAccessKey: RawSecretAccessKey },
    };
    for (const signer of SIGNERS) {
      const health = await healthOk(target, { signer });
      expect(health.ekmFleetDetails as unknown[]).toHaveLength(1);
      expect(await metadataOk(target, 'default-key', { signer })).toEqual({
        keySpec: 'AES_256',
        keyUsage: expect.arrayContaining(['ENCRYPT', 'DECRYPT']),
        keyStatus: 'ENABLED',
      });
    }
    expectXksError(
      await sendXks({ ...target, region: 'eu-west-1' }, healthPath(target), healthBody()),
      401,
      'AuthenticationFailedException',
    );
  });

  it('keeps keys and credentials across restarts and does not print the secret again', async () => {
    const dataDir = await tempDir('restart');
    const s1 = await start({ dataDir });
    const configFile = join(dataDir, 'kms-proxy-config.json');
    const configText = await readFile(configFile, 'utf8');
    const config = JSON.parse(configText) as ProxyConfig;
    const credential = {
      accessKeyId: config.XksProxyAuthenticationCredential.AccessKeyId,
      secretAccessKey: config.XksProxyAuthenticationCredential.RawSecretAccessKey,
    };
    const target = (port: number): KeyStoreTarget => ({
      port,
      prefix: '/xkslab',
      region: 'us-east-1',
      credential,
    });
    const plaintext = randomBytes(100);
    const aad = randomBytes(20);
    const out = await encryptOk(target(s1.port), 'default-key', { plaintext, aad, cdiv: true });
    expect((await s1.stop()).code).toBe(0);

    const s2 = await start({ dataDir });
    expect(await decryptOk(target(s2.port), 'default-key', out, aad, { signer: 'curl' })).toEqual(
      plaintext,
    );
    expect(s2.stderr()).not.toContain('First start');
    expect(s2.stderr()).not.toContain(credential.secretAccessKey);
    expect(await readFile(configFile, 'utf8')).toBe(configText);
    expect(mode(await stat(configFile))).toBe(0o600);
    expect((await s2.stop()).code).toBe(0);
  });

  it('applies the same seed twice without changing anything', async () => {
    const lab = labSeed();
    const dataDir = await tempDir('seed-twice');
    const s1 = await start({ dataDir, seed: lab.seed });
    expect(s1.stderr()).not.toContain('First start');
    expect(existsSync(join(dataDir, 'kms-proxy-config.json'))).toBe(false);
    const t1 = lab.targets(s1.port);
    const plaintext = randomBytes(77);
    const outFoo = await encryptOk(t1.a, 'foo', { plaintext });
    const outB = await encryptOk(t1.b, 'only-in-b', { plaintext });
    expect((await s1.stop()).code).toBe(0);

    const s2 = await start({ dataDir, seed: lab.seed });
    expect(s2.stderr()).not.toMatch(/seed: created/);
    expect(s2.stderr()).toMatch(/unchanged/);
    const t2 = lab.targets(s2.port);
    expect(await decryptOk(t2.a, 'foo', outFoo)).toEqual(plaintext);
    expect(await decryptOk(t2.b, 'only-in-b', outB, undefined, { signer: 'curl' })).toEqual(
      plaintext,
    );
    // No duplicated nodes, credentials or keys.
    expect((await healthOk(t2.a)).ekmFleetDetails as unknown[]).toHaveLength(2);
    expect((await healthOk(t2.b)).ekmFleetDetails as unknown[]).toHaveLength(3);
    await healthOk(t2.a2, { signer: 'curl' });
    expect(await metadataOk(t2.a, 'fixed-disabled')).toMatchObject({ keyStatus: 'DISABLED' });
    expect(s2.stderr().match(/key store a:/g) ?? []).toHaveLength(1);
    expect((await s2.stop()).code).toBe(0);

    // A seed adding a credential to an existing key store adds it beside the old ones.
    const extra = newCredential();
    const grown = structuredClone(lab.seed) as { keyStores: Array<{ credentials: unknown[] }> };
    grown.keyStores[0]?.credentials.push(extra);
    const s3 = await start({ dataDir, seed: grown });
    const t3 = lab.targets(s3.port);
    await healthOk({ ...t3.a, credential: extra });
    await healthOk(t3.a);
    await healthOk(t3.a2);
    expect(await decryptOk({ ...t3.a, credential: extra }, 'foo', outFoo)).toEqual(plaintext);
  });

  it('starts a seeded server with an existing seeded data directory even without --seed', async () => {
    const lab = labSeed();
    const dataDir = await tempDir('seed-then-none');
    const s1 = await start({ dataDir, seed: lab.seed });
    expect((await s1.stop()).code).toBe(0);
    const s2 = await start({ dataDir });
    expect(s2.stderr()).not.toContain('First start');
    expectOk(
      await sendXks(
        lab.targets(s2.port).b,
        keyPath(lab.targets(s2.port).b, 'foo', 'metadata'),
        metadataBody(),
      ),
    );
    expect(existsSync(join(dataDir, 'kms-proxy-config.json'))).toBe(false);
  });
});

describe('signals', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s stops the server with exit code 0',
    async (signal) => {
      const s = await start();
      const status = await s.stop({ signal });
      expect(status).toEqual({ code: 0, signal: null });
      expect(s.logs().some((l) => l.msg === 'stopping')).toBe(true);
    },
  );

  it('exits 0 on SIGTERM/SIGINT sent the moment the server announces it is listening', async () => {
    // Ten tries: the handlers must be in place before xkslab says it is listening.
    const dataDir = await tempDir('early-signal');
    const results: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await signalAsSoonAsListening(dataDir, i % 2 === 0 ? 'SIGTERM' : 'SIGINT');
      results.push(`code ${r.code} signal ${r.signal}`);
    }
    expect(results).toEqual(Array.from({ length: 10 }, () => 'code 0 signal null'));
  });

  it('frees the data directory on exit so the next start succeeds', async () => {
    const dataDir = await tempDir('relock');
    await mkdir(dataDir, { recursive: true });
    const s1 = await start({ dataDir });
    expect((await s1.stop()).code).toBe(0);
    const s2 = await start({ dataDir });
    expect((await s2.stop()).code).toBe(0);
  });
});
