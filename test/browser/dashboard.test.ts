// The operations dashboard in a real browser (Debian's Chromium through playwright-core)
// against a real hub on SQLite, fed nine days of traffic through its HTTP door: an AP lead
// signs in, reads the overview, follows a stuck PO to its lineage, resolves an exception and
// sees the counts drop; a plant manager with a viewer key gets a read-only page, and the API
// refuses the viewer's resolve too. Every wait is on the page's content, never on time.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { SqliteStore } from '../../src/adapters/index.js';
import { FUNNEL_ORDER, STORY, StoryClock, storyFunnel, tellStory } from '../support/dashboard-story.js';
import { ACCESSIBILITY_CHECK, browserSuiteFolder, openChromium } from '../support/browser.js';
import type { TestHub } from '../support/hub.js';
import { EXAMPLE_MANIFEST, startTestHub } from '../support/hub.js';
import { needChromium } from '../support/services.js';

const SCREENSHOTS = join(process.cwd(), 'artifacts', 'screenshots');
const DAY = 86_400_000;

describe('the operations dashboard in a browser', () => {
  let t: TestHub | undefined;
  let store: SqliteStore | undefined;
  let url: string;
  let context: BrowserContext | undefined;
  let page: Page;

  const dir = browserSuiteFolder('millrace-dashboard-', () => [context, t, store]);
  before(() => {
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  /** Saves the page, after checking what a screen reader needs: labelled controls, captioned tables, one h1. */
  const shot = async (name: string) => {
    const problems = await page.evaluate(ACCESSIBILITY_CHECK);
    assert.deepEqual(problems, [], name);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  };
  const signIn = async (key: string) => {
    await page.goto(`${url}/`);
    await page.getByLabel('Operator key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
  const nav = (name: string) => page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true });

  it('lets an AP lead sign in, follow a stuck PO to its lineage, resolve an exception and see the counts drop', async (test) => {
    if (!needChromium(test)) return;
    const clock = new StoryClock();
    store = new SqliteStore(join(dir(), 'millrace.db'));
    // The example manifest, with the P01 warehouse expected to send at least once a day.
    const manifestPath = join(dir(), 'millrace.yaml');
    const example = readFileSync(EXAMPLE_MANIFEST, 'utf8');
    const anchor = '    name: Plant P01 warehouse (Detroit)\n';
    assert.ok(example.includes(anchor));
    writeFileSync(manifestPath, example.replace(anchor, `${anchor}    cadence: 1d\n`));
    t = await startTestHub({ store, manifestPath, flags: { workflowTickMs: 25 }, hubOptions: { clock } });
    url = await t.hub.http.listen({ host: '127.0.0.1', port: 0 });
    await tellStory({ url, keys: t.keys, store, clock });

    ({ context, page } = await openChromium(join(dir(), 'profile')));

    // A wrong key is refused in words.
    await signIn('mr_wrong_key');
    await page.getByRole('alert').filter({ hasText: 'did not accept this key' }).waitFor();

    await signIn(t.keys.get('operator:ap-lead')!);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    // Four open: the price variance (AP), the unconfirmed PO's two lines (procurement), the overdue goods (receiving P01).
    await page.locator('#open-exceptions', { hasText: /^4$/ }).waitFor();
    await page.locator('.uplot').first().waitFor();
    assert.equal(await page.locator('.uplot').count(), 3, 'three trend charts');
    assert.match((await page.locator('#stuck-title + ol.funnel').textContent()) ?? '', /Stopped by an exception/);

    // The P2P funnel: of the PO lines released in the last 7 days, how far each got, as the hub's log of the story says.
    const log = (await store.readFrom(0, 10_000)).map((s) => s.event);
    const funnelShows = async (only: { plant?: string; supplierId?: string } = {}) => {
      const now = clock.now().getTime();
      const expected = storyFunnel(log, now - 7 * DAY, now, only);
      for (const step of FUNNEL_ORDER) await page.locator(`#p2p-funnel tr[data-step="${step}"] td.reached`, { hasText: new RegExp(`^${expected.reached[step]}$`) }).waitFor();
      return expected;
    };
    const all = await funnelShows();
    // The story is not trivial here: some lines went all the way, some wait for their supplier.
    assert.ok(all.reached.posted > 0 && all.reached.confirmed < all.lines, JSON.stringify(all));
    await page.locator('#p2p-funnel caption', { hasText: `Of the ${all.lines} purchase order lines released in the last 7 days` }).waitFor();
    const released = page.locator('#p2p-funnel tr[data-step="released"]');
    await released.getByText(`${all.lines - all.reached.confirmed} not confirmed by the supplier`).waitFor();
    await released.getByText(/stopped by an exception/).waitFor();
    // PO 7 came to P02 with no advance ship notice.
    await page.locator('#p2p-funnel tr[data-step="shipped"]').getByText('1 arrived without a shipping notice').waitFor();
    await shot('overview');

    // Filtered to one plant, then to one supplier: the same counts for that plant's or supplier's lines.
    await page.locator('#funnel-filter').selectOption('plant/P02');
    await page.locator('#p2p-funnel caption', { hasText: 'released for plant P02' }).waitFor();
    const p02 = await funnelShows({ plant: 'P02' });
    assert.ok(p02.lines > 0 && p02.lines < all.lines, JSON.stringify(p02));
    await shot('overview-funnel-plant');
    // A plant with nothing released this week (bookmarked, say) says so instead of an empty table.
    await page.goto(`${url}/#/overview/plant/P99`);
    await page.locator('#funnel-empty', { hasText: 'No purchase order line was released for plant P99 in the last 7 days.' }).waitFor();
    assert.equal(await page.locator('#funnel-filter').inputValue(), 'plant/P99');
    await page.locator('#funnel-filter').selectOption('supplier/SUP-0107');
    await page.locator('#p2p-funnel caption', { hasText: 'released from supplier SUP-0107' }).waitFor();
    await funnelShows({ supplierId: 'SUP-0107' });
    await page.locator('#funnel-filter').selectOption('');
    await page.locator('#p2p-funnel caption', { hasText: `Of the ${all.lines} purchase order lines released in the last 7 days` }).waitFor();

    // The stuck PO: its link in "waiting longest" opens its lineage as a timeline.
    await page.getByRole('link', { name: `PO ${STORY.stuck} line 10` }).click();
    await page.getByRole('heading', { level: 1, name: `Purchase order ${STORY.stuck}` }).waitFor();
    const timeline = page.locator('#timeline');
    await timeline.getByText('Purchase order released').first().waitFor();
    await timeline.getByText('Deadline missed').first().waitFor();
    await timeline.getByText('Exception raised').first().waitFor();
    await page.locator('.gaps').getByText('Procurement resolves').first().waitFor();
    await shot('purchase-order-lineage');

    // Exceptions: resolve the price variance, with a reason; the open count drops from 4 to 3.
    await nav('Exceptions').click();
    await page.locator('#open-count', { hasText: /^4$/ }).waitFor();
    const variance = page.locator('#exception-list tbody tr', { hasText: STORY.priceVariance });
    await variance.getByRole('button', { name: 'Resolve' }).click();
    await page.getByLabel('Why is it resolved?').fill('Credit note CN-2231 requested from Precision Castings');
    await shot('resolve-exception');
    await page.locator('#resolve-dialog').getByRole('button', { name: 'Resolve' }).click();
    await page.locator('#open-count', { hasText: /^3$/ }).waitFor();
    assert.equal(await variance.count(), 0, 'the resolved exception left the open list');
    await shot('exceptions');

    // The overview's figure follows.
    await nav('Overview').click();
    await page.locator('#open-exceptions', { hasText: /^3$/ }).waitFor();

    await nav('Integrations').click();
    await page.locator('#sources').waitFor();
    // The refused confirmation and the late receipt show against their sources.
    await page.locator('#sources tr', { hasText: 'Precision Castings Ltd' }).getByText('Needs attention').waitFor();
    await page.locator('#sources tr', { hasText: 'Plant P02 warehouse' }).getByText('Running late').waitFor();
    // The P01 warehouse last sent days ago and is declared to send daily.
    await page.locator('#sources tr', { hasText: 'Plant P01 warehouse' }).getByText('Overdue').waitFor();
    await shot('integrations');

    await nav('Scorecards').click();
    await page.locator('#supplier-scores').getByRole('rowheader', { name: 'SUP-0042' }).waitFor();
    await shot('scorecards');

    // The resolution is in the log, by the AP lead, with the reason.
    const resolved = (await store.readFrom(0, 10_000)).find((s) => s.event.type === 'exception.resolved' && s.event.data.poNumber === STORY.priceVariance);
    assert.ok(resolved, 'exception.resolved in the log');
  });

  it('gives a viewer key a read-only page, and the API refuses its resolve too', async (test) => {
    if (!needChromium(test) || t === undefined) return;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(t.keys.get('viewer:plant-manager')!);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.getByText('plant-manager (read only)').waitFor();
    await nav('Exceptions').click();
    await page.locator('#open-count', { hasText: /^3$/ }).waitFor();
    await page.getByText('This key can read, not resolve').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Resolve' }).count(), 0, 'no resolve button for a viewer');
    await shot('exceptions-read-only');

    const open = (await (await fetch(`${url}/v1/exceptions?status=open`, { headers: { authorization: `Bearer ${t.keys.get('viewer:plant-manager')!}` } })).json()) as { items: { exceptionId: string }[] };
    const first = open.items[0];
    assert.ok(first);
    const refused = await fetch(`${url}/v1/exceptions/${first.exceptionId}/resolve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.keys.get('viewer:plant-manager')!}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'looks fine to me' }),
    });
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { code: string }).code, 'forbidden_action');
  });
});
