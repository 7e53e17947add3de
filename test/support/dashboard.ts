/**
 * The dashboard's browser tests: the server, Chromium and its page, screenshots, the longest values
 * the protocol allows, and a login.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { type Admin, adminFor } from './admin-api.ts';
import { REPO_ROOT, startXkslab, type XkslabServer } from './binary.ts';
import { type Browser, DESKTOP, launchChromium, PHONE, sidewaysOverflow } from './browser.ts';

export const MODULE = 'hsm-ui';
export const KEY = 'ui-key-1';
export const STORE = 'ui-store';
export const PREFIX = '/ui-store';
export const REGION = 'eu-west-1';

// The longest values the protocol and the admin API allow, to lay the pages out with.
/** 128 characters: the longest external key id. */
export const LONG_KEY = `long-key-${'k'.repeat(119)}`;
/** 64 characters: the longest key store name. */
export const LONG_STORE = `long-store-${'s'.repeat(53)}`;
/** 117 characters: the longest prefix (with /kms/xks/v1, the 128 of URI_PATH_MAX). */
export const LONG_PREFIX = `/long-prefix/${'p'.repeat(104)}`;
/** 2048 characters: IAM's longest ARN. */
export const LONG_PRINCIPAL = `arn:aws:iam::123456789012:role/${'path/'.repeat(300)}${'r'.repeat(517)}`;
/** A request id far longer than KMS's UUIDs. */
export const LONG_REQUEST_ID = `${randomUUID()}-${'q'.repeat(200)}`;

export let server: XkslabServer;
export let admin: Admin;
export let browser: Browser;
export let page: Page;
export let base: string;
export let shots: string;
export let ownShots = false;

export async function shoot(name: string, options: { phone?: boolean } = {}): Promise<void> {
  if (options.phone) await page.setViewportSize(PHONE);
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  if (options.phone) await page.setViewportSize(DESKTOP);
}

/** The page fits the phone's width (a table may scroll inside its own box, the page may not). */
export async function expectFits(name: string): Promise<void> {
  expect
    .soft(await sidewaysOverflow(page), `${name} scrolls sideways at ${PHONE.width} px`)
    .toEqual([]);
  if (!process.env.XKSLAB_UI_SCREENSHOTS) {
    await page.screenshot({ path: join(shots, `phone-${name}.png`), fullPage: true });
  }
}

export async function flashText(): Promise<string> {
  return (await page.locator('.flash').first().textContent()) ?? '';
}

/**
 * Starts the server and Chromium for the calling test file (one page, dialogs accepted), and the
 * screenshot directory; stops them after its tests.
 */
export function useDashboard(): void {
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
}

/** Logs the page in with the admin token through the login form. */
export async function logIn(): Promise<void> {
  await page.goto(`${base}/ui/login`);
  await page.getByTestId('token').fill(admin.token);
  await page.getByTestId('login').click();
  await page.waitForURL((url) => !url.pathname.endsWith('/login'));
}
