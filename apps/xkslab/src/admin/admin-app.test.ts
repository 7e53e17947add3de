import {
  constants,
  createCipheriv,
  createDecipheriv,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import { TEST_NOW } from '@xkslab/vcm/testing';
import { describe, expect, it } from 'vitest';
import { createTestAdminDeps } from '../testing/admin-deps.ts';
import { createAdminApp } from './admin-app.ts';

const TOKEN = 'test-admin-token_0123456789';
// biome-ignore lint/suspicious/noExplicitAny: response JSON is walked freely in assertions
type Json = Record<string, any>;
const DAY = 24 * 60 * 60 * 1000;
const KWP_IV = Buffer.from('A65959A6', 'hex');

async function setup() {
  let now = TEST_NOW.getTime();
  const deps = await createTestAdminDeps({ token: TOKEN, clock: () => new Date(now) });
  const { store, vcm, registry } = deps;
  const app = createAdminApp(deps);
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await app.request(`/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: JSON.parse(text) as Json };
  };
  const snapshot = async () =>
    (await store.list({ prefix: '' })).map(
      (r) => `${r.key}=${Buffer.from(r.value).toString('hex')}`,
    );
  return { store, vcm, registry, call, snapshot, advance: (ms: number) => (now += ms) };
}

function expectError(r: { status: number; json: Json }, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(Object.keys(r.json)).toEqual(['error']);
  expect(Object.keys(r.json.error).sort()).toEqual(['code', 'message']);
  expect(r.json.error.code).toBe(code);
}

describe('admin API: authentication and documents', () => {
  it('answers 401 without a token or with a wrong one, 200 with it', async () => {
    const { call } = await setup();
    expectError(
      await call('GET', '/modules', undefined, { authorization: '' }),
      401,
      'UNAUTHORIZED',
    );
    expectError(
      await call('GET', '/modules', undefined, { authorization: 'Bearer wrong' }),
      401,
      'UNAUTHORIZED',
    );
    expectError(
      await call('GET', '/nothing-here', undefined, { authorization: `Basic ${TOKEN}` }),
      401,
      'UNAUTHORIZED',
    );
    expect((await call('GET', '/modules')).status).toBe(200);
  });

  it('serves the OpenAPI document generated from the schemas, without a token', async () => {
    const { call } = await setup();
    const r = await call('GET', '/openapi.json', undefined, { authorization: '' });
    expect(r.status).toBe(200);
    expect(r.json.openapi).toBe('3.1.0');
    expect(Object.keys(r.json.paths)).toContain('/admin/v1/modules/{module}/keys/{keyId}/export');
    expect(r.json.components.schemas.Policy).toBeDefined();
    expect(r.json.components.schemas.Error).toBeDefined();
  });

  it('answers unknown paths with our 404 body', async () => {
    const { call } = await setup();
    expectError(await call('GET', '/nope'), 404, 'NOT_FOUND');
  });
});

describe('admin API: bad input', () => {
  it('answers 400/404/415 with our error body and changes nothing', async () => {
    const { call, snapshot } = await setup();
    await call('POST', '/modules', { name: 'm' });
    const before = await snapshot();
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/modules', { name: 'bad name' }, 400, 'VALIDATION_ERROR'],
      ['POST', '/modules', { name: 42 }, 400, 'VALIDATION_ERROR'],
      ['POST', '/modules', { name: 'x', nodes: 11 }, 400, 'VALIDATION_ERROR'],
      ['POST', '/modules', { name: 'x', extra: 1 }, 400, 'VALIDATION_ERROR'],
      ['POST', '/modules', '{"name":', 400, 'MALFORMED_JSON'],
      ['POST', '/modules', { name: 'x'.repeat(70 * 1024) }, 400, 'BODY_TOO_LARGE'],
      ['POST', '/modules', { name: 'm' }, 409, 'MODULE_EXISTS'],
      ['GET', '/modules/nope', undefined, 404, 'MODULE_NOT_FOUND'],
      ['GET', '/modules/bad%20name', undefined, 400, 'INVALID_PATH'],
      ['POST', '/modules/m/keys', { id: 'k', usage: ['SIGN'] }, 400, 'VALIDATION_ERROR'],
      ['POST', '/modules/m/keys', { id: 'a/b' }, 400, 'VALIDATION_ERROR'],
      ['POST', '/modules/nope/keys', { id: 'k' }, 404, 'MODULE_NOT_FOUND'],
      ['GET', '/modules/m/keys/nope', undefined, 404, 'KEY_NOT_FOUND'],
      ['POST', '/modules/m/keys/nope/disable', undefined, 404, 'KEY_NOT_FOUND'],
      ['GET', '/modules/m/keys?limit=0', undefined, 400, 'VALIDATION_ERROR'],
      ['GET', '/modules/m/keys?nextToken=!!', undefined, 400, 'VALIDATION_ERROR'],
      ['PUT', '/modules/m/state', { state: 'off' }, 400, 'VALIDATION_ERROR'],
      ['GET', '/keystores/nope', undefined, 404, 'KEYSTORE_NOT_FOUND'],
      [
        'POST',
        '/keystores',
        { name: 'ks', uriPathPrefix: 'no-slash', region: 'us-east-1', module: 'm' },
        400,
        'VALIDATION_ERROR',
      ],
      [
        'POST',
        '/keystores',
        { name: 'ks', uriPathPrefix: '/p', region: 'mars', module: 'm' },
        400,
        'VALIDATION_ERROR',
      ],
      [
        'POST',
        '/keystores',
        { name: 'ks', uriPathPrefix: '/p', region: 'us-east-1', module: 'nope' },
        404,
        'MODULE_NOT_FOUND',
      ],
      ['PATCH', '/keystores/nope', { blocked: true }, 404, 'KEYSTORE_NOT_FOUND'],
      [
        'POST',
        '/keystores',
        { name: 'ks', uriPathPrefix: '/admin/v1/x', region: 'us-east-1', module: 'm' },
        400,
        'RESERVED_PREFIX',
      ],
      [
        'DELETE',
        '/keystores/nope/credentials/AAAAAAAAAAAAAAAAAAAA',
        undefined,
        404,
        'KEYSTORE_NOT_FOUND',
      ],
      [
        'PUT',
        '/keystores/nope/policy',
        { rules: [{ effect: 'allow' }] },
        404,
        'KEYSTORE_NOT_FOUND',
      ],
      [
        'PUT',
        '/modules/m/keys/nope/policy',
        { rules: [{ effect: 'allow' }] },
        404,
        'KEY_NOT_FOUND',
      ],
    ];
    for (const [method, path, body, status, code] of cases) {
      const r = await call(method, path, body);
      expect([method, path, r.status, r.json.error?.code]).toEqual([method, path, status, code]);
      expectError(r, status, code);
    }
    const textPlain = await call('POST', '/modules', '{"name":"y"}', {
      'content-type': 'text/plain',
    });
    expectError(textPlain, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(await snapshot()).toEqual(before);
  });

  it('names the field in a validation message, never zod issue objects', async () => {
    const { call } = await setup();
    const r = await call('POST', '/modules', { name: 'ok', nodes: 'three' });
    expect(r.json.error.message).toMatch(/^nodes: /);
    expect(JSON.stringify(r.json)).not.toContain('"issues"');
  });
});

describe('admin API: modules', () => {
  it('creates, lists, describes with health, sets the state, and deletes', async () => {
    const { call } = await setup();
    const created = await call('POST', '/modules', { name: 'm', nodes: 2 });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'm', nodes: 2, state: 'active', keyCount: 0 });
    await call('POST', '/modules/m/keys', { id: 'k' });
    const described = await call('GET', '/modules/m');
    expect(described.json.keyCount).toBe(1);
    expect(described.json.health.map((n: { status: string }) => n.status)).toEqual([
      'ACTIVE',
      'ACTIVE',
    ]);
    const off = await call('PUT', '/modules/m/state', { state: 'disconnected' });
    expect(off.json.state).toBe('disconnected');
    const down = await call('GET', '/modules/m');
    expect(down.json.health.map((n: { status: string }) => n.status)).toEqual([
      'UNAVAILABLE',
      'UNAVAILABLE',
    ]);
    expect(
      (await call('GET', '/modules')).json.modules.map((m: { name: string }) => m.name),
    ).toEqual(['m']);
    expectError(await call('DELETE', '/modules/m'), 409, 'MODULE_IN_USE');
    const deleted = await call('DELETE', '/modules/m?force=true');
    expect(deleted.json).toEqual({ name: 'm', deleted: true, keysDeleted: 1 });
    expectError(await call('GET', '/modules/m'), 404, 'MODULE_NOT_FOUND');
  });

  it('refuses to delete a module a key store uses unless forced', async () => {
    const { call } = await setup();
    await call('POST', '/modules', { name: 'm' });
    await call('POST', '/keystores', {
      name: 'ks',
      uriPathPrefix: '/p',
      region: 'us-east-1',
      module: 'm',
    });
    const refused = await call('DELETE', '/modules/m');
    expectError(refused, 409, 'MODULE_IN_USE');
    expect(refused.json.error.message).toContain('ks');
    expect((await call('DELETE', '/modules/m?force=true')).status).toBe(200);
  });
});

describe('admin API: keys', () => {
  it('lists with filters and pages', async () => {
    const { call } = await setup();
    await call('POST', '/modules', { name: 'm' });
    for (let i = 0; i < 7; i++) {
      await call('POST', '/modules/m/keys', {
        id: `k${i}`,
        usage: i % 2 ? ['ENCRYPT'] : ['ENCRYPT', 'DECRYPT'],
      });
    }
    await call('POST', '/modules/m/keys/k2/disable');
    const enc = await call('GET', '/modules/m/keys?usage=DECRYPT&state=ENABLED');
    expect(enc.json.keys.map((k: { id: string }) => k.id)).toEqual(['k0', 'k4', 'k6']);
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await call(
        'GET',
        `/modules/m/keys?limit=3${token ? `&nextToken=${token}` : ''}`,
      );
      ids.push(...page.json.keys.map((k: { id: string }) => k.id));
      token = page.json.nextToken;
    } while (token);
    expect(ids).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6']);
  });

  it('disables, enables, rotates, blocks and never shows material', async () => {
    const { call } = await setup();
    await call('POST', '/modules', { name: 'm' });
    const k = await call('POST', '/modules/m/keys', { id: 'k' });
    expect(k.json).toMatchObject({
      state: 'ENABLED',
      origin: 'GENERATED',
      exportable: false,
      currentVersion: 1,
    });
    expect(JSON.stringify(k.json)).not.toMatch(/material|wrapped/i);
    expect((await call('POST', '/modules/m/keys/k/disable')).json.state).toBe('DISABLED');
    expect((await call('POST', '/modules/m/keys/k/enable')).json.state).toBe('ENABLED');
    expect((await call('POST', '/modules/m/keys/k/rotate')).json.currentVersion).toBe(2);
    expect((await call('POST', '/modules/m/keys/k/block')).json.blocked).toBe(true);
    expect((await call('POST', '/modules/m/keys/k/unblock')).json.blocked).toBe(false);
  });

  it('schedules deletion, refuses to destroy before the period, destroys after it', async () => {
    const { call, advance } = await setup();
    await call('POST', '/modules', { name: 'm' });
    await call('POST', '/modules/m/keys', { id: 'k' });
    expectError(await call('DELETE', '/modules/m/keys/k'), 409, 'INVALID_KEY_STATE');
    expectError(
      await call('POST', '/modules/m/keys/k/schedule-deletion', { pendingWindowDays: 31 }),
      400,
      'VALIDATION_ERROR',
    );
    const pending = await call('POST', '/modules/m/keys/k/schedule-deletion', {
      pendingWindowDays: 2,
    });
    expect(pending.json).toMatchObject({ state: 'PENDING_DELETION', status: 'DISABLED' });
    const thirty = await call('POST', '/modules/m/keys', { id: 'k30' });
    expect(thirty.status).toBe(201);
    const k30 = await call('POST', '/modules/m/keys/k30/schedule-deletion', {});
    expect(Date.parse(k30.json.deletionDate) - TEST_NOW.getTime()).toBe(30 * DAY);
    expectError(await call('POST', '/modules/m/keys/k/enable'), 409, 'INVALID_KEY_STATE');
    expectError(await call('DELETE', '/modules/m/keys/k'), 409, 'INVALID_KEY_STATE');
    advance(2 * DAY);
    expect((await call('DELETE', '/modules/m/keys/k')).json).toEqual({
      module: 'm',
      id: 'k',
      destroyed: true,
    });
    expectError(await call('GET', '/modules/m/keys/k'), 404, 'KEY_NOT_FOUND');
    expect((await call('POST', '/modules/m/keys/k30/cancel-deletion')).json.state).toBe('DISABLED');
  });

  it('destroys a key at once with force=true (test keys), whatever its state', async () => {
    const { call } = await setup();
    await call('POST', '/modules', { name: 'm' });
    await call('POST', '/modules/m/keys', { id: 'k' });
    expectError(await call('DELETE', '/modules/m/keys/k?force=no'), 400, 'VALIDATION_ERROR');
    expect((await call('DELETE', '/modules/m/keys/k?force=true')).json).toEqual({
      module: 'm',
      id: 'k',
      destroyed: true,
    });
    expectError(await call('GET', '/modules/m/keys/k'), 404, 'KEY_NOT_FOUND');
  });

  it('imports wrapped material (client side: node:crypto) and exports only exportable keys', async () => {
    const { call, vcm } = await setup();
    await call('POST', '/modules', { name: 'm' });
    const params = await call('POST', '/modules/m/import-params');
    expect(params.status).toBe(201);
    expect(params.json).toMatchObject({
      wrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256',
      wrappingKeySpec: 'RSA_3072',
    });
    const material = randomBytes(32);
    const ephemeral = randomBytes(32);
    const rsaPart = publicEncrypt(
      { key: params.json.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      ephemeral,
    );
    const kwp = createCipheriv('id-aes256-wrap-pad', ephemeral, KWP_IV);
    const wrapped = Buffer.concat([rsaPart, kwp.update(material), kwp.final()]).toString('base64');
    const bad = Buffer.from(wrapped, 'base64');
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 1;
    expectError(
      await call('POST', '/modules/m/keys/import', {
        id: 'imp',
        importToken: params.json.importToken,
        wrappedKeyMaterial: bad.toString('base64'),
      }),
      400,
      'INVALID_WRAPPED_KEY_MATERIAL',
    );
    expectError(
      await call('POST', '/modules/m/keys/import', {
        id: 'imp',
        importToken: 'nope',
        wrappedKeyMaterial: wrapped,
      }),
      400,
      'INVALID_IMPORT_TOKEN',
    );
    const imported = await call('POST', '/modules/m/keys/import', {
      id: 'imp',
      importToken: params.json.importToken,
      wrappedKeyMaterial: wrapped,
      exportable: true,
    });
    expect(imported.status).toBe(201);
    expect(imported.json).toMatchObject({ origin: 'IMPORTED', exportable: true });
    // The module uses the imported material: decrypt with node:crypto.
    const out = await vcm.encrypt('m', 'imp', {
      plaintext: Buffer.from('hello'),
      aad: new Uint8Array(0),
    });
    const d = createDecipheriv('aes-256-gcm', material, out.iv);
    d.setAuthTag(out.tag);
    expect(Buffer.concat([d.update(out.ciphertext), d.final()]).toString()).toBe('hello');
    // One import per token.
    expectError(
      await call('POST', '/modules/m/keys/import', {
        id: 'imp2',
        importToken: params.json.importToken,
        wrappedKeyMaterial: wrapped,
      }),
      400,
      'INVALID_IMPORT_TOKEN',
    );

    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicKey = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await call('POST', '/modules/m/keys', { id: 'locked' });
    expectError(
      await call('POST', '/modules/m/keys/locked/export', { publicKey }),
      409,
      'KEY_NOT_EXPORTABLE',
    );
    expectError(
      await call('POST', '/modules/m/keys/imp/export', { publicKey: 'not a key' }),
      400,
      'INVALID_PUBLIC_KEY',
    );
    const exported = await call('POST', '/modules/m/keys/imp/export', { publicKey });
    expect(exported.status).toBe(200);
    const blob = Buffer.from(exported.json.versions[0].wrappedKeyMaterial, 'base64');
    const key = privateDecrypt(
      { key: rsa.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      blob.subarray(0, 256),
    );
    const unwrap = createDecipheriv('id-aes256-wrap-pad', key, KWP_IV);
    expect(Buffer.concat([unwrap.update(blob.subarray(256)), unwrap.final()])).toEqual(material);
  });
});

describe('admin API: key stores, credentials and policies', () => {
  it('creates a key store with a first credential shown once, rotates and revokes', async () => {
    const { call, registry } = await setup();
    await call('POST', '/modules', { name: 'm' });
    const created = await call('POST', '/keystores', {
      name: 'ks',
      uriPathPrefix: '/tenant/a',
      region: 'eu-west-1',
      module: 'm',
      maxRequestsPerSecond: 100,
    });
    expect(created.status).toBe(201);
    const cred = created.json.credential;
    expect(cred.accessKeyId).toMatch(/^[A-Z2-7]{20,30}$/);
    expect(cred.secretAccessKey).toMatch(/^[A-Za-z0-9/+=]{43,64}$/);
    expect(cred.proxyConfiguration).toEqual({
      XksProxyUriPath: '/tenant/a/kms/xks/v1',
      XksProxyAuthenticationCredential: {
        AccessKeyId: cred.accessKeyId,
        RawSecretAccessKey: cred.secretAccessKey,
      },
    });
    const described = await call('GET', '/keystores/ks');
    expect(JSON.stringify(described.json)).not.toContain(cred.secretAccessKey);
    expect(described.json).toMatchObject({
      uriPath: '/tenant/a/kms/xks/v1',
      maxRequestsPerSecond: 100,
    });
    const second = await call('POST', '/keystores/ks/credentials');
    expect(registry.get('ks')?.accessKeyIds).toHaveLength(2);
    const listed = await call('GET', '/keystores/ks/credentials');
    expect(listed.json.credentials.map((c: { ageDays: number }) => c.ageDays)).toEqual([0, 0]);
    expect(JSON.stringify(listed.json)).not.toContain(second.json.secretAccessKey);
    await call('DELETE', `/keystores/ks/credentials/${cred.accessKeyId}`);
    expect(registry.get('ks')?.secretFor(cred.accessKeyId)).toBeUndefined();
    expectError(
      await call('DELETE', `/keystores/ks/credentials/${cred.accessKeyId}`),
      404,
      'CREDENTIAL_NOT_FOUND',
    );
    const updated = await call('PATCH', '/keystores/ks', {
      blocked: true,
      maxRequestsPerSecond: null,
    });
    expect(updated.json).toMatchObject({ blocked: true, maxRequestsPerSecond: null });
    expect(registry.get('ks')?.blocked).toBe(true);
    expect((await call('DELETE', '/keystores/ks')).json).toEqual({ name: 'ks', deleted: true });
    expect(registry.byUriPathPrefix('/tenant/a')).toBeUndefined();
  });

  it('sets, gets and clears policies of key stores and keys', async () => {
    const { call } = await setup();
    await call('POST', '/modules', { name: 'm' });
    await call('POST', '/modules/m/keys', { id: 'k' });
    await call('POST', '/keystores', {
      name: 'ks',
      uriPathPrefix: '',
      region: 'us-east-1',
      module: 'm',
      createCredential: false,
    });
    const policy = {
      rules: [{ effect: 'deny', name: 'no-decrypt', operations: ['Decrypt'] }, { effect: 'allow' }],
    };
    expect((await call('PUT', '/keystores/ks/policy', policy)).json).toEqual({ policy });
    expect((await call('GET', '/keystores/ks/policy')).json).toEqual({ policy });
    expect((await call('GET', '/keystores/ks')).json.hasPolicy).toBe(true);
    expectError(
      await call('PUT', '/modules/m/keys/k/policy', {
        rules: [{ effect: 'allow', principal: ['x'] }],
      }),
      400,
      'VALIDATION_ERROR',
    );
    expect((await call('PUT', '/modules/m/keys/k/policy', policy)).status).toBe(200);
    expect((await call('GET', '/modules/m/keys/k')).json.hasPolicy).toBe(true);
    expect((await call('DELETE', '/modules/m/keys/k/policy')).json).toEqual({ policy: null });
    expect((await call('GET', '/modules/m/keys/k/policy')).json).toEqual({ policy: null });
  });
});
