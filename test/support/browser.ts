/**
 * Debian's Chromium driven by playwright-core, for the dashboard tests: headless, no sandbox (CI
 * runs as root), no GPU, no QUIC, nothing fetched in the background, a fresh profile each time.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** `.ci/run` installs it (`apt-get install -y chromium`); XKSLAB_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env.XKSLAB_CHROMIUM ?? '/usr/bin/chromium';

export const DESKTOP = { width: 1280, height: 900 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export type Browser = { context: BrowserContext; close(): Promise<void> };

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install it with 'apt-get update && apt-get install -y chromium' (.ci/run does) or set XKSLAB_CHROMIUM`,
    );
  }
  const profile = await mkdtemp(join(tmpdir(), 'xkslab-chromium-'));
  // launchPersistentContext is playwright's way of passing --user-data-dir (a fresh one here).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: DESKTOP,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}
