// GET /v1/kpis: the window as a duration, sync lag per source against its manifest policy, and the P2P funnel.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KpiAnswer } from '../app/index.js';
import type { TestHub } from '../../test/support/hub.js';
import { callHub, startTestHub } from '../../test/support/hub.js';

describe('GET /v1/kpis', () => {
  let t: TestHub;
  const viewer = () => t.keys.get('viewer:plant-manager')!;

  before(async () => {
    t = await startTestHub();
    // erp-core's policy is maxLag 15m (examples/millrace.yaml): an event two hours old breaches it.
    const late = {
      specversion: '1.0',
      id: 'rel-late-1',
      source: '/systems/erp-core',
      type: 'po.released',
      time: new Date(Date.now() - 2 * 3_600_000).toISOString(),
      data: { poNumber: '4500088001', supplierId: 'SUP-0042', buyerPlant: 'P01', currency: 'USD', lines: [{ line: 10, itemId: 'ITM-1', quantity: '5', uom: 'EA', unitPrice: '1.00', needBy: '2026-12-01' }] },
    };
    assert.equal((await callHub(t, 'POST', '/v1/events', t.keys.get('system:erp-core')!, late)).status, 202);
    await t.hub.settle();
  });
  after(() => t.close());

  it('takes the window as a duration ending now', async () => {
    const answer = await callHub(t, 'GET', '/v1/kpis?window=24h', viewer());
    assert.equal(answer.status, 200);
    const kpis = answer.body as unknown as KpiAnswer;
    assert.equal(Date.parse(kpis.window.to) - Date.parse(kpis.window.from), 24 * 3_600_000);
    assert.equal(kpis.window.to, kpis.now);
  });

  it('shows each source with its maxLag policy and whether it kept to it', async () => {
    const kpis = (await callHub(t, 'GET', '/v1/kpis', viewer())).body as unknown as KpiAnswer;
    const erp = kpis.syncLag.find((s) => s.source === '/systems/erp-core');
    assert.deepEqual([erp?.events, erp?.lagBreaches, erp?.maxLag, erp?.withinPolicy], [1, 1, { default: '15m' }, false]);
    assert.ok((erp?.worstLagMinutes ?? 0) >= 119, `worst lag about two hours, got ${erp?.worstLagMinutes}`);
    // One event: its lag is the median, the p90 and the worst.
    assert.deepEqual([erp?.medianLagMinutes, erp?.p90LagMinutes], [erp?.worstLagMinutes, erp?.worstLagMinutes]);
    assert.equal(kpis.syncLagTruncated, false);
    // Sync lag is over the events received in the window: a window that ended before it came lists no source.
    const before = (await callHub(t, 'GET', `/v1/kpis?to=${new Date(Date.now() - 3_600_000).toISOString()}&window=7d`, viewer())).body as unknown as KpiAnswer;
    assert.deepEqual(before.syncLag, []);
  });

  it('has the funnel of the lines released in the window: the late PO line is released and waits for its confirmation', async () => {
    const kpis = (await callHub(t, 'GET', '/v1/kpis?window=24h', viewer())).body as unknown as KpiAnswer;
    assert.equal(kpis.funnel.lines, 1);
    assert.deepEqual(
      kpis.funnel.steps.map((s) => [s.step, s.reached]),
      [['released', 1], ['confirmed', 0], ['shipped', 0], ['received', 0], ['invoiced', 0], ['matched', 0], ['posted', 0]],
    );
    assert.deepEqual(kpis.funnel.steps[0]?.dropped, { cancelled: 0, inException: 0, waiting: 1 });
    assert.deepEqual(Object.keys(kpis.funnel.byPlant), ['P01']);
    // Released two hours ago: not in a window that ended an hour ago.
    const earlier = (await callHub(t, 'GET', `/v1/kpis?to=${new Date(Date.now() - 3_600_000).toISOString()}&window=30m`, viewer())).body as unknown as KpiAnswer;
    assert.equal(earlier.funnel.lines, 0);
  });

  it('takes a window that ends on a leap second (RFC 3339 allows 23:59:60), and refuses one that is no time', async () => {
    const leap = await callHub(t, 'GET', '/v1/kpis?from=2016-12-31T00:00:00Z&to=2016-12-31T23:59:60Z', viewer());
    assert.equal(leap.status, 200, JSON.stringify(leap.body));
    assert.deepEqual((leap.body as unknown as KpiAnswer).window, { from: '2016-12-31T00:00:00Z', to: '2016-12-31T23:59:60Z' });
    const bogus = await callHub(t, 'GET', '/v1/kpis?from=2016-12-31T00:00:00Z&to=2016-12-31T23:59:61Z', viewer());
    assert.deepEqual([bogus.status, bogus.body.code], [400, 'invalid_request']);
    assert.match(String(bogus.body.detail), /to must be an RFC 3339 time, not "2016-12-31T23:59:61Z"/);
    // Without a `from`, the window is counted back from `to`: a `to` that is no time is still a 400.
    const alone = await callHub(t, 'GET', '/v1/kpis?to=yesterday&window=1d', viewer());
    assert.deepEqual([alone.status, alone.body.code], [400, 'invalid_request']);
    assert.match(String(alone.body.detail), /to must be an RFC 3339 time, not "yesterday"/);
    // A day the calendar does not have is refused, not read as the first days of March.
    const february = await callHub(t, 'GET', '/v1/kpis?from=2026-02-01T00:00:00Z&to=2026-02-30T00:00:00Z', viewer());
    assert.deepEqual([february.status, february.body.code], [400, 'invalid_request']);
    assert.match(String(february.body.detail), /to must be an RFC 3339 time, not "2026-02-30T00:00:00Z"/);
  });

  it('gives back its bounds to the millisecond, the precision it compares at, however many digits were sent', async () => {
    // 9 digits of a second (Go's RFC3339Nano, Java's Instant) were repeated verbatim in `window`,
    // though the hub reads instants to the millisecond: the answer said a window it did not measure.
    const released = {
      specversion: '1.0',
      id: 'rel-march-1',
      source: '/systems/erp-core',
      type: 'po.released',
      time: '2026-03-01T00:00:00.123Z',
      data: { poNumber: '4500088002', supplierId: 'SUP-0042', buyerPlant: 'P01', currency: 'USD', lines: [{ line: 10, itemId: 'ITM-1', quantity: '5', uom: 'EA', unitPrice: '1.00', needBy: '2026-12-01' }] },
    };
    assert.equal((await callHub(t, 'POST', '/v1/events', t.keys.get('system:erp-core')!, released)).status, 202);
    await t.hub.settle();
    const fine = await callHub(t, 'GET', '/v1/kpis?from=2026-03-01T00:00:00.123456789Z&to=2026-03-02T00:00:00.9999Z', viewer());
    assert.equal(fine.status, 200, JSON.stringify(fine.body));
    const kpis = fine.body as unknown as KpiAnswer;
    assert.deepEqual(kpis.window, { from: '2026-03-01T00:00:00.123Z', to: '2026-03-02T00:00:00.999Z' });
    // The line released at .123 is in the window that starts at .123, as the answer says.
    assert.equal(kpis.funnel.lines, 1);
    const later = (await callHub(t, 'GET', '/v1/kpis?from=2026-03-01T00:00:00.124Z&to=2026-03-02T00:00:00Z', viewer())).body as unknown as KpiAnswer;
    assert.equal(later.funnel.lines, 0);
    // An offset, and a fraction of up to three digits, are given back as sent.
    const offset = (await callHub(t, 'GET', `/v1/kpis?from=${encodeURIComponent('2026-03-01T02:00:00.123456+02:00')}&days=1`, viewer())).body as unknown as KpiAnswer;
    assert.deepEqual(offset.window, { from: '2026-03-01T02:00:00.123+02:00', to: '2026-03-02T00:00:00.123Z' });
    const short = (await callHub(t, 'GET', '/v1/kpis?from=2026-03-01T00:00:00.5Z&to=2026-03-02T00:00:00Z', viewer())).body as unknown as KpiAnswer;
    assert.deepEqual(short.window, { from: '2026-03-01T00:00:00.5Z', to: '2026-03-02T00:00:00Z' });
  });

  it('refuses a window that is not a duration, or given twice', async () => {
    const bogus = await callHub(t, 'GET', '/v1/kpis?window=2w', viewer());
    assert.deepEqual([bogus.status, bogus.body.code], [400, 'invalid_request']);
    assert.match(String(bogus.body.detail), /7d, 24h or 90m/);
    const both = await callHub(t, 'GET', '/v1/kpis?window=1d&days=2', viewer());
    assert.deepEqual([both.status, both.body.code], [400, 'window_conflict']);
  });
});
