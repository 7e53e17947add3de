/**
 * The dashboard in a real browser, part two (screenshots as in ui.test.ts): a form without its
 * CSRF token refused, the conformance runner, key export, the backup download, bulk keys, logout,
 * and every page at phone width with the longest values the protocol allows.
 */
import { constants, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { encryptBody, keyPath, requestMetadata } from '@xkslab/conformance/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminOk } from './support/admin-api.ts';
import { clipboardText, DESKTOP, lineCount, PHONE, whiteSpace } from './support/browser.ts';
import {
  admin,
  base,
  browser,
  expectFits,
  flashText,
  KEY,
  LONG_KEY,
  LONG_PREFIX,
  LONG_PRINCIPAL,
  LONG_REQUEST_ID,
  LONG_STORE,
  logIn,
  MODULE,
  page,
  REGION,
  server,
  shoot,
  useDashboard,
} from './support/dashboard.ts';
import { type KeyStoreTarget, sendXks } from './support/xks-client.ts';

useDashboard();
beforeAll(async () => {
  adminOk(await admin.call('POST', '/modules', { name: MODULE, nodes: 2 }), 201);
  adminOk(
    await admin.call('POST', `/modules/${MODULE}/keys`, {
      id: KEY,
      usage: ['ENCRYPT', 'DECRYPT'],
    }),
    201,
  );
  await logIn();
});

describe('the dashboard in Chromium, its other pages', () => {
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
        ['kms', '/ui/kms'],
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
