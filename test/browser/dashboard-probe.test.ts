// The operations dashboard as a demanding AP lead uses it, in Debian's Chromium against a real hub
// on SQLite: more open exceptions than one listing's pages (the oldest must not go missing), a PO
// number as long as its contract allows, amounts in two currencies, a double-click on Resolve, a
// proxy's HTML error page and a hub that is gone. Every wait is on the page's content, never on time.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { SqliteStore } from '../../src/adapters/index.js';
import { ACCESSIBILITY_CHECK, browserSuiteFolder, openChromium } from '../support/browser.js';
import type { TestHub } from '../support/hub.js';
import { sendAsSystem, startTestHub } from '../support/hub.js';
import { needChromium } from '../support/services.js';

describe('the operations dashboard under a demanding AP lead', () => {
  let t: TestHub | undefined;
  let store: SqliteStore | undefined;
  let url: string;
  let context: BrowserContext | undefined;
  let page: Page;
  let n = 0;

  const dir = browserSuiteFolder('millrace-dashboard-probe-', () => [context, t, store]);

  const send = (key: string, type: string, data: Record<string, unknown>) => sendAsSystem(t!, key, `probe-${++n}`, type, data);
  /** A PO of `lines` lines and an invoice billing each line twice what was ordered: one open quantity_variance per line. */
  const overBilled = async (poNumber: string, lines: number) => {
    const numbers = Array.from({ length: lines }, (_, i) => (i + 1) * 10);
    await send('system:erp-core', 'po.released', {
      poNumber,
      supplierId: 'SUP-0042',
      buyerPlant: 'P01',
      currency: 'USD',
      lines: numbers.map((line) => ({ line, itemId: 'ITM-10023', quantity: '10', uom: 'EA', unitPrice: '1.2500', needBy: '2099-03-16' })),
    });
    await send('system:ap-automation', 'invoice.received', {
      invoiceNumber: `INV-${poNumber}`.slice(0, 64),
      supplierId: 'SUP-0042',
      currency: 'USD',
      invoiceDate: '2026-03-06',
      lines: numbers.map((line) => ({ poNumber, line, quantity: '20', uom: 'EA', unitPrice: '1.2500' })),
      totalAmount: (lines * 25).toFixed(2),
    });
    await t!.hub.processor.catchUp();
  };
  const h1 = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
  const go = (hash: string) => page.evaluate(`location.hash = ${JSON.stringify(hash)}`);

  it('lists every open exception, oldest first, when there are more than a few pages of them', async (test) => {
    if (!needChromium(test)) return;
    store = new SqliteStore(join(dir(), 'millrace.db'));
    t = await startTestHub({ store });
    url = await t.hub.http.listen({ host: '127.0.0.1', port: 0 });
    // Raised first (the oldest): PO 4500070001's 50; then 1,100 and 1,100 more. The API lists newest first, 500 a page.
    await overBilled('4500070001', 50);
    await overBilled('4500070002', 1100);
    await overBilled('4500070003', 1100);

    ({ context, page } = await openChromium(join(dir(), 'profile')));
    await page.goto(`${url}/#/exceptions`);
    await page.getByLabel('Operator key').fill(t.keys.get('operator:ap-lead')!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await h1(/Open exceptions/).waitFor();
    // The count with its thousands separator, and every one of them, the oldest too.
    await page.locator('#open-count', { hasText: /^2,250$/ }).waitFor();
    const payables = page.locator('table').first().locator('tbody tr', { hasText: 'Accounts payable' });
    assert.equal((await payables.locator('td').first().textContent())?.trim(), '2,250');
    assert.equal(await page.locator('#exception-list tbody tr').count(), 2250);
    assert.equal(await page.locator('#exception-list').getByRole('link', { name: '4500070001 line 10', exact: true }).count(), 1);
    // Oldest first: the first PO's, raised before the others (within the same second, some of them).
    assert.match((await page.locator('#exception-list tbody tr').first().textContent()) ?? '', /4500070001 line/);
    assert.match((await page.locator('#exception-list tbody tr').last().textContent()) ?? '', /4500070003 line/);
  });

  it('says so when the hub holds more open exceptions than the page reads', async (test) => {
    if (!needChromium(test) || t === undefined) return;
    // The page's own reader and view, as the page loads them, with a ceiling below the 2,250 there are.
    const shown = await page.evaluate<[number, boolean, string, string]>(`Promise.all([import('/dashboard/api.js'), import('/dashboard/views.js'), import('/dashboard/words.js')]).then(async ([a, v, w]) => {
      const read = await a.all('/v1/exceptions?status=open', 1000);
      const box = document.createElement('div');
      w.render(box, v.exceptions.render({ items: read.items, more: read.more }, { canResolve: false }));
      return [read.items.length, read.more, box.querySelector('#open-count').textContent, box.querySelector('#exceptions-more')?.textContent ?? ''];
    })`);
    assert.deepEqual(shown.slice(0, 3), [1000, true, '1,000+']);
    assert.match(shown[3], /more than 1,000 open exceptions/);
  });

  it('keeps a PO number as long as its contract allows, and amounts in two currencies, inside the page', async (test) => {
    if (!needChromium(test) || t === undefined) return;
    const longest = `PO-${'X'.repeat(61)}`;
    await overBilled(longest, 1);
    // Received, not invoiced, in two currencies: the GR/IR tile lists both amounts.
    for (const [poNumber, currency, plant, price] of [['4500070101', 'USD', 'P01', '12345.6789'], ['4500070102', 'EUR', 'P02', '1234.5678']] as const) {
      await send('system:erp-core', 'po.released', { poNumber, supplierId: 'SUP-0042', buyerPlant: plant, currency, lines: [{ line: 10, itemId: 'ITM-10023', quantity: '1000', uom: 'EA', unitPrice: price, needBy: '2099-03-16' }] });
      await send(`system:wms-${plant.toLowerCase()}`, 'goods.received', { receiptId: `GR-${poNumber}`, plant, lines: [{ poNumber, line: 10, quantity: '1000', uom: 'EA' }] });
    }
    await t.hub.processor.catchUp();

    await go('#/exceptions');
    await page.locator('#open-count', { hasText: /^2,251$/ }).waitFor();
    await page.locator('#exception-list tbody tr', { hasText: longest }).waitFor();
    const overflow = async () => page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    assert.equal(await overflow(), 0, 'the exceptions page scrolls sideways');

    await go('#/overview');
    const grir = page.locator('.tile', { hasText: 'Received, not yet invoiced' }).locator('.figure');
    await grir.filter({ hasText: '12,345,678.90 USD' }).waitFor();
    assert.match((await grir.textContent()) ?? '', /1,234,567\.80 EUR/);
    // Every figure fits its tile: none runs into the next one.
    const spill = await page.evaluate(`[...document.querySelectorAll('.tile .figure')].filter((f) => f.scrollWidth > f.clientWidth).map((f) => f.textContent)`);
    assert.deepEqual(spill, []);
    // The time of the last reading says its zone, as every other time on the page does.
    assert.match((await page.locator('#updated').textContent()) ?? '', /^Updated .* UTC$/);
  });

  it('resolves once on a double-click', async (test) => {
    if (!needChromium(test) || t === undefined) return;
    await go('#/exceptions');
    const row = page.locator('#exception-list tbody tr').filter({ has: page.getByRole('link', { name: '4500070001 line 20', exact: true }) });
    await row.getByRole('button', { name: 'Resolve' }).click();
    await page.getByLabel('Why is it resolved?').fill('Credit note requested');
    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') posts.push(request.url());
    });
    await page.locator('#resolve-dialog').getByRole('button', { name: 'Resolve' }).dblclick();
    await page.locator('#open-count', { hasText: /^2,250$/ }).waitFor();
    assert.equal(posts.length, 1, posts.join('\n'));
    assert.equal(await row.count(), 0);
    assert.deepEqual(await page.evaluate(ACCESSIBILITY_CHECK), []);
  });

  it("shows a proxy's error page and a hub that is gone in words", async (test) => {
    if (!needChromium(test) || t === undefined) return;
    await go('#/integrations');
    // The view read (its heading alone shows while it loads).
    await page.locator('#sources').waitFor();
    // A reverse proxy in front of the hub answers 502 with its own HTML page.
    await page.route('**/v1/**', (route) => route.fulfill({ status: 502, contentType: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1></body></html>' }));
    await go('#/scorecards');
    await page.getByRole('alert').filter({ hasText: 'The hub did not answer (502 Bad Gateway)' }).waitFor();
    await h1('Scorecards').waitFor();
    await page.unroute('**/v1/**');

    // The hub stops: the next view says the hub cannot be reached, in words.
    await go('#/overview');
    await h1('Overview').waitFor();
    await t.hub.http.close();
    await go('#/integrations');
    await page.getByRole('alert').filter({ hasText: 'Cannot reach the hub' }).waitFor();
    await h1('Integrations').waitFor();
  });
});
