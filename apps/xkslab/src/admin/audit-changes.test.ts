import { describe, expect, it } from 'vitest';
import type { AuditEntryInput } from '../audit/audit-entry.ts';
import { decodeBackup, deriveBackupRootKey } from '../backup/backup-format.ts';
import { backupMaker } from '../backup/snapshot.ts';
import { adminOperation } from '../services/audit-changes.ts';
import { BACKUP_MEDIA_TYPE } from '../services/backup.ts';
import { createTestAdminDeps } from '../testing/admin-deps.ts';
import { createAdminApp } from './admin-app.ts';

const TOKEN = 'audit-test-token_0123456789';

async function setup() {
  const deps = await createTestAdminDeps({ token: TOKEN });
  const { store, clock } = deps;
  const entries: AuditEntryInput[] = [];
  const rootKey = deriveBackupRootKey(new Uint8Array(32));
  const app = createAdminApp({
    ...deps,
    audit: {
      // An entry counts once its write completes, a while after the call, as in the audit file:
      // the assertions right after an answer hold only if the answer waited for the write.
      append: (e) =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            entries.push(e);
            resolve();
          }, 2),
        ),
    },
    backup: backupMaker({ store, rootKey, clock, random: deps.random }),
  });
  const call = async (method: string, path: string, body?: unknown, token = TOKEN) => {
    const res = await app.request(`/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return res;
  };
  return { entries, call, store, rootKey };
}

describe('admin changes in the audit log', () => {
  it('names operations by method and route template', () => {
    expect(adminOperation('POST', '/admin/v1/modules/:module/keys/:keyId/rotate')).toBe(
      'admin:POST /modules/{module}/keys/{keyId}/rotate',
    );
  });

  it('records each successful change with what it touched, and nothing for reads or failures', async () => {
    const { entries, call } = await setup();
    expect((await call('POST', '/modules', { name: 'm' })).status).toBe(201);
    expect((await call('POST', '/modules/m/keys', { id: 'k1' })).status).toBe(201);
    expect((await call('POST', '/modules/m/keys/k1/disable')).status).toBe(200);
    expect((await call('GET', '/modules/m/keys/k1')).status).toBe(200);
    expect((await call('POST', '/modules', { name: 'm' })).status).toBe(409);
    expect((await call('POST', '/modules', { name: 'x' }, 'wrong-token')).status).toBe(401);
    expect(entries.map((e) => e.operation)).toEqual([
      'admin:POST /modules',
      'admin:POST /modules/{module}/keys',
      'admin:POST /modules/{module}/keys/{keyId}/disable',
    ]);
    expect(entries[0]).toMatchObject({ principal: 'admin', result: 'ok', module: 'm' });
    expect(entries[1]).toMatchObject({ module: 'm', keyId: 'k1' });
    expect(entries[2]).toMatchObject({
      module: 'm',
      keyId: 'k1',
      detail: 'POST /admin/v1/modules/m/keys/k1/disable',
    });
    expect(typeof entries[2]?.durationMs).toBe('number');
  });

  it('names a new key store and credential but never records the secret', async () => {
    const { entries, call } = await setup();
    await call('POST', '/modules', { name: 'm' });
    const res = await call('POST', '/keystores', {
      name: 'ks',
      uriPathPrefix: '/t/a',
      region: 'eu-west-1',
      module: 'm',
    });
    const created = (await res.json()) as { credential: { secretAccessKey: string } };
    const more = await call('POST', '/keystores/ks/credentials');
    const second = (await more.json()) as { accessKeyId: string; secretAccessKey: string };
    const all = JSON.stringify(entries);
    expect(all).not.toContain(created.credential.secretAccessKey);
    expect(all).not.toContain(second.secretAccessKey);
    expect(entries[1]).toMatchObject({ operation: 'admin:POST /keystores', keyStore: 'ks' });
    expect(entries[2]).toMatchObject({ keyStore: 'ks', accessKeyId: second.accessKeyId });
  });

  it('serves GET /admin/v1/backup as a backup file, and records that', async () => {
    const { entries, call, store, rootKey } = await setup();
    await call('POST', '/modules', { name: 'm' });
    const res = await call('GET', '/backup');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(BACKUP_MEDIA_TYPE);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(decodeBackup(bytes, rootKey).records).toEqual(await store.list({ prefix: '' }));
    expect(entries.at(-1)).toMatchObject({ operation: 'admin:Backup', principal: 'admin' });
    expect((await call('GET', '/backup', undefined, 'nope')).status).toBe(401);
  });
});
