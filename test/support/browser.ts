// Debian's Chromium, headless, through playwright-core, for the dashboard's browser tests: the
// flags keep it off the network this machine does not have (without them it tries Google's hosts
// at every start) and give it a profile of its own.
import type { BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { CHROMIUM } from './services.js';

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
