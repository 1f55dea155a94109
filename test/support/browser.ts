// Debian's Chromium, headless, through playwright-core, for the dashboard's browser tests: the
// flags keep it off the network this machine does not have (without them it tries Google's hosts
// at every start) and give it a profile of its own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { CHROMIUM } from './services.js';

/**
 * A browser suite's folder (the browser's profile, the hub's store and manifest): made before the
 * suite, removed after it once what the suite opened is closed, in the order `opened` lists it
 * (the browser before the hub, the hub before its store). Call it inside the suite's `describe`;
 * the returned function gives the folder's path once the suite runs.
 */
export function browserSuiteFolder(prefix: string, opened: () => readonly ({ close(): unknown } | undefined)[]): () => string {
  let dir: string | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  after(async () => {
    for (const thing of opened()) await thing?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (dir === undefined) throw new Error(`the folder of ${prefix} is made when the suite starts`);
    return dir;
  };
}

/** A browser with a fresh profile in `profileDir`, and its first page. */
export async function openChromium(profileDir: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 1000 },
  });
  return { context, page: context.pages()[0] ?? (await context.newPage()) };
}

/** Run in the page (as text: the tests are type-checked without the DOM library): what a screen reader would miss. */
export const ACCESSIBILITY_CHECK = `(() => {
  const found = [];
  for (const control of document.querySelectorAll('main input, main select, main textarea, dialog[open] textarea')) {
    if (control.labels.length === 0 && !control.getAttribute('aria-label')) found.push('unlabelled ' + control.tagName + ' #' + control.id);
  }
  for (const table of document.querySelectorAll('main table:not([role=presentation])')) {
    if ((table.querySelector('caption')?.textContent ?? '').trim() === '') found.push('table without a caption: ' + table.textContent.slice(0, 40));
  }
  for (const chart of document.querySelectorAll('.plot')) {
    if (chart.getAttribute('role') !== 'img' || !chart.getAttribute('aria-label')) found.push('chart without a text alternative: #' + chart.id);
  }
  const headings = [...document.querySelectorAll('main h1')].filter((h) => h.offsetParent !== null);
  if (headings.length !== 1) found.push(headings.length + ' visible h1');
  return found;
})()`;
