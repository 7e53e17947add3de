/**
 * The Conformance page's shared reports in Chromium against the built binary: two runs of one
 * key store from the dashboard (before and after a defect is turned on), the HTML report of a
 * run downloaded, the two runs compared, and the same comparison from two JSON reports uploaded,
 * one of them carrying markup that must stay text.
 */
import { readFile } from 'node:fs/promises';
import type { ConformanceReport } from '@xkslab/conformance';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminOk } from './support/admin-api.ts';
import {
  type Browser,
  DESKTOP,
  launchChromium,
  PHONE,
  sidewaysOverflow,
} from './support/browser.ts';
import { type LabServer, useTempServers } from './support/fixture.ts';

const ONLY = 'health.,metadata.,sigv4.,errors.';

let labServer: LabServer;
let browser: Browser;
let page: Page;
let base: string;
const runIds: string[] = [];

const servers = useTempServers();
beforeAll(async () => {
  labServer = await servers.startLab();
  base = labServer.server.url;
  browser = await launchChromium();
  page = await browser.context.newPage();
  await page.goto(`${base}/ui/login`);
  await page.getByTestId('token').fill(labServer.admin.token);
  await page.getByTestId('login').click();
  await page.waitForURL(`${base}/ui`);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** Runs the subset of checks against key store `a` from the form; the run's id. */
async function runFromDashboard(): Promise<string> {
  await page.goto(`${base}/ui/conformance?keyStore=a`);
  await page.locator('details summary').click();
  await page.locator('input[name="only"]').fill(ONLY);
  await page.getByTestId('run-conformance').click();
  await page.waitForURL(/\/ui\/conformance\/runs\/[0-9a-f]+$/);
  await expect
    .poll(async () => page.getByTestId('conformance-run').getAttribute('data-state'), {
      timeout: 60_000,
      interval: 300,
    })
    .toBe('done');
  return page.url().split('/').pop() ?? '';
}

/** The text of a download started by clicking `testId`. */
async function download(testId: string): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId(testId).click(),
  ]);
  const path = await file.path();
  return { name: file.suggestedFilename(), text: await readFile(path, 'utf8') };
}

describe('the Conformance page: shared reports', () => {
  it('downloads the HTML report of a run', async () => {
    runIds.push(await runFromDashboard());
    const html = await download('download-html');
    expect(html.name).toBe(`conformance-${runIds[0]}.html`);
    expect(html.text).toContain('<span class="verdict CONFORMS" id="verdict">CONFORMS</span>');
    expect(html.text).toContain('<code>sigv4.wrong-secret</code>');
    expect(html.text).not.toMatch(/<script|<link|src=/);
    expect(html.text).not.toContain(labServer.lab.credentials.a1.secretAccessKey);

    adminOk(
      await labServer.admin.call('POST', '/faults', { kind: 'defect', defect: 'sigv4-unchecked' }),
      201,
    );
    try {
      runIds.push(await runFromDashboard());
    } finally {
      adminOk(await labServer.admin.call('DELETE', '/faults'));
    }
    const res = await page.request.get(`${base}/ui/conformance/runs/${runIds[1]}/report.html`);
    expect(res.headers()['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers()['content-disposition']).toBe(
      `attachment; filename="conformance-${runIds[1]}.html"`,
    );
    const none = await page.request.get(`${base}/ui/conformance/runs/0123456789ab/report.html`);
    expect(none.status()).toBe(404);
    const failed = await download('download-html');
    expect(failed.text).toContain('DOES NOT CONFORM');
    expect(failed.text).toContain('<section class="failure" id="sigv4.wrong-secret">');
  }, 150_000);

  it('compares two stored runs in the same table as the CLI', async () => {
    await page.goto(`${base}/ui/conformance`);
    await page.getByTestId('compare-a').selectOption(runIds[0] ?? '');
    await page.getByTestId('compare-b').selectOption(runIds[1] ?? '');
    await page.getByTestId('compare-runs').click();
    await page.waitForURL(/\/ui\/conformance\/compare\?a=/);
    const summary = (await page.getByTestId('compare-summary').textContent()) ?? '';
    expect(summary).toMatch(
      /^\d+ checks? differs? \(\d+ broke\), \d+ same; verdict CONFORMS -> DOES NOT CONFORM$/,
    );
    const row = page.locator('[data-testid="compare-table"] tr[data-check="sigv4.wrong-secret"]');
    expect(await row.locator('td').allTextContents()).toEqual([
      'broke',
      expect.stringContaining('sigv4.wrong-secret'),
      'MUST',
      '§2.1',
      expect.stringMatching(/^PASS /),
      expect.stringMatching(/^FAIL HTTP 200: /),
    ]);
    // At phone width the page does not scroll sideways (the table scrolls in its own box).
    await page.setViewportSize(PHONE);
    try {
      expect(await sidewaysOverflow(page)).toEqual([]);
      await page.goto(`${base}/ui/conformance`);
      expect(await sidewaysOverflow(page)).toEqual([]);
    } finally {
      await page.setViewportSize(DESKTOP);
    }
  });

  it('compares two uploaded JSON reports, markup in them shown as text', async () => {
    await page.goto(`${base}/ui/conformance/runs/${runIds[0]}`);
    const a = await download('download-json');
    const before = JSON.parse(a.text) as ConformanceReport;
    // A report edited (or written by a hostile proxy's answers) to carry markup.
    const hostile: ConformanceReport = {
      ...before,
      checks: before.checks.map((c) =>
        c.id === 'health.ok'
          ? { ...c, status: 'fail', message: '<script>window.pwned=1</script><b>bold</b>' }
          : c,
      ),
      summary: { ...before.summary, verdict: 'DOES NOT CONFORM', exitStatus: 1 },
    };
    await page.goto(`${base}/ui/conformance`);
    const files = page.locator('form[enctype="multipart/form-data"] input[type="file"]');
    await files.nth(0).setInputFiles({
      name: 'before.json',
      mimeType: 'application/json',
      buffer: Buffer.from(a.text),
    });
    await files.nth(1).setInputFiles({
      name: 'edited.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(hostile)),
    });
    await page.getByTestId('compare-upload').click();
    await page.waitForURL(/\/ui\/conformance\/compare$/);
    expect(await page.getByTestId('compare-summary').textContent()).toBe(
      '1 check differs (1 broke), ' +
        `${before.checks.length - 1} same; verdict CONFORMS -> DOES NOT CONFORM`,
    );
    const cell = page.locator('tr[data-check="health.ok"] td').nth(5);
    expect(await cell.textContent()).toBe('FAIL <script>window.pwned=1</script><b>bold</b>');
    expect(
      await page.locator('[data-testid="comparison"] b, [data-testid="comparison"] script').count(),
    ).toBe(0);
    expect(await page.evaluate('window.pwned')).toBeUndefined();
    expect(await page.locator('[data-testid="comparison"]').textContent()).toContain('before.json');
  });

  it('says what is wrong with a file that is not a report', async () => {
    await page.goto(`${base}/ui/conformance`);
    const files = page.locator('form[enctype="multipart/form-data"] input[type="file"]');
    await files.nth(0).setInputFiles({
      name: 'a.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"tool":1}'),
    });
    await files.nth(1).setInputFiles({
      name: 'b.json',
      mimeType: 'application/json',
      buffer: Buffer.from('not json'),
    });
    await page.getByTestId('compare-upload').click();
    await page.waitForURL(`${base}/ui/conformance`);
    expect(await page.locator('.flash.error').textContent()).toContain(
      'report A: not a conformance report: tool:',
    );
  });
});
