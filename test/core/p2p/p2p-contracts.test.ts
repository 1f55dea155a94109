// The workflow's derived events keep the hub's own contracts: every event it appends to the
// log (and delivers to subscribers) passes the envelope and the contract of its type, checked
// here with the shipped contracts themselves, on stories whose ids run to the contracts' bounds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadContractSet } from '../../../src/adapters/index.js';
import { ContractRegistry } from '../../../src/core/index.js';
import { lineFromJson } from '../../../src/core/p2p/p2p-state.js';
import { summarizeLine } from '../../../src/core/p2p/p2p-view.js';
import { DAY, HOUR, P2PScenario, PO } from '../../support/p2p-scenario.js';

const registry = new ContractRegistry(loadContractSet(fileURLToPath(new URL('../../../contracts', import.meta.url))));

/** Every derived event of the story (and with `inputs`, every event) that its contract refuses, with the pointers it fails at. */
function violations(s: P2PScenario, inputs = false): { type: string; id: string; pointers: string[] }[] {
  return s.log
    .filter((stored) => inputs || stored.event.source === '/millrace')
    .flatMap(({ event }) => {
      const check = registry.check(event);
      return check.ok ? [] : [{ type: event.type, id: event.id, pointers: check.violations.map((v) => `${v.pointer} ${v.message}`) }];
    });
}

// Identifiers as long as the contracts allow (64 characters each).
const LONG_SUPPLIER = `SUP-${'7'.repeat(60)}`;
const OTHER_SUPPLIER = `SUP-${'8'.repeat(60)}`;
const LONG_INVOICE = `INV-2026-${'0'.repeat(54)}1`;

describe('derived events and their contracts', () => {
  it("keep the 64-character refs of sla.breached when a second supplier's invoice with the same long number is held and its hold runs out", () => {
    assert.equal(LONG_SUPPLIER.length, 64);
    assert.equal(LONG_INVOICE.length, 64);
    const s = new P2PScenario();
    s.send('po.released', '/systems/erp-core', {
      poNumber: PO,
      supplierId: LONG_SUPPLIER,
      buyerPlant: 'P01',
      currency: 'USD',
      lines: [{ line: 10, itemId: 'ITM-10023', quantity: '100', uom: 'EA', unitPrice: '12.5000', needBy: '2026-03-16' }],
    });
    s.confirm([{ line: 10, status: 'accepted' }]);
    s.receive('GR-1', [{ line: 10, quantity: '40' }]);
    // Another supplier's invoice with the number comes first and keeps the bare number; the PO
    // supplier's own is told apart by its supplier, and waits for the rest of the goods.
    s.invoice(LONG_INVOICE, [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-other', supplierId: OTHER_SUPPLIER });
    s.invoice(LONG_INVOICE, [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-own', supplierId: LONG_SUPPLIER });
    assert.equal(s.derived('invoice.held').length, 1);
    s.advance(5 * DAY + HOUR);
    assert.deepEqual(s.exceptions().map((e) => e.code), ['supplier_mismatch', 'receipt_missing']);
    assert.deepEqual(s.derived('sla.breached').map((e) => (e.data as { sla: string }).sla), ['invoice_hold']);
    s.receive('GR-2', [{ line: 10, quantity: '60' }]);
    assert.deepEqual(s.derived('invoice.matched').map((e) => (e.data as { supplierId: string }).supplierId), [LONG_SUPPLIER]);
    assert.deepEqual(s.derived('exception.resolved').map((e) => (e.data as { code: string }).code), ['receipt_missing']);
    assert.deepEqual(summarizeLine(s.line(10)).deadlines, []);
    assert.deepEqual(violations(s), []);
    assert.deepEqual(s.replay(), s.live());
  });

  it('keeps apart the invoices of three suppliers with one long number, two of whose refs hash alike, and each within 64 characters', () => {
    // FNV-1a gives `SUP-00139599:<number>` and `SUP-00322382:<number>` the same 32 bits (7a4775a2).
    const colliding = ['SUP-00139599', 'SUP-00322382'];
    const s = new P2PScenario();
    s.release([{ line: 10, quantity: '300', unitPrice: '12.5000' }]);
    s.receive('GR-1', [{ line: 10, quantity: '300' }]);
    s.invoice(LONG_INVOICE, [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-own' });
    for (const supplierId of colliding) s.invoice(LONG_INVOICE, [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: `ap-${supplierId}`, supplierId });
    const keys = Object.keys(s.line(10).invoices);
    assert.equal(new Set(keys).size, 3);
    assert.ok(keys.every((key) => [...key].length <= 64), keys.join(' '));
    assert.deepEqual(s.exceptions().map((e) => [e.code, (e.details as { invoiceSupplier?: string }).invoiceSupplier]), colliding.map((supplierId) => ['supplier_mismatch', supplierId]));
    // A resend of each is still caught as such.
    for (const supplierId of colliding) s.invoice(LONG_INVOICE, [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: `ap-${supplierId}-again`, supplierId });
    assert.deepEqual(s.exceptions('duplicate_invoice').map((e) => e.evidence), colliding.map((supplierId) => [`ap-${supplierId}-again`, `ap-${supplierId}`]));
    assert.deepEqual(violations(s), []);
    assert.deepEqual(s.replay(), s.live());
  });

  it('finds an invoice that an earlier version kept under its long `supplier:number`, and matches it once', () => {
    const s = new P2PScenario();
    s.release([{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    s.invoice(LONG_INVOICE, [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-other', supplierId: OTHER_SUPPLIER });
    s.invoice(LONG_INVOICE, [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-own' });
    // The line as the version before bounded refs stored it: the PO supplier's invoice and its hold under the long key.
    const bounded = Object.keys(s.line(10).invoices).find((key) => key !== LONG_INVOICE)!;
    const long = `SUP-0042:${LONG_INVOICE}`;
    const stored = JSON.stringify(s.line(10)).replaceAll(JSON.stringify(bounded).slice(1, -1), long);
    assert.ok(stored.includes(long));
    s.lines.load(lineFromJson(stored));
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    assert.deepEqual(s.derived('invoice.matched').map((e) => (e.data as { supplierId: string }).supplierId), ['SUP-0042']);
    assert.equal(s.line(10).invoices[long]?.status, 'matched');
    s.receive('GR-2', [{ line: 10, quantity: '1' }]);
    assert.deepEqual(s.postings('ap_liability').map((p) => p.amount), ['1250.00'], 'matched once, not again on the next receipt');
    s.invoice(LONG_INVOICE, [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-own-again' });
    assert.deepEqual(s.exceptions('duplicate_invoice').map((e) => e.evidence), [['ap-own-again', 'ap-own']]);
  });

  it('keep their contracts through goods reversed after the match and the credit memo that clears it, the credit memo keeping its own', () => {
    const s = new P2PScenario();
    s.release([{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    s.confirm([{ line: 10, status: 'accepted' }]);
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.6000' }]);
    s.receive('GR-1R', [{ line: 10, quantity: '30', reversal: true }]);
    s.credit('CM-1', [{ line: 10, quantity: '30', unitPrice: '12.6000' }], { invoiceNumber: 'INV-1' });
    s.credit('CM-2', [{ line: 10, quantity: '30', unitPrice: '12.6000' }], { currency: 'EUR' });
    assert.deepEqual(s.derived('finance.posting').map((e) => (e.data as { kind: string }).kind), ['grir_accrual', 'ap_liability', 'price_variance', 'reversal', 'ap_liability', 'price_variance']);
    assert.deepEqual(s.exceptions().map((e) => e.code), ['receipt_reversed_after_match', 'currency_mismatch']);
    assert.equal(s.derived('exception.resolved').length, 1);
    assert.deepEqual(violations(s, true), []);
  });

  it('keep their contracts when a credit memo with a 64-character number and a long event id waits past its SLA for the invoice it names', () => {
    const LONG_CREDIT = `CM-2026-${'0'.repeat(55)}1`;
    assert.equal(LONG_CREDIT.length, 64);
    const s = new P2PScenario();
    s.release([{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.credit(LONG_CREDIT, [{ line: 10, quantity: '20', unitPrice: '12.5000' }], { id: `ap-automation-${'x'.repeat(200)}`, invoiceNumber: LONG_INVOICE });
    s.advance(5 * HOUR);
    assert.deepEqual(s.derived('sla.breached').map((e) => (e.data as { sla: string; ref: string }).ref), [LONG_CREDIT]);
    assert.deepEqual(s.exceptions().map((e) => e.code), ['credited_invoice_missing']);
    s.invoice(LONG_INVOICE, [{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    assert.deepEqual(s.derived('exception.resolved').map((e) => (e.data as { code: string }).code), ['credited_invoice_missing']);
    assert.deepEqual(s.postings('ap_liability').map((p) => p.amount), ['1250.00', '-250.00']);
    assert.deepEqual(violations(s, true), []);
    assert.deepEqual(s.replay(), s.live());
  });

  it('keep their contracts for a shipment of boxes and eaches (receiving.expected line by line) and a reversal of more than was received', () => {
    const s = new P2PScenario({ unitConversions: { 'ITM-10023': { EA: '1', BOX: '12' } } });
    s.release([{ line: 10, quantity: '24', unitPrice: '1.00' }]);
    s.ship('ASN-1', [{ line: 10, quantity: '1', uom: 'BOX' }, { line: 10, quantity: '6', uom: 'EA' }], '2026-03-04T08:00:00.000Z');
    s.receive('GR-1', [{ line: 10, quantity: '6' }]);
    s.receive('GR-1R', [{ line: 10, quantity: '1', uom: 'BOX', reversal: true }]);
    assert.equal((s.derived('receiving.expected')[0]?.data as { lines: unknown[] }).lines.length, 2);
    assert.deepEqual(s.exceptions().map((e) => e.code), ['reversal_exceeds_receipt']);
    assert.deepEqual(violations(s, true), []);
  });
  it('keep their contracts when PO revisions stop a held invoice with a 64-character number, release it and hold it afresh (ADR 0050)', () => {
    const s = new P2PScenario();
    s.release([{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    s.advance(HOUR).invoice(LONG_INVOICE, [{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    s.advance(5 * DAY + HOUR).change(1, [{ line: 10, quantity: '80', unitPrice: '12.5000' }]);
    s.advance(HOUR).change(2, [{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    s.advance(6 * DAY).receive('GR-1', [{ line: 10, quantity: '100' }]);
    assert.deepEqual(s.derived('exception.raised').map((e) => (e.data as { code: string }).code).filter((c) => c !== 'late_confirmation'), ['receipt_missing', 'quantity_variance', 'receipt_missing']);
    assert.equal(s.derived('invoice.matched').length, 1);
    assert.deepEqual(violations(s), []);
  });
});
