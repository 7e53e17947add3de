import { constants, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { type ConformanceReport, summarize } from '@xkslab/conformance';
import type { ExportKeyResponse } from '@xkslab/protocol';
import type { Pkcs11PinSource } from '@xkslab/vcm';
import { createSoftHsmToken, softHsmMissing, TEST_NOW } from '@xkslab/vcm/testing';
import { describe, expect, it } from 'vitest';
import type { AuditEntryInput } from '../audit/audit-entry.ts';
import type { BackupMaker } from '../backup/snapshot.ts';
import { FaultPlan } from '../faults/fault-plan.ts';
import { XksMetrics } from '../metrics/xks-metrics.ts';
import { createTestAdminDeps } from '../testing/admin-deps.ts';
import { createUiApp } from './ui-app.tsx';

const TOKEN = 'test-admin-token_0123456789';
const ORIGIN = 'http://localhost';

async function setup(options: { backup?: BackupMaker; pkcs11Pin?: Pkcs11PinSource } = {}) {
  const pin = options.pkcs11Pin === undefined ? {} : { pkcs11Pin: options.pkcs11Pin };
  const deps = await createTestAdminDeps({ token: TOKEN, ...pin });
  const { vcm, registry, clock } = deps;
  const audit: AuditEntryInput[] = [];
  const metrics = new XksMetrics({ now: () => TEST_NOW.getTime() });
  const report: ConformanceReport = {
    tool: 'test',
    target: { url: 'x', region: 'us-east-1', keyId: 'k' },
    startedAt: TEST_NOW.toISOString(),
    checks: [],
    summary: summarize([], 0),
  };
  const { app, state } = createUiApp({
    ...deps,
    faults: new FaultPlan({ clock, random: Math.random }),
    audit: {
      // An entry counts once its write completes, a while after the call, as in the audit file:
      // the assertions right after an answer hold only if the answer waited for the write.
      append: (e) =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            audit.push(e);
            resolve();
          }, 2),
        ),
    },
    metrics,
    xksUrl: 'http://127.0.0.1:9',
    runConformance: async () => report,
    ...(options.backup ? { backup: options.backup } : {}),
  });
  const request = (path: string, init: RequestInit = {}) => app.request(`${ORIGIN}${path}`, init);

  /** Logs in like a browser: GET the form (login cookie + field), POST it, keep the session. */
  async function login(token = TOKEN) {
    const form = await request('/ui/login');
    const loginCookie = /xkslab_login=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')?.[1];
    const field = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
    const res = await request('/ui/login', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: ORIGIN,
        cookie: `xkslab_login=${loginCookie}`,
      },
      body: new URLSearchParams({ _csrf: field ?? '', token }).toString(),
    });
    const session = /xkslab_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
    return { res, session };
  }

  async function loggedIn() {
    const { session } = await login();
    const cookie = `xkslab_session=${session}`;
    const page = await request('/ui/modules', { headers: { cookie } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const post = (
      path: string,
      fields: Record<string, string> | URLSearchParams,
      headers: Record<string, string> = {},
    ) =>
      request(path, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: ORIGIN,
          cookie,
          ...headers,
        },
        body: new URLSearchParams(fields).toString(),
      });
    const get = (path: string) => request(path, { headers: { cookie } });
    return { cookie, csrf, post, get };
  }
  return { app, vcm, registry, audit, metrics, state, request, login, loggedIn };
}

describe('dashboard: login and sessions', () => {
  it('sends every page to the login form until logged in', async () => {
    const { request } = await setup();
    const res = await request('/ui/keys');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ui/login?next=%2Fui%2Fkeys');
    expect((await request('/ui')).headers.get('location')).toBe('/ui/login?next=%2Fui');
    expect((await request('/ui/live/traffic')).status).toBe(401);
  });

  it('logs in with the admin token: a random HttpOnly SameSite=Strict session cookie', async () => {
    const { login, audit } = await setup();
    const { res, session } = await login();
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ui');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/xkslab_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict/);
    expect(cookie).not.toContain('Secure');
    expect(session).not.toContain(TOKEN);
    expect(audit.at(-1)).toMatchObject({ operation: 'ui:Login', result: 'ok' });
  });

  it('refuses a wrong token, and a login form without its CSRF token', async () => {
    const { login, request, audit } = await setup();
    const wrong = await login('wrong-token');
    expect(wrong.res.status).toBe(401);
    expect(wrong.session).toBeUndefined();
    expect(await wrong.res.text()).toContain('Wrong admin token');
    expect(audit.at(-1)).toMatchObject({ operation: 'ui:Login', result: 'UNAUTHORIZED' });
    const noCsrf = await request('/ui/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams({ token: TOKEN }).toString(),
    });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.headers.get('set-cookie') ?? '').not.toContain('xkslab_session=');
  });

  it('sets Secure on the cookies under TLS', async () => {
    const { app } = await setup();
    const res = await app.request('https://localhost/ui/login');
    expect(res.headers.get('set-cookie')).toMatch(/xkslab_login=.*; Secure/);
  });

  it('logs out: the session ends on the server', async () => {
    const { loggedIn, state } = await setup();
    const { post, get, csrf } = await loggedIn();
    expect(state.sessions.size).toBe(1);
    const res = await post('/ui/logout', { _csrf: csrf });
    expect(res.status).toBe(303);
    expect(state.sessions.size).toBe(0);
    expect((await get('/ui/modules')).status).toBe(303);
  });
});

describe('dashboard: CSRF and headers', () => {
  it('refuses a POST without the session CSRF token, with a wrong one, or from another origin', async () => {
    const { loggedIn, vcm } = await setup();
    const { post, csrf } = await loggedIn();
    expect((await post('/ui/modules', { name: 'm1' })).status).toBe(403);
    expect((await post('/ui/modules', { name: 'm1', _csrf: `${csrf}x` })).status).toBe(403);
    expect(
      (await post('/ui/modules', { name: 'm1', _csrf: csrf }, { origin: 'https://evil.example' }))
        .status,
    ).toBe(403);
    expect(await vcm.listModules()).toEqual([]);
    const ok = await post('/ui/modules', { name: 'm1', nodes: '2', _csrf: csrf });
    expect(ok.status).toBe(303);
    expect((await vcm.listModules()).map((m) => m.name)).toEqual(['m1']);
  });

  it('sends a strict CSP and no inline script or style on every page', async () => {
    const { loggedIn } = await setup();
    const { get } = await loggedIn();
    for (const path of [
      '/ui',
      '/ui/modules',
      '/ui/keys',
      '/ui/keystores',
      '/ui/audit',
      '/ui/faults',
      '/ui/conformance',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("style-src 'self'");
      expect(csp, path).not.toContain('unsafe');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('cache-control')).toBe('no-store');
      const html = await res.text();
      expect(html, path).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
      expect(html, path).not.toMatch(/\sstyle=/);
      expect(html, path).not.toMatch(/\son[a-z]+=/);
    }
  });

  it('escapes every value: a hostile name stays text', async () => {
    const { loggedIn, audit } = await setup();
    const { post, get, csrf } = await loggedIn();
    // Not a valid module name: the error message echoes it, escaped.
    await post('/ui/modules', { name: '<img src=x onerror=alert(1)>', _csrf: csrf });
    const page = await (await get('/ui/modules')).text();
    expect(page).not.toContain('<img src=x');
    expect(audit.every((e) => e.operation !== 'admin:POST /modules')).toBe(true);
  });
});

describe('dashboard: actions call the admin operations', () => {
  it('creates a key store and shows its secret once, audited like the admin API', async () => {
    const { loggedIn, audit, registry } = await setup();
    const { post, get, csrf } = await loggedIn();
    await post('/ui/modules', { name: 'm1', _csrf: csrf });
    const res = await post('/ui/keystores', {
      name: 'ks1',
      uriPathPrefix: '/ks1',
      region: 'us-east-1',
      module: 'm1',
      _csrf: csrf,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    const secret = /data-testid="secret-access-key">([^<]+)</.exec(html)?.[1] ?? '';
    const accessKeyId = registry.get('ks1')?.accessKeyIds[0] ?? '';
    expect(registry.get('ks1')?.secretFor(accessKeyId)).toBe(secret);
    expect(html).toContain('download="ks1-proxy-configuration.json"');
    expect(await (await get('/ui/keystores/ks1')).text()).not.toContain(secret);
    expect(audit.at(-1)).toMatchObject({
      operation: 'admin:POST /keystores',
      principal: 'admin',
      keyStore: 'ks1',
      accessKeyId,
      detail: 'dashboard POST /ui/keystores',
    });
    // The admin API's rules hold here too: the dashboard's own prefix is reserved.
    await post('/ui/keystores', {
      name: 'ks2',
      uriPathPrefix: '/ui',
      region: 'us-east-1',
      module: 'm1',
      _csrf: csrf,
    });
    expect(await (await get('/ui/keystores')).text()).toContain('RESERVED_PREFIX');
  });

  it('runs the key lifecycle and shows a readable error for a refused step', async () => {
    const { loggedIn, vcm } = await setup();
    const { post, get, csrf } = await loggedIn();
    await post('/ui/modules', { name: 'm1', _csrf: csrf });
    const body = new URLSearchParams({ id: 'k1', _csrf: csrf });
    body.append('usage', 'ENCRYPT');
    body.append('usage', 'DECRYPT');
    await post('/ui/keys/m1', body);
    expect((await vcm.getKey('m1', 'k1'))?.usage).toEqual(['ENCRYPT', 'DECRYPT']);
    await post('/ui/keys/m1/k1/disable', { _csrf: csrf });
    expect((await vcm.getKey('m1', 'k1'))?.state).toBe('DISABLED');
    await post('/ui/keys/m1/k1/cancel-deletion', { _csrf: csrf });
    const page = await (await get('/ui/keys/m1/k1')).text();
    expect(page).toContain('class="flash error"');
    await post('/ui/keys/m1/k1/rotate', { _csrf: csrf });
    expect((await vcm.getKey('m1', 'k1'))?.currentVersion).toBe(2);
  });

  it('serves /metrics to the admin token or a session only', async () => {
    const { request, metrics, loggedIn } = await setup();
    metrics.observe('Encrypt', 2, 'ThrottlingException');
    expect((await request('/metrics')).status).toBe(401);
    const byToken = await request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(byToken.status).toBe(200);
    expect(await byToken.text()).toContain(
      'xkslab_xks_errors_total{operation="Encrypt",errorName="ThrottlingException",retryable="true"} 1',
    );
    const { get } = await loggedIn();
    expect((await get('/metrics')).status).toBe(200);
  });
});

describe('dashboard: export, backup, bulk keys', () => {
  const pair = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });

  it('exports an exportable key as a JSON download, audited; refuses the others readably', async () => {
    const { loggedIn, vcm, audit } = await setup();
    const { post, get, csrf } = await loggedIn();
    await post('/ui/modules', { name: 'm1', _csrf: csrf });
    await vcm.createKey('m1', { id: 'exp', usage: ['ENCRYPT'], exportable: true });
    await vcm.rotateKey('m1', 'exp');
    await vcm.createKey('m1', { id: 'plain', usage: ['ENCRYPT'] });
    expect(await (await get('/ui/keys/m1/exp')).text()).toContain('data-testid="key-export"');
    const plainPage = await (await get('/ui/keys/m1/plain')).text();
    expect(plainPage).toContain('data-testid="key-not-exportable"');
    expect(plainPage).not.toContain('data-testid="key-export"');

    const res = await post('/ui/keys/m1/exp/export', { publicKey: pair.publicKey, _csrf: csrf });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(
      'attachment; filename="m1-exp-export.json"',
    );
    const body = (await res.json()) as ExportKeyResponse;
    expect(body).toMatchObject({
      module: 'm1',
      id: 'exp',
      wrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256',
      currentVersion: 2,
    });
    expect(body.versions).toHaveLength(2);
    const wrapped = Buffer.from(body.versions[0]?.wrappedKeyMaterial ?? '', 'base64');
    const k = privateDecrypt(
      { key: pair.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      wrapped.subarray(0, 256),
    );
    expect(k).toHaveLength(32);
    expect(audit.at(-1)).toMatchObject({
      operation: 'admin:POST /modules/{module}/keys/{keyId}/export',
      module: 'm1',
      keyId: 'exp',
      detail: 'dashboard POST /ui/keys/m1/exp/export',
    });

    const bad = await post('/ui/keys/m1/exp/export', { publicKey: 'not a pem', _csrf: csrf });
    expect(bad.status).toBe(303);
    expect(bad.headers.get('location')).toBe('/ui/keys/m1/exp');
    expect(await (await get('/ui/keys/m1/exp')).text()).toContain('INVALID_PUBLIC_KEY');
    await post('/ui/keys/m1/plain/export', { publicKey: pair.publicKey, _csrf: csrf });
    expect(await (await get('/ui/keys/m1/plain')).text()).toContain('KEY_NOT_EXPORTABLE');
  });

  it('downloads a backup (same maker and audit entry as the admin API), or says why not', async () => {
    const bytes = new TextEncoder().encode('XKSLAB-BACKUP\n{}\n');
    const { loggedIn, audit } = await setup({ backup: async () => ({ bytes, records: 7 }) });
    const { post, get, csrf } = await loggedIn();
    expect(await (await get('/ui')).text()).toContain('data-testid="download-backup"');
    const res = await post('/ui/backup', { _csrf: csrf });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.xkslab.backup');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="xkslab-backup-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.backup"$/,
    );
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    expect(audit.at(-1)).toMatchObject({ operation: 'admin:Backup', principal: 'admin' });
    expect(audit.at(-1)?.detail).toContain('7 records through the dashboard');
    expect((await post('/ui/backup', {})).status).toBe(403);

    const none = await setup();
    const session = await none.loggedIn();
    const refused = await session.post('/ui/backup', { _csrf: session.csrf });
    expect(refused.status).toBe(303);
    expect(await (await session.get('/ui')).text()).toContain('NOT_AVAILABLE');
  });

  it('creates keys in bulk from the module page, all or none', async () => {
    const { loggedIn, vcm, audit } = await setup();
    const { post, get, csrf } = await loggedIn();
    await post('/ui/modules', { name: 'm1', _csrf: csrf });
    const form = new URLSearchParams({ idPrefix: 'bk-', count: '25', start: '10', _csrf: csrf });
    form.append('usage', 'ENCRYPT');
    const res = await post('/ui/modules/m1/bulk-keys', form);
    expect(res.headers.get('location')).toBe('/ui/modules/m1');
    expect(await vcm.countKeys('m1')).toBe(25);
    expect((await vcm.getKey('m1', 'bk-34'))?.usage).toEqual(['ENCRYPT']);
    const page = await (await get('/ui/modules/m1')).text();
    expect(page).toContain('25 key(s) created in m1: bk-10 .. bk-34.');
    expect(audit.at(-1)).toMatchObject({
      operation: 'admin:POST /modules/{module}/keys/bulk',
      module: 'm1',
    });
    // Overlapping ids: refused, nothing created.
    await post('/ui/modules/m1/bulk-keys', {
      idPrefix: 'bk-',
      count: '5',
      start: '30',
      _csrf: csrf,
    });
    expect(await vcm.countKeys('m1')).toBe(25);
    expect(await (await get('/ui/modules/m1')).text()).toContain('class="flash error"');
    await post('/ui/modules/m1/bulk-keys', { idPrefix: 'x', count: '10001', _csrf: csrf });
    const tooMany = await (await get('/ui/modules/m1')).text();
    expect(/class="flash error"[^>]*>([^<]*)/.exec(tooMany)?.[1]).toContain('count');
    expect(await vcm.countKeys('m1')).toBe(25);
  });
});

describe.skipIf(softHsmMissing() !== undefined)('dashboard: module kinds', () => {
  it('shows a virtual and a pkcs11 module with their kind and the token', async () => {
    const hsm = await createSoftHsmToken({ label: 'ui' });
    process.env.SOFTHSM2_CONF = hsm.conf;
    try {
      const { vcm, loggedIn } = await setup({ pkcs11Pin: async () => hsm.pin });
      await vcm.createModule({ name: 'soft' });
      const pkcs11 = { library: hsm.library, tokenLabel: 'ui', pinEnv: 'UNUSED_HERE' };
      await vcm.createModule({ name: 'token', pkcs11 });
      await vcm.createKey('token', { id: 'k', usage: ['ENCRYPT', 'DECRYPT'] });
      const { get } = await loggedIn();
      const list = await (await get('/ui/modules')).text();
      expect(list).toMatch(/data-testid="module-kind-soft"[^>]*>\s*virtual\s*</);
      expect(list).toMatch(/data-testid="module-kind-token"[^>]*>\s*pkcs11\s*</);
      const detail = await (await get('/ui/modules/token')).text();
      expect(detail).toContain(`A pkcs11 module: keys inside the token ui of ${hsm.library}.`);
      expect(detail).toMatch(/SoftHSM project \(serial number: \w+\)/);
      await vcm.close();
    } finally {
      await hsm.remove();
    }
  });
});
