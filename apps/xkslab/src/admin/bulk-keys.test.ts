import { describe, expect, it } from 'vitest';
import { createTestAdminDeps } from '../testing/admin-deps.ts';
import { createAdminApp } from './admin-app.ts';

const TOKEN = 'bulk-admin-token_0123456789';

async function setup() {
  const deps = await createTestAdminDeps({ token: TOKEN, clock: () => new Date() });
  const { vcm } = deps;
  const app = createAdminApp(deps);
  await vcm.createModule({ name: 'm' });
  const post = async (path: string, body: unknown) => {
    const res = await app.request(`/admin/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  return { vcm, post };
}

describe('admin API: bulk key creation', () => {
  it('creates count keys named prefix+n in one call', async () => {
    const { vcm, post } = await setup();
    const res = await post('/modules/m/keys/bulk', { idPrefix: 'load-', count: 250, start: 10 });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({ module: 'm', created: 250, firstId: 'load-10', lastId: 'load-259' });
    expect(await vcm.countKeys('m')).toBe(250);
    expect((await vcm.getKey('m', 'load-259'))?.usage).toEqual(['ENCRYPT', 'DECRYPT']);
  });

  it('creates none when one exists, and checks its input', async () => {
    const { vcm, post } = await setup();
    await vcm.createKey('m', { id: 'k5', usage: ['ENCRYPT'] });
    const clash = await post('/modules/m/keys/bulk', { idPrefix: 'k', count: 10 });
    expect(clash.status).toBe(409);
    expect(await vcm.countKeys('m')).toBe(1);
    expect((await post('/modules/m/keys/bulk', { idPrefix: 'k', count: 10_001 })).status).toBe(400);
    expect((await post('/modules/m/keys/bulk', { idPrefix: 'a b', count: 1 })).status).toBe(400);
    expect((await post('/modules/nope/keys/bulk', { idPrefix: 'k', count: 1 })).status).toBe(404);
  });
});
