/**
 * The dashboard's KMS page over HTTP: `serve --kms-port` runs the emulator beside the proxy, the
 * AWS SDK (@aws-sdk/client-kms) makes key stores, keys and an alias and encrypts, and the page
 * shows all of it, each KMS call with the XKS calls the proxy recorded for it. Without
 * --kms-port the page says how to start the emulator.
 */

import { join } from 'node:path';
import {
  ConnectCustomKeyStoreCommand,
  CreateAliasCommand,
  CreateCustomKeyStoreCommand,
  CreateKeyCommand,
  EncryptCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { newCredential } from '@xkslab/conformance/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminFor, adminOk } from './support/admin-api.ts';
import { REPO_ROOT, type XkslabServer } from './support/binary.ts';
import { launchChromium, PHONE, sidewaysOverflow } from './support/browser.ts';
import type { Credential } from './support/credentials.ts';
import { useTempServers } from './support/fixture.ts';
import {
  externalKeyStoreInput,
  KMS_REGION,
  KMS_SECRET_ACCESS_KEY,
  kmsClient,
  waitConnected,
} from './support/kms.ts';
import { type UiSession, uiSession } from './support/ui-session.ts';

const servers = useTempServers();

/** The `<tr>` whose data-testid is `testId`, as HTML (what the row shows beside each other). */
function row(html: string, testId: string): string {
  const at = html.indexOf(`data-testid="${testId}"`);
  expect(at, `no row ${testId}`).toBeGreaterThan(-1);
  const start = html.lastIndexOf('<tr', at);
  return html.slice(start, html.indexOf('</tr>', at));
}

/** The first XKS call shown in a KMS call's row. */
function xksCall(rowHtml: string): string {
  return /data-testid="xks-call"[\s\S]*?<\/li>/.exec(rowHtml)?.[0] ?? '';
}

describe('the KMS page with serve --kms-port', () => {
  const one = newCredential();
  const two = [newCredential(), newCredential()];
  let server: XkslabServer;
  let kms: KMSClient;
  let ui: UiSession;
  const ids = {
    store: '',
    failing: '',
    xksKey: '',
    plainKey: '',
    createKeyRequest: '',
    encryptRequest: '',
  };

  function storeInput(name: string, prefix: string, credential: Credential) {
    return externalKeyStoreInput(name, {
      endpoint: server.url,
      uriPath: `${prefix}/kms/xks/v1`,
      credential,
    });
  }

  beforeAll(async () => {
    const keyStore = (name: string, credentials: Credential[]) => ({
      name,
      uriPathPrefix: `/${name}`,
      region: KMS_REGION,
      module: 'm',
      credentials,
    });
    server = await servers.start({
      seed: {
        modules: [{ name: 'm', keys: [{ id: 'key-1', usage: ['ENCRYPT', 'DECRYPT'] }] }],
        keyStores: [keyStore('one', [one]), keyStore('two', two)],
      },
      extraArgs: ['--kms-port', '0'],
    });
    const listening = server.logs().find((l) => l.msg === 'kms listening');
    kms = kmsClient(String(listening?.kmsUrl));
    const admin = await adminFor(server.dataDir);

    const created = await kms.send(
      new CreateCustomKeyStoreCommand(storeInput('payments', '/one', one)),
    );
    ids.store = created.CustomKeyStoreId ?? '';
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: ids.store }));
    expect(await waitConnected(kms, ids.store)).toBe('CONNECTED');
    // A second store whose credential the proxy revokes before it connects: FAILED, and why.
    const failing = await kms.send(
      new CreateCustomKeyStoreCommand(storeInput('revoked', '/two', two[0] as Credential)),
    );
    ids.failing = failing.CustomKeyStoreId ?? '';
    adminOk(await admin.call('DELETE', `/keystores/two/credentials/${two[0]?.accessKeyId}`));
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: ids.failing }));
    expect(await waitConnected(kms, ids.failing)).toBe('FAILED');

    const xksKey = await kms.send(
      new CreateKeyCommand({
        Origin: 'EXTERNAL_KEY_STORE',
        CustomKeyStoreId: ids.store,
        XksKeyId: 'key-1',
      }),
    );
    ids.xksKey = xksKey.KeyMetadata?.KeyId ?? '';
    ids.createKeyRequest = xksKey.$metadata.requestId ?? '';
    const plain = await kms.send(
      new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
    );
    ids.plainKey = plain.KeyMetadata?.KeyId ?? '';
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/orders', TargetKeyId: ids.xksKey }));
    const enc = await kms.send(
      new EncryptCommand({ KeyId: 'alias/orders', Plaintext: new TextEncoder().encode('hi') }),
    );
    ids.encryptRequest = enc.$metadata.requestId ?? '';
    expect(ids.encryptRequest).toMatch(/^[0-9a-f-]{36}$/);
    ui = await uiSession(server.url, admin.token);
  }, 60_000);

  afterAll(() => kms?.destroy());

  it('shows the custom key stores with their connection state and last error', async () => {
    const page = await ui.get('/ui/kms');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>KMS</h1>');
    const store = row(page.text, `kms-keystore-${ids.store}`);
    expect(store).toContain('payments');
    expect(store).toContain('CONNECTED');
    expect(store).toContain(`${server.url}`);
    const failing = row(page.text, `kms-keystore-${ids.failing}`);
    expect(failing).toContain('revoked');
    expect(failing).toContain('FAILED');
    expect(failing).toContain('INVALID_CREDENTIALS');
  });

  it('shows the keys (spec, usage, state, origin, key store) and the aliases', async () => {
    const page = await ui.get('/ui/kms');
    const xks = row(page.text, `kms-key-${ids.xksKey}`);
    for (const text of ['SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT', 'Enabled', 'EXTERNAL_KEY_STORE']) {
      expect(xks).toContain(text);
    }
    expect(xks).toContain(ids.store);
    expect(xks).toContain('key-1');
    const plain = row(page.text, `kms-key-${ids.plainKey}`);
    for (const text of ['ECC_NIST_P256', 'SIGN_VERIFY', 'Enabled', 'AWS_KMS']) {
      expect(plain).toContain(text);
    }
    const alias = row(page.text, 'kms-alias-alias/orders');
    expect(alias).toContain(ids.xksKey);
  });

  it('shows each recent KMS call with the XKS calls it caused beside it', async () => {
    const page = await ui.get('/ui/kms');
    const encrypt = row(page.text, `kms-call-${ids.encryptRequest}`);
    expect(encrypt).toContain('Encrypt');
    expect(encrypt).toContain(ids.xksKey);
    expect(encrypt).toMatch(/<time[^>]*>\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ<\/time>/);
    expect(encrypt).toMatch(/data-testid="kms-outcome"[^>]*>ok</);
    // The proxy's audit entry of the XKS Encrypt, matched by the kmsRequestId it carried.
    const xks = xksCall(encrypt);
    expect(xks).toContain('Encrypt');
    expect(xks).toContain('ok');
    expect(xks).toContain('key-1');
    // CreateKey asked the proxy for the key's metadata: that call is beside it.
    const createKey = row(page.text, `kms-call-${ids.createKeyRequest}`);
    expect(createKey).toContain('CreateKey');
    expect(xksCall(createKey)).toContain('GetKeyMetadata');
  });

  it('fits a 390 px phone in Chromium, with no inline script or style', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(`${server.url}/ui/login?next=%2Fui%2Fkms`);
      await page.getByTestId('token').fill((await adminFor(server.dataDir)).token);
      await page.getByTestId('login').click();
      await page.waitForURL(`${server.url}/ui/kms`);
      expect(await page.getByTestId(`kms-call-${ids.encryptRequest}`).count()).toBe(1);
      expect(await page.locator('script:not([src])').count()).toBe(0);
      expect(await page.locator('[style]').count()).toBe(0);
      // The top of the page (the calls below run long: the SDK polled DescribeCustomKeyStores).
      if (process.env.XKSLAB_UI_SCREENSHOTS) {
        await page.screenshot({
          path: join(REPO_ROOT, 'docs', 'screenshots', 'kms.png'),
        });
      }
      await page.setViewportSize(PHONE);
      expect(await sidewaysOverflow(page)).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('never shows a secret', async () => {
    const page = await ui.get('/ui/kms');
    for (const secret of [one.secretAccessKey, two[0]?.secretAccessKey, KMS_SECRET_ACCESS_KEY]) {
      expect(page.text).not.toContain(secret);
    }
  });

  it('is in the navigation of every page', async () => {
    const overview = await ui.get('/ui');
    expect(overview.text).toContain('href="/ui/kms"');
  });
});

describe('the KMS page without --kms-port', () => {
  it('says how to start the emulator beside the proxy, the exact command', async () => {
    const server = await servers.start();
    const admin = await adminFor(server.dataDir);
    const ui = await uiSession(server.url, admin.token);
    const page = await ui.get('/ui/kms');
    expect(page.status).toBe(200);
    expect(page.text).toContain(
      `<code data-testid="kms-start-command">xkslab serve --data-dir ${server.dataDir} --kms-port 7781</code>`,
    );
    expect(page.text).not.toContain('<table');
  });
});
