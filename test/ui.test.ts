/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against the built
 * binary: login, a module, a key store and a key, a credential used for a real SigV4-signed XKS
 * encrypt, a disabled key failing and showing in the audit page, a fault scenario changing health,
 * the live traffic panel and /metrics, the conformance runner, and the refusals (wrong token, a
 * form without its CSRF token), and every page at phone width with the longest values the
 * protocol allows. Screenshots of every page go to a temporary directory, to docs/screenshots/
 * with XKSLAB_UI_SCREENSHOTS=1 (how the README's pictures are made), or to a directory of your
 * choice, kept, with XKSLAB_UI_SHOTS_DIR=DIR (phone-width pictures of every page included).
 */
import { constants, generateKeyPairSync, privateDecrypt, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encryptBody,
  healthBody,
  healthPath,
  keyPath,
  requestMetadata,
} from '@xkslab/conformance/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Admin, adminFor } from './support/admin-api.ts';
import { REPO_ROOT, startXkslab, type XkslabServer } from './support/binary.ts';
import {
  type Browser,
  clipboardText,
  DESKTOP,
  launchChromium,
  lineCount,
  PHONE,
  sidewaysOverflow,
  whiteSpace,
} from './support/browser.ts';
import { rawRequest } from './support/http-client.ts';
import { type KeyStoreTarget, sendXks } from './support/xks-client.ts';
import { encryptOk } from './support/xks-ops.ts';

const MODULE = 'hsm-ui';
const KEY = 'ui-key-1';
const STORE = 'ui-store';
const PREFIX = '/ui-store';
const REGION = 'eu-west-1';

// The longest values the protocol and the admin API allow, to lay the pages out with.
/** 128 characters: the longest external key id. */
const LONG_KEY = `long-key-${'k'.repeat(119)}`;
/** 64 characters: the longest key store name. */
const LONG_STORE = `long-store-${'s'.repeat(53)}`;
/** 117 characters: the longest prefix (with /kms/xks/v1, the 128 of URI_PATH_MAX). */
const LONG_PREFIX = `/long-prefix/${'p'.repeat(104)}`;
/** 2048 characters: IAM's longest ARN. */
const LONG_PRINCIPAL = `arn:aws:iam::123456789012:role/${'path/'.repeat(300)}${'r'.repeat(517)}`;
/** A request id far longer than KMS's UUIDs. */
const LONG_REQUEST_ID = `${randomUUID()}-${'q'.repeat(200)}`;

let server: XkslabServer;
let admin: Admin;
let browser: Browser;
let page: Page;
let base: string;
let shots: string;
let ownShots = false;
let target: KeyStoreTarget;

async function shoot(name: string, options: { phone?: boolean } = {}): Promise<void> {
  if (options.phone) await page.setViewportSize(PHONE);
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  if (options.phone) await page.setViewportSize(DESKTOP);
}

/** An encrypt on the disabled key (fails) or a health call (succeeds), for chart traffic. */
async function encryptOkQuiet(fail: boolean): Promise<void> {
  await (fail
    ? sendXks(
        target,
        keyPath(target, KEY, 'encrypt'),
        encryptBody({ plaintext: new Uint8Array(8) }),
      )
    : sendXks(target, healthPath(target), healthBody()));
}

/** The page fits the phone's width (a table may scroll inside its own box, the page may not). */
async function expectFits(name: string): Promise<void> {
  expect
    .soft(await sidewaysOverflow(page), `${name} scrolls sideways at ${PHONE.width} px`)
    .toEqual([]);
  if (!process.env.XKSLAB_UI_SCREENSHOTS) {
    await page.screenshot({ path: join(shots, `phone-${name}.png`), fullPage: true });
  }
}

async function flashText(): Promise<string> {
  return (await page.locator('.flash').first().textContent()) ?? '';
}

beforeAll(async () => {
  server = await startXkslab();
  admin = await adminFor(server.dataDir);
  base = server.url;
  if (process.env.XKSLAB_UI_SCREENSHOTS) {
    shots = join(REPO_ROOT, 'docs', 'screenshots');
    await mkdir(shots, { recursive: true });
  } else if (process.env.XKSLAB_UI_SHOTS_DIR) {
    shots = process.env.XKSLAB_UI_SHOTS_DIR;
    await mkdir(shots, { recursive: true });
  } else {
    shots = await mkdtemp(join(tmpdir(), 'xkslab-shots-'));
    ownShots = true;
  }
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (ownShots) await rm(shots, { recursive: true, force: true });
});

describe('the dashboard in Chromium', () => {
  it('sends the login page for any page, with a strict CSP and no inline script', async () => {
    const res = await page.goto(`${base}/ui/modules`);
    expect(page.url()).toBe(`${base}/ui/login?next=%2Fui%2Fmodules`);
    const csp = res?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(await page.locator('script:not([src])').count()).toBe(0);
    expect(await page.locator('[style]').count()).toBe(0);
  });

  it('refuses a wrong token', async () => {
    await page.getByTestId('token').fill('not-the-admin-token');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/ui/login') && r.request().method() === 'POST'),
      page.getByTestId('login').click(),
    ]);
    expect(res.status()).toBe(401);
    await page.waitForLoadState();
    expect(await flashText()).toContain('Wrong admin token');
    const cookies = await browser.context.cookies(base);
    expect(cookies.find((c) => c.name === 'xkslab_session')).toBeUndefined();
  });

  it('logs in with the admin token: an HttpOnly, SameSite=Strict session cookie', async () => {
    await page.getByTestId('token').fill(admin.token);
    await page.getByTestId('login').click();
    await page.waitForURL(`${base}/ui/modules`);
    const session = (await browser.context.cookies(base)).find((c) => c.name === 'xkslab_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(session?.value).not.toContain(admin.token);
    expect(await page.locator('h1').textContent()).toBe('Modules');
  });

  it('deploys a module', async () => {
    await page.locator('input[name="name"]').fill(MODULE);
    await page.locator('input[name="nodes"]').fill('2');
    await page.getByTestId('deploy-module').click();
    await page.waitForURL(`${base}/ui/modules`);
    expect(await flashText()).toContain(`Module ${MODULE} deployed with 2 node(s)`);
    await expect.poll(() => page.getByTestId(`module-row-${MODULE}`).count()).toBe(1);
    await shoot('modules');
    await page.goto(`${base}/ui/modules/${MODULE}`);
    expect(await page.locator('body').textContent()).toContain(`${MODULE}-node-2`);
    await shoot('module-detail');
  });

  it('shows a readable error for a bad input', async () => {
    await page.goto(`${base}/ui/modules`);
    await page.locator('input[name="name"]').fill(MODULE);
    await page.getByTestId('deploy-module').click();
    await page.waitForURL(`${base}/ui/modules`);
    expect(await page.locator('.flash.error').textContent()).toContain('MODULE_EXISTS');
  });

  it('creates a key and a key store (secret shown once, proxy configuration to download)', async () => {
    await page.goto(`${base}/ui/keys?module=${MODULE}`);
    await page.locator('input[name="id"]').first().fill(KEY);
    await page.getByTestId('create-key').click();
    await page.waitForURL(/\/ui\/keys\?module=/);
    expect(await flashText()).toContain(`Key ${KEY} created in ${MODULE}`);
    await expect.poll(() => page.getByTestId(`key-row-${KEY}`).count()).toBe(1);
    await shoot('keys');

    await page.goto(`${base}/ui/keystores`);
    await page.locator('input[name="name"]').fill(STORE);
    await page.locator('input[name="uriPathPrefix"]').fill(PREFIX);
    await page.locator('input[name="region"]').fill(REGION);
    await page.locator('select[name="module"]').selectOption(MODULE);
    await page.getByTestId('create-keystore').click();
    await page.waitForLoadState();
    expect(await flashText()).toContain(`Key store ${STORE} created`);
    const accessKeyId = (await page.getByTestId('access-key-id').textContent()) ?? '';
    const secret = (await page.getByTestId('secret-access-key').textContent()) ?? '';
    expect(accessKeyId).toMatch(/^[A-Z2-7]{20,30}$/);
    expect(secret.length).toBeGreaterThanOrEqual(40);
    const href = (await page.getByTestId('download-proxy-config').getAttribute('href')) ?? '';
    const config = JSON.parse(decodeURIComponent(href.slice(href.indexOf(',') + 1)));
    expect(config).toEqual({
      XksProxyUriPath: `${PREFIX}/kms/xks/v1`,
      XksProxyAuthenticationCredential: { AccessKeyId: accessKeyId, RawSecretAccessKey: secret },
    });
    // The secret is on this answer only: the key store pages never show it again.
    await page.goto(`${base}/ui/keystores/${STORE}`);
    expect(await page.locator('body').textContent()).not.toContain(secret);
    await page.goto(`${base}/ui/keystores`);
    expect(await page.locator('body').textContent()).not.toContain(secret);
    await shoot('keystores');
    await shoot('keystores-phone', { phone: true });
  });

  it('adds a credential and uses it for a real SigV4-signed XKS encrypt', async () => {
    await page.goto(`${base}/ui/keystores/${STORE}`);
    await page.getByTestId('add-credential').click();
    await page.waitForLoadState();
    const accessKeyId = (await page.getByTestId('access-key-id').textContent()) ?? '';
    const secretAccessKey = (await page.getByTestId('secret-access-key').textContent()) ?? '';
    await shoot('credential-once');
    target = {
      port: server.port,
      prefix: PREFIX,
      region: REGION,
      credential: { accessKeyId, secretAccessKey },
    };
    for (let i = 0; i < 5; i++) {
      await encryptOk(target, KEY, { plaintext: new TextEncoder().encode(`hello ${i}`) });
    }
    await page.goto(`${base}/ui/keystores/${STORE}`);
    expect(await page.getByTestId(`credential-${accessKeyId}`).textContent()).toMatch(/s ago/);
  });

  it('disables the key: the XKS call fails and the failure is on the audit page', async () => {
    await page.goto(`${base}/ui/keys/${MODULE}/${KEY}`);
    await page.getByTestId('key-disable').click();
    await page.waitForURL(`${base}/ui/keys/${MODULE}/${KEY}`);
    expect(await flashText()).toContain(`Key ${KEY} disabled`);
    expect(await page.getByTestId('key-state').textContent()).toContain('DISABLED');
    const res = await sendXks(
      target,
      keyPath(target, KEY, 'encrypt'),
      encryptBody({ plaintext: new Uint8Array(16) }),
    );
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).errorName).toBe('InvalidStateException');

    await page.reload();
    expect(await page.locator('body').textContent()).toContain('InvalidStateException');
    await shoot('key-detail');

    await page.goto(`${base}/ui/audit`);
    expect(await page.getByTestId('chain-status').textContent()).toContain('verified');
    await page.getByTestId('audit-result').selectOption('InvalidStateException');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/result=InvalidStateException/);
    const rows = page.locator('tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(1);
    const row = (await rows.first().textContent()) ?? '';
    expect(row).toContain('Encrypt');
    expect(row).toContain(KEY);
    expect(row).toContain(STORE);
    await page.goto(`${base}/ui/audit`);
    await shoot('audit');
  });

  it('shows live traffic without a reload, and the same figures at /metrics', async () => {
    if (process.env.XKSLAB_UI_SCREENSHOTS) {
      // For the README's picture: half a minute of traffic, spread over several chart points.
      for (let i = 0; i < 30; i++) {
        const calls = [];
        for (let j = 0; j < 5 + (i % 7) * 3; j++) {
          calls.push(encryptOkQuiet(j % 9 === 0));
        }
        await Promise.all(calls);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    await page.goto(`${base}/ui`);
    const total = page.getByTestId('total-calls');
    const before = Number(await total.textContent());
    const healthTarget = target;
    for (let i = 0; i < 3; i++) {
      await sendXks(healthTarget, healthPath(healthTarget), healthBody());
    }
    await expect
      .poll(async () => Number(await page.getByTestId('total-calls').textContent()), {
        timeout: 10_000,
      })
      .toBeGreaterThanOrEqual(before + 3);
    expect(await page.getByTestId('traffic-chart').locator('rect.bar').count()).toBeGreaterThan(0);
    expect(await page.locator('#traffic').textContent()).toContain('InvalidStateException');
    await shoot('overview');
    await shoot('overview-phone', { phone: true });

    const metrics = await rawRequest({
      port: server.port,
      method: 'GET',
      path: '/metrics',
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(metrics.status).toBe(200);
    const value = (pattern: RegExp) => Number(pattern.exec(metrics.text)?.[1] ?? Number.NaN);
    // 5 encrypts that worked and 1 refused (more with XKSLAB_UI_SCREENSHOTS).
    expect(
      value(/^xkslab_xks_request_duration_seconds_count\{operation="Encrypt"\} (\d+)$/m),
    ).toBeGreaterThanOrEqual(6);
    expect(
      value(
        /^xkslab_xks_errors_total\{operation="Encrypt",errorName="InvalidStateException",retryable="false"\} (\d+)$/m,
      ),
    ).toBeGreaterThanOrEqual(1);
    const anonymous = await rawRequest({ port: server.port, method: 'GET', path: '/metrics' });
    expect(anonymous.status).toBe(401);
  }, 90_000);

  it('turns a fault scenario on and the modules health changes', async () => {
    await page.goto(`${base}/ui`);
    const node = page.getByTestId(`node-${MODULE}-node-1`);
    expect(await node.textContent()).toContain('ACTIVE');
    await page.goto(`${base}/ui/faults`);
    await page.getByTestId('scenario-on-degraded-fleet').click();
    await page.waitForURL(`${base}/ui/faults`);
    expect(await flashText()).toContain('Scenario degraded-fleet is on');
    expect(await page.getByTestId('scenario-degraded-fleet').textContent()).toContain('on');
    await shoot('faults');

    await page.goto(`${base}/ui`);
    expect(await page.getByTestId(`node-${MODULE}-node-1`).textContent()).toContain('DEGRADED');
    expect(await page.getByTestId(`node-${MODULE}-node-2`).textContent()).toContain('ACTIVE');
    expect(await page.getByTestId('active-faults').textContent()).toContain('degraded-fleet:1');
    // KMS sees the same through GetHealthStatus.
    const health = JSON.parse((await sendXks(target, healthPath(target), healthBody())).text);
    expect(health.ekmFleetDetails[0]).toMatchObject({
      id: `${MODULE}-node-1`,
      healthStatus: 'DEGRADED',
    });

    await page.goto(`${base}/ui/faults`);
    await page.getByTestId('scenario-off-degraded-fleet').click();
    await page.waitForURL(`${base}/ui/faults`);
    expect(await flashText()).toContain('Scenario degraded-fleet is off');
    await page.goto(`${base}/ui`);
    expect(await page.getByTestId(`node-${MODULE}-node-1`).textContent()).toContain('ACTIVE');
  });

  it('marks a module disconnected and reconnected', async () => {
    await page.goto(`${base}/ui/modules/${MODULE}`);
    await page.getByTestId('module-state-disconnected').click();
    await page.waitForURL(`${base}/ui/modules/${MODULE}`);
    expect(await flashText()).toContain('is disconnected');
    expect(await page.locator('body').textContent()).toContain('UNAVAILABLE');
    await page.getByTestId('module-state-active').click();
    await page.waitForURL(`${base}/ui/modules/${MODULE}`);
    expect(await flashText()).toContain('is active');
  });

  it('refuses a form post without the CSRF token', async () => {
    await page.goto(`${base}/ui/modules`);
    // The page's own deploy form, its hidden _csrf field taken out, submitted by the browser.
    await page
      .locator(`form[action="/ui/modules"] input[name="_csrf"]`)
      .evaluate((el) => el.remove());
    await page.locator('input[name="name"]').fill('forged-module');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByTestId('deploy-module').click(),
    ]);
    expect(res.status()).toBe(403);
    await page.waitForLoadState();
    expect(await page.locator('body').textContent()).toContain('CSRF');
    const modules = await admin.call('GET', '/modules');
    expect(modules.json.modules.map((m: { name: string }) => m.name)).not.toContain(
      'forged-module',
    );
    // A wrong token is refused as well.
    const wrong = await page.request.post(`${base}/ui/modules`, {
      form: { name: 'forged-module', _csrf: 'x'.repeat(43) },
      headers: { origin: base },
    });
    expect(wrong.status()).toBe(403);
  });

  it('runs the conformance suite against this xkslab with progress, then shows the report', async () => {
    await page.goto(`${base}/ui/conformance`);
    await page.getByTestId('conformance-keystore').selectOption('default');
    await page.waitForURL(/keyStore=default/);
    await page.getByTestId('create-test-keys').click();
    await page.waitForURL(/keyStore=default/);
    expect(await flashText()).toContain('conformance-encrypt-only');
    await page.getByTestId('run-conformance').click();
    await page.waitForURL(/\/ui\/conformance\/runs\//);
    const run = page.getByTestId('conformance-run');
    await expect
      .poll(async () => page.getByTestId('conformance-run').getAttribute('data-state'), {
        timeout: 60_000,
        interval: 500,
      })
      .toBe('done');
    expect(await page.getByTestId('conformance-summary').textContent()).toContain(
      'no MUST check failed',
    );
    expect(await run.locator('tbody tr').count()).toBeGreaterThan(20);
    // The test keys made every usage and state check run.
    expect(await run.textContent()).not.toContain('needs --encrypt-only-key-id');
    expect(await run.textContent()).not.toContain('needs --disabled-key-id');
    await shoot('conformance');
  }, 90_000);

  it('exports a key created exportable as a wrapped JSON download', async () => {
    const exportable = 'ui-export-key';
    await page.goto(`${base}/ui/keys?module=${MODULE}`);
    await page.locator('input[name="id"]').first().fill(exportable);
    await page.locator('input[name="exportable"]').first().check();
    await page.getByTestId('create-key').click();
    await page.waitForURL(/\/ui\/keys\?module=/);
    expect(await flashText()).toContain(`Key ${exportable} created`);
    // The first key was not created exportable: its page says why, with no export form.
    await page.goto(`${base}/ui/keys/${MODULE}/${KEY}`);
    expect(await page.getByTestId('key-not-exportable').textContent()).toContain('Not exportable');
    expect(await page.getByTestId('key-export').count()).toBe(0);

    const pair = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    await page.goto(`${base}/ui/keys/${MODULE}/${exportable}`);
    // A bad PEM: the readable error, back on the key's page.
    await page.getByTestId('export-public-key').fill('not a public key');
    await page.getByTestId('key-export').click();
    await page.waitForURL(`${base}/ui/keys/${MODULE}/${exportable}`);
    expect(await page.locator('.flash.error').textContent()).toContain('INVALID_PUBLIC_KEY');

    await page.getByTestId('export-public-key').fill(pair.publicKey);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('key-export').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${MODULE}-${exportable}-export.json`);
    const body = JSON.parse(await readFile((await download.path()) as string, 'utf8'));
    expect(body).toMatchObject({
      module: MODULE,
      id: exportable,
      wrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256',
      currentVersion: 1,
    });
    expect(body.versions).toHaveLength(1);
    const wrapped = Buffer.from(body.versions[0].wrappedKeyMaterial, 'base64');
    const aesKey = privateDecrypt(
      { key: pair.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      wrapped.subarray(0, 256),
    );
    expect(aesKey).toHaveLength(32);
  });

  it('downloads an encrypted backup from the overview', async () => {
    await page.goto(`${base}/ui`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('download-backup').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^xkslab-backup-.+\.backup$/);
    const bytes = await readFile((await download.path()) as string);
    expect(bytes.length).toBeGreaterThan(100);
    expect(bytes.subarray(0, 14).toString('utf8')).toBe('XKSLAB-BACKUP\n');
  });

  it('creates 25 keys in bulk from the module page', async () => {
    await page.goto(`${base}/ui/modules/${MODULE}`);
    await page.getByTestId('bulk-prefix').fill('bulk-');
    await page.getByTestId('bulk-count').fill('25');
    await page.getByTestId('bulk-start').fill('1');
    await page.getByTestId('bulk-create-keys').click();
    await page.waitForURL(`${base}/ui/modules/${MODULE}`);
    expect(await flashText()).toContain(`25 key(s) created in ${MODULE}: bulk-1 .. bulk-25`);
    await page.goto(`${base}/ui/keys?module=${MODULE}`);
    await expect.poll(() => page.locator('[data-testid^="key-row-bulk-"]').count()).toBe(25);
  });

  it('logs out: the session is gone', async () => {
    await page.goto(`${base}/ui`);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/ui\/login/);
    await page.goto(`${base}/ui/keys`);
    expect(page.url()).toContain('/ui/login');
    await shoot('login');
  });

  it('fits a 390 px phone on every page, long values shortened with the whole value at hand', async () => {
    // The longest values: a key store with the longest name and prefix, a 128-character key id,
    // a signed encrypt whose principal ARN is 2048 characters, a fault rule naming the key.
    expect([LONG_PRINCIPAL.length, LONG_KEY.length, LONG_STORE.length]).toEqual([2048, 128, 64]);
    expect(`${LONG_PREFIX}/kms/xks/v1`).toHaveLength(128);
    const created = await admin.call('POST', '/keystores', {
      name: LONG_STORE,
      uriPathPrefix: LONG_PREFIX,
      region: REGION,
      module: MODULE,
    });
    expect(created.status).toBe(201);
    const credential = created.json.credential;
    expect(
      (
        await admin.call('POST', `/modules/${MODULE}/keys`, {
          id: LONG_KEY,
          usage: ['ENCRYPT', 'DECRYPT'],
        })
      ).status,
    ).toBe(201);
    const longTarget: KeyStoreTarget = {
      port: server.port,
      prefix: LONG_PREFIX,
      region: REGION,
      credential: {
        accessKeyId: credential.accessKeyId,
        secretAccessKey: credential.secretAccessKey,
      },
    };
    for (let i = 0; i < 3; i++) {
      const res = await sendXks(longTarget, keyPath(longTarget, LONG_KEY, 'encrypt'), {
        ...encryptBody({ plaintext: new Uint8Array(16) }),
        requestMetadata: requestMetadata('Encrypt', {
          awsPrincipalArn: LONG_PRINCIPAL,
          kmsRequestId: `${LONG_REQUEST_ID}-${i}`,
        }),
      });
      expect(res.status, res.text).toBe(200);
    }
    const rule = await admin.call('POST', '/faults', {
      kind: 'latency',
      latency: { type: 'fixed', ms: 1 },
      scope: { keyStore: LONG_STORE, keyId: LONG_KEY },
    });
    expect(rule.status, rule.text).toBe(201);

    await page.setViewportSize(PHONE);
    try {
      // Logged out by the test before: the login page first, then log in on the phone.
      await page.goto(`${base}/ui/login`);
      await expectFits('login');
      await page.getByTestId('token').fill(admin.token);
      await page.getByTestId('login').click();
      await page.waitForURL(`${base}/ui`);

      // The audit page: the time on one line, the principal shortened, the whole of it on hover
      // (title) and on click (expanded), and the page still fits with it expanded.
      await page.goto(`${base}/ui/audit?keyStore=${LONG_STORE}`);
      await expectFits('audit');
      const time = page.locator('tbody tr').first().locator('td').first();
      expect.soft(await whiteSpace(time)).toBe('nowrap');
      const lines = await lineCount(time);
      expect.soft(lines, 'the audit time cell is one line').toBe(1);
      const principal = page.locator(`[title="${LONG_PRINCIPAL}"]`).first();
      expect(await principal.count()).toBe(1);
      const shown = (await principal.textContent()) ?? '';
      expect(shown.length).toBeLessThan(60);
      const [head = '', tail = ''] = shown.split('…');
      expect(head.length).toBeGreaterThan(10);
      expect(LONG_PRINCIPAL.startsWith(head) && LONG_PRINCIPAL.endsWith(tail)).toBe(true);
      await principal.click();
      const full = page.getByText(LONG_PRINCIPAL, { exact: true }).first();
      await expect.poll(() => full.isVisible()).toBe(true);
      expect(await full.textContent()).toBe(LONG_PRINCIPAL);
      await expectFits('audit-expanded');
      // Its Copy button copies the whole ARN, not what the table shows.
      await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
        origin: base,
      });
      await page.locator('details[open] button.copy').first().click();
      expect(await clipboardText(page)).toBe(LONG_PRINCIPAL);
      // The request id is there too, shortened the same way.
      expect(await page.locator(`[title="${LONG_REQUEST_ID}-0"]`).count()).toBe(1);

      // Every other page, with the long key, key store, URL, ARN and request ids in it.
      const pages: ReadonlyArray<readonly [string, string]> = [
        ['overview', '/ui'],
        ['modules', '/ui/modules'],
        ['module-detail', `/ui/modules/${MODULE}`],
        ['keys', `/ui/keys?module=${MODULE}`],
        ['key-detail', `/ui/keys/${MODULE}/${LONG_KEY}`],
        ['key-not-found', `/ui/keys/${MODULE}/${LONG_KEY.slice(0, -1)}z`],
        ['keystores', '/ui/keystores'],
        ['keystore-detail', `/ui/keystores/${LONG_STORE}`],
        ['audit-search', `/ui/audit?q=${LONG_REQUEST_ID}`],
        ['faults', '/ui/faults'],
        ['conformance', `/ui/conformance?keyStore=${LONG_STORE}`],
        ['module-not-found', `/ui/modules/${'m'.repeat(64)}`],
        ['keystore-not-found', `/ui/keystores/${LONG_STORE.slice(0, -1)}z`],
        ['conformance-run-not-found', '/ui/conformance/runs/0123456789ab'],
      ];
      for (const [name, path] of pages) {
        await page.goto(`${base}${path}`);
        await expectFits(name);
      }
      // The key's own page names it shortened (the whole id on hover), and whole one click away.
      await page.goto(`${base}/ui/keys/${MODULE}/${LONG_KEY}`);
      expect(await page.locator(`h1 [title="${LONG_KEY}"]`).count()).toBe(1);
      expect(await page.locator('h1').textContent()).not.toContain(LONG_KEY);
      await page.getByTestId('key-id').locator('summary').click();
      expect(await page.getByTestId('key-id').locator('.full').textContent()).toBe(LONG_KEY);
      await expectFits('key-detail-expanded');

      // Pages answered to a form: import parameters, a credential shown once, a conformance run.
      await page.goto(`${base}/ui/keys?module=${MODULE}`);
      await page.getByRole('button', { name: 'Get import parameters' }).click();
      await page.waitForLoadState();
      expect(await page.locator('h1').textContent()).toContain('Import a key');
      await expectFits('import-parameters');

      await page.goto(`${base}/ui/keystores/${LONG_STORE}`);
      await page.getByTestId('add-credential').click();
      await page.waitForLoadState();
      const added = (await page.getByTestId('access-key-id').textContent()) ?? '';
      expect(added).toMatch(/^[A-Z2-7]{20,30}$/);
      await expectFits('credential-once');
      // Its copy button copies the whole value.
      await page.locator('button[data-copy="proxy-uri-path"]').click();
      expect(await clipboardText(page)).toBe(`${LONG_PREFIX}/kms/xks/v1`);

      await page.goto(`${base}/ui/conformance?keyStore=${LONG_STORE}`);
      await page.locator('select[name="keyId"]').selectOption(LONG_KEY);
      await page.locator('details summary', { hasText: 'More options' }).click();
      await page.locator('input[name="only"]').fill('health.ok');
      await page.getByTestId('run-conformance').click();
      await page.waitForURL(/\/ui\/conformance\/runs\//);
      await expect
        .poll(async () => page.getByTestId('conformance-run').getAttribute('data-state'), {
          timeout: 30_000,
          interval: 500,
        })
        .toBe('done');
      await expectFits('conformance-run');
    } finally {
      await page.setViewportSize(DESKTOP);
    }
  }, 90_000);
});
