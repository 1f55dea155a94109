// Invoices a PO line has not settled yet, as an AP clerk follows them: held invoices take the goods
// in the order they came, a PO revision weighs the open invoices again, and goods received within
// the over-delivery tolerance may be billed (ADR 0050).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY, HOUR, P2PScenario } from '../../support/p2p-scenario.js';
import { openGrirOf, stageOf } from '../../../src/core/p2p/p2p-state.js';

const matchedInvoices = (s: P2PScenario) => s.derived('invoice.matched').map((e) => (e.data as { invoiceNumber: string }).invoiceNumber);
const statuses = (s: P2PScenario) => Object.values(s.line(10).invoices).sort((a, b) => a.seq - b.seq).map((i) => `${i.invoiceNumber}:${i.status}`);

function released(quantity = '100', unitPrice = '12.5000', settings = {}): P2PScenario {
  const s = new P2PScenario(settings);
  s.release([{ line: 10, quantity, unitPrice }]);
  s.confirm([{ line: 10, status: 'accepted' }]);
  return s;
}

describe('held invoices take the goods in the order they came', () => {
  it('matches the earliest held invoice first: a later, smaller one does not take the goods the first one waits for', () => {
    const s = released();
    s.advance(HOUR).invoice('INV-A', [{ line: 10, quantity: '60', unitPrice: '12.5000' }]);
    s.advance(HOUR).invoice('INV-B', [{ line: 10, quantity: '40', unitPrice: '12.5000' }]);
    assert.deepEqual(statuses(s), ['INV-A:held', 'INV-B:held']);
    // 50 EA cover neither INV-A (60) nor INV-B behind it.
    s.advance(HOUR).receive('GR-1', [{ line: 10, quantity: '50' }]);
    assert.deepEqual(matchedInvoices(s), []);
    // 60 EA are what INV-A bills: it matches.
    s.advance(HOUR).receive('GR-2', [{ line: 10, quantity: '10' }]);
    assert.deepEqual(matchedInvoices(s), ['INV-A']);
    s.advance(HOUR).receive('GR-3', [{ line: 10, quantity: '40' }]);
    assert.deepEqual(matchedInvoices(s), ['INV-A', 'INV-B']);
    s.advance(6 * DAY);
    assert.deepEqual(s.exceptions(), []);
    assert.equal(stageOf(s.line(10)), 'posted');
    assert.deepEqual(s.replay(), s.live());
  });

  it('holds a new invoice behind one held before it, and tells AP in receipt_missing what is ahead of it', () => {
    const s = released();
    s.advance(HOUR).receive('GR-1', [{ line: 10, quantity: '50' }]);
    s.advance(HOUR).invoice('INV-A', [{ line: 10, quantity: '60', unitPrice: '12.5000' }]);
    s.advance(HOUR).invoice('INV-B', [{ line: 10, quantity: '40', unitPrice: '12.5000' }]);
    assert.deepEqual(statuses(s), ['INV-A:held', 'INV-B:held']);
    s.advance(5 * DAY + HOUR);
    const missing = s.exceptions('receipt_missing');
    assert.deepEqual(missing.map((e) => e.invoiceNumber), ['INV-A', 'INV-B']);
    assert.match(String(missing[1]?.message), /behind invoice INV-A, held before it: 100 EA must be received for it to match/);
    s.advance(HOUR).receive('GR-2', [{ line: 10, quantity: '10' }]);
    assert.deepEqual(matchedInvoices(s), ['INV-A']);
    assert.deepEqual(s.replay(), s.live());
  });
});

describe('goods received within the over-delivery tolerance', () => {
  const tolerant = () => released('100', '12.5000', { tolerances: { overReceiptPercent: '2' } });

  it('matches an invoice for 102 EA received on a PO of 100 that allows 2% over-delivery, and clears GR/IR', () => {
    const s = tolerant();
    s.advance(HOUR).receive('GR-1', [{ line: 10, quantity: '102' }]);
    assert.deepEqual(s.exceptions(), []);
    s.advance(HOUR).invoice('INV-1', [{ line: 10, quantity: '102', unitPrice: '12.5000' }]);
    assert.deepEqual(s.exceptions(), []);
    assert.deepEqual(matchedInvoices(s), ['INV-1']);
    assert.deepEqual(s.postings().map((p) => [p.kind, p.amount]), [['grir_accrual', '1275.00'], ['ap_liability', '1275.00']]);
    assert.equal(openGrirOf(s.line(10)).toFixed(), '0');
    assert.equal(stageOf(s.line(10)), 'posted');
  });

  it('holds such an invoice that comes before the goods, as it would hold one within the ordered quantity, and matches it when they come', () => {
    const s = tolerant();
    s.advance(HOUR).invoice('INV-1', [{ line: 10, quantity: '102', unitPrice: '12.5000' }]);
    assert.deepEqual(statuses(s), ['INV-1:held']);
    s.advance(HOUR).receive('GR-1', [{ line: 10, quantity: '102' }]);
    assert.deepEqual(matchedInvoices(s), ['INV-1']);
    assert.deepEqual(s.exceptions(), []);
  });

  it('still raises quantity_variance for billing beyond the over-delivery tolerance, naming what may be billed', () => {
    const s = tolerant();
    s.advance(HOUR).receive('GR-1', [{ line: 10, quantity: '103' }]);
    const invoice = s.advance(HOUR).invoice('INV-1', [{ line: 10, quantity: '103', unitPrice: '12.5000' }]);
    const [variance] = s.exceptions('quantity_variance');
    assert.equal(variance?.message, 'invoice INV-1 brings the billed quantity to 103 EA, more than the 100 ordered and the 2% over-delivery allowed (102)');
    assert.deepEqual(variance?.details, { ref: 'INV-1', invoiceEventId: invoice.event.id, blocksInvoice: true, billed: '103', ordered: '100', billable: '102', tolerance: '0' });
    assert.deepEqual(s.exceptions('over_receipt').length, 1);
  });

  it('keeps the ordered quantity as the limit where the manifest allows no over-delivery', () => {
    const s = released();
    s.advance(HOUR).receive('GR-1', [{ line: 10, quantity: '101' }]);
    s.advance(HOUR).invoice('INV-1', [{ line: 10, quantity: '101', unitPrice: '12.5000' }]);
    assert.equal(s.exceptions('quantity_variance')[0]?.message, 'invoice INV-1 brings the billed quantity to 101 EA, more than the 100 ordered');
  });
});
