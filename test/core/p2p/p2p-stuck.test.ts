// Where open PO lines wait and since when, on a story whose answers are worked out below.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HOUR, P2PScenario, T0 } from '../../support/p2p-scenario.js';
import { addMs } from '../../../src/core/time.js';
import { stuckStages, waitingOf } from '../../../src/core/p2p/p2p-stuck.js';

const at = (hours: number) => addMs(T0, hours * HOUR);

/**
 * Seven POs released at T0, seen at T0 + 30 h:
 * A never confirmed: late_confirmation raised at 24 h, in exception for 6 h.
 * B confirmed at 2 h, not shipped: awaiting shipment for 28 h.
 * C confirmed at 1 h, shipped at 3 h with ETA 48 h: in transit since 3 h (27 h).
 * D confirmed at 1 h, shipped at 3 h with ETA 20 h: past its ETA, awaiting receipt for 10 h.
 * E shipped at 3 h (ETA 4 h), received at 5 h: awaiting the invoice for 25 h.
 * F confirmed at 1 h, invoiced at 6 h before any receipt: held for receipt for 24 h.
 * G received and invoiced at the PO price: posted, not waiting.
 */
function story() {
  const s = new P2PScenario();
  for (const po of ['A', 'B', 'C', 'D', 'E', 'F', 'G']) s.release([{ line: 10, quantity: '10', unitPrice: '1.00' }], 'USD', `PO-${po}`);
  s.advance(HOUR);
  for (const po of ['C', 'D', 'E', 'F', 'G']) s.confirm([{ line: 10, status: 'accepted' }], `PO-${po}`);
  s.advance(HOUR).confirm([{ line: 10, status: 'accepted' }], 'PO-B');
  s.advance(HOUR);
  s.ship('ASN-C', [{ line: 10, quantity: '10' }], at(48), 'PO-C');
  s.ship('ASN-D', [{ line: 10, quantity: '10' }], at(20), 'PO-D');
  s.ship('ASN-E', [{ line: 10, quantity: '10' }], at(4), 'PO-E');
  s.ship('ASN-G', [{ line: 10, quantity: '10' }], at(4), 'PO-G');
  s.advance(2 * HOUR);
  s.receive('GR-E', [{ line: 10, quantity: '10', poNumber: 'PO-E' }], 'ASN-E');
  s.receive('GR-G', [{ line: 10, quantity: '10', poNumber: 'PO-G' }], 'ASN-G');
  s.advance(HOUR);
  s.invoice('INV-F', [{ line: 10, quantity: '10', unitPrice: '1.00', poNumber: 'PO-F' }]);
  s.invoice('INV-G', [{ line: 10, quantity: '10', unitPrice: '1.00', poNumber: 'PO-G' }]);
  s.advance(18 * HOUR); // T0 + 24 h: A's confirmation deadline fires
  s.advance(6 * HOUR); // T0 + 30 h
  return s;
}

describe('stuck stages of procure-to-pay', () => {
  const s = story();
  const lines = [...s.lines.keys()].sort().map((key) => s.lines.get(key)!);
  const now = at(30);

  it('puts each open line at the stage it waits in, since when that wait began', () => {
    const view = lines.map((l) => waitingOf(l, now)).map((w) => w && [w.poNumber, w.stage, w.since, w.ageHours]);
    assert.deepEqual(view, [
      ['PO-A', 'in_exception', at(24), 6],
      ['PO-B', 'awaiting_shipment', at(2), 28],
      ['PO-C', 'in_transit', at(3), 27],
      ['PO-D', 'awaiting_receipt', at(20), 10],
      ['PO-E', 'awaiting_invoice', at(5), 25],
      ['PO-F', 'held_for_receipt', at(6), 24],
      undefined,
    ]);
    assert.deepEqual(waitingOf(lines[0]!, now)?.codes, ['late_confirmation']);
  });

  it('counts each stage by plant, supplier and region, ages it in buckets and lists the oldest first', () => {
    const stages = stuckStages(lines, now, { oldest: 2, regionOf: (plant) => (plant === 'P01' ? 'NA' : undefined) });
    const counts = Object.fromEntries(stages.map((st) => [st.stage, st.count]));
    assert.deepEqual(counts, {
      in_exception: 1,
      awaiting_purchase_order: 0,
      awaiting_confirmation: 0,
      awaiting_shipment: 1,
      in_transit: 1,
      awaiting_receipt: 1,
      awaiting_invoice: 1,
      held_for_receipt: 1,
      awaiting_match: 0,
      awaiting_posting: 0,
    });
    const all = (label: 'under_1d' | '1d_to_3d' | '3d_to_7d' | 'over_7d') => stages.reduce((sum, st) => sum + st.ageing[label], 0);
    // 6 h and 10 h under a day; 24, 25, 27 and 28 h between one and three days.
    assert.deepEqual([all('under_1d'), all('1d_to_3d'), all('3d_to_7d'), all('over_7d')], [2, 4, 0, 0]);
    const exception = stages[0]!;
    assert.deepEqual([exception.byPlant, exception.bySupplier, exception.byRegion], [{ P01: 1 }, { 'SUP-0042': 1 }, { NA: 1 }]);
  });

  it('lists the oldest lines of a stage first, as many as asked', () => {
    const s2 = new P2PScenario();
    for (const [po, hours] of [['X', 0], ['Y', 5], ['Z', 2]] as const) {
      s2.now = at(hours);
      s2.release([{ line: 10, quantity: '1', unitPrice: '1.00' }], 'USD', `PO-${po}`);
    }
    const open = [...s2.lines.keys()].map((key) => s2.lines.get(key)!);
    const [waiting] = stuckStages(open, at(6), { oldest: 2 }).filter((st) => st.stage === 'awaiting_confirmation');
    assert.deepEqual(waiting?.oldest.map((w) => [w.poNumber, w.ageHours]), [['PO-X', 6], ['PO-Z', 4]]);
    assert.equal(waiting?.count, 3);
  });
});
