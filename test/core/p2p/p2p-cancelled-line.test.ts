// A PO line cancelled part-way, as accounts payable settles it (ADR 0064): the goods received
// before the cancellation were accrued and are owed; what was not received is not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HOUR, P2PScenario, PO } from '../../support/p2p-scenario.js';
import { stageOf } from '../../../src/core/p2p/p2p-state.js';
import { summarizeLine } from '../../../src/core/p2p/p2p-view.js';

const cancel = (s: P2PScenario) => s.advance(HOUR).send('po.cancelled', '/systems/erp-core', { poNumber: PO, lines: [10] });
const billing = (s: P2PScenario) => s.postings().filter((p) => p.kind !== 'grir_accrual' && p.kind !== 'reversal').map((p) => [p.kind, p.amount, p.invoiceNumber]);

function released(): P2PScenario {
  const s = new P2PScenario();
  s.release([{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
  s.confirm([{ line: 10, status: 'accepted' }]);
  return s;
}

describe('a PO line cancelled after part of it was received', () => {
  it('matches an invoice that comes after the cancellation for the goods received before it, and clears their GR/IR', () => {
    const s = released();
    s.advance(HOUR).receive('GR-1', [{ line: 10, quantity: '60' }]);
    cancel(s);
    s.advance(HOUR).invoice('INV-1', [{ line: 10, quantity: '60', unitPrice: '12.5000' }], { id: 'ap-1' });
    assert.deepEqual(s.exceptions(), []);
    assert.deepEqual(billing(s), [['ap_liability', '750.00', 'INV-1']]);
    const view = summarizeLine(s.line(10));
    assert.deepEqual(view.invoices.map((i) => [i.invoiceNumber, i.status]), [['INV-1', 'matched']]);
    assert.equal(view.openGrir, '0.00');
    assert.equal(stageOf(s.line(10)), 'cancelled');
    assert.deepEqual(s.replay(), s.live());
  });

  it('still stops an invoice that bills more than was received before the cancellation, and counts no goods received after it', () => {
    const s = released();
    s.advance(HOUR).receive('GR-1', [{ line: 10, quantity: '60' }]);
    cancel(s);
    s.advance(HOUR).receive('GR-2', [{ line: 10, quantity: '40' }]);
    s.advance(HOUR).invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
    assert.deepEqual(s.exceptions().map((e) => [e.code, e.receiptId ?? e.invoiceNumber]), [['cancelled_line_activity', 'GR-2'], ['cancelled_line_activity', 'INV-1']]);
    assert.deepEqual(billing(s), []);
    assert.equal(summarizeLine(s.line(10)).openGrir, '750.00');
    assert.deepEqual(s.replay(), s.live());
  });

  it('matches, in the order they came, the invoices held at the cancellation that the goods received before it cover', () => {
    const s = released();
    s.advance(HOUR).invoice('INV-A', [{ line: 10, quantity: '60', unitPrice: '12.5000' }], { id: 'ap-a' });
    s.advance(HOUR).invoice('INV-B', [{ line: 10, quantity: '40', unitPrice: '12.5000' }], { id: 'ap-b' });
    // 40 EA: INV-A (60) is short, and INV-B waits behind it.
    s.advance(HOUR).receive('GR-1', [{ line: 10, quantity: '40' }]);
    assert.deepEqual(summarizeLine(s.line(10)).invoices.map((i) => [i.invoiceNumber, i.status]), [['INV-A', 'held'], ['INV-B', 'held']]);
    cancel(s);
    // INV-A's goods will not come: it is stopped; INV-B bills what was received.
    assert.deepEqual(s.exceptions().map((e) => [e.code, e.invoiceNumber]), [['cancelled_line_activity', 'INV-A']]);
    assert.deepEqual(billing(s), [['ap_liability', '500.00', 'INV-B']]);
    assert.equal(summarizeLine(s.line(10)).openGrir, '0.00');
    assert.deepEqual(s.replay(), s.live());
  });

  it('resolves receipt_reversed_after_match when the credit memo for the goods sent back comes after the cancellation', () => {
    const s = released();
    s.advance(HOUR).receive('GR-1', [{ line: 10, quantity: '60' }]);
    s.advance(HOUR).invoice('INV-1', [{ line: 10, quantity: '60', unitPrice: '12.5000' }], { id: 'ap-1' });
    s.advance(HOUR).receive('GR-1R', [{ line: 10, quantity: '20', reversal: true }]);
    assert.deepEqual(s.exceptions().map((e) => e.code), ['receipt_reversed_after_match']);
    cancel(s);
    s.advance(HOUR).credit('CM-1', [{ line: 10, quantity: '20', unitPrice: '12.5000' }], { id: 'cm-1', invoiceNumber: 'INV-1' });
    assert.deepEqual(billing(s), [['ap_liability', '750.00', 'INV-1'], ['ap_liability', '-250.00', 'CM-1']]);
    const view = summarizeLine(s.line(10));
    assert.equal(view.openGrir, '0.00');
    assert.deepEqual(view.openExceptions, [], 'the line holds what it billed again');
    assert.deepEqual(s.replay(), s.live());
  });
});

describe('an invoice stopped at the cancellation, then credited by its supplier (ADR 0068)', () => {
  /** 40 EA received, INV-1 for 60 EA held for the rest, the line cancelled: INV-1 is stopped. */
  function stoppedAtCancellation(): P2PScenario {
    const s = released();
    s.advance(HOUR).receive('GR-1', [{ line: 10, quantity: '40' }]);
    s.advance(HOUR).invoice('INV-1', [{ line: 10, quantity: '60', unitPrice: '12.5000' }], { id: 'ap-1' });
    cancel(s);
    assert.deepEqual(s.exceptions().map((e) => [e.code, e.invoiceNumber]), [['cancelled_line_activity', 'INV-1']]);
    return s;
  }

  it('settles the invoice with a credit memo for all of it: its exception resolves itself, nothing is posted, the view says why', () => {
    const s = stoppedAtCancellation();
    s.advance(HOUR).credit('CM-1', [{ line: 10, quantity: '60', unitPrice: '12.5000' }], { id: 'cm-1', invoiceNumber: 'INV-1' });
    assert.deepEqual(s.exceptions().map((e) => e.code), ['cancelled_line_activity'], 'no credited_invoice_stopped');
    const resolved = s.derived('exception.resolved').map((e) => e.data as Record<string, unknown>);
    assert.deepEqual(resolved.map((r) => [r.code, r.resolution]), [['cancelled_line_activity', 'automatic']]);
    assert.match(String(resolved[0]?.reason), /credit memo CM-1 credits all 60 EA of invoice INV-1 \(750\.00 USD\)/);
    assert.deepEqual(billing(s), [], 'neither paid nor credited');
    const view = summarizeLine(s.line(10));
    assert.deepEqual(view.invoices.map((i) => [i.invoiceNumber, i.status, i.settledBy]), [['INV-1', 'settled', 'CM-1']]);
    assert.deepEqual(view.credits.map((c) => [c.creditMemoNumber, c.status, c.settles]), [['CM-1', 'settled', 'INV-1']]);
    assert.deepEqual(view.openExceptions, []);
    assert.equal(view.quantities.stopped, undefined, 'a settled invoice is not waiting for AP');
    assert.equal(view.quantities.invoiced, '0');
    // The 40 EA received before the cancellation are still owed, uninvoiced: GR/IR keeps them.
    assert.equal(view.openGrir, '500.00');
    assert.deepEqual(s.replay(), s.live());
  });

  it('keeps a partial credit memo to AP: the invoice is still partly claimed (credited_invoice_stopped)', () => {
    const s = stoppedAtCancellation();
    s.advance(HOUR).credit('CM-1', [{ line: 10, quantity: '20', unitPrice: '12.5000' }], { id: 'cm-1', invoiceNumber: 'INV-1' });
    assert.deepEqual(s.exceptions().map((e) => e.code), ['cancelled_line_activity', 'credited_invoice_stopped']);
    assert.deepEqual(billing(s), []);
    assert.deepEqual(summarizeLine(s.line(10)).invoices.map((i) => i.status), ['exception']);
    assert.deepEqual(s.replay(), s.live());
  });

  it('does not settle the invoice with a credit memo for all its quantity at another price', () => {
    const s = stoppedAtCancellation();
    s.advance(HOUR).credit('CM-1', [{ line: 10, quantity: '60', unitPrice: '12.4000' }], { id: 'cm-1', invoiceNumber: 'INV-1' });
    assert.deepEqual(s.exceptions().map((e) => e.code), ['cancelled_line_activity', 'credited_invoice_stopped']);
    assert.deepEqual(s.replay(), s.live());
  });

  it('settles, on an open line, an invoice stopped by the match: a credit memo for all of it at its (wrong) price', () => {
    const s = released();
    s.advance(HOUR).receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.advance(HOUR).invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '13.5000' }], { id: 'ap-1' });
    assert.deepEqual(s.exceptions().map((e) => e.code), ['price_variance']);
    s.advance(HOUR).credit('CM-1', [{ line: 10, quantity: '100', unitPrice: '13.5000' }], { id: 'cm-1', invoiceNumber: 'INV-1' });
    assert.deepEqual(s.exceptions().map((e) => e.code), ['price_variance'], 'the credit memo is not stopped for the price it takes back');
    assert.deepEqual(billing(s), []);
    const view = summarizeLine(s.line(10));
    assert.deepEqual(view.openExceptions, []);
    assert.deepEqual(view.invoices.map((i) => [i.status, i.settledBy]), [['settled', 'CM-1']]);
    // The goods are still owed: the line waits for the supplier's corrected invoice.
    assert.equal(view.stage, 'received');
    assert.equal(view.openGrir, '1250.00');
    assert.deepEqual(s.replay(), s.live());
  });
});
