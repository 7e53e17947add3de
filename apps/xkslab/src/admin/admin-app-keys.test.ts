/**
 * The admin API in process, part two: keys, their lifecycle, import and export.
 */
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
import { DAY, expectError, KWP_IV, setup } from '../testing/admin-app.ts';

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
