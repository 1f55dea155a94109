// The operations dashboard as a demanding operator reads it, in Debian's Chromium against a real
// hub on SQLite: quantities too long for a float, the integrations of a large hub narrowed by a
// filter that survives the page's refresh, and tables with nothing in them said in words (apart
// from "loading" and from a failure). Every wait is on the page's content, never on time.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { SqliteStore } from '../../src/adapters/index.js';
import { ACCESSIBILITY_CHECK, browserSuiteFolder, openChromium } from '../support/browser.js';
import type { TestHub } from '../support/hub.js';
import { callHub, sendAsSystem, startTestHub } from '../support/hub.js';
import { needChromium } from '../support/services.js';

describe('the operations dashboard under a demanding operator', () => {
  let t: TestHub | undefined;
  let store: SqliteStore | undefined;
  let url: string;
  let context: BrowserContext | undefined;
  let page: Page;
  let n = 0;

  const dir = browserSuiteFolder('millrace-dashboard-operator-', () => [context, t, store]);

  const send = (key: string, type: string, data: Record<string, unknown>) => sendAsSystem(t!, key, `operator-${++n}`, type, data);
  const h1 = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
  const go = (hash: string) => page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  const cells = async (row: ReturnType<Page['locator']>) => (await row.locator('td, th').allTextContents()).map((cell) => cell.trim());

  it('signs in to a hub with nothing in it yet', async (test) => {
    if (!needChromium(test)) return;
    store = new SqliteStore(join(dir(), 'millrace.db'));
    t = await startTestHub({ store });
    url = await t.hub.http.listen({ host: '127.0.0.1', port: 0 });
    ({ context, page } = await openChromium(join(dir(), 'profile')));
    // Timers the test moves on (the page's refresh every 10 s) instead of waiting for them.
    await page.clock.install();
    await page.goto(`${url}/`);
    await page.getByLabel('Operator key').fill(t.keys.get('operator:ap-lead')!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await h1('Overview').waitFor();
  });

  it('shows quantities and prices with thousands separators, every digit of a 20-digit quantity kept', async (test) => {
    if (!needChromium(test) || t === undefined) return;
    const poNumber = 'PO-BULK-1';
    await send('system:erp-core', 'po.released', {
      poNumber,
      supplierId: 'SUP-0042',
      buyerPlant: 'P01',
      currency: 'USD',
      lines: [{ line: 10, itemId: 'ITM-10023', quantity: '12345678901234567890.125', uom: 'KG', unitPrice: '1234.5678', needBy: '2099-03-16' }],
    });
    await send('system:wms-p01', 'goods.received', { receiptId: 'GR-BULK-1', plant: 'P01', lines: [{ poNumber, line: 10, quantity: '1234567', uom: 'KG' }] });
    await send('system:ap-automation', 'invoice.received', {
      invoiceNumber: 'INV-BULK-1',
      supplierId: 'SUP-0042',
      currency: 'USD',
      invoiceDate: '2026-03-06',
      lines: [{ poNumber, line: 10, quantity: '1234567', uom: 'KG', unitPrice: '1234.5678' }],
      totalAmount: '1524156665.14',
    });
    await t.hub.processor.catchUp();

    await go(`#/po/${poNumber}`);
    await h1(`Purchase order ${poNumber}`).waitFor();
    const line = page.locator('table', { has: page.locator('caption', { hasText: /^Lines$/ }) }).locator('tbody tr').first();
    await line.waitFor();
    assert.deepEqual((await cells(line)).slice(3, 6), ['12,345,678,901,234,567,890.125 KG', '1,234,567', '1,234,567']);
    const invoice = page.locator('#po-invoices tbody tr').first();
    assert.deepEqual((await cells(invoice)).slice(2, 4), ['1,234,567', '1,234.5678']);
    // The page's own formatter, as the page loads it: negative, small, and what is not a decimal at all.
    const shown = await page.evaluate(`import('/dashboard/words.js').then((w) => ['-1234567.50', '0.001', '999', '1000', 'n/a'].map((q) => w.decimal(q)))`);
    assert.deepEqual(shown, ['-1,234,567.50', '0.001', '999', '1,000', 'n/a']);
    assert.deepEqual(await page.evaluate(ACCESSIBILITY_CHECK), []);
  });

  it('narrows the integrations to what an operator types, says how many it shows, and keeps the filter through a refresh and a reload', async (test) => {
    if (!needChromium(test) || t === undefined) return;
    type Health = { sources: { status: string; publisher?: { name: string; kind: string }; channels: unknown[] }[]; subscribers: { subscription: string; status: string }[] };
    const health = (await callHub(t, 'GET', '/v1/integrations/health?hours=24', t.keys.get('operator:ap-lead')!)).body as Health;
    const sources = health.sources.length;
    const channels = health.sources.reduce((sum, s) => sum + s.channels.length, 0);
    const quiet = health.sources.filter((s) => s.status === 'silent').length;
    assert.ok(sources > 5 && quiet > 1 && quiet < sources, JSON.stringify(health.sources.map((s) => s.status)));

    await go('#/integrations');
    await h1('Integrations').waitFor();
    const visible = (table: string) => page.locator(`#${table} tbody tr[data-filter]:visible`);
    await page.locator('#integrations-shown', { hasText: `${sources} sources` }).waitFor();
    assert.equal(await visible('sources').count(), sources);

    // From the heading, the keyboard reaches the filter first; a supplier's name, in any case.
    await page.keyboard.press('Tab');
    const filter = page.getByRole('searchbox', { name: /^Filter/ });
    assert.equal(await page.evaluate('document.activeElement.id'), 'integrations-query', 'Tab from the heading goes to the filter');
    await page.keyboard.type('fasteners');
    await page.locator('#integrations-shown', { hasText: `Showing 1 of ${sources} sources` }).waitFor();
    assert.deepEqual(await visible('sources').locator('th').first().allTextContents(), ['Northern Fasteners GmbHpartner sup-0107']);
    assert.equal(await visible('sources').count(), 1);
    assert.equal(await visible('channels').count(), 0, 'the partner has sent nothing: no channel row');
    await page.locator('#channels tbody', { hasText: 'No channel of a source matches “fasteners”.' }).waitFor();
    assert.match(page.url(), /#\/integrations\/fasteners$/);

    // A status in the words the page shows it in, with other words: every word must match.
    await filter.fill('');
    await page.keyboard.type('quiet partner');
    const quietPartners = health.sources.filter((s) => s.status === 'silent' && s.publisher?.kind === 'partner').length;
    await page.locator('#integrations-shown', { hasText: `Showing ${quietPartners} of ${sources} sources` }).waitFor();
    assert.equal(await visible('sources').count(), quietPartners);
    assert.equal(await visible('sources').filter({ hasNotText: 'Quiet' }).count(), 0);

    // Escape empties the field: everything again.
    await page.keyboard.press('Escape');
    await page.locator('#integrations-shown', { hasText: `${sources} sources` }).waitFor();
    assert.equal(await visible('sources').count(), sources);
    assert.equal(await visible('channels').count(), channels);

    // The page reads itself again (its 10 s refresh) once the operator has left the field: the filter stays.
    await filter.fill('quiet');
    await page.locator('#integrations-shown', { hasText: `Showing ${quiet} of ${sources} sources` }).waitFor();
    await page.keyboard.press('Tab');
    const before = await page.locator('#updated').textContent();
    await page.clock.fastForward('00:10');
    await page.locator('#updated', { hasNotText: before ?? '' }).waitFor();
    assert.equal(await filter.inputValue(), 'quiet');
    assert.equal(await visible('sources').count(), quiet);
    await page.locator('#integrations-shown', { hasText: `Showing ${quiet} of ${sources} sources` }).waitFor();

    // A reload (or the address sent to a colleague) opens with the same filter.
    await page.reload();
    await h1('Integrations').waitFor();
    await page.locator('#integrations-shown', { hasText: `Showing ${quiet} of ${sources} sources` }).waitFor();
    assert.equal(await page.getByRole('searchbox', { name: /^Filter/ }).inputValue(), 'quiet');
    assert.deepEqual(await page.evaluate(ACCESSIBILITY_CHECK), []);
    await filter.fill('');
  });

  it('says in words that a table has nothing yet, apart from loading and from a failure', async (test) => {
    if (!needChromium(test) || t === undefined) return;
    // A second hub, with nothing in it: every view, and no table that shows only its headings.
    const empty = await startTestHub();
    try {
      const emptyUrl = await empty.hub.http.listen({ host: '127.0.0.1', port: 0 });
      const fresh = await context!.newPage();
      await fresh.goto(`${emptyUrl}/`);
      await fresh.getByLabel('Operator key').fill(empty.keys.get('operator:ap-lead')!);
      await fresh.getByRole('button', { name: 'Sign in' }).click();
      await fresh.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
      const headingsOnly = `[...document.querySelectorAll('main table')].filter((t) => t.offsetParent !== null && t.querySelectorAll('tbody tr:not([hidden])').length === 0).map((t) => t.querySelector('caption')?.textContent ?? t.id)`;
      const views: [string, string, string][] = [
        ['#/overview', 'Overview', 'No exception in the last 7 days.'],
        ['#/exceptions', 'Open exceptions 0', 'No open exception.'],
        ['#/integrations', 'Integrations', 'Nothing received in the last 24 hours.'],
        ['#/scorecards', 'Supplier and plant scorecards', 'No exception raised in the last 30 days, and none open.'],
      ];
      for (const [hash, title, words] of views) {
        await fresh.evaluate(`location.hash = ${JSON.stringify(hash)}`);
        await fresh.getByText(words).waitFor();
        await fresh.getByRole('heading', { level: 1, name: title }).waitFor();
        assert.deepEqual(await fresh.evaluate(headingsOnly), [], hash);
      }

      // A PO with no invoice yet says so, where its invoices would be.
      const released = await callHub(empty, 'POST', '/v1/events', empty.keys.get('system:erp-core')!, {
        specversion: '1.0',
        id: 'empty-po-1',
        source: '/systems/erp-core',
        type: 'po.released',
        time: new Date().toISOString(),
        data: { poNumber: 'PO-NO-INVOICE', supplierId: 'SUP-0042', buyerPlant: 'P01', currency: 'USD', lines: [{ line: 10, itemId: 'ITM-10023', quantity: '5', uom: 'EA', unitPrice: '1.00', needBy: '2099-03-16' }] },
      });
      assert.equal(released.status, 202);
      await empty.hub.processor.catchUp();
      await fresh.evaluate(`location.hash = '#/po/PO-NO-INVOICE'`);
      await fresh.getByText('No invoice for this purchase order has reached the hub yet.').waitFor();
      assert.deepEqual(await fresh.evaluate(headingsOnly), []);

      // While the hub has not answered, the view says it is loading, and nothing about the data.
      let answer = () => {};
      const answered = new Promise<void>((resolve) => (answer = resolve));
      await fresh.route('**/v1/integrations/health**', async (route) => {
        await answered;
        await route.continue();
      });
      await fresh.evaluate(`location.hash = '#/integrations'`);
      await fresh.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor();
      await fresh.getByText('Loading integrations…').waitFor();
      assert.equal(await fresh.locator('#sources').count(), 0);
      answer();
      await fresh.locator('#sources tbody tr', { hasText: 'Central finance ERP' }).waitFor();
      assert.equal(await fresh.getByText('Loading').count(), 0);
      await fresh.unroute('**/v1/integrations/health**');

      // A failure is a failure: the hub's words, no "loading" left behind, no "nothing".
      await fresh.route('**/v1/kpis**', (route) => route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: 'Unavailable', status: 503, code: 'store_unavailable', detail: 'The store is not answering.' }) }));
      await fresh.evaluate(`location.hash = '#/scorecards'`);
      await fresh.getByRole('alert').filter({ hasText: 'The store is not answering.' }).waitFor();
      await fresh.getByRole('heading', { level: 1, name: 'Scorecards' }).waitFor();
      assert.equal(await fresh.getByText('Loading').count(), 0);
      assert.equal(await fresh.getByText(/No exception raised/).count(), 0);
      await fresh.unroute('**/v1/kpis**');
      assert.deepEqual(await fresh.evaluate(ACCESSIBILITY_CHECK), []);
      await fresh.close();
    } finally {
      await empty.close();
    }
  });

  it("keeps the keyboard's place and an opened chart's values through the page's refresh", async (test) => {
    if (!needChromium(test) || t === undefined) return;
    // An invoice billing twice what was ordered: an open exception, with its PO link and Resolve button.
    const poNumber = 'PO-FOCUS-1';
    await send('system:erp-core', 'po.released', { poNumber, supplierId: 'SUP-0042', buyerPlant: 'P01', currency: 'USD', lines: [{ line: 10, itemId: 'ITM-10023', quantity: '10', uom: 'EA', unitPrice: '1.00', needBy: '2099-03-16' }] });
    await send('system:ap-automation', 'invoice.received', { invoiceNumber: 'INV-FOCUS-1', supplierId: 'SUP-0042', currency: 'USD', invoiceDate: '2026-03-06', lines: [{ poNumber, line: 10, quantity: '20', uom: 'EA', unitPrice: '1.00' }], totalAmount: '20.00' });
    await t.hub.processor.catchUp();
    const refresh = async () => {
      const before = await page.locator('#updated').textContent();
      await page.clock.fastForward('00:10');
      await page.locator('#updated', { hasNotText: before ?? '' }).waitFor();
    };

    await go('#/exceptions');
    const link = page.locator('#exception-list').getByRole('link', { name: `${poNumber} line 10` });
    await link.focus();
    await refresh();
    assert.equal(await page.evaluate('document.activeElement.textContent'), `${poNumber} line 10`, 'focus stays on the link a keyboard user was on');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Resolve');
    await refresh();
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Resolve');

    // The values of a chart, opened to read them, stay open.
    await go('#/overview');
    const values = page.locator('.chart', { hasText: 'Exceptions: open at the end of the day' }).locator('summary', { hasText: 'Values' });
    await values.click();
    await refresh();
    assert.equal(await page.locator('.chart', { hasText: 'Exceptions: open at the end of the day' }).locator('details').getAttribute('open'), '');
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Values');
  });

  it('keeps status words in one piece in a narrow column', async (test) => {
    if (!needChromium(test) || t === undefined) return;
    await go('#/integrations');
    await page.locator('#sources').waitFor();
    const broken = `[...document.querySelectorAll('main .badge')].filter((b) => { const r = document.createRange(); r.selectNodeContents(b); return r.getClientRects().length > 1; }).map((b) => b.textContent)`;
    assert.deepEqual(await page.evaluate(broken), []);
  });
});
