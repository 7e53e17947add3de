import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryRecordStore, nobleEngine } from '@xkslab/vcm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from './audit/audit-log.ts';
import { silentLogger } from './logger.ts';
import { SeedError } from './seed.ts';
import { faultPlan, openCore, seedOrDefault, wireApps, wireServices } from './wiring.ts';
import { DEFAULT_LIMITS } from './xks/limits.ts';

const random = (n: number) => new Uint8Array(randomBytes(n));
const clock = () => new Date('2026-01-01T00:00:00Z');

describe('wiring', () => {
  let dir: string;
  let audit: AuditLog;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xkslab-wiring-'));
    audit = await AuditLog.open(join(dir, 'audit.log'));
  });
  afterEach(async () => {
    await audit.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function wire(separateAdmin: boolean) {
    const store = new MemoryRecordStore();
    const masterKey = random(32);
    const core = await openCore({ store, masterKey, engine: nobleEngine, random });
    const { first } = await seedOrDefault(core, undefined, random);
    const wired = await wireServices({
      core,
      store,
      masterKey,
      audit,
      faults: faultPlan(undefined, clock),
      logger: silentLogger,
      resetAdminToken: false,
      clock,
      random,
    });
    const apps = wireApps({
      services: wired.services,
      audit,
      limits: DEFAULT_LIMITS,
      moduleTimeoutMs: 200,
      xksUrl: 'http://127.0.0.1:1',
      separateAdmin,
    });
    return { core, first, token: wired.newAdminToken, ...apps };
  }

  it('builds the default state, an admin token and one app serving XKS, admin API and dashboard', async () => {
    const { core, first, token, app, adminListener } = await wire(false);
    expect(first?.keyStore).toBe('default');
    expect(core.registry.list().map((ks) => ks.name)).toEqual(['default']);
    expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(adminListener).toBeUndefined();
    expect((await app.request('/ping')).status).toBe(200);
    const modules = await app.request('/admin/v1/modules', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(modules.status).toBe(200);
    expect(await modules.json()).toMatchObject({ modules: [{ name: 'default' }] });
    expect((await app.request('/admin/v1/modules')).status).toBe(401);
    expect((await app.request('/ui/login')).status).toBe(200);
    await core.vcm.close();
  });

  it('gives the admin API and dashboard a listener app of their own when asked', async () => {
    const { core, token, app, adminListener } = await wire(true);
    const headers = { authorization: `Bearer ${token}` };
    expect((await app.request('/admin/v1/modules', { headers })).status).not.toBe(200);
    expect((await adminListener?.request('/admin/v1/modules', { headers }))?.status).toBe(200);
    expect((await adminListener?.request('/'))?.status).toBe(302);
    await core.vcm.close();
  });

  it('refuses a seed fault rule that does not fit, as a seed error', () => {
    expect(() =>
      faultPlan([{ operation: 'encrypt', defect: 'no-such-defect' }] as never, clock),
    ).toThrow(SeedError);
  });
});
