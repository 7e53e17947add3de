/**
 * The admin API in process, part one: authentication, documents, bad input and modules.
 */
import { describe, expect, it } from 'vitest';
import { expectError, setup, TOKEN } from '../testing/admin-app.ts';

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
