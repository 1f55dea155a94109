// The operations dashboard as a demanding operations lead uses it, in Debian's Chromium against a
// real hub on SQLite: no request the hub cannot answer (the browser's favicon), a phone's width
// with a supplier id as long as its contract allows, the overview's integrations in trouble opened
// as such, and an exception resolved with the keyboard alone. Every wait is on the page's content,
// never on time.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { SqliteStore } from '../../src/adapters/index.js';
import { ACCESSIBILITY_CHECK, browserSuiteFolder, openChromium } from '../support/browser.js';
import type { TestHub } from '../support/hub.js';
import { callHub, sendAsSystem, startTestHub } from '../support/hub.js';
import { needChromium } from '../support/services.js';

/** A supplier id of the 64 characters its contract allows, with nowhere a line could break. */
const LONG_SUPPLIER = `SUP-${'7'.repeat(60)}`;

describe('the operations dashboard under a demanding operations lead', () => {
  let t: TestHub | undefined;
  let store: SqliteStore | undefined;
  let url: string;
  let context: BrowserContext | undefined;
  let page: Page;
  let n = 0;
  /** What the browser reported as failed: console errors and answers of 400 and above. */
  const failures: string[] = [];

  const dir = browserSuiteFolder('millrace-dashboard-lead-', () => [context, t, store]);

  const send = (key: string, type: string, data: Record<string, unknown>) => sendAsSystem(t!, key, `lead-${++n}`, type, data);
  const h1 = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
  const go = (hash: string) => page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  const active = () => page.evaluate<string>(`document.activeElement.getAttribute('aria-label') ?? document.activeElement.textContent.trim()`);
  /** A PO to `supplierId` and an invoice billing twice what was ordered: a quantity_variance (and a master_data_gap for a supplier the hub does not know). */
  const overBilled = async (poNumber: string, supplierId: string) => {
    await send('system:erp-core', 'po.released', { poNumber, supplierId, buyerPlant: 'P01', currency: 'USD', lines: [{ line: 10, itemId: 'ITM-10023', quantity: '10', uom: 'EA', unitPrice: '1.00', needBy: '2099-03-16' }] });
    await send('system:ap-automation', 'invoice.received', { invoiceNumber: `INV-${poNumber}`, supplierId, currency: 'USD', invoiceDate: '2026-03-06', lines: [{ poNumber, line: 10, quantity: '20', uom: 'EA', unitPrice: '1.00' }], totalAmount: '20.00' });
    await t!.hub.processor.catchUp();
  };

  it('asks the hub for nothing it cannot answer: no 404 and no console error on any view', async (test) => {
    if (!needChromium(test)) return;
    store = new SqliteStore(join(dir(), 'millrace.db'));
    t = await startTestHub({ store });
    url = await t.hub.http.listen({ host: '127.0.0.1', port: 0 });
    await overBilled('4500071001', 'SUP-0042');
    await overBilled('4500071002', LONG_SUPPLIER);
    ({ context, page } = await openChromium(join(dir(), 'profile')));
    page.on('console', (message) => {
      if (message.type() === 'error') failures.push(`console: ${message.text()}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) failures.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(`${url}/`);
    await page.getByLabel('Operator key').fill(t.keys.get('operator:ap-lead')!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await h1('Overview').waitFor();
    for (const [hash, heading] of [['#/exceptions', /^Open exceptions/], ['#/po/4500071001', 'Purchase order 4500071001'], ['#/integrations', 'Integrations'], ['#/scorecards', /scorecards/], ['#/overview', 'Overview']] as const) {
      await go(hash);
      await h1(heading).waitFor();
      await page.locator('#view:not([aria-busy])').waitFor();
    }
    assert.deepEqual(failures, []);
    // The icon the page declares is served, from this origin (the page's policy allows no other).
    const icon = await page.evaluate<string | null>(`document.querySelector('link[rel=icon]')?.href ?? null`);
    assert.ok(icon !== null && icon.startsWith(`${url}/`), String(icon));
    const answer = await fetch(icon);
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-type') ?? '', /^image\//);
  });

  it("keeps every view inside a phone's width, a supplier id of 64 characters broken over lines and short ids whole", async (test) => {
    if (!needChromium(test) || t === undefined) return;
    const sideways = () => page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    /** What reaches past the screen's right edge, outside the boxes in which tables scroll. */
    const wider = () => page.evaluate<string>(`[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !e.closest('.table-scroll')).map((e) => e.tagName + ' ' + e.textContent.slice(0, 40)).join('; ')`);
    /** How many lines the text of each element of `selector` takes (those whose words are `text`, if given). */
    const lines = (selector: string, text?: string) =>
      page.evaluate<number[]>(
        `[...document.querySelectorAll(${JSON.stringify(selector)})].filter((e) => ${JSON.stringify(text ?? null)} === null || e.textContent.trim() === ${JSON.stringify(text ?? null)}).map((e) => { const r = document.createRange(); r.selectNodeContents(e); return new Set([...r.getClientRects()].map((c) => Math.round(c.top))).size; })`,
      );
    // On a wide screen first: the long id takes its room from no other column's words.
    await go('#/exceptions');
    await page.locator('#exception-list td', { hasText: LONG_SUPPLIER }).first().waitFor();
    assert.deepEqual([...new Set(await lines('#exception-list button[data-resolve]'))], [1], 'Resolve on one line at 1400 px');
    assert.deepEqual(await lines('#exception-list thead th', 'Plant'), [1], 'the heading Plant in one piece at 1400 px');
    await page.setViewportSize({ width: 375, height: 800 });
    try {
      assert.equal(await sideways(), 0, `the exceptions page scrolls sideways at 375 px: ${await wider()}`);
      const longLines = await lines('#exception-list td', LONG_SUPPLIER);
      assert.ok(longLines.length > 0 && longLines.every((l) => l > 1), `the long id on ${JSON.stringify(longLines)} lines`);
      assert.deepEqual(await lines('#exception-list td', 'SUP-0042'), [1], 'SUP-0042 on one line');
      // The words of the table stay words: no column squeezed to a letter a line.
      assert.deepEqual([...new Set(await lines('#exception-list button[data-resolve]'))], [1], 'Resolve on one line');
      for (const [hash, heading] of [['#/overview', 'Overview'], ['#/integrations', 'Integrations'], ['#/scorecards', /scorecards/], ['#/po/4500071002', 'Purchase order 4500071002']] as const) {
        await go(hash);
        await h1(heading).waitFor();
        await page.locator('#view:not([aria-busy])').waitFor();
        assert.equal(await sideways(), 0, `${hash} scrolls sideways at 375 px: ${await wider()}`);
      }
      assert.deepEqual(await page.evaluate(ACCESSIBILITY_CHECK), []);
    } finally {
      await page.setViewportSize({ width: 1400, height: 1000 });
    }
  });

  it('opens the integrations the overview says need attention, filtered to them', async (test) => {
    if (!needChromium(test) || t === undefined) return;
    // The plant's warehouse may not release purchase orders: a refused request makes it a source needing attention.
    const refused = await callHub(t, 'POST', '/v1/events', t.keys.get('system:wms-p01')!, {
      specversion: '1.0',
      id: 'lead-refused-1',
      source: '/systems/wms-p01',
      type: 'po.released',
      time: new Date().toISOString(),
      data: { poNumber: '4500071009', supplierId: 'SUP-0042', buyerPlant: 'P01', currency: 'USD', lines: [{ line: 10, itemId: 'ITM-10023', quantity: '1', uom: 'EA', unitPrice: '1.00', needBy: '2099-03-16' }] },
    });
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    const health = (await callHub(t, 'GET', '/v1/integrations/health?hours=24', t.keys.get('operator:ap-lead')!)).body as { totals: { needingAttention: number; sources: number } };
    assert.ok(health.totals.needingAttention > 0, JSON.stringify(health.totals));

    // Left and come back to, so that the overview is read afresh with the refusal in it; counted
    // once its data is in (its heading shows while it loads).
    await go('#/integrations');
    await h1('Integrations').waitFor();
    await go('#/overview');
    await h1('Overview').waitFor();
    await page.locator('#view:not([aria-busy])').waitFor();
    const listed = await page.locator('#attention-list li').count();
    assert.equal(listed, health.totals.needingAttention);
    // By the keyboard: the link, then Enter.
    await page.getByRole('link', { name: /needing attention/ }).focus();
    await page.keyboard.press('Enter');
    await h1('Integrations').waitFor();
    await page.locator('#integrations-shown', { hasText: /^Showing / }).waitFor();
    assert.equal(await page.getByRole('searchbox', { name: /^Filter/ }).inputValue(), 'needing attention');
    assert.match(page.url(), /#\/integrations\/needing%20attention$/);
    const shown = (await page.locator('#sources tbody tr[data-filter]:visible').count()) + (await page.locator('#subscribers tbody tr[data-filter]:visible').count());
    assert.equal(shown, listed, 'the rows shown are the ones the overview listed');
    await page.locator('#sources tbody tr[data-filter]:visible', { hasText: 'Needs attention' }).first().waitFor();
    // Every integration is one link away from the overview too.
    await go('#/overview');
    await page.getByRole('link', { name: 'all integrations' }).click();
    await page.locator('#integrations-shown', { hasText: /^All / }).waitFor();
    assert.equal(await page.getByRole('searchbox', { name: /^Filter/ }).inputValue(), '');
  });

  it('resolves an exception by keyboard alone: each Resolve button says which, the page confirms, and focus goes on to the next', async (test) => {
    if (!needChromium(test) || t === undefined) return;
    await go('#/exceptions');
    await h1(/^Open exceptions/).waitFor();
    await page.locator('#view:not([aria-busy])').waitFor();
    const buttons = page.locator('#exception-list button[data-resolve]');
    const before = await buttons.count();
    assert.ok(before >= 3, String(before));
    // Each button's name says what it resolves: a screen reader's list of buttons is not "Resolve" three times.
    const names = await buttons.evaluateAll((all) => all.map((b) => b.getAttribute('aria-label') ?? b.textContent));
    assert.equal(new Set(names).size, names.length, JSON.stringify(names));
    assert.ok(names.every((name) => name?.startsWith('Resolve')), JSON.stringify(names));

    await buttons.first().focus();
    const second = names[1];
    await page.keyboard.press('Enter');
    await page.getByLabel('Why is it resolved?').waitFor();
    await page.keyboard.type('Credit note requested from the supplier');
    await page.keyboard.press('Tab');
    assert.equal(await active(), 'Resolve');
    await page.keyboard.press('Enter');
    await page.locator('#open-count', { hasText: new RegExp(`^${before - 1}$`) }).waitFor();
    // Said in words, and the keyboard is where the next one is, not thrown back to the top of the page.
    await page.getByRole('status').filter({ hasText: /^Resolved: / }).waitFor();
    assert.equal(await active(), second);
  });
});
