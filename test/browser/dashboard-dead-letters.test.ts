// The Integrations page sends a subscriber's dead letters again (POST
// /v1/subscriptions/:subscription/retry), in Debian's Chromium against a real hub on SQLite and a
// real webhook receiver: the button is there for an operator key only, a double-click sends one
// request, and what was dead reaches the receiver in its order. Every wait is on the page's
// content or the receiver, never on time.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { ACCESSIBILITY_CHECK, browserSuiteFolder, openChromium } from '../support/browser.js';
import type { TestHub } from '../support/hub.js';
import { exampleWithSubscriptions, startTestHub, webhookSubscriptions } from '../support/hub.js';
import { needChromium } from '../support/services.js';
import type { WebhookReceiver } from '../support/webhook-receiver.js';
import { startReceiver } from '../support/webhook-receiver.js';

const receipt = (id: string) => ({
  specversion: '1.0' as const,
  id,
  source: '/systems/wms-p01',
  type: 'goods.received',
  time: new Date().toISOString(),
  correlationid: 'PO-9/1',
  data: { receiptId: id, plant: 'P01', lines: [{ poNumber: 'PO-9', line: 1, quantity: '1', uom: 'EA' }] },
});

describe("the dashboard's retry of a subscriber's dead letters", () => {
  let receiver: WebhookReceiver | undefined;
  let t: TestHub | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let url: string;

  const dir = browserSuiteFolder('millrace-dashboard-dead-', () => [context, t, receiver]);

  const signIn = async (key: string) => {
    await page.goto(`${url}/#/integrations`);
    await page.getByLabel('Operator key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor();
  };

  it('sends them again from the subscribers table, once on a double-click, and only for an operator key', async (test) => {
    if (!needChromium(test)) return;
    receiver = await startReceiver();
    const manifestPath = exampleWithSubscriptions(
      dir(),
      webhookSubscriptions({ id: 'plant-receipts', types: ['goods.received'], url: receiver.url, secret: 'test-hook', delivery: 'maxAttempts: 1, initialBackoff: 1s, timeout: 2s' }),
    );
    t = await startTestHub({ manifestPath, flags: { deliveries: 'on' }, env: { MILLRACE_SECRET_TEST_HOOK: 'shh' }, hubOptions: { deliveryMode: 'manual' } });
    url = await t.hub.http.listen({ host: '127.0.0.1', port: 0 });
    const runner = t.hub.deliveries!;
    // The receiver is down: the first receipt's delivery is dead, the second blocked behind it.
    receiver.mode = 'fail';
    await t.store.appendBatches([[receipt('gr-1'), receipt('gr-2')]], new Date().toISOString());
    await runner.runOnce();
    const failed = receiver.received.length;

    ({ context, page } = await openChromium(join(dir(), 'profile')));
    // A viewer key reads the dead letter but gets no button.
    await signIn(t.keys.get('viewer:plant-manager')!);
    const row = () => page.locator('#subscribers tbody tr', { hasText: 'plant-receipts' });
    await row().waitFor();
    assert.deepEqual(await row().locator('td.num').allTextContents(), ['0', '1', '1', '0', '0']);
    assert.equal(await page.locator('button[data-retry-dead]').count(), 0);
    await page.getByRole('button', { name: 'Sign out' }).click();

    await signIn(t.keys.get('operator:ap-lead')!);
    const retry = page.getByRole('button', { name: 'Retry the 1 dead letter of plant-receipts' });
    await retry.waitFor();
    assert.deepEqual(await page.evaluate(ACCESSIBILITY_CHECK), []);
    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') posts.push(new URL(request.url()).pathname);
    });
    receiver.mode = 'ok';
    await retry.dblclick();
    await page.getByRole('status').filter({ hasText: '1 dead letter of plant-receipts queued to be sent again.' }).waitFor();
    assert.deepEqual(posts, ['/v1/subscriptions/plant-receipts/retry']);

    // The runner sends both, the dead one first; the page then shows nothing dead and no button.
    await runner.runOnce();
    assert.deepEqual(receiver.received.slice(failed).map((r) => r.id), ['gr-1', 'gr-2']);
    await page.evaluate(`location.hash = '#/overview'`);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.evaluate(`location.hash = '#/integrations'`);
    await page.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor();
    await row().locator('td.num', { hasText: '2' }).waitFor();
    assert.deepEqual(await row().locator('td.num').allTextContents(), ['0', '0', '0', '2', '0']);
    assert.equal(await page.locator('button[data-retry-dead]').count(), 0);
  });
});
