/**
 * The admin API as a server: the token (generated once, stored as a hash, written for the CLI),
 * admin.json, 401s, the OpenAPI document, bad input that changes nothing, a listener of its own.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { healthBody, healthPath } from '@xkslab/conformance/testing';
import { describe, expect, it } from 'vitest';
import { adminFor, adminOk, expectAdminError } from './support/admin-api.ts';
import { expectXksError } from './support/assertions.ts';
import { useLab, useTempServers } from './support/fixture.ts';
import { rawRequest } from './support/http-client.ts';
import { sendXks } from './support/xks-client.ts';
import { healthOk } from './support/xks-ops.ts';

const servers = useTempServers();
const labServer = useLab(servers);

/** Everything the admin API can list, to prove a request changed nothing. */
async function state(): Promise<string> {
  const parts = [
    adminOk(await labServer.admin.call('GET', '/modules')),
    adminOk(await labServer.admin.call('GET', '/keystores')),
    adminOk(await labServer.admin.call('GET', '/modules/hsm-a/keys')),
    adminOk(await labServer.admin.call('GET', '/modules/hsm-b/keys')),
    adminOk(await labServer.admin.call('GET', '/keystores/a/policy')),
  ];
  return JSON.stringify(parts, (k, v) => (k === 'lastUsedAt' || k === 'health' ? undefined : v));
}

describe('the admin token', () => {
  it('is printed once, written 0600 for the CLI, and only its hash is stored', async () => {
    expect(labServer.admin.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(labServer.server.stderr()).toContain(labServer.admin.token);
    expect((await stat(join(labServer.server.dataDir, 'admin-token'))).mode & 0o777).toBe(0o600);
    for (const file of await readdir(join(labServer.server.dataDir, 'db'))) {
      const bytes = await readFile(join(labServer.server.dataDir, 'db', file));
      expect(bytes.includes(Buffer.from(labServer.admin.token)), file).toBe(false);
    }
    const info = JSON.parse(await readFile(join(labServer.server.dataDir, 'admin.json'), 'utf8'));
    // The XKS URL beside it: the same listener over plain HTTP (conformance --local reads it).
    expect(info).toEqual({ url: labServer.server.url, xksUrl: labServer.server.url });
  });

  it('is required: 401 with our error body without it or with a wrong one', async () => {
    expectAdminError(
      await labServer.admin.call('GET', '/modules', undefined, { authorization: '' }),
      401,
      'UNAUTHORIZED',
    );
    expectAdminError(
      await labServer.admin.call('GET', '/modules', undefined, {
        authorization: `Bearer ${labServer.admin.token}x`,
      }),
      401,
      'UNAUTHORIZED',
    );
    expectAdminError(
      await labServer.admin.call(
        'POST',
        '/modules',
        { name: 'sneaky' },
        { authorization: 'Bearer nope' },
      ),
      401,
      'UNAUTHORIZED',
    );
    expectAdminError(await labServer.admin.call('GET', '/modules/sneaky'), 404, 'MODULE_NOT_FOUND');
  });

  it('stays valid across a restart, is not printed again, and can be reset', async () => {
    const dataDir = await servers.tempDir('admin-restart');
    const first = await servers.start({ dataDir });
    const token = (await adminFor(dataDir)).token;
    expect(first.stderr()).toContain(token);
    await first.stop({ removeDataDir: false });
    const second = await servers.start({ dataDir });
    expect(second.stderr()).not.toContain(token);
    const again = await adminFor(dataDir);
    expect(again.token).toBe(token);
    expect(adminOk(await again.call('GET', '/modules')).modules[0].name).toBe('default');
    await second.stop({ removeDataDir: false });
    const third = await servers.start({ dataDir, extraArgs: ['--reset-admin-token'] });
    const renewed = await adminFor(dataDir);
    expect(renewed.token).not.toBe(token);
    expect(third.stderr()).toContain(renewed.token);
    adminOk(await renewed.call('GET', '/modules'));
    expectAdminError(
      await renewed.call('GET', '/modules', undefined, { authorization: `Bearer ${token}` }),
      401,
      'UNAUTHORIZED',
    );
    await third.stop({ removeDataDir: false });
  });
});

describe('the OpenAPI document', () => {
  it('is served without a token and describes every resource', async () => {
    const res = await labServer.admin.call('GET', '/openapi.json', undefined, {
      authorization: '',
    });
    const doc = adminOk(res);
    expect(doc.openapi).toBe('3.1.0');
    const paths = Object.keys(doc.paths);
    for (const p of [
      '/admin/v1/modules',
      '/admin/v1/modules/{module}/keys/{keyId}/schedule-deletion',
      '/admin/v1/modules/{module}/keys/import',
      '/admin/v1/keystores/{keyStore}/credentials/{accessKeyId}',
      '/admin/v1/keystores/{keyStore}/policy',
    ]) {
      expect(paths).toContain(p);
    }
    expect(doc.components.securitySchemes.adminToken.scheme).toBe('bearer');
  });
});

describe('bad admin input', () => {
  it('gets 400/404 with our error body and changes nothing', async () => {
    const before = await state();
    const cases: Array<[string, string, unknown, number, string]> = [
      ['GET', '/modules/nope', undefined, 404, 'MODULE_NOT_FOUND'],
      ['GET', '/modules/hsm-a/keys/nope', undefined, 404, 'KEY_NOT_FOUND'],
      ['POST', '/modules/hsm-a/keys/nope/rotate', undefined, 404, 'KEY_NOT_FOUND'],
      ['DELETE', '/modules/hsm-a/keys/nope', undefined, 404, 'KEY_NOT_FOUND'],
      ['GET', '/keystores/nope', undefined, 404, 'KEYSTORE_NOT_FOUND'],
      [
        'DELETE',
        '/keystores/a/credentials/AAAAAAAAAAAAAAAAAAAAAA',
        undefined,
        404,
        'CREDENTIAL_NOT_FOUND',
      ],
      ['POST', '/modules', { name: 'has space' }, 400, 'VALIDATION_ERROR'],
      ['POST', '/modules', { name: '../etc' }, 400, 'VALIDATION_ERROR'],
      ['POST', '/modules', { name: 'ok', nodes: '2' }, 400, 'VALIDATION_ERROR'],
      ['POST', '/modules', { name: 'ok', nodes: 2, colour: 'red' }, 400, 'VALIDATION_ERROR'],
      ['POST', '/modules', [], 400, 'VALIDATION_ERROR'],
      ['POST', '/modules', 'not json', 400, 'MALFORMED_JSON'],
      ['POST', '/modules', { name: 'x'.repeat(100_000) }, 400, 'BODY_TOO_LARGE'],
      ['POST', '/modules/hsm-a/keys', { id: 'k', usage: 'ENCRYPT' }, 400, 'VALIDATION_ERROR'],
      ['POST', '/modules/hsm-a/keys', { id: 'k', exportable: 'yes' }, 400, 'VALIDATION_ERROR'],
      ['POST', '/modules/hsm-a/keys', { id: 'foo' }, 409, 'KEY_EXISTS'],
      [
        'POST',
        '/modules/hsm-a/keys/foo/schedule-deletion',
        { pendingWindowDays: 0 },
        400,
        'VALIDATION_ERROR',
      ],
      ['PUT', '/modules/hsm-a/state', { state: 'asleep' }, 400, 'VALIDATION_ERROR'],
      ['PATCH', '/keystores/a', { region: 'nowhere' }, 400, 'VALIDATION_ERROR'],
      ['PATCH', '/keystores/a', { module: 'nope' }, 404, 'MODULE_NOT_FOUND'],
      ['PATCH', '/keystores/a', { blocked: 'true' }, 400, 'VALIDATION_ERROR'],
      [
        'POST',
        '/keystores',
        { name: 'a', uriPathPrefix: '/x', region: 'us-east-1', module: 'hsm-a' },
        409,
        'KEYSTORE_EXISTS',
      ],
      [
        'POST',
        '/keystores',
        { name: 'n', uriPathPrefix: '/example/prefix', region: 'us-east-1', module: 'hsm-a' },
        409,
        'PREFIX_IN_USE',
      ],
      ['PUT', '/keystores/a/policy', { rules: [{ effect: 'maybe' }] }, 400, 'VALIDATION_ERROR'],
      ['PUT', '/keystores/a/policy', { rules: [] }, 400, 'VALIDATION_ERROR'],
      ['DELETE', '/modules/hsm-a', undefined, 409, 'MODULE_IN_USE'],
      ['GET', '/no/such/thing', undefined, 404, 'NOT_FOUND'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const res = await labServer.admin.call(method, path, body);
      expect({ method, path, status: res.status, code: res.json.error?.code }).toEqual({
        method,
        path,
        status,
        code,
      });
      expectAdminError(res, status, code);
      expect(res.text).not.toContain('"issues"');
    }
    const plain = await labServer.admin.call('POST', '/modules', '{"name":"y"}', {
      'content-type': 'text/plain',
    });
    expectAdminError(plain, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(await state()).toBe(before);
  });
});

describe('an admin listener of its own', () => {
  it('serves /admin/v1 only there; the XKS listener has none', async () => {
    const {
      lab: separate,
      server: own,
      admin: ownAdmin,
    } = await servers.startLab({
      start: { extraArgs: ['--admin-host', '127.0.0.1', '--admin-port', '0'] },
    });
    expect(ownAdmin.port).not.toBe(own.port);
    expect(adminOk(await ownAdmin.call('GET', '/keystores')).keyStores).toHaveLength(3);
    const onXks = await rawRequest({
      port: own.port,
      method: 'GET',
      path: '/admin/v1/modules',
      headers: { authorization: `Bearer ${ownAdmin.token}` },
    });
    expect(onXks.status).toBe(404);
    expect(JSON.parse(onXks.text).errorName).toBe('InvalidUriPathException');
    const t = separate.targets(own.port);
    await healthOk(t.a);
    // The admin listener serves no XKS: without the admin token, a 401 in the admin format.
    const onAdmin = await sendXks({ ...t.a, port: ownAdmin.port }, healthPath(t.a), healthBody());
    expectAdminError(
      { status: onAdmin.status, json: JSON.parse(onAdmin.text), text: onAdmin.text },
      401,
      'UNAUTHORIZED',
    );
  });
});

describe('the XKS API is unchanged by the admin API sharing its listener', () => {
  it('still answers unknown paths with InvalidUriPathException', async () => {
    const t = labServer.lab.targets(labServer.server.port);
    expectXksError(
      await sendXks({ ...t.a, prefix: '/admin' }, '/admin/kms/xks/v1/health', healthBody()),
      404,
      'InvalidUriPathException',
    );
  });
});
