// A credit memo follows its invoice's fate (ADR 0064): stopped with it, it is released with it when
// a PO revision releases the invoice, as an AP clerk expects (the supplier sent both to be paid net).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HOUR, P2PScenario } from '../../support/p2p-scenario.js';
import { summarizeLine } from '../../../src/core/p2p/p2p-view.js';

const codes = (s: P2PScenario, kind: 'exception.raised' | 'exception.resolved') => s.derived(kind).map((e) => (e.data as { code: string; invoiceNumber?: string }).code);
const credits = (s: P2PScenario) => summarizeLine(s.line(10)).credits.map((c) => [c.creditMemoNumber, c.status, c.waitingFor]);
const billing = (s: P2PScenario) => s.postings().filter((p) => p.kind !== 'grir_accrual').map((p) => [p.kind, p.amount, p.invoiceNumber]);

function released(): P2PScenario {
  const s = new P2PScenario();
  s.release([{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
  s.confirm([{ line: 10, status: 'accepted' }]);
  return s;
}

/** INV-1 bills 120 EA of a PO for 100 (quantity_variance); CM-1 takes 20 of them back, and is stopped with it. */
function overBilledAndCredited(received: string): P2PScenario {
  const s = released();
  s.advance(HOUR).receive('GR-1', [{ line: 10, quantity: received }]);
  s.advance(HOUR).invoice('INV-1', [{ line: 10, quantity: '120', unitPrice: '12.5000' }], { id: 'ap-1' });
  s.advance(HOUR).credit('CM-1', [{ line: 10, quantity: '20', unitPrice: '12.5000' }], { id: 'cm-1', invoiceNumber: 'INV-1' });
  assert.deepEqual(codes(s, 'exception.raised').filter((c) => c !== 'over_receipt'), ['quantity_variance', 'credited_invoice_stopped']);
  assert.deepEqual(credits(s), [['CM-1', 'exception', undefined]]);
  return s;
}

describe('a credit memo stopped with its invoice follows it when a PO revision releases the invoice', () => {
  it('is applied right after the invoice the revision matches, and its credited_invoice_stopped resolves itself', () => {
    const s = overBilledAndCredited('120');
    s.advance(HOUR).change(1, [{ line: 10, quantity: '120', unitPrice: '12.5000' }]);
    assert.deepEqual(billing(s), [['ap_liability', '1500.00', 'INV-1'], ['ap_liability', '-250.00', 'CM-1']]);
    const resolved = s.derived('exception.resolved').map((e) => e.data as { code: string; reason: string; resolution: string });
    assert.deepEqual(resolved.map((r) => [r.code, r.resolution]).sort(), [['credited_invoice_stopped', 'automatic'], ['over_receipt', 'automatic'], ['quantity_variance', 'automatic']]);
    assert.match(resolved.find((r) => r.code === 'credited_invoice_stopped')?.reason ?? '', /PO revision 1 .*: invoice INV-1 is within the match now; credit memo CM-1 follows it/);
    const view = summarizeLine(s.line(10));
    assert.deepEqual(credits(s), [['CM-1', 'applied', undefined]]);
    assert.deepEqual(view.openExceptions, []);
    assert.equal(view.openGrir, '250.00', '20 EA received and not billed once the credit memo took them back');
    assert.deepEqual(s.replay(), s.live());
  });

  it('waits with the invoice the revision holds for its goods, and is applied when they come', () => {
    const s = overBilledAndCredited('60');
    s.advance(HOUR).change(1, [{ line: 10, quantity: '120', unitPrice: '12.5000' }]);
    assert.deepEqual(summarizeLine(s.line(10)).invoices.map((i) => [i.invoiceNumber, i.status]), [['INV-1', 'held']]);
    assert.deepEqual(credits(s), [['CM-1', 'waiting', 'INV-1']]);
    assert.deepEqual(summarizeLine(s.line(10)).openExceptions, []);
    // 100 EA received: what INV-1 bills net of CM-1.
    s.advance(HOUR).receive('GR-2', [{ line: 10, quantity: '40' }]);
    assert.deepEqual(billing(s), [['ap_liability', '1500.00', 'INV-1'], ['ap_liability', '-250.00', 'CM-1']]);
    assert.equal(summarizeLine(s.line(10)).openGrir, '0.00');
    assert.deepEqual(s.replay(), s.live());
  });

  it('lets the invoice match at once net of it when the goods received cover that', () => {
    const s = overBilledAndCredited('100');
    s.advance(HOUR).change(1, [{ line: 10, quantity: '120', unitPrice: '12.5000' }]);
    assert.deepEqual(s.derived('invoice.held'), [], '120 billed less 20 credited: the 100 received cover it');
    assert.deepEqual(billing(s), [['ap_liability', '1500.00', 'INV-1'], ['ap_liability', '-250.00', 'CM-1']]);
    assert.equal(summarizeLine(s.line(10)).openGrir, '0.00');
    assert.deepEqual(summarizeLine(s.line(10)).openExceptions, []);
    assert.deepEqual(s.replay(), s.live());
  });

  it('is released with an invoice stopped for the same price: both follow the price the ERP agreed', () => {
    const s = released();
    s.advance(HOUR).receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.advance(HOUR).invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '13.5000' }], { id: 'ap-1' });
    s.advance(HOUR).credit('CM-1', [{ line: 10, quantity: '10', unitPrice: '13.5000' }], { id: 'cm-1', invoiceNumber: 'INV-1' });
    assert.deepEqual(s.exceptions().map((e) => [e.code, e.invoiceNumber]), [['price_variance', 'INV-1'], ['price_variance', 'CM-1']]);
    s.advance(HOUR).change(1, [{ line: 10, quantity: '100', unitPrice: '13.5000' }]);
    assert.deepEqual(billing(s), [['ap_liability', '1350.00', 'INV-1'], ['price_variance', '100.00', 'INV-1'], ['ap_liability', '-135.00', 'CM-1'], ['price_variance', '-10.00', 'CM-1']]);
    assert.deepEqual(credits(s), [['CM-1', 'applied', undefined]]);
    assert.deepEqual(summarizeLine(s.line(10)).openExceptions, []);
    assert.equal(summarizeLine(s.line(10)).openGrir, '125.00');
    assert.deepEqual(s.replay(), s.live());
  });

  it('is stopped again when a later revision stops its invoice again', () => {
    const s = overBilledAndCredited('60');
    s.advance(HOUR).change(1, [{ line: 10, quantity: '120', unitPrice: '12.5000' }]);
    assert.deepEqual(credits(s), [['CM-1', 'waiting', 'INV-1']]);
    s.advance(HOUR).change(2, [{ line: 10, quantity: '90', unitPrice: '12.5000' }]);
    assert.deepEqual(summarizeLine(s.line(10)).invoices.map((i) => [i.invoiceNumber, i.status]), [['INV-1', 'exception']]);
    assert.deepEqual(credits(s), [['CM-1', 'exception', undefined]]);
    assert.deepEqual(summarizeLine(s.line(10)).openExceptions.map((e) => e.code).sort(), ['credited_invoice_stopped', 'quantity_variance']);
    assert.deepEqual(s.replay(), s.live());
  });

  it('stays stopped where AP resolved its exception by hand, and when the revision stops the invoice for another reason', () => {
    const s = overBilledAndCredited('120');
    const [stopped] = s.exceptions('credited_invoice_stopped');
    s.send('exception.resolved', '/millrace', { exceptionId: stopped?.exceptionId, code: 'credited_invoice_stopped', resolvedBy: 'ap-clerk', reason: 'netted in the ERP', resolution: 'manual', workflow: 'p2p', poNumber: '4500012345', line: 10 });
    s.advance(HOUR).change(1, [{ line: 10, quantity: '120', unitPrice: '12.5000' }]);
    assert.deepEqual(billing(s), [['ap_liability', '1500.00', 'INV-1']]);
    assert.deepEqual(credits(s), [['CM-1', 'exception', undefined]]);
    assert.deepEqual(s.replay(), s.live());

    const t = overBilledAndCredited('120');
    t.advance(HOUR).change(1, [{ line: 10, quantity: '120', unitPrice: '14.0000' }]);
    assert.deepEqual(billing(t), []);
    assert.deepEqual(credits(t), [['CM-1', 'exception', undefined]]);
    assert.deepEqual(codes(t, 'exception.resolved').sort(), ['over_receipt', 'quantity_variance']);
    assert.deepEqual(t.replay(), t.live());
  });
});
