/**
 * The admin commands of the built binary against a running server: tables by default, --json
 * for scripts, defaults from the data directory, and one-line errors.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { healthBody, healthPath, unb64 } from '@xkslab/conformance/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectXksError } from './support/assertions.ts';
import { runXkslab } from './support/binary.ts';
import { useLab, useTempServers } from './support/fixture.ts';
import { aesGcmDecrypt, specGcmAad } from './support/gcm.ts';
import { sendXks } from './support/xks-client.ts';
import { encryptOk, healthOk } from './support/xks-ops.ts';

let work: string;

const servers = useTempServers();
const labServer = useLab(servers);
beforeAll(async () => {
  work = await servers.tempDir('cli-work');
});

/** Runs `xkslab <args> --data-dir <server's>`: no URL or token flags needed. */
function cli(...args: string[]) {
  return runXkslab([...args, '--data-dir', labServer.server.dataDir]);
}

/** Like cli(), asserting success (exit 0, nothing on stderr). */
async function cliOk(...args: string[]) {
  const r = await cli(...args);
  expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
  return r;
}

async function cliJson(...args: string[]) {
  const r = await cli(...args, '--json');
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(r.stdout);
}

describe('xkslab modules', () => {
  it('lists as an aligned table and as JSON', async () => {
    const r = await cli('modules', 'list');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+KIND\s+STATE\s+NODES\s+KEYS\s+KEY STORES\s+CREATED$/);
    const hsmA = lines.find((l) => l.startsWith('hsm-a '));
    expect(hsmA).toMatch(/^hsm-a\s+virtual\s+active\s+2\s+8\s+a,quota-limited\s+/);
    // Columns line up: every row starts its STATE column where the header does.
    const stateAt = lines[0]?.indexOf('STATE');
    for (const line of lines.slice(1)) expect(line.slice(stateAt).match(/^\S/)).not.toBeNull();
    const json = await cliJson('modules', 'list');
    expect(json.modules.map((m: { name: string }) => m.name)).toEqual(['hsm-a', 'hsm-b']);
  });

  it('creates, describes with node health, sets the state and deletes', async () => {
    const created = await cliJson('modules', 'create', 'cli-mod', '--nodes', '3');
    expect(created).toMatchObject({ name: 'cli-mod', nodes: 3, state: 'active' });
    const described = await cli('modules', 'describe', 'cli-mod');
    expect(described.stdout).toMatch(/^state:\s+active$/m);
    expect(described.stdout).toMatch(/^kind:\s+virtual$/m);
    expect(described.stdout).toMatch(/^cli-mod-node-3\s+ACTIVE/m);
    const off = await cli('modules', 'set-state', 'cli-mod', 'disconnected');
    expect(off.stdout).toMatch(/^state:\s+disconnected$/m);
    const down = await cli('modules', 'describe', 'cli-mod');
    expect(down.stdout).toMatch(/^cli-mod-node-1\s+UNAVAILABLE\s+module is disconnected$/m);
    const deleted = await cli('modules', 'delete', 'cli-mod');
    expect(deleted.stdout).toBe('deleted module cli-mod (0 key(s) destroyed)\n');
  });
});

describe('xkslab keys', () => {
  it('creates, lists with filters, disables, rotates and describes', async () => {
    const created = await cliJson('keys', 'create', 'hsm-a/cli-key', '--usage', 'ENCRYPT,DECRYPT');
    expect(created).toMatchObject({ id: 'cli-key', state: 'ENABLED', exportable: false });
    await cliOk('keys', 'disable', 'cli-key', '--module', 'hsm-a');
    const listed = await cliOk('keys', 'list', '--module', 'hsm-a', '--state', 'DISABLED');
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+STATE\s+USAGE\s+VERSION/);
    expect(listed.stdout).toMatch(/^cli-key\s+DISABLED\s+ENCRYPT,DECRYPT\s+1\s+GENERATED/m);
    expect(listed.stdout).toMatch(/^fixed-disabled\s+DISABLED/m);
    expect(listed.stdout).not.toMatch(/^foo\s/m);
    await cliOk('keys', 'enable', 'hsm-a/cli-key');
    const rotated = await cliOk('keys', 'rotate', 'hsm-a/cli-key');
    expect(rotated.stdout).toMatch(/^version:\s+2 \(2 version\(s\)\)$/m);
    const page = await cliJson('keys', 'list', '--module', 'hsm-a', '--limit', '2');
    expect(page.keys).toHaveLength(2);
    expect(typeof page.nextToken).toBe('string');
    const next = await cliJson(
      'keys',
      'list',
      '--module',
      'hsm-a',
      '--limit',
      '2',
      '--next-token',
      page.nextToken,
    );
    expect(next.keys[0].id > page.keys[1].id).toBe(true);
  });

  it('bulk-creates keys in batches that XKS can use at once', async () => {
    const r = await cliJson(
      'keys',
      'bulk-create',
      'bulk-',
      '--module',
      'hsm-a',
      '--count',
      '12001',
    );
    expect(r).toMatchObject({
      module: 'hsm-a',
      created: 12001,
      firstId: 'bulk-0',
      lastId: 'bulk-12000',
    });
    const last = await cliJson('keys', 'describe', 'hsm-a/bulk-12000');
    expect(last).toMatchObject({ id: 'bulk-12000', state: 'ENABLED' });
    const again = await cli('keys', 'bulk-create', 'bulk-', '--module', 'hsm-a', '--count', '1');
    expect(again.code).toBe(1);
    expect((await cli('keys', 'bulk-create', 'bulk-', '--module', 'hsm-a')).code).toBe(2);
  });

  it('schedules deletion, refuses an early destroy with a one-line error, cancels', async () => {
    await cli('keys', 'create', 'hsm-a/cli-doomed');
    const scheduled = await cli('keys', 'schedule-deletion', 'hsm-a/cli-doomed', '--days', '1');
    expect(scheduled.stdout).toMatch(/^state:\s+PENDING_DELETION$/m);
    const early = await cli('keys', 'destroy', 'hsm-a/cli-doomed');
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(
      /^xkslab: .*cannot be destroyed before .* \(INVALID_KEY_STATE\)\n$/,
    );
    const cancelled = await cli('keys', 'cancel-deletion', 'hsm-a/cli-doomed');
    expect(cancelled.stdout).toMatch(/^state:\s+DISABLED$/m);
  });

  it('imports material from a file and exports an exportable key', async () => {
    const material = randomBytes(32);
    const file = join(work, 'material.b64');
    await writeFile(file, `${material.toString('base64')}\n`);
    const imported = await cliJson(
      'keys',
      'import',
      'hsm-a/cli-byok',
      '--material',
      file,
      '--exportable',
    );
    expect(imported).toMatchObject({ origin: 'IMPORTED', exportable: true });
    const out = await encryptOk(labServer.t.a, 'cli-byok', { plaintext: Buffer.from('hi') });
    const plain = aesGcmDecrypt({
      key: material,
      iv: unb64(out.initializationVector),
      ciphertext: unb64(out.ciphertext),
      tag: unb64(out.authenticationTag),
      gcmAad: specGcmAad(undefined, unb64(out.ciphertextMetadata ?? '')),
    });
    expect(plain.toString()).toBe('hi');

    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = join(work, 'pub.pem');
    await writeFile(pem, rsa.publicKey.export({ type: 'spki', format: 'pem' }));
    const outFile = join(work, 'export.json');
    const exported = await cli(
      'keys',
      'export',
      'hsm-a/cli-byok',
      '--public-key',
      pem,
      '--out',
      outFile,
    );
    expect(exported.code).toBe(0);
    expect((await stat(outFile)).mode & 0o777).toBe(0o600);
    const json = JSON.parse(await readFile(outFile, 'utf8'));
    expect(json.versions).toHaveLength(1);
    const refused = await cli('keys', 'export', 'hsm-a/foo', '--public-key', pem);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/\(KEY_NOT_EXPORTABLE\)\n$/);
  });
});

describe('xkslab keystores and creds', () => {
  it('creates a key store with a credential and a proxy configuration file', async () => {
    const config = join(work, 'proxy-config.json');
    const r = await cli(
      'keystores',
      'create',
      'cli-store',
      '--prefix',
      '/cli/store',
      '--region',
      'eu-central-1',
      '--module',
      'hsm-b',
      '--max-rps',
      '50',
      '--proxy-config',
      config,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^uri path:\s+\/cli\/store\/kms\/xks\/v1$/m);
    expect(r.stdout).toMatch(/^quota:\s+50 requests\/s$/m);
    const file = JSON.parse(await readFile(config, 'utf8'));
    expect((await stat(config)).mode & 0o777).toBe(0o600);
    expect(file.XksProxyUriPath).toBe('/cli/store/kms/xks/v1');
    const { AccessKeyId, RawSecretAccessKey } = file.XksProxyAuthenticationCredential;
    expect(r.stdout).toContain(RawSecretAccessKey);
    const target = {
      port: labServer.server.port,
      prefix: '/cli/store',
      region: 'eu-central-1',
      credential: { accessKeyId: AccessKeyId, secretAccessKey: RawSecretAccessKey },
    };
    await healthOk(target);

    const listed = await cli('keystores', 'list');
    expect(listed.stdout).toMatch(
      /^cli-store\s+\/cli\/store\/kms\/xks\/v1\s+eu-central-1\s+hsm-b\s+1\s+50\s+no$/m,
    );
    const described = await cli('keystores', 'describe', 'cli-store');
    expect(described.stdout).not.toContain(RawSecretAccessKey);
    expect(described.stdout).toMatch(
      new RegExp(`^${AccessKeyId}\\s+\\S+ \\S+\\s+\\S+ \\S+\\s+0$`, 'm'),
    );

    const added = await cliJson('creds', 'add', 'cli-store');
    expect(added.proxyConfiguration.XksProxyAuthenticationCredential.AccessKeyId).toBe(
      added.accessKeyId,
    );
    const creds = await cliJson('creds', 'list', 'cli-store');
    expect(creds.credentials).toHaveLength(2);
    const revoked = await cli('creds', 'revoke', 'cli-store', AccessKeyId);
    expect(revoked.stdout).toBe(`revoked ${AccessKeyId} of key store cli-store\n`);
    expectXksError(
      await sendXks(target, healthPath(target), healthBody()),
      401,
      'AuthenticationFailedException',
    );

    const blocked = await cli('keystores', 'block', 'cli-store');
    expect(blocked.stdout).toMatch(/^blocked:\s+yes$/m);
    await cli('keystores', 'update', 'cli-store', '--max-rps', 'none', '--region', 'us-west-1');
    const after = await cliJson('keystores', 'describe', 'cli-store');
    expect(after).toMatchObject({ region: 'us-west-1', maxRequestsPerSecond: null, blocked: true });
    const deleted = await cli('keystores', 'delete', 'cli-store');
    expect(deleted.stdout).toBe('deleted key store cli-store\n');
  });
});

describe('xkslab policies', () => {
  it('sets from a file, shows a table, and clears', async () => {
    const file = join(work, 'policy.json');
    await writeFile(
      file,
      JSON.stringify({
        rules: [{ effect: 'allow', name: 'team', principals: ['arn:aws:iam::*:role/app-*'] }],
      }),
    );
    const set = await cli('policies', 'set', '--keystore', 'b', '--file', file);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^0\s+team\s+allow\s+arn:aws:iam::\*:role\/app-\*\s+\*/m);
    expect((await cliJson('policies', 'get', '--keystore', 'b')).policy.rules).toHaveLength(1);
    const cleared = await cli('policies', 'clear', '--keystore', 'b');
    expect(cleared.stdout).toBe('no policy: every call is allowed\n');
    const both = await cli('policies', 'get', '--keystore', 'b', '--key', 'hsm-b/foo');
    expect(both.code).toBe(2);
  });
});

describe('errors and defaults', () => {
  it('says clearly when the server is not there, or the token is wrong', async () => {
    const down = await runXkslab([
      'modules',
      'list',
      '--url',
      'http://127.0.0.1:9',
      '--token',
      'x',
    ]);
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(
      'xkslab: cannot reach xkslab at http://127.0.0.1:9: is `xkslab serve` running?\n',
    );
    const empty = await servers.tempDir('cli-empty');
    const none = await runXkslab(['keys', 'list', '--data-dir', empty]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^xkslab: cannot find .*admin\.json .*xkslab serve/);
    const wrong = await cli('modules', 'list', '--token', 'wrong');
    expect(wrong.stderr).toBe(
      'xkslab: missing or wrong admin token (Authorization: Bearer) (UNAUTHORIZED)\n',
    );
    const env = await runXkslab(['modules', 'list', '--json'], {
      env: { XKSLAB_ADMIN_URL: labServer.server.url, XKSLAB_ADMIN_TOKEN: labServer.admin.token },
    });
    expect(env.code).toBe(0);
  });

  it('has help for each group and command, and usage errors exit 2', async () => {
    for (const group of ['modules', 'keys', 'keystores', 'creds', 'policies']) {
      const help = await runXkslab([group, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: xkslab ${group} <command>`));
    }
    const sub = await runXkslab(['keys', 'export', '--help']);
    expect(sub.stdout).toContain('--public-key FILE');
    const unknown = await runXkslab(['keys', 'frobnicate']);
    expect(unknown.code).toBe(2);
    const missing = await runXkslab(['modules', 'create']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/usage: xkslab modules create NAME/);
  });
});
