/**
 * The admin API in process, part three: key stores, credentials and policies.
 */
import { describe, expect, it } from 'vitest';
import { expectError, setup } from '../testing/admin-app.ts';

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
