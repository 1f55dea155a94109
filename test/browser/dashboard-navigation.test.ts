// The operations dashboard in a real browser (Debian's Chromium through playwright-core) on a
// hub with an empty store: an address the hub cannot answer (a PO number it never heard of, a
// window that is not a number) shows that address's view with what went wrong, never the
// previous view under the new address; durations read the same however they round. Every wait
// is on the page's content, never on time.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { ACCESSIBILITY_CHECK, browserSuiteFolder, openChromium } from '../support/browser.js';
import type { TestHub } from '../support/hub.js';
import { callHub, startTestHub } from '../support/hub.js';
import { needChromium } from '../support/services.js';

describe('the operations dashboard on addresses the hub cannot answer', () => {
  let t: TestHub | undefined;
  let url: string;
  let context: BrowserContext | undefined;
  let page: Page;

  const dir = browserSuiteFolder('millrace-dashboard-nav-', () => [context, t]);

  const h1 = (name: string) => page.getByRole('heading', { level: 1, name, exact: true });
  const go = (hash: string) => page.evaluate(`location.hash = ${JSON.stringify(hash)}`);

  it('shows an unknown PO number or a bad window as such, not the previous view', async (test) => {
    if (!needChromium(test)) return;
    t = await startTestHub();
    url = await t.hub.http.listen({ host: '127.0.0.1', port: 0 });
    ({ context, page } = await openChromium(join(dir(), 'profile')));
    const thrown: string[] = [];
    page.on('pageerror', (error) => thrown.push(error.message));

    await page.goto(`${url}/`);
    await page.getByLabel('Operator key').fill(t.keys.get('operator:ap-lead')!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await h1('Overview').waitFor();

    // A PO number the hub never heard of (a typo, an old bookmark): its own page says so, with the form to try another.
    await go('#/po/NOPE-1');
    await page.locator('#po-unknown', { hasText: 'The hub has no purchase order NOPE-1' }).waitFor();
    await h1('Purchase order NOPE-1').waitFor();
    assert.equal(await page.locator('#open-exceptions').count(), 0, 'the overview is gone');
    assert.equal(await page.getByLabel('Purchase order number').inputValue(), 'NOPE-1');

    // A blank PO number in the address (the form never sends one) is no number: the form, not the API's refusal of a blank correlation.
    await go('#/po/%20');
    await h1('Purchase orders').waitFor();
    assert.equal(await page.getByLabel('Purchase order number').inputValue(), '');
    assert.equal(((await page.locator('#status').textContent()) ?? '').trim(), '');

    // A window the API refuses: the scorecards' heading with the hub's words, not the PO page left behind.
    await go('#/scorecards/abc');
    await page.getByRole('alert').filter({ hasText: 'days must be a whole number in decimal digits' }).waitFor();
    await h1('Scorecards').waitFor();
    assert.equal(await page.locator('#po-unknown').count(), 0, 'the PO page is gone');

    // And back to a good address, the message goes.
    await go('#/scorecards/7');
    await page.locator('#window').waitFor();
    assert.equal(((await page.locator('#status').textContent()) ?? '').trim(), '');
    assert.deepEqual(thrown, []);
  });

  it('rounds a duration once: 183 min is 3.1 h, 59.6 min is 1 h, 47.5 h is 2 d', async (test) => {
    if (!needChromium(test) || t === undefined) return;
    // The page's own formatter, as the page loads it (the tests are type-checked without the DOM library).
    const shown = await page.evaluate(`import('/dashboard/words.js').then((w) => [183, 363, 59.6, 2850, 1439.9, 45, 90, 1500].map((m) => w.minutes(m)))`);
    assert.deepEqual(shown, ['3.1 h', '6.1 h', '1 h', '2 d', '1 d', '45 min', '1.5 h', '1 d 1 h']);
  });

  it("shows an amount as the hub's decimal string, with the currency's own decimals", async (test) => {
    if (!needChromium(test) || t === undefined) return;
    const cases = [
      ['1250.00', 'USD'],
      ['-100.50', 'EUR'],
      ['125000', 'JPY'],
      ['12.345', 'KWD'],
      // Past 2^53 hundredths a float has no cents left: 90071992547409.93 would show as .94.
      ['90071992547409.93', 'USD'],
    ];
    const shown = await page.evaluate(`import('/dashboard/words.js').then((w) => ${JSON.stringify(cases)}.map(([a, c]) => w.money(a, c)))`);
    assert.deepEqual(shown, ['1,250.00 USD', '-100.50 EUR', '125,000 JPY', '12.345 KWD', '90,071,992,547,409.93 USD']);
  });

  it("tells two suppliers' invoices of one number apart on a purchase order's invoices", async (test) => {
    if (!needChromium(test) || t === undefined) return;
    const hub = t;
    const send = async (key: string, id: string, type: string, data: Record<string, unknown>) => {
      const response = await callHub(hub, 'POST', '/v1/events', hub.keys.get(key)!, { specversion: '1.0', id, source: `/systems/${key.split(':')[1]!}`, type, time: '2026-03-06T09:00:00Z', data });
      assert.equal(response.status, 202, JSON.stringify(response.body));
    };
    const line = { poNumber: 'PO-TWO-SUPPLIERS', line: 10, quantity: '100', uom: 'EA', unitPrice: '12.5000' };
    await send('system:erp-core', 'po-two', 'po.released', {
      poNumber: line.poNumber,
      supplierId: 'SUP-0042',
      buyerPlant: 'P01',
      currency: 'USD',
      lines: [{ line: 10, itemId: 'ITM-10023', quantity: '100', uom: 'EA', unitPrice: '12.5000', needBy: '2026-03-16' }],
    });
    await send('system:wms-p01', 'gr-two', 'goods.received', { receiptId: 'GR-1', plant: 'P01', lines: [{ poNumber: line.poNumber, line: 10, quantity: '100', uom: 'EA' }] });
    for (const [id, supplierId] of [['inv-own', 'SUP-0042'], ['inv-other', 'SUP-0107']] as const) {
      await send('system:ap-automation', id, 'invoice.received', { invoiceNumber: 'INV-1', supplierId, currency: 'USD', invoiceDate: '2026-03-06', lines: [line], totalAmount: '1250.00' });
    }
    await hub.hub.processor.catchUp();

    await go(`#/po/${line.poNumber}`);
    const rows = page.locator('#po-invoices tbody tr');
    await rows.nth(1).waitFor();
    assert.deepEqual(await rows.locator('th').allTextContents(), ['INV-1', 'INV-1 from SUP-0107']);
    const cells = async (n: number) => (await rows.nth(n).locator('td, th').allTextContents()).map((cell) => cell.trim());
    assert.deepEqual([await cells(0), await cells(1)], [
      ['10', 'INV-1', '100', '12.5', 'Matched'],
      ['10', 'INV-1 from SUP-0107', '100', '12.5', 'Stopped by an exception'],
    ]);
    assert.deepEqual(await page.evaluate(ACCESSIBILITY_CHECK), []);
  });
});
