/**
 * Debian's Chromium driven by playwright-core, for the dashboard tests: headless, no sandbox (CI
 * runs as root), no GPU, no QUIC, nothing fetched in the background, a fresh profile each time.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';

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

/*
 * In-page measurements, as source text: the test project has no DOM types (Node's and the DOM's
 * globals disagree), and the browser runs them as they are.
 */

/**
 * At the page's current viewport, what sticks out sideways: nothing when the document is no wider
 * than the window (a table scrolling inside its own overflow box does not count). Otherwise the
 * document's width and the elements that stick out, or whose text does, to say which.
 */
const SIDEWAYS_OVERFLOW = `(() => {
  const inner = window.innerWidth;
  const width = document.documentElement.scrollWidth;
  if (width <= inner) return [];
  const inScroller = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).replace(/ /g, '.') : '');
  const out = ['document ' + width + ' px wide, window ' + inner + ' px'];
  for (const el of document.body.querySelectorAll('*')) {
    if (inScroller(el)) continue;
    const right = el.getBoundingClientRect().right;
    const text = '"' + (el.textContent || '').trim().slice(0, 40) + '"';
    if (right > inner + 0.5) out.push(name(el) + ' ends at ' + Math.round(right) + ' px ' + text);
    else if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible') {
      out.push(name(el) + ': its content is ' + (el.scrollWidth - el.clientWidth) + ' px too wide ' + text);
    }
  }
  return out.slice(0, 12);
})()`;

export async function sidewaysOverflow(page: Page): Promise<string[]> {
  return (await page.evaluate(SIDEWAYS_OVERFLOW)) as string[];
}

/** How many lines an element's text takes (1: it does not wrap). */
export async function lineCount(element: Locator): Promise<number> {
  return element.evaluate((el) => {
    const range = el.ownerDocument.createRange();
    range.selectNodeContents(el);
    return new Set(Array.from(range.getClientRects(), (r: { top: number }) => Math.round(r.top)))
      .size;
  });
}

/** The computed `white-space` of an element. */
export async function whiteSpace(element: Locator): Promise<string> {
  return element.evaluate(
    (el) => el.ownerDocument.defaultView?.getComputedStyle(el).whiteSpace ?? '',
  );
}

/** What the page's clipboard holds (the context needs clipboard-read). */
export async function clipboardText(page: Page): Promise<string> {
  return (await page.evaluate('navigator.clipboard.readText()')) as string;
}
