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
