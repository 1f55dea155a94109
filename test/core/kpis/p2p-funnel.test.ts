// The procure-to-pay funnel on a hand-built week whose right answers are worked out below, line by line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY, HOUR, P2PScenario, T0 } from '../../support/p2p-scenario.js';
import { addMs } from '../../../src/core/time.js';
import type { FunnelCounts } from '../../../src/core/kpis/p2p-funnel.js';
import { FUNNEL_STEPS, p2pFunnel } from '../../../src/core/kpis/p2p-funnel.js';

/**
 * Released in the week [T0, T0 + 7 d), all P01 / SUP-0042 unless said:
 *   A   confirmed, shipped, received, invoiced at the PO price: matched the first time, posted.
 *   B   confirmed, received with no ASN, invoiced 10% over: price_variance, stops at invoiced.
 *   C   (P02, SUP-0107) never confirmed (late_confirmation), received with no ASN: stops at received.
 *   D   two lines, confirmed, then the PO is cancelled: both stop at confirmed.
 *   E   confirmed, shipped, due in ten days: in transit.
 *   F   confirmed, shipped, invoiced before the goods came: held, waiting for the receipt.
 *   H   released at 21:00 Detroit time on day 6 (02:00 UTC on day 7): waits for its confirmation.
 * Not in the week: G, released the day before T0 and changed inside the week; it counts from its release.
 */
function week(): P2PScenario {
  const s = new P2PScenario();
  s.now = addMs(T0, -DAY);
  s.release([{ line: 10, quantity: '10', unitPrice: '1.00' }], 'USD', 'PO-G');
  s.confirm([{ line: 10, status: 'accepted' }], 'PO-G');
  s.now = T0;
  for (const po of ['PO-A', 'PO-B', 'PO-E', 'PO-F']) s.release([{ line: 10, quantity: '100', unitPrice: '12.5000' }], 'USD', po);
  s.release(
    [
      { line: 10, quantity: '5', unitPrice: '3.00' },
      { line: 20, quantity: '7', unitPrice: '4.00' },
    ],
    'USD',
    'PO-D',
  );
  s.send('po.released', '/systems/erp-core', {
    poNumber: 'PO-C',
    supplierId: 'SUP-0107',
    buyerPlant: 'P02',
    currency: 'USD',
    lines: [{ line: 10, itemId: 'ITM-2', quantity: '50', uom: 'EA', unitPrice: '2.00', needBy: '2026-03-16' }],
  });
  s.advance(4 * HOUR);
  for (const po of ['PO-A', 'PO-B', 'PO-D', 'PO-E', 'PO-F']) s.confirm([{ line: 10, status: 'accepted' }, { line: 20, status: 'accepted' }], po);
  s.advance(DAY); // C's confirmation deadline has passed: late_confirmation.
  s.send('po.changed', '/systems/erp-core', {
    poNumber: 'PO-G',
    supplierId: 'SUP-0042',
    buyerPlant: 'P01',
    currency: 'USD',
    revision: 1,
    lines: [{ line: 10, itemId: 'ITM-10023', quantity: '12', uom: 'EA', unitPrice: '1.00', needBy: '2026-03-16' }],
  });
  s.ship('ASN-A', [{ line: 10, quantity: '100' }], addMs(T0, 3 * DAY), 'PO-A');
  s.ship('ASN-E', [{ line: 10, quantity: '100' }], addMs(T0, 10 * DAY), 'PO-E');
  s.ship('ASN-F', [{ line: 10, quantity: '100' }], addMs(T0, 9 * DAY), 'PO-F');
  s.send('po.cancelled', '/systems/erp-core', { poNumber: 'PO-D' });
  s.advance(DAY);
  s.receive('GR-A', [{ line: 10, quantity: '100', poNumber: 'PO-A' }], 'ASN-A');
  s.receive('GR-B', [{ line: 10, quantity: '100', poNumber: 'PO-B' }]);
  s.send('goods.received', '/systems/wms-p02', { receiptId: 'GR-C', plant: 'P02', lines: [{ poNumber: 'PO-C', line: 10, quantity: '50', uom: 'EA' }] });
  s.advance(DAY);
  s.invoice('INV-A', [{ line: 10, quantity: '100', unitPrice: '12.5000', poNumber: 'PO-A' }]);
  s.invoice('INV-B', [{ line: 10, quantity: '100', unitPrice: '13.7500', poNumber: 'PO-B' }]);
  s.invoice('INV-F', [{ line: 10, quantity: '100', unitPrice: '12.5000', poNumber: 'PO-F' }]);
  s.advance(2 * DAY + 17 * HOUR); // T0 + 6 d 21 h = 2026-03-09T05:00Z
  s.send(
    'po.released',
    '/systems/erp-core',
    { poNumber: 'PO-H', supplierId: 'SUP-0042', buyerPlant: 'P01', currency: 'USD', lines: [{ line: 10, itemId: 'ITM-1', quantity: '1', uom: 'EA', unitPrice: '1.00', needBy: '2026-03-20' }] },
    { time: '2026-03-08T21:00:00-05:00' },
  );
  s.advance(3 * HOUR); // T0 + 7 d
  return s;
}

const WEEK = { from: T0, to: addMs(T0, 7 * DAY) };

/** The funnel as [step, reached, skipped] rows, with the drop after each step as [cancelled, in exception, waiting]. */
function rows(counts: FunnelCounts) {
  return counts.steps.map((s) => [s.step, s.reached, s.skipped, s.dropped === undefined ? null : [s.dropped.cancelled, s.dropped.inException, s.dropped.waiting]]);
}

describe('the procure-to-pay funnel', () => {
  const s = week();
  const lines = [...s.lines.keys()].sort().map((key) => s.lines.get(key)!);
  const funnel = p2pFunnel(lines, WEEK);

  it('counts the lines released in the window and how far each got by now', () => {
    assert.equal(funnel.lines, 8, 'A, B, C, D/10, D/20, E, F and H; not G, released the day before');
    assert.deepEqual(rows(funnel), [
      // H waits for its confirmation.
      ['released', 8, 0, [0, 0, 1]],
      // C got further without a confirmation; D's two lines were cancelled once confirmed.
      ['confirmed', 7, 1, [2, 0, 0]],
      // B and C were received with no ASN; E is on its way.
      ['shipped', 5, 2, [0, 0, 1]],
      // F was invoiced before its goods came; C stops here in its late_confirmation exception.
      ['received', 4, 1, [0, 1, 0]],
      // B is stopped by its price variance; F's invoice is held for the receipt.
      ['invoiced', 3, 0, [0, 1, 1]],
      ['matched', 1, 0, [0, 0, 0]],
      ['posted', 1, 0, null],
    ]);
    assert.equal(funnel.steps.find((step) => step.step === 'matched')?.firstTime, 1);
  });

  it('accounts for every line: each stops at one step or is posted', () => {
    const stopped = funnel.steps.reduce((n, step) => n + (step.dropped === undefined ? step.reached : step.dropped.cancelled + step.dropped.inException + step.dropped.waiting), 0);
    assert.equal(stopped, funnel.lines);
  });

  it('splits the funnel by plant and by supplier', () => {
    assert.deepEqual(Object.keys(funnel.byPlant), ['P01', 'P02']);
    assert.deepEqual(rows(funnel.byPlant.P02!), [
      ['released', 1, 0, [0, 0, 0]],
      ['confirmed', 1, 1, [0, 0, 0]],
      ['shipped', 1, 1, [0, 0, 0]],
      ['received', 1, 0, [0, 1, 0]],
      ['invoiced', 0, 0, [0, 0, 0]],
      ['matched', 0, 0, [0, 0, 0]],
      ['posted', 0, 0, null],
    ]);
    assert.equal(funnel.byPlant.P01?.lines, 7);
    assert.equal(funnel.bySupplier['SUP-0042']?.lines, 7);
    assert.deepEqual(funnel.bySupplier['SUP-0107'], funnel.byPlant.P02);
  });

  it('counts a changed PO from its first release', () => {
    // G was released the day before T0 and changed on day 1: it is in the earlier window only.
    const before = p2pFunnel(lines, { from: addMs(T0, -2 * DAY), to: T0 });
    assert.equal(before.lines, 1);
    assert.deepEqual(before.steps.map((step) => step.reached), [1, 1, 0, 0, 0, 0, 0]);
  });

  it('places a release by its instant, whatever offset the event or the window is written in', () => {
    // H happened at 21:00 on 8 March in Detroit, 02:00 on 9 March in UTC.
    const sameWeekInDetroit = p2pFunnel(lines, { from: '2026-03-02T03:00:00-05:00', to: '2026-03-09T03:00:00-05:00' });
    assert.deepEqual({ ...sameWeekInDetroit, window: WEEK }, funnel);
    const upTo2Utc = p2pFunnel(lines, { from: T0, to: '2026-03-09T02:00:00Z' });
    assert.equal(upTo2Utc.lines, 7, 'the end is exclusive: H is not in it');
    const throughDetroitNine = p2pFunnel(lines, { from: '2026-03-08T20:59:00-05:00', to: '2026-03-08T21:01:00-05:00' });
    assert.equal(throughDetroitNine.lines, 1);
    assert.equal(throughDetroitNine.byPlant.P01?.steps[0]?.dropped?.waiting, 1);
  });

  it('gives every step zero on an empty window, and no plant or supplier', () => {
    const empty = p2pFunnel(lines, { from: addMs(T0, -7 * DAY), to: addMs(T0, -2 * DAY) });
    assert.equal(empty.lines, 0);
    assert.deepEqual(
      empty.steps.map((step) => [step.step, step.reached, step.skipped]),
      FUNNEL_STEPS.map((step) => [step, 0, 0]),
    );
    assert.equal(empty.steps.find((step) => step.step === 'matched')?.firstTime, 0);
    assert.deepEqual([empty.byPlant, empty.bySupplier], [{}, {}]);
  });

  it('refuses a window that ends before it starts', () => {
    assert.throws(() => p2pFunnel(lines, { from: WEEK.to, to: WEEK.from }), /must end after it starts/);
  });
});
