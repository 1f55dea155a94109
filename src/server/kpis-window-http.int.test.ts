// GET /v1/kpis: the window a request names. `from` with a length (`days`, `window`) is the window
// from `from` for that long (before, `days` was ignored and the window ran to now); `from`, `to`
// and a length together conflict (400 window_conflict); every other form is as it was; a window
// given by its bounds is capped at 366 days as a length is. Over HTTP, on SQLite and on
// PostgreSQL (sync lag reads the log between the bounds).
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { KpiAnswer } from '../app/index.js';
import type { TestHub } from '../../test/support/hub.js';
import { callHub, onBothStores } from '../../test/support/hub.js';

const DAY = 86_400_000;
const at = (ms: number): string => new Date(ms).toISOString();

/** A PO released by erp-core at `time` (business time: the funnel counts lines by their release). */
function release(poNumber: string, time: string) {
  return {
    specversion: '1.0',
    id: `rel-${poNumber}`,
    source: '/systems/erp-core',
    type: 'po.released',
    time,
    data: { poNumber, supplierId: 'SUP-0042', buyerPlant: 'P01', currency: 'USD', lines: [{ line: 10, itemId: 'ITM-1', quantity: '5', uom: 'EA', unitPrice: '1.00', needBy: '2026-12-01' }] },
  };
}

async function kpisOf(t: TestHub, query: string): Promise<KpiAnswer> {
  const answer = await callHub(t, 'GET', `/v1/kpis?${query}`, t.keys.get('viewer:plant-manager')!);
  assert.equal(answer.status, 200, `${query}: ${JSON.stringify(answer.body)}`);
  return answer.body as unknown as KpiAnswer;
}

async function windowsAsAsked(t: TestHub): Promise<void> {
  const now = Date.now();
  const erp = t.keys.get('system:erp-core')!;
  // One PO released ten days ago, one two days ago; both received now.
  assert.equal((await callHub(t, 'POST', '/v1/events', erp, release('4500091001', at(now - 10 * DAY)))).status, 202);
  assert.equal((await callHub(t, 'POST', '/v1/events', erp, release('4500091002', at(now - 2 * DAY)))).status, 202);
  await t.hub.settle();

  // From twelve days ago for three days: the first release only, and no event received in it.
  const from = at(now - 12 * DAY);
  const threeDays = { from, to: at(Date.parse(from) + 3 * DAY) };
  for (const query of [`from=${from}&days=3`, `from=${from}&window=3d`, `from=${from}&window=72h`]) {
    const kpis = await kpisOf(t, query);
    assert.deepEqual(kpis.window, threeDays, query);
    assert.equal(kpis.funnel.lines, 1, `${query}: the PO released ten days ago only`);
    assert.deepEqual(kpis.syncLag, [], `${query}: both events were received now, after the window`);
  }

  // The forms that worked keep working.
  const to = at(now - 5 * DAY);
  assert.deepEqual((await kpisOf(t, `from=${from}&to=${to}`)).window, { from, to });
  assert.deepEqual((await kpisOf(t, `to=${to}&days=3`)).window, { from: at(Date.parse(to) - 3 * DAY), to });
  assert.deepEqual((await kpisOf(t, `to=${to}`)).window, { from: at(Date.parse(to) - 7 * DAY), to });
  const alone = await kpisOf(t, `from=${from}`);
  assert.deepEqual([alone.window, alone.funnel.lines], [{ from, to: alone.now }, 2], 'from alone runs to now');
  const days = await kpisOf(t, 'days=3');
  assert.deepEqual([days.window, days.funnel.lines], [{ from: at(Date.parse(days.now) - 3 * DAY), to: days.now }, 1]);
  const week = await kpisOf(t, '');
  assert.deepEqual(week.window, { from: at(Date.parse(week.now) - 7 * DAY), to: week.now });

  // from, to and a length say three things that may disagree: refused, never one silently dropped.
  for (const [query, parameters] of [
    [`from=${from}&to=${to}&days=3`, ['from', 'to', 'days']],
    [`from=${from}&to=${to}&window=3d`, ['from', 'to', 'window']],
    [`from=${from}&days=3&window=3d`, ['window', 'days']],
  ] as const) {
    const refused = await callHub(t, 'GET', `/v1/kpis?${query}`, t.keys.get('viewer:plant-manager')!);
    assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8', query);
    assert.deepEqual([refused.status, refused.body.code, refused.body.parameters], [400, 'window_conflict', parameters], query);
  }
  const conflict = await callHub(t, 'GET', `/v1/kpis?from=${from}&to=${to}&days=3`, t.keys.get('viewer:plant-manager')!);
  assert.equal(conflict.body.detail, 'give from and to, or one of them with days, not all three: days would have to agree with the window from .. to');

  // A window counted past the last time RFC 3339 can name is a clear 400, not a 500 from the store.
  const far = await callHub(t, 'GET', '/v1/kpis?from=9999-12-30T00:00:00Z&days=7', t.keys.get('viewer:plant-manager')!);
  assert.deepEqual([far.status, far.body.code], [400, 'invalid_request']);
  assert.match(String(far.body.detail), /outside the years 0000 to 9999/);
}

/**
 * A window given by its bounds is held to the 366 days `days` and `window` are held to: a
 * 100-year `from`..`to` (or a `from` a century ago, running to now) made the hub aggregate its
 * whole store and read up to 200,000 events of the log, and was answered 200.
 */
async function boundsCapped(t: TestHub): Promise<void> {
  const viewer = t.keys.get('viewer:plant-manager')!;
  const from = '2025-01-01T00:00:00.000Z';
  // 366 days to the millisecond is the longest window, as `days=366` is.
  const longest = await kpisOf(t, `from=${from}&to=${at(Date.parse(from) + 366 * DAY)}`);
  assert.deepEqual(longest.window, { from, to: '2026-01-02T00:00:00.000Z' });
  for (const [query, parameters] of [
    ['from=1926-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', ['from', 'to']],
    [`from=${from}&to=${at(Date.parse(from) + 366 * DAY + 1)}`, ['from', 'to']],
    ['from=1926-01-01T00:00:00Z', ['from']],
  ] as const) {
    const refused = await callHub(t, 'GET', `/v1/kpis?${query}`, viewer);
    assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8', query);
    assert.deepEqual([refused.status, refused.body.code, refused.body.parameters], [400, 'invalid_request', parameters], query);
    assert.match(String(refused.body.detail), /^the window .+ \.\. .+ is longer than 366 days, the most days and window may be; ask for up to 366 days at a time$/, query);
  }
  const century = await callHub(t, 'GET', '/v1/kpis?from=1926-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', viewer);
  assert.equal(century.body.detail, 'the window 1926-01-01T00:00:00Z .. 2026-01-01T00:00:00Z is longer than 366 days, the most days and window may be; ask for up to 366 days at a time');
}

describe('GET /v1/kpis: the window asked for', () => {
  onBothStores('from with days or window is that long from from; with to as well it is a conflict; the other forms are unchanged', windowsAsAsked);
  onBothStores('from and to, or from alone, may span up to 366 days, as days and window may', boundsCapped);
});
