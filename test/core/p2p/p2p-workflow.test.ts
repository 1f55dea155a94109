// Procure-to-pay rules as a buyer, an AP clerk and a plant receiving lead would check them.
// Each test: given a PO line, when events arrive, then the hub derives exactly this.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY, HOUR, P2PScenario, PO, receivedOnTwoLines, T0 } from '../../support/p2p-scenario.js';
import { lineFromJson, openGrirOf, stageOf } from '../../../src/core/p2p/p2p-state.js';
import { summarizeLine } from '../../../src/core/p2p/p2p-view.js';

const eta = (hours: number) => new Date(Date.parse(T0) + hours * HOUR).toISOString();

function released(quantity = '100', unitPrice = '12.5000', settings = {}) {
  const s = new P2PScenario(settings);
  s.release([{ line: 10, quantity, unitPrice }]);
  return s;
}

describe('supplier confirmation', () => {
  it('starts a 24-hour confirmation SLA when a PO line is released', () => {
    const s = released();
    const [started] = s.derived('sla.started');
    assert.deepEqual(started?.data, {
      sla: 'supplier_confirmation',
      workflow: 'p2p',
      owner: 'procurement',
      startedAt: T0,
      deadline: '2026-03-03T08:00:00.000Z',
      ref: 'rev0',
      poNumber: PO,
      line: 10,
      supplierId: 'SUP-0042',
      plant: 'P01',
    });
    assert.equal(stageOf(s.line(10)), 'released');
  });

  it('moves the line to confirmed when the supplier accepts in time, with no exception', () => {
    const s = released();
    s.advance(6 * HOUR).confirm([{ line: 10, status: 'accepted' }]);
    s.advance(2 * DAY);
    assert.equal(stageOf(s.line(10)), 'confirmed');
    assert.deepEqual(s.exceptions(), []);
    assert.deepEqual(s.derived('sla.breached'), []);
  });

  it('raises late_confirmation to procurement when 24 hours pass without a confirmation, and resolves it when the supplier confirms', () => {
    const s = released();
    s.advance(25 * HOUR);
    assert.equal(s.derived('sla.breached').length, 1);
    const [late] = s.exceptions('late_confirmation');
    assert.equal(late?.owner, 'procurement');
    s.advance(HOUR).confirm([{ line: 10, status: 'accepted' }]);
    const resolved = s.derived('exception.resolved').map((e) => e.data);
    assert.deepEqual(resolved.map((d) => [d.exceptionId, d.resolution]), [[late?.exceptionId, 'automatic']]);
  });

  it('raises late_confirmation for a confirmation dated after the deadline even before the timer fired', () => {
    const s = released();
    s.confirm([{ line: 10, status: 'accepted' }], PO);
    assert.deepEqual(s.exceptions('late_confirmation'), []);
    const t = new P2PScenario();
    t.release([{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    t.send('supplier.confirmation', '/partners/sup-0042', { poNumber: PO, supplierId: 'SUP-0042', lines: [{ line: 10, status: 'accepted' }] }, { time: eta(30) });
    assert.equal(t.exceptions('late_confirmation').length, 1);
  });

  it('uses the confirmation SLA from the manifest', () => {
    const s = released('100', '12.5000', { slas: { supplier_confirmation: '4h' } });
    s.advance(5 * HOUR);
    assert.equal(s.exceptions('late_confirmation').length, 1);
  });

  it('raises confirmation_mismatch when the supplier confirms another quantity, price or a date after need-by', () => {
    const s = released();
    s.advance(HOUR).confirm([{ line: 10, status: 'changed', quantity: '80', unitPrice: '13.0000', promisedDate: '2026-03-20' }]);
    const [mismatch] = s.exceptions('confirmation_mismatch');
    assert.equal(mismatch?.owner, 'procurement');
    assert.match(String(mismatch?.message), /confirmed 80 EA of the 100 ordered/);
    assert.match(String(mismatch?.message), /price of 13.0000 USD against 12.5000/);
    assert.match(String(mismatch?.message), /promised 2026-03-20, 4 day\(s\) after the need-by date 2026-03-16/);
  });

  it('raises confirmation_mismatch when the supplier rejects the line', () => {
    const s = released();
    s.confirm([{ line: 10, status: 'rejected' }]);
    assert.match(String(s.exceptions('confirmation_mismatch')[0]?.message), /rejected the line/);
    assert.equal(stageOf(s.line(10)), 'released');
  });

  it('accepts a confirmation within the manifest tolerances', () => {
    const s = released('100', '12.5000', { tolerances: { confirmationQuantityPercent: '5', confirmationPricePercent: '1', confirmationDateDays: 2 } });
    s.confirm([{ line: 10, status: 'changed', quantity: '96', unitPrice: '12.6000', promisedDate: '2026-03-18' }]);
    assert.deepEqual(s.exceptions(), []);
  });

  it('holds each delivery of a split confirmation (v2) to the need-by date', () => {
    const s = released();
    s.confirmV2([{ line: 10, status: 'accepted', schedule: [{ promisedDate: '2026-03-14', quantity: '60' }, { promisedDate: '2026-03-21', quantity: '40' }] }]);
    assert.deepEqual(s.exceptions('confirmation_mismatch').map((e) => e.message), [
      `supplier SUP-0042 promised 40 EA on 2026-03-21, 5 day(s) after the need-by date 2026-03-16 on PO ${PO} line 10`,
    ]);
    assert.deepEqual(s.line(10).confirmation?.schedule, [{ promisedDate: '2026-03-14', quantity: '60' }, { promisedDate: '2026-03-21', quantity: '40' }]);
  });

  it('takes the scheduled deliveries as the confirmed quantity when the line states none', () => {
    const s = released();
    s.confirmV2([{ line: 10, status: 'changed', schedule: [{ promisedDate: '2026-03-10', quantity: '60' }, { promisedDate: '2026-03-16', quantity: '30' }] }]);
    assert.match(String(s.exceptions('confirmation_mismatch')[0]?.message), /confirmed 90 EA of the 100 ordered/);
    assert.equal(summarizeLine(s.line(10)).quantities.confirmed, '90');
  });

  it('raises confirmation_mismatch when the deliveries do not add up to the quantity confirmed', () => {
    const s = released();
    s.confirmV2([{ line: 10, status: 'accepted', quantity: '100', schedule: [{ promisedDate: '2026-03-10', quantity: '60' }, { promisedDate: '2026-03-16', quantity: '30' }] }]);
    assert.deepEqual(s.exceptions('confirmation_mismatch').map((e) => e.message), [`supplier SUP-0042 scheduled 90 EA in deliveries but confirmed 100 on PO ${PO} line 10`]);
  });

  it('accepts a split confirmation that delivers everything by the need-by date', () => {
    const s = released();
    s.confirmV2([{ line: 10, status: 'accepted', schedule: [{ promisedDate: '2026-03-10', quantity: '60' }, { promisedDate: '2026-03-16', quantity: '40' }] }]);
    assert.deepEqual(s.exceptions(), []);
    assert.equal(stageOf(s.line(10)), 'confirmed');
  });

  it('reads a v1 and a v2 confirmation of the same facts the same way, live and on replay', () => {
    const v1 = released();
    v1.confirm([{ line: 10, status: 'changed', quantity: '80', promisedDate: '2026-03-20' }]);
    const v2 = released();
    v2.confirmV2([{ line: 10, status: 'changed', quantity: '80', schedule: [{ promisedDate: '2026-03-20' }] }]);
    assert.deepEqual(v2.live(), v1.live());
    assert.deepEqual(v2.replay(), v1.replay());
    assert.deepEqual(v1.replay(), v1.live());
  });

  it('reads a line stored before v2 (one promised date) as a one-delivery schedule', () => {
    const s = released();
    s.confirmV2([{ line: 10, status: 'accepted', schedule: [{ promisedDate: '2026-03-20' }] }]);
    const { schedule: _schedule, ...confirmation } = s.line(10).confirmation!;
    const stored = JSON.stringify({ ...s.line(10), confirmation: { ...confirmation, promisedDate: '2026-03-20' } });
    assert.deepEqual(lineFromJson(stored), s.line(10));
  });

  it('re-opens confirmation when the ERP changes the PO (a new revision needs a new confirmation)', () => {
    const s = released();
    s.confirm([{ line: 10, status: 'accepted' }]);
    s.advance(2 * HOUR).send('po.changed', '/systems/erp-core', {
      poNumber: PO,
      supplierId: 'SUP-0042',
      buyerPlant: 'P01',
      currency: 'USD',
      revision: 1,
      lines: [{ line: 10, itemId: 'ITM-10023', quantity: '150', uom: 'EA', unitPrice: '12.5000', needBy: '2026-03-16' }],
    });
    assert.equal(stageOf(s.line(10)), 'released');
    assert.deepEqual(s.derived('sla.started').map((e) => (e.data as { ref: string }).ref), ['rev0', 'rev1']);
    s.advance(25 * HOUR);
    assert.equal(s.exceptions('late_confirmation').length, 1);
  });
});

describe('shipment to receipt', () => {
  it('tells the ship-to plant what to expect when the supplier dispatches (receiving.expected with ETA plus grace)', () => {
    const s = released();
    s.ship('ASN-1', [{ line: 10, quantity: '100' }], eta(48));
    const [expected] = s.derived('receiving.expected');
    assert.deepEqual(expected?.data, {
      shipmentId: 'ASN-1',
      plant: 'P01',
      supplierId: 'SUP-0042',
      eta: eta(48),
      expectedBy: eta(72),
      lines: [{ poNumber: PO, line: 10, quantity: '100', uom: 'EA' }],
    });
    assert.equal(stageOf(s.line(10)), 'shipped');
  });

  it('raises receipt_overdue to the plant receiving team when nothing is received by ETA plus grace, and resolves it on receipt', () => {
    const s = released();
    s.ship('ASN-1', [{ line: 10, quantity: '100' }], eta(48));
    s.advance(71 * HOUR);
    assert.deepEqual(s.exceptions('receipt_overdue'), []);
    s.advance(2 * HOUR);
    const [overdue] = s.exceptions('receipt_overdue');
    assert.equal(overdue?.owner, 'receiving-p01');
    assert.equal(overdue?.shipmentId, 'ASN-1');
    s.receive('GR-1', [{ line: 10, quantity: '100' }], 'ASN-1');
    assert.equal(s.derived('exception.resolved').length, 1);
  });

  it('moves the receipt deadline when logistics reports a new ETA', () => {
    const s = released();
    s.ship('ASN-1', [{ line: 10, quantity: '100' }], eta(48));
    s.advance(HOUR).send('shipment.milestone', '/systems/logistics', { shipmentId: 'ASN-1', milestone: 'delayed', at: s.now, eta: eta(96) });
    assert.deepEqual(s.derived('receiving.expected').map((e) => (e.data as { expectedBy: string }).expectedBy), [eta(72), eta(120)]);
    s.advance(80 * HOUR);
    assert.deepEqual(s.exceptions('receipt_overdue'), [], 'the old deadline no longer counts');
    s.advance(40 * HOUR);
    assert.equal(s.exceptions('receipt_overdue').length, 1);
  });
});

describe('a shipment with several items for one line', () => {
  const boxes = { unitConversions: { 'ITM-10023': { EA: '1', BOX: '12' } } };

  it('counts whole boxes and loose eaches each in its own unit, and tells the plant both as shipped', () => {
    const s = new P2PScenario(boxes);
    s.release([{ line: 10, quantity: '24', unitPrice: '1.00' }]);
    s.ship('ASN-1', [{ line: 10, quantity: '1', uom: 'BOX' }, { line: 10, quantity: '6', uom: 'EA' }], eta(48));
    assert.equal(summarizeLine(s.line(10)).quantities.shipped, '18');
    assert.deepEqual(s.exceptions(), []);
    assert.deepEqual((s.derived('receiving.expected')[0]?.data as { lines: unknown }).lines, [
      { poNumber: PO, line: 10, quantity: '1', uom: 'BOX' },
      { poNumber: PO, line: 10, quantity: '6', uom: 'EA' },
    ]);
    // The 18 EA received close the shipment as received, though the receipt names no ASN.
    s.receive('GR-1', [{ line: 10, quantity: '18' }]);
    s.advance(3 * DAY);
    assert.deepEqual(s.exceptions('receipt_overdue'), []);
    assert.deepEqual(s.replay(), s.live());
  });

  it('raises unit_of_measure_unknown, as for a receipt, when master data cannot convert one of the items, and counts none of them', () => {
    const s = new P2PScenario(boxes);
    s.release([{ line: 10, quantity: '24', unitPrice: '1.00' }]);
    s.ship('ASN-1', [{ line: 10, quantity: '1', uom: 'BOX' }, { line: 10, quantity: '1', uom: 'PAL' }], eta(48));
    assert.equal(summarizeLine(s.line(10)).quantities.shipped, '0');
    assert.deepEqual(s.exceptions().map((e) => [e.code, e.owner, e.shipmentId, e.message]), [
      ['unit_of_measure_unknown', 'master-data', 'ASN-1', 'shipment ASN-1 ships ITM-10023 in BOX and PAL; master data has no conversion of PAL to EA'],
    ]);
    assert.deepEqual(s.replay(), s.live());
  });

  it('converts each item of a shipment that came before the PO when the PO comes', () => {
    const s = new P2PScenario(boxes);
    s.ship('ASN-1', [{ line: 10, quantity: '1', uom: 'BOX' }, { line: 10, quantity: '6', uom: 'EA' }], eta(48));
    s.advance(HOUR).release([{ line: 10, quantity: '24', unitPrice: '1.00' }]);
    assert.equal(summarizeLine(s.line(10)).quantities.shipped, '18');
    assert.deepEqual(s.exceptions(), []);
    assert.deepEqual(s.replay(), s.live());
  });

  it('takes an updated ASN as it now stands: one unit again, or a unit master data cannot convert', () => {
    const s = new P2PScenario(boxes);
    s.release([{ line: 10, quantity: '24', unitPrice: '1.00' }]);
    s.ship('ASN-1', [{ line: 10, quantity: '1', uom: 'BOX' }, { line: 10, quantity: '6', uom: 'EA' }], eta(48));
    s.ship('ASN-1', [{ line: 10, quantity: '2', uom: 'BOX' }], eta(48));
    assert.equal(summarizeLine(s.line(10)).quantities.shipped, '24');
    assert.equal(s.line(10).shipments['ASN-1']?.parts, undefined);
    s.ship('ASN-1', [{ line: 10, quantity: '1', uom: 'PAL' }], eta(48));
    assert.equal(summarizeLine(s.line(10)).quantities.shipped, '0', 'not the 24 EA of the ASN before');
    assert.deepEqual(s.replay(), s.live());
  });
});

describe('goods receipt and GR/IR', () => {
  it('accrues GR/IR at the PO price for the net received quantity, to the cent', () => {
    const s = released('100', '12.3450');
    s.receive('GR-1', [{ line: 10, quantity: '37', rejectedQuantity: '2' }]);
    assert.deepEqual(s.postings(), [
      { postingId: s.postings()[0]?.postingId, kind: 'grir_accrual', amount: '432.08', currency: 'USD', poNumber: PO, line: 10, quantity: '35', unitPrice: '12.3450', receiptId: 'GR-1' },
    ]);
    assert.equal(openGrirOf(s.line(10)).toFixed(), '432.08');
    assert.equal(stageOf(s.line(10)), 'received');
  });

  it('posts partial receipts one by one', () => {
    const s = released();
    s.receive('GR-1', [{ line: 10, quantity: '40' }]);
    s.receive('GR-2', [{ line: 10, quantity: '60' }]);
    assert.deepEqual(s.postings('grir_accrual').map((p) => [p.receiptId, p.amount]), [
      ['GR-1', '500.00'],
      ['GR-2', '750.00'],
    ]);
  });

  it('accrues receipts of a fraction of a yen each so that the line adds up to the yen, and an invoice for all of them clears GR/IR to zero', () => {
    const s = new P2PScenario();
    s.send('po.released', '/systems/erp-core', { poNumber: 'PO-JPY', supplierId: 'SUP-0042', buyerPlant: 'P01', currency: 'JPY', lines: [{ line: 10, itemId: 'ITM-10023', quantity: '4', uom: 'EA', unitPrice: '12.5', needBy: '2026-03-16' }] });
    for (let i = 1; i <= 4; i += 1) s.receive(`GR-${i}`, [{ line: 10, quantity: '1', poNumber: 'PO-JPY' }]);
    assert.deepEqual(s.postings('grir_accrual').filter((p) => p.poNumber === 'PO-JPY').map((p) => p.amount), ['13', '12', '13', '12']);
    s.invoice('INV-1', [{ line: 10, quantity: '4', unitPrice: '12.5', poNumber: 'PO-JPY' }], { currency: 'JPY' });
    assert.equal(stageOf(s.line(10, 'PO-JPY')), 'posted');
    assert.equal(openGrirOf(s.line(10, 'PO-JPY')).toFixed(), '0');
    assert.deepEqual(s.replay(), s.live());
  });

  it('posts a negative reversal when a receipt is reversed', () => {
    const s = released();
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.receive('GR-1R', [{ line: 10, quantity: '30', reversal: true }]);
    assert.deepEqual(s.postings('reversal').map((p) => [p.amount, p.quantity]), [['-375.00', '-30']]);
    assert.equal(openGrirOf(s.line(10)).toFixed(), '875');
  });

  it('keeps the accrual at the price at receipt when the PO price changes afterwards, and books the invoice at the new price against it: the difference is price variance, GR/IR clears', () => {
    const s = released();
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.change(1, [{ line: 10, quantity: '100', unitPrice: '13.0000' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '13.0000' }]);
    assert.deepEqual(s.exceptions(), [], 'the invoice agrees with the PO as it stands');
    assert.deepEqual(s.postings().map((p) => [p.kind, p.amount]), [
      ['grir_accrual', '1250.00'],
      ['ap_liability', '1300.00'],
      ['price_variance', '50.00'],
    ]);
    assert.equal(openGrirOf(s.line(10)).toFixed(), '0');
    assert.equal(stageOf(s.line(10)), 'posted');
    assert.deepEqual(s.replay(), s.live());
  });

  it('clears goods accrued at two PO prices at their average, so that the invoices of the line leave no GR/IR', () => {
    const s = released();
    s.receive('GR-1', [{ line: 10, quantity: '50' }]);
    s.change(1, [{ line: 10, quantity: '100', unitPrice: '13.0000' }]);
    s.receive('GR-2', [{ line: 10, quantity: '50' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '60', unitPrice: '13.0000' }]);
    s.invoice('INV-2', [{ line: 10, quantity: '40', unitPrice: '13.0000' }]);
    assert.deepEqual(s.postings().map((p) => [p.kind, p.amount, p.receiptId ?? p.invoiceNumber]), [
      ['grir_accrual', '625.00', 'GR-1'],
      ['grir_accrual', '650.00', 'GR-2'],
      // 60 of the 100 accrued for 1275.00 (12.75 each) clear 765.00; the last 40 the remaining 510.00.
      ['ap_liability', '780.00', 'INV-1'],
      ['price_variance', '15.00', 'INV-1'],
      ['ap_liability', '520.00', 'INV-2'],
      ['price_variance', '10.00', 'INV-2'],
    ]);
    assert.equal(openGrirOf(s.line(10)).toFixed(), '0');
  });

  it('reverses a receipt at the value it was accrued at, not at a PO price changed since', () => {
    const s = released();
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.change(1, [{ line: 10, quantity: '100', unitPrice: '13.0000' }]);
    s.receive('GR-1R', [{ line: 10, quantity: '30', reversal: true }]);
    assert.deepEqual(s.postings('reversal').map((p) => p.amount), ['-375.00']);
    assert.equal(openGrirOf(s.line(10)).toFixed(), '875');
    s.invoice('INV-1', [{ line: 10, quantity: '70', unitPrice: '13.0000' }]);
    assert.deepEqual(s.postings().slice(2).map((p) => [p.kind, p.amount]), [
      ['ap_liability', '910.00'],
      ['price_variance', '35.00'],
    ]);
    assert.equal(openGrirOf(s.line(10)).toFixed(), '0');
  });

  it('clears GR/IR to the yen when a line accrued in fractions of a yen is billed by two invoices', () => {
    const s = new P2PScenario();
    s.release([{ line: 10, quantity: '4', unitPrice: '12.5' }], 'JPY');
    for (let i = 1; i <= 4; i += 1) s.receive(`GR-${i}`, [{ line: 10, quantity: '1' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '1', unitPrice: '12.5' }], { currency: 'JPY' });
    s.invoice('INV-2', [{ line: 10, quantity: '3', unitPrice: '12.5' }], { currency: 'JPY' });
    assert.equal(stageOf(s.line(10)), 'posted');
    assert.equal(openGrirOf(s.line(10)).toFixed(), '0');
  });

  it('raises over_receipt to plant receiving when more arrives than was ordered, beyond tolerance', () => {
    const s = released('100', '12.5000', { tolerances: { overReceiptPercent: '5' } });
    s.receive('GR-1', [{ line: 10, quantity: '104' }]);
    assert.deepEqual(s.exceptions('over_receipt'), []);
    s.receive('GR-2', [{ line: 10, quantity: '2' }]);
    const [over] = s.exceptions('over_receipt');
    assert.equal(over?.owner, 'receiving-p01');
    assert.equal(s.postings('grir_accrual').length, 2, 'the goods are there: they are still accrued');
  });

  it('converts a receipt in boxes to the PO unit with master data, and raises unit_of_measure_unknown without it', () => {
    const s = released('120', '2.0000', { unitConversions: { 'ITM-10023': { EA: '1', BOX: '12' } } });
    s.receive('GR-1', [{ line: 10, quantity: '5', uom: 'BOX' }]);
    assert.deepEqual(s.postings().map((p) => [p.quantity, p.amount]), [['60', '120.00']]);
    const t = released();
    t.receive('GR-1', [{ line: 10, quantity: '5', uom: 'BOX' }]);
    assert.equal(t.exceptions('unit_of_measure_unknown')[0]?.owner, 'master-data');
    assert.deepEqual(t.postings(), []);
  });

  it('counts twelve receipts of 1 EA as the 1 BOX ordered, and matches the invoice for that box at once', () => {
    const s = new P2PScenario({ unitConversions: { 'ITM-10023': { EA: '1', BOX: '12' } } });
    s.release([{ line: 10, quantity: '1', unitPrice: '120.00', uom: 'BOX' }]);
    for (let i = 1; i <= 12; i += 1) s.receive(`GR-${i}`, [{ line: 10, quantity: '1', uom: 'EA' }]);
    assert.equal(summarizeLine(s.line(10)).quantities.received, '1');
    s.invoice('INV-1', [{ line: 10, quantity: '1', unitPrice: '120.00', uom: 'BOX' }]);
    assert.deepEqual(s.derived('invoice.held'), []);
    assert.equal(s.derived('invoice.matched').length, 1);
    assert.equal(stageOf(s.line(10)), 'posted');
  });

  it('counts a receipt of whole boxes and loose eaches for one line each in its own unit', () => {
    const s = new P2PScenario({ unitConversions: { 'ITM-10023': { EA: '1', BOX: '12' } } });
    s.release([{ line: 10, quantity: '24', unitPrice: '1.00' }]);
    s.receive('GR-1', [{ line: 10, quantity: '1', uom: 'BOX' }, { line: 10, quantity: '8', uom: 'EA', rejectedQuantity: '2' }]);
    assert.deepEqual(s.postings().map((p) => [p.kind, p.quantity, p.amount]), [['grir_accrual', '18', '18.00']]);
    assert.deepEqual(s.exceptions(), []);
    assert.equal(summarizeLine(s.line(10)).quantities.rejected, '2');
    s.invoice('INV-1', [{ line: 10, quantity: '1', uom: 'BOX', unitPrice: '12.00' }, { line: 10, quantity: '6', unitPrice: '1.00' }]);
    assert.deepEqual(s.exceptions(), []);
    assert.deepEqual(s.postings('ap_liability').map((p) => [p.quantity, p.amount]), [['18', '18.00']]);
    assert.deepEqual(s.replay(), s.live());
  });

  it('converts each unit of a receipt and an invoice that came before the PO when the PO comes', () => {
    const s = new P2PScenario({ unitConversions: { 'ITM-10023': { EA: '1', BOX: '12' } } });
    s.receive('GR-1', [{ line: 10, quantity: '1', uom: 'BOX' }, { line: 10, quantity: '12', uom: 'EA' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '1', uom: 'BOX', unitPrice: '12.00' }, { line: 10, quantity: '12', unitPrice: '1.00' }]);
    s.advance(HOUR).release([{ line: 10, quantity: '24', unitPrice: '1.00' }]);
    assert.deepEqual(s.postings().map((p) => [p.kind, p.quantity, p.amount]), [['grir_accrual', '24', '24.00'], ['ap_liability', '24', '24.00']]);
    assert.deepEqual(s.exceptions(), []);
    assert.deepEqual(s.replay(), s.live());
  });

  it('takes 3 EA billed at 1.00 as the 1 PK3 ordered at 3.00, with no price tolerance at all', () => {
    const s = new P2PScenario({ tolerances: { pricePercent: '0' }, unitConversions: { 'ITM-10023': { EA: '1', PK3: '3' } } });
    s.release([{ line: 10, quantity: '1', unitPrice: '3.00', uom: 'PK3' }]);
    s.receive('GR-1', [{ line: 10, quantity: '3', uom: 'EA' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '3', unitPrice: '1.00', uom: 'EA' }]);
    assert.deepEqual(s.exceptions(), []);
    assert.deepEqual(s.postings().map((p) => [p.kind, p.amount]), [['grir_accrual', '3.00'], ['ap_liability', '3.00']]);
    assert.equal(stageOf(s.line(10)), 'posted');
  });
});

describe('goods reversed after the invoice matched', () => {
  /** 100 EA received and billed at 12.60 (PO 12.50, within tolerance), matched and posted; then 30 EA reversed. */
  function reversedAfterMatch() {
    const s = released();
    s.confirm([{ line: 10, status: 'accepted' }]);
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.6000' }], { id: 'ap-1' });
    assert.equal(stageOf(s.line(10)), 'posted');
    s.advance(HOUR).receive('GR-1R', [{ line: 10, quantity: '30', reversal: true }]);
    return s;
  }

  it('raises receipt_reversed_after_match to accounts payable, with GR/IR left open and why', () => {
    const s = reversedAfterMatch();
    assert.deepEqual(s.postings('reversal').map((p) => p.amount), ['-375.00']);
    const [reversed] = s.exceptions();
    assert.equal(reversed?.code, 'receipt_reversed_after_match');
    assert.equal(reversed?.owner, 'accounts-payable');
    assert.equal(reversed?.severity, 'high');
    assert.equal(reversed?.receiptId, 'GR-1R');
    const reversal = s.log.find((e) => e.event.type === 'goods.received' && e.event.data.receiptId === 'GR-1R')?.event.id;
    assert.deepEqual(reversed?.evidence, [reversal, 'ap-1']);
    assert.equal(
      reversed?.message,
      `receipt GR-1R reversed 30 EA on PO ${PO} line 10 after invoice INV-1 matched: 100 EA billed and matched, 70 received. ` +
        'The 30 EA invoiced but not received keep GR/IR at -375.00 USD until a credit memo from SUP-0042 takes them back or they are received again',
    );
    assert.deepEqual(reversed?.details, { ref: reversal, matched: '100', received: '70', notReceived: '30', openGrir: '-375.00' });
    // Standard accounting: the debit stays on GR/IR (invoiced, not received) until the credit memo or the goods.
    assert.equal(summarizeLine(s.line(10)).openGrir, '-375.00');
    assert.equal(stageOf(s.line(10)), 'matched');
    assert.deepEqual(s.replay(), s.live());
  });

  it("takes the quantity back on the supplier's credit memo at its price, clears GR/IR to zero and resolves the exception", () => {
    const s = reversedAfterMatch();
    s.advance(DAY).credit('CM-1', [{ line: 10, quantity: '30', unitPrice: '12.6000' }], { invoiceNumber: 'INV-1' });
    assert.deepEqual(s.postings().slice(4).map((p) => [p.kind, p.amount, p.quantity, p.invoiceNumber]), [
      ['ap_liability', '-378.00', '-30', 'CM-1'],
      ['price_variance', '-3.00', '-30', 'CM-1'],
    ]);
    assert.equal(openGrirOf(s.line(10)).toFixed(), '0');
    assert.deepEqual(s.derived('exception.resolved').map((e) => (e.data as { code: string; reason: string }).reason), ['the line holds what it billed again: 70 EA received, 70 matched']);
    assert.deepEqual(summarizeLine(s.line(10)).quantities, { ordered: '100', confirmed: '100', shipped: '0', received: '70', rejected: '0', invoiced: '70', matched: '70' });
    assert.deepEqual(summarizeLine(s.line(10)).credits, [{ creditMemoNumber: 'CM-1', invoiceNumber: 'INV-1', supplierId: 'SUP-0042', quantity: '30', unitPrice: '12.6', status: 'applied', at: s.now }]);
    assert.equal(stageOf(s.line(10)), 'matched', '30 EA are still on order');
    // The 30 come after all, with their invoice: the line is posted, GR/IR zero.
    s.receive('GR-2', [{ line: 10, quantity: '30' }]);
    s.invoice('INV-2', [{ line: 10, quantity: '30', unitPrice: '12.5000' }]);
    assert.equal(stageOf(s.line(10)), 'posted');
    assert.equal(openGrirOf(s.line(10)).toFixed(), '0');
    assert.deepEqual(s.exceptions().map((e) => e.code), ['receipt_reversed_after_match']);
    assert.deepEqual(s.replay(), s.live());
  });

  it('resolves it when the goods are received again, with GR/IR back to zero', () => {
    const s = reversedAfterMatch();
    s.receive('GR-2', [{ line: 10, quantity: '30' }]);
    assert.deepEqual(s.derived('exception.resolved').map((e) => (e.data as { code: string }).code), ['receipt_reversed_after_match']);
    assert.equal(openGrirOf(s.line(10)).toFixed(), '0');
    assert.equal(stageOf(s.line(10)), 'posted');
  });

  it('raises nothing for a reversal of goods not billed yet, nor within the quantity tolerance', () => {
    const s = released();
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '50', unitPrice: '12.5000' }]);
    s.receive('GR-1R', [{ line: 10, quantity: '30', reversal: true }]);
    assert.deepEqual(s.exceptions(), []);
    assert.equal(openGrirOf(s.line(10)).toFixed(), '250');
    const t = released('100', '12.5000', { tolerances: { quantity: '1' } });
    t.receive('GR-1', [{ line: 10, quantity: '100' }]);
    t.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    t.receive('GR-1R', [{ line: 10, quantity: '1', reversal: true }]);
    assert.deepEqual(t.exceptions(), []);
    t.receive('GR-2R', [{ line: 10, quantity: '1', reversal: true }]);
    assert.deepEqual(t.exceptions().map((e) => [e.code, e.receiptId]), [['receipt_reversed_after_match', 'GR-2R']]);
  });

  it('stops a credit memo that takes back more than was matched, or comes from another supplier, or twice, and posts nothing for it', () => {
    const s = reversedAfterMatch();
    s.credit('CM-1', [{ line: 10, quantity: '101', unitPrice: '12.6000' }], { id: 'cm-1' });
    s.credit('CM-9', [{ line: 10, quantity: '30', unitPrice: '12.6000' }], { id: 'cm-9', supplierId: 'SUP-0999' });
    s.credit('CM-2', [{ line: 10, quantity: '30', unitPrice: '12.6000' }], { id: 'cm-2' });
    s.credit('CM-2', [{ line: 10, quantity: '30', unitPrice: '12.6000' }], { id: 'cm-2-rescanned' });
    assert.deepEqual(s.exceptions().map((e) => [e.code, e.owner, e.invoiceNumber]), [
      ['receipt_reversed_after_match', 'accounts-payable', undefined],
      ['quantity_variance', 'accounts-payable', 'CM-1'],
      ['supplier_mismatch', 'accounts-payable', 'CM-9'],
      ['duplicate_invoice', 'accounts-payable', 'CM-2'],
    ]);
    assert.equal(s.exceptions('quantity_variance')[0]?.message, 'credit memo CM-1 credits 101 EA, more than the 100 billed and matched on the line');
    assert.equal(s.exceptions('duplicate_invoice')[0]?.message, 'credit memo CM-2 from SUP-0042 was received again as a new document; nothing was posted for the copy');
    assert.deepEqual(s.postings('ap_liability').map((p) => [p.invoiceNumber, p.amount]), [['INV-1', '1260.00'], ['CM-2', '-378.00']]);
    assert.deepEqual(Object.values(s.line(10).credits).map((c) => [c.creditMemoNumber, c.status]), [['CM-1', 'exception'], ['CM-9', 'exception'], ['CM-2', 'applied']]);
    assert.equal(openGrirOf(s.line(10)).toFixed(), '0');
    assert.deepEqual(s.replay(), s.live());
  });

  it('applies a credit memo that came before the PO once the PO arrives: the 30 EA it takes back wait for a new invoice', () => {
    const s = new P2PScenario();
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    s.credit('CM-1', [{ line: 10, quantity: '30', unitPrice: '12.5000' }]);
    s.advance(HOUR).release([{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    assert.deepEqual(s.postings().map((p) => [p.kind, p.amount]), [
      ['grir_accrual', '1250.00'],
      ['ap_liability', '1250.00'],
      ['ap_liability', '-375.00'],
    ]);
    assert.deepEqual(s.exceptions(), []);
    assert.equal(openGrirOf(s.line(10)).toFixed(), '375');
    assert.equal(stageOf(s.line(10)), 'matched');
    assert.deepEqual(s.replay(), s.live());
  });
});

describe('a reversal of more than the line holds', () => {
  const eventIdOf = (s: P2PScenario, receiptId: string) => s.log.find((e) => e.event.type === 'goods.received' && e.event.data.receiptId === receiptId)?.event.id;

  it('applies none of it: received and GR/IR stay as they were, and plant receiving gets reversal_exceeds_receipt with what the line held', () => {
    const s = released();
    s.receive('GR-1', [{ line: 10, quantity: '20' }]);
    s.advance(HOUR).receive('GR-1R', [{ line: 10, quantity: '30', reversal: true }]);
    assert.deepEqual(s.postings('reversal'), []);
    assert.equal(summarizeLine(s.line(10)).quantities.received, '20');
    assert.equal(summarizeLine(s.line(10)).openGrir, '250.00');
    assert.equal(stageOf(s.line(10)), 'received');
    const [refused] = s.exceptions();
    assert.equal(refused?.code, 'reversal_exceeds_receipt');
    assert.equal(refused?.owner, 'receiving-p01');
    assert.equal(refused?.receiptId, 'GR-1R');
    assert.equal(refused?.plant, 'P01');
    assert.deepEqual(refused?.evidence, [eventIdOf(s, 'GR-1R'), eventIdOf(s, 'GR-1')]);
    assert.equal(
      refused?.message,
      `receipt GR-1R reverses 30 EA on PO ${PO} line 10, which held 20 EA received when it came: the reversal was not applied ` +
        '(received and GR/IR are as before it). Correct it in the WMS and send it again for at most what the line holds',
    );
    assert.deepEqual(refused?.details, { ref: eventIdOf(s, 'GR-1R'), reversed: '30', held: '20', uom: 'EA' });
    assert.deepEqual(summarizeLine(s.line(10)).receipts.map((r) => [r.receiptId, r.quantity, r.reversal, r.refused]), [
      ['GR-1', '20', false, undefined],
      ['GR-1R', '-30', true, true],
    ]);
    assert.deepEqual(s.replay(), s.live());
  });

  it('raises it, not receipt_reversed_after_match, when the invoice for what was received has matched', () => {
    const s = released();
    s.receive('GR-1', [{ line: 10, quantity: '20' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '20', unitPrice: '12.5000' }]);
    s.advance(HOUR).receive('GR-1R', [{ line: 10, quantity: '30', reversal: true }]);
    assert.deepEqual(s.exceptions().map((e) => e.code), ['reversal_exceeds_receipt']);
    assert.equal(openGrirOf(s.line(10)).toFixed(), '0');
    assert.equal(stageOf(s.line(10)), 'matched');
  });

  it('still applies a later reversal that fits, and posts it against its own receipt event', () => {
    const s = released();
    s.receive('GR-1', [{ line: 10, quantity: '20' }]);
    s.receive('GR-1', [{ line: 10, quantity: '30', reversal: true }]);
    s.receive('GR-1', [{ line: 10, quantity: '20', reversal: true }]);
    assert.deepEqual(s.postings().map((p) => [p.kind, p.quantity, p.amount]), [['grir_accrual', '20', '250.00'], ['reversal', '-20', '-250.00']]);
    assert.equal(summarizeLine(s.line(10)).quantities.received, '0');
    assert.deepEqual(s.exceptions().map((e) => e.code), ['reversal_exceeds_receipt']);
    // The decision after a later event posts nothing more: the posting found its own receipt event.
    s.advance(HOUR).receive('GR-2', [{ line: 10, quantity: '5' }]);
    assert.deepEqual(s.postings().map((p) => [p.kind, p.quantity]), [['grir_accrual', '20'], ['reversal', '-20'], ['grir_accrual', '5']]);
    assert.deepEqual(s.replay(), s.live());
  });

  it('weighs a reversal that came before the PO against the receipts before it, in the order they came, when the PO comes', () => {
    const s = new P2PScenario({ unitConversions: { 'ITM-10023': { EA: '1', BOX: '12' } } });
    s.receive('GR-1', [{ line: 10, quantity: '1', uom: 'BOX' }]);
    s.receive('GR-1R', [{ line: 10, quantity: '13', uom: 'EA', reversal: true }]);
    s.receive('GR-2R', [{ line: 10, quantity: '2', uom: 'EA', reversal: true }]);
    s.advance(HOUR).release([{ line: 10, quantity: '24', unitPrice: '1.00' }]);
    assert.deepEqual(s.postings().map((p) => [p.kind, p.receiptId, p.quantity]), [['grir_accrual', 'GR-1', '12'], ['reversal', 'GR-2R', '-2']]);
    assert.deepEqual(s.exceptions().map((e) => [e.code, e.receiptId, (e.details as { held: string }).held]), [['reversal_exceeds_receipt', 'GR-1R', '12']]);
    assert.equal(summarizeLine(s.line(10)).quantities.received, '10');
    assert.deepEqual(s.replay(), s.live());
  });
});

describe('credit memos for an invoice held for its goods', () => {
  /** PO 100 EA at 12.50; INV-1 bills all 100 before any goods come (held); CM-1 takes 20 of them back. */
  function heldAndCredited(options: { named?: boolean } = {}) {
    const s = released('100', '12.5000');
    s.confirm([{ line: 10, status: 'accepted' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
    s.advance(HOUR).credit('CM-1', [{ line: 10, quantity: '20', unitPrice: '12.5000' }], { id: 'cm-1', ...(options.named === false ? {} : { invoiceNumber: 'INV-1' }) });
    return s;
  }

  /** Invoice net of its credit memo: 80 EA billed, 80 received, matched; GR/IR accrued for 80 and cleared; nothing for AP to do. */
  function assertMatchedNetOfCredit(s: P2PScenario, afterHold = true) {
    assert.deepEqual(s.exceptions().filter((e) => e.code !== 'receipt_missing'), []);
    assert.deepEqual(s.derived('invoice.matched').map((e) => [(e.data as { invoiceNumber: string }).invoiceNumber, (e.data as { afterHold: boolean }).afterHold]), [['INV-1', afterHold]]);
    assert.deepEqual(s.postings().map((p) => [p.kind, p.amount, p.quantity, p.receiptId ?? p.invoiceNumber]), [
      ['grir_accrual', '1000.00', '80', 'GR-1'],
      ['ap_liability', '1250.00', '100', 'INV-1'],
      ['ap_liability', '-250.00', '-20', 'CM-1'],
    ]);
    const view = summarizeLine(s.line(10));
    assert.equal(view.openGrir, '0.00');
    assert.deepEqual(view.quantities, { ordered: '100', confirmed: '100', shipped: '0', received: '80', rejected: '0', invoiced: '80', matched: '80' });
    assert.deepEqual(view.credits.map((c) => [c.creditMemoNumber, c.status]), [['CM-1', 'applied']]);
    assert.deepEqual(view.invoices.map((i) => [i.invoiceNumber, i.status]), [['INV-1', 'matched']]);
    assert.deepEqual(view.openExceptions, []);
    assert.deepEqual(view.deadlines.filter((d) => d.sla === 'invoice_hold'), []);
    assert.equal(view.stage, 'matched', '20 EA are still on order');
    assert.deepEqual(s.replay(), s.live());
  }

  it('keeps the credit memo waiting with the held invoice, then matches the invoice net of it when the goods come and applies it: GR/IR clears, no exception', () => {
    const s = heldAndCredited();
    // The supplier over-billed and said so before the goods came: nothing is wrong yet.
    assert.deepEqual(s.exceptions(), []);
    assert.deepEqual(s.postings(), []);
    assert.deepEqual(summarizeLine(s.line(10)).credits, [
      { creditMemoNumber: 'CM-1', invoiceNumber: 'INV-1', supplierId: 'SUP-0042', quantity: '20', unitPrice: '12.5', status: 'waiting', waitingFor: 'INV-1', at: s.now },
    ]);
    assert.deepEqual(summarizeLine(s.line(10)).quantities, { ordered: '100', confirmed: '100', shipped: '0', received: '0', rejected: '0', invoiced: '80', matched: '0' }, 'billed 100, credited 20');
    s.advance(DAY).receive('GR-1', [{ line: 10, quantity: '80' }]);
    assertMatchedNetOfCredit(s);
  });

  it('takes a credit memo that names no invoice as the held one when it is the only invoice it can belong to', () => {
    const s = heldAndCredited({ named: false });
    assert.deepEqual(s.exceptions(), []);
    assert.deepEqual(summarizeLine(s.line(10)).credits.map((c) => [c.status, c.waitingFor]), [['waiting', 'INV-1']]);
    s.advance(DAY).receive('GR-1', [{ line: 10, quantity: '80' }]);
    assertMatchedNetOfCredit(s);
  });

  it('matches the held invoice when its credit memo comes after the goods that were short of the invoice', () => {
    const s = released('100', '12.5000');
    s.confirm([{ line: 10, status: 'accepted' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
    s.advance(HOUR).receive('GR-1', [{ line: 10, quantity: '80' }]);
    assert.deepEqual(s.derived('invoice.matched'), [], '100 billed, 80 received: still held');
    s.advance(HOUR).credit('CM-1', [{ line: 10, quantity: '20', unitPrice: '12.5000' }], { id: 'cm-1', invoiceNumber: 'INV-1' });
    assertMatchedNetOfCredit(s);
  });

  it('ends the same whichever of the goods and the credit memo comes first after the invoice, or the goods before both', () => {
    const orders = [
      ['invoice', 'credit', 'receipt'],
      ['invoice', 'receipt', 'credit'],
      ['receipt', 'invoice', 'credit'],
    ] as const;
    for (const order of orders) {
      const s = released('100', '12.5000');
      s.confirm([{ line: 10, status: 'accepted' }]);
      for (const step of order) {
        s.advance(HOUR);
        if (step === 'invoice') s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
        else if (step === 'credit') s.credit('CM-1', [{ line: 10, quantity: '20', unitPrice: '12.5000' }], { id: 'cm-1', invoiceNumber: 'INV-1' });
        else s.receive('GR-1', [{ line: 10, quantity: '80' }]);
      }
      assertMatchedNetOfCredit(s);
    }
  });

  it('matches and applies all three when the PO reaches the hub after the invoice, the credit memo and the receipt (out-of-order sync)', () => {
    const s = new P2PScenario();
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
    s.credit('CM-1', [{ line: 10, quantity: '20', unitPrice: '12.5000' }], { id: 'cm-1' });
    s.receive('GR-1', [{ line: 10, quantity: '80' }]);
    s.advance(HOUR).release([{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    s.confirm([{ line: 10, status: 'accepted' }]);
    // Never held: the PO came when the goods and the credit memo were already there.
    assertMatchedNetOfCredit(s, false);
  });

  it('keeps the credit memo waiting, in view and in the receipt_missing exception, while the goods do not come, and applies it when they do', () => {
    const s = heldAndCredited();
    s.advance(5 * DAY);
    const [missing] = s.exceptions('receipt_missing');
    assert.equal(missing?.owner, 'accounts-payable');
    assert.equal(
      missing?.message,
      `invoice INV-1 has been held since ${T0} for 100 EA; only 0 received on PO ${PO} line 10. ` +
        'Credit memo CM-1 (20 EA) waits with it: 80 EA must be received for it to match',
    );
    assert.deepEqual(missing?.evidence, ['ap-1', 'cm-1']);
    assert.deepEqual(s.exceptions().map((e) => e.code), ['receipt_missing'], 'the credit memo is not stopped on its own');
    const view = summarizeLine(s.line(10));
    assert.deepEqual(view.credits.map((c) => [c.creditMemoNumber, c.status, c.waitingFor]), [['CM-1', 'waiting', 'INV-1']]);
    assert.deepEqual(view.invoices.map((i) => [i.invoiceNumber, i.status]), [['INV-1', 'held']]);
    assert.deepEqual(view.openExceptions.map((e) => e.code), ['receipt_missing']);
    s.advance(DAY).receive('GR-1', [{ line: 10, quantity: '80' }]);
    assert.deepEqual(s.derived('exception.resolved').map((e) => (e.data as { code: string }).code), ['receipt_missing']);
    assertMatchedNetOfCredit(s);
  });

  it('raises credited_invoice_stopped for a credit memo naming an invoice already stopped, instead of taking it from other invoices matched on the line', () => {
    const s = released('100', '12.5000');
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '50', unitPrice: '12.5000' }], { id: 'ap-1' });
    s.invoice('INV-2', [{ line: 10, quantity: '50', unitPrice: '14.0000' }], { id: 'ap-2' });
    s.credit('CM-2', [{ line: 10, quantity: '10', unitPrice: '12.5000' }], { id: 'cm-2', invoiceNumber: 'INV-2' });
    assert.deepEqual(s.exceptions().map((e) => [e.code, e.invoiceNumber]), [['price_variance', 'INV-2'], ['credited_invoice_stopped', 'CM-2']]);
    assert.match(String(s.exceptions('credited_invoice_stopped')[0]?.message), /of invoice INV-2, which was stopped by price_variance and will not be matched/);
    assert.deepEqual(s.postings('ap_liability').map((p) => [p.invoiceNumber, p.amount]), [['INV-1', '625.00']]);
    assert.deepEqual(s.replay(), s.live());
  });

  it('stops at once a credit memo that takes back more than the held invoice bills, and keeps the one that fits waiting', () => {
    const s = heldAndCredited();
    s.credit('CM-2', [{ line: 10, quantity: '90', unitPrice: '12.5000' }], { id: 'cm-2', invoiceNumber: 'INV-1' });
    assert.deepEqual(s.exceptions().map((e) => [e.code, e.owner, e.invoiceNumber]), [['quantity_variance', 'accounts-payable', 'CM-2']]);
    assert.equal(s.exceptions('quantity_variance')[0]?.message, 'credit memo CM-2 credits 90 EA of invoice INV-1, held for its goods, which bills 100, 20 of them credited already');
    assert.deepEqual(summarizeLine(s.line(10)).credits.map((c) => [c.creditMemoNumber, c.status]), [['CM-1', 'waiting'], ['CM-2', 'exception']]);
    s.advance(DAY).receive('GR-1', [{ line: 10, quantity: '80' }]);
    assert.deepEqual(s.postings().map((p) => [p.kind, p.amount]), [['grir_accrual', '1000.00'], ['ap_liability', '1250.00'], ['ap_liability', '-250.00']]);
    assert.deepEqual(s.replay(), s.live());
  });

  it('raises credited_invoice_stopped to accounts payable when the held invoice is stopped instead of matched, and posts nothing for the credit memo', () => {
    const s = heldAndCredited();
    s.advance(HOUR).send('po.cancelled', '/systems/erp-core', { poNumber: PO });
    assert.deepEqual(s.exceptions().map((e) => [e.code, e.owner, e.invoiceNumber]), [
      ['cancelled_line_activity', 'procurement', 'INV-1'],
      ['credited_invoice_stopped', 'accounts-payable', 'CM-1'],
    ]);
    const [stopped] = s.exceptions('credited_invoice_stopped');
    assert.equal(
      stopped?.message,
      'credit memo CM-1 credits 20 EA of invoice INV-1, which was stopped by cancelled_line_activity and will not be matched; nothing was posted for the credit memo: settle it with the invoice',
    );
    assert.deepEqual(stopped?.evidence, ['cm-1', 'ap-1']);
    assert.equal(stopped?.severity, 'high');
    assert.deepEqual(s.postings(), []);
    assert.deepEqual(summarizeLine(s.line(10)).credits.map((c) => [c.creditMemoNumber, c.status]), [['CM-1', 'exception']]);
    s.advance(HOUR).receive('GR-1', [{ line: 10, quantity: '80' }]);
    assert.deepEqual(s.postings(), []);
    assert.deepEqual(s.replay(), s.live());
  });
});

describe('credit memos that come before the invoice they credit', () => {
  const MINUTE = 60_000;

  /** PO 100 EA at 12.50, all received; AP automation delivers CM-1 (20 EA of INV-1) before INV-1 itself. */
  function creditAhead(settings = {}) {
    const s = released('100', '12.5000', settings);
    s.confirm([{ line: 10, status: 'accepted' }]);
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.advance(HOUR).credit('CM-1', [{ line: 10, quantity: '20', unitPrice: '12.5000' }], { id: 'cm-1', invoiceNumber: 'INV-1' });
    return s;
  }

  /** INV-1 matched in full, CM-1 applied right after it: 80 EA billed net, 100 received, the 20 not billed left on GR/IR. */
  function assertMatchedThenCredited(s: P2PScenario) {
    assert.deepEqual(s.derived('invoice.matched').map((e) => [(e.data as { invoiceNumber: string }).invoiceNumber, (e.data as { afterHold: boolean }).afterHold]), [['INV-1', false]]);
    assert.deepEqual(s.postings().map((p) => [p.kind, p.amount, p.quantity, p.receiptId ?? p.invoiceNumber]), [
      ['grir_accrual', '1250.00', '100', 'GR-1'],
      ['ap_liability', '1250.00', '100', 'INV-1'],
      ['ap_liability', '-250.00', '-20', 'CM-1'],
    ]);
    const view = summarizeLine(s.line(10));
    assert.equal(view.openGrir, '250.00', '20 EA received and not billed once the credit memo took them back');
    assert.deepEqual(view.quantities, { ordered: '100', confirmed: '100', shipped: '0', received: '100', rejected: '0', invoiced: '80', matched: '80' });
    assert.deepEqual(view.credits.map((c) => [c.creditMemoNumber, c.status, c.waitingFor]), [['CM-1', 'applied', undefined]]);
    assert.deepEqual(view.invoices.map((i) => [i.invoiceNumber, i.status]), [['INV-1', 'matched']]);
    assert.deepEqual(view.openExceptions, []);
    assert.deepEqual(view.deadlines, []);
    assert.equal(view.stage, 'matched');
    assert.deepEqual(s.replay(), s.live());
  }

  it('waits for the invoice a credit memo names, then matches the invoice and applies the credit memo right after it, with no exception', () => {
    const s = creditAhead();
    // Nothing is wrong yet: the invoice it names is on its way.
    assert.deepEqual(s.exceptions(), []);
    assert.deepEqual(s.postings().map((p) => p.kind), ['grir_accrual']);
    const waiting = summarizeLine(s.line(10));
    assert.deepEqual(waiting.credits, [
      { creditMemoNumber: 'CM-1', invoiceNumber: 'INV-1', supplierId: 'SUP-0042', quantity: '20', unitPrice: '12.5', status: 'waiting', waitingFor: 'INV-1', at: s.now },
    ]);
    assert.deepEqual(waiting.deadlines, [{ sla: 'credit_memo_hold', ref: 'CM-1', deadline: '2026-03-02T13:00:00.000Z', owner: 'accounts-payable' }]);
    s.advance(10 * MINUTE).invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
    assertMatchedThenCredited(s);
  });

  it('raises credited_invoice_missing to accounts payable when the invoice does not come within the SLA, keeps the credit memo waiting, and resolves it when the invoice comes', () => {
    const s = creditAhead({ slas: { credit_memo_hold: '2h' } });
    s.advance(HOUR);
    assert.deepEqual(s.exceptions(), []);
    s.advance(HOUR);
    const [missing] = s.exceptions('credited_invoice_missing');
    assert.equal(missing?.owner, 'accounts-payable');
    assert.equal(missing?.severity, 'high');
    assert.equal(missing?.invoiceNumber, 'CM-1');
    assert.equal(
      missing?.message,
      `credit memo CM-1 credits 20 EA of invoice INV-1, which has not reached the hub for PO ${PO} line 10 since 2026-03-02T09:00:00.000Z; ` +
        'nothing was posted for the credit memo: it is applied when the invoice comes',
    );
    assert.deepEqual(missing?.evidence, ['cm-1']);
    assert.deepEqual(s.exceptions().map((e) => e.code), ['credited_invoice_missing']);
    assert.deepEqual(summarizeLine(s.line(10)).credits.map((c) => [c.creditMemoNumber, c.status, c.waitingFor]), [['CM-1', 'waiting', 'INV-1']]);
    s.advance(DAY).invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
    assert.deepEqual(s.derived('exception.resolved').map((e) => [(e.data as { code: string }).code, (e.data as { resolution: string }).resolution]), [['credited_invoice_missing', 'automatic']]);
    assertMatchedThenCredited(s);
  });

  it('waits with the invoice when the invoice it came ahead of is held for its goods, and applies it when the goods come', () => {
    const s = released('100', '12.5000');
    s.confirm([{ line: 10, status: 'accepted' }]);
    s.credit('CM-1', [{ line: 10, quantity: '20', unitPrice: '12.5000' }], { id: 'cm-1', invoiceNumber: 'INV-1' });
    s.advance(10 * MINUTE).invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
    assert.deepEqual(s.exceptions(), []);
    assert.deepEqual(summarizeLine(s.line(10)).credits.map((c) => [c.creditMemoNumber, c.status, c.waitingFor]), [['CM-1', 'waiting', 'INV-1']]);
    assert.deepEqual(summarizeLine(s.line(10)).invoices.map((i) => [i.invoiceNumber, i.status]), [['INV-1', 'held']]);
    s.advance(DAY).receive('GR-1', [{ line: 10, quantity: '80' }]);
    assert.deepEqual(s.exceptions(), []);
    assert.deepEqual(s.postings().map((p) => [p.kind, p.amount, p.receiptId ?? p.invoiceNumber]), [
      ['grir_accrual', '1000.00', 'GR-1'],
      ['ap_liability', '1250.00', 'INV-1'],
      ['ap_liability', '-250.00', 'CM-1'],
    ]);
    assert.equal(summarizeLine(s.line(10)).openGrir, '0.00');
    assert.deepEqual(s.replay(), s.live());
  });

  it('matches the invoice net of the credit memo at once when the goods came between them', () => {
    const s = released('100', '12.5000');
    s.confirm([{ line: 10, status: 'accepted' }]);
    s.credit('CM-1', [{ line: 10, quantity: '20', unitPrice: '12.5000' }], { id: 'cm-1', invoiceNumber: 'INV-1' });
    s.advance(10 * MINUTE).receive('GR-1', [{ line: 10, quantity: '80' }]);
    s.advance(10 * MINUTE).invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
    assert.deepEqual(s.exceptions(), []);
    assert.deepEqual(s.derived('invoice.held'), [], '100 billed less 20 credited: the 80 received cover it');
    assert.deepEqual(s.postings().map((p) => [p.kind, p.amount, p.receiptId ?? p.invoiceNumber]), [
      ['grir_accrual', '1000.00', 'GR-1'],
      ['ap_liability', '1250.00', 'INV-1'],
      ['ap_liability', '-250.00', 'CM-1'],
    ]);
    assert.deepEqual(s.replay(), s.live());
  });

  it('resolves credited_invoice_missing when the late invoice matches at once net of the credit memo that waited for it', () => {
    const s = released('100', '12.5000');
    s.confirm([{ line: 10, status: 'accepted' }]);
    s.credit('CM-1', [{ line: 10, quantity: '20', unitPrice: '12.5000' }], { id: 'cm-1', invoiceNumber: 'INV-1' });
    s.advance(5 * HOUR).receive('GR-1', [{ line: 10, quantity: '80' }]);
    assert.deepEqual(s.exceptions().map((e) => e.code), ['credited_invoice_missing']);
    s.advance(HOUR).invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
    assert.deepEqual(s.derived('exception.resolved').map((e) => (e.data as { code: string }).code), ['credited_invoice_missing']);
    assert.deepEqual(summarizeLine(s.line(10)).openExceptions, []);
    assert.deepEqual(s.postings('ap_liability').map((p) => [p.invoiceNumber, p.amount]), [['INV-1', '1250.00'], ['CM-1', '-250.00']]);
    assert.deepEqual(s.replay(), s.live());
  });

  it('raises credited_invoice_stopped when the invoice it came ahead of is stopped, and posts nothing for the credit memo', () => {
    const s = creditAhead();
    s.advance(10 * MINUTE).invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '14.0000' }], { id: 'ap-1' });
    assert.deepEqual(s.exceptions().map((e) => [e.code, e.invoiceNumber]), [['price_variance', 'INV-1'], ['credited_invoice_stopped', 'CM-1']]);
    assert.match(String(s.exceptions('credited_invoice_stopped')[0]?.message), /of invoice INV-1, which was stopped by price_variance and will not be matched/);
    assert.deepEqual(s.postings().map((p) => p.kind), ['grir_accrual']);
    assert.deepEqual(summarizeLine(s.line(10)).deadlines, []);
    assert.deepEqual(s.replay(), s.live());
  });

  it('applies it after its invoice when the PO reaches the hub after the credit memo, the goods and the invoice (out-of-order sync)', () => {
    const s = new P2PScenario();
    s.credit('CM-1', [{ line: 10, quantity: '20', unitPrice: '12.5000' }], { id: 'cm-1', invoiceNumber: 'INV-1' });
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
    s.advance(HOUR).release([{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    s.confirm([{ line: 10, status: 'accepted' }]);
    assertMatchedThenCredited(s);
  });

  it('still weighs a credit memo that names no invoice against what the line has matched, at once', () => {
    const s = released('100', '12.5000');
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.credit('CM-1', [{ line: 10, quantity: '20', unitPrice: '12.5000' }], { id: 'cm-1' });
    assert.deepEqual(s.exceptions().map((e) => e.message), ['credit memo CM-1 credits 20 EA, more than the 0 billed and matched on the line']);
    assert.deepEqual(summarizeLine(s.line(10)).deadlines.filter((d) => d.sla === 'credit_memo_hold'), []);
  });
});

describe('three-way match', () => {
  it('matches an invoice within tolerance and posts AP liability at the invoice price and the price variance, to the cent', () => {
    const s = released('100', '12.5000');
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.7333' }]);
    const [matched] = s.derived('invoice.matched');
    assert.equal((matched?.data as { afterHold: boolean }).afterHold, false);
    assert.deepEqual(s.postings().map((p) => [p.kind, p.amount]), [
      ['grir_accrual', '1250.00'],
      ['ap_liability', '1273.33'],
      ['price_variance', '23.33'],
    ]);
    assert.equal(openGrirOf(s.line(10)).toFixed(), '0');
    assert.equal(stageOf(s.line(10)), 'posted');
  });

  it('raises price_variance to accounts payable for a price more than 2% off, and posts nothing', () => {
    const s = released('100', '12.5000');
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.7600' }]);
    const [variance] = s.exceptions('price_variance');
    assert.equal(variance?.owner, 'accounts-payable');
    assert.match(String(variance?.message), /2.08%; tolerance 2%/);
    assert.deepEqual(s.postings('ap_liability'), []);
    assert.equal(stageOf(s.line(10)), 'invoiced');
  });

  it("applies the supplier's own price tolerance: 2.08% off matches for a supplier allowed 3%, not for the others", () => {
    const supplierId = 'SUP-0042';
    for (const [override, matches] of [[{ [supplierId]: { pricePercent: '3' } }, 1], [{ 'SUP-0107': { pricePercent: '3' } }, 0]] as const) {
      const s = released('100', '12.5000', { tolerances: { suppliers: override } });
      s.receive('GR-1', [{ line: 10, quantity: '100' }]);
      s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.7600' }]);
      assert.equal(s.derived('invoice.matched').length, matches);
    }
  });

  it('requires both the percentage and the absolute price tolerance when the manifest sets both', () => {
    const s = released('100', '100.0000', { tolerances: { pricePercent: '2', priceAbsolute: '1.00' } });
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '10', unitPrice: '101.0000' }]);
    s.invoice('INV-2', [{ line: 10, quantity: '10', unitPrice: '101.5000' }]);
    assert.equal(s.derived('invoice.matched').length, 1);
    assert.deepEqual(s.exceptions('price_variance').map((e) => e.invoiceNumber), ['INV-2']);
  });

  it('holds each invoice line billing the PO line to the price tolerance: lines 20% below and above do not average into a match', () => {
    const s = released('100', '12.5000');
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '50', unitPrice: '10.0000' }, { line: 10, quantity: '50', unitPrice: '15.0000' }]);
    const [variance] = s.exceptions('price_variance');
    assert.match(String(variance?.message), /^invoice INV-1 bills 10 USD per EA; the PO price is 12.5 \(-20%; tolerance 2%\)/);
    assert.deepEqual(s.postings('ap_liability'), []);
    s.invoice('INV-2', [{ line: 10, quantity: '50', unitPrice: '12.6000' }, { line: 10, quantity: '50', unitPrice: '12.4000' }]);
    assert.deepEqual(s.derived('invoice.matched').map((e) => (e.data as { unitPrice: string }).unitPrice), ['12.5']);
    assert.deepEqual(s.replay(), s.live());
  });

  it('holds an invoice that arrives before its goods receipt, and matches it automatically when the receipt arrives', () => {
    const s = released('100', '12.5000');
    s.confirm([{ line: 10, status: 'accepted' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    const [held] = s.derived('invoice.held');
    assert.deepEqual(held?.data, {
      invoiceNumber: 'INV-1',
      supplierId: 'SUP-0042',
      poNumber: PO,
      line: 10,
      invoicedQuantity: '100',
      receivedQuantity: '0',
      uom: 'EA',
      holdUntil: '2026-03-07T08:00:00.000Z',
      reason: 'awaiting_receipt',
    });
    assert.equal(stageOf(s.line(10)), 'invoiced');
    s.advance(DAY).receive('GR-1', [{ line: 10, quantity: '100' }]);
    const [matched] = s.derived('invoice.matched');
    assert.equal((matched?.data as { afterHold: boolean }).afterHold, true);
    assert.deepEqual(s.postings().map((p) => p.kind), ['grir_accrual', 'ap_liability']);
    assert.deepEqual(s.exceptions(), []);
  });

  it('raises receipt_missing to accounts payable when a held invoice is still short after 5 days, and resolves it when the goods come', () => {
    const s = released('100', '12.5000');
    s.receive('GR-1', [{ line: 10, quantity: '40' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    s.advance(4 * DAY);
    assert.deepEqual(s.exceptions('receipt_missing'), []);
    s.advance(DAY + HOUR);
    const [missing] = s.exceptions('receipt_missing');
    assert.equal(missing?.owner, 'accounts-payable');
    s.receive('GR-2', [{ line: 10, quantity: '60' }]);
    assert.equal(s.derived('invoice.matched').length, 1);
    assert.deepEqual(s.derived('exception.resolved').map((e) => (e.data as { code: string }).code), ['receipt_missing']);
  });

  it('raises quantity_variance at once for an invoice that bills more than was ordered', () => {
    const s = released('100', '12.5000');
    s.invoice('INV-1', [{ line: 10, quantity: '60', unitPrice: '12.5000' }]);
    s.invoice('INV-2', [{ line: 10, quantity: '50', unitPrice: '12.5000' }]);
    assert.deepEqual(s.exceptions('quantity_variance').map((e) => e.invoiceNumber), ['INV-2']);
    assert.deepEqual(s.derived('invoice.held').map((e) => (e.data as { invoiceNumber: string }).invoiceNumber), ['INV-1']);
  });

  it('lets several invoices match one line as receipts arrive, within the quantity tolerance', () => {
    const s = released('100', '12.5000', { tolerances: { quantity: '1' } });
    s.receive('GR-1', [{ line: 10, quantity: '50' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '51', unitPrice: '12.5000' }]);
    s.invoice('INV-2', [{ line: 10, quantity: '49', unitPrice: '12.5000' }]);
    assert.deepEqual(s.derived('invoice.matched').map((e) => (e.data as { invoiceNumber: string }).invoiceNumber), ['INV-1']);
    s.receive('GR-2', [{ line: 10, quantity: '50' }]);
    assert.deepEqual(s.derived('invoice.matched').map((e) => (e.data as { invoiceNumber: string }).invoiceNumber), ['INV-1', 'INV-2']);
    assert.equal(stageOf(s.line(10)), 'posted');
  });

  it('raises supplier_mismatch when another supplier invoices the PO line', () => {
    const s = released();
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.invoice('INV-9', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { supplierId: 'SUP-0999' });
    assert.equal(s.exceptions('supplier_mismatch').length, 1);
    assert.deepEqual(s.postings('ap_liability'), []);
  });

  it('raises currency_mismatch for an invoice in another currency than the PO', () => {
    const s = released();
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '11.5000' }], { currency: 'EUR' });
    assert.equal(s.exceptions('currency_mismatch').length, 1);
  });

  it('raises duplicate_invoice for the same invoice number sent again as a new document, and posts nothing twice', () => {
    const s = released();
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1-rescanned' });
    const [duplicate] = s.exceptions('duplicate_invoice');
    assert.deepEqual(duplicate?.evidence, ['ap-1-rescanned', 'ap-1']);
    assert.equal(s.postings('ap_liability').length, 1);
  });

  it('raises duplicate_invoice for a copy that bills another PO line than the original, and posts nothing for it', () => {
    const s = receivedOnTwoLines();
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
    // The same supplier's INV-1 again, under a new event id, now billing line 20: paid twice before.
    s.invoice('INV-1', [{ line: 20, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1-rekeyed' });
    const [duplicate] = s.exceptions('duplicate_invoice');
    assert.deepEqual(duplicate?.evidence, ['ap-1-rekeyed', 'ap-1']);
    assert.equal(duplicate?.message, 'invoice INV-1 from SUP-0042 was received again as a new document; nothing was posted for the copy');
    assert.deepEqual(s.postings('ap_liability').map((p) => [p.line, p.amount]), [[10, '1250.00']]);
    // Another supplier's INV-1 on line 20 is not a copy, and the same event sent again is no copy either.
    s.invoice('INV-1', [{ line: 20, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-other', supplierId: 'SUP-0999' });
    assert.deepEqual(s.exceptions().map((e) => e.code).sort(), ['duplicate_invoice', 'supplier_mismatch']);
    assert.deepEqual(s.replay(), s.live());
  });

  describe('invoice numbers told apart as AP reads them, not byte for byte (ADR 0068)', () => {
    it('raises duplicate_invoice for the same number from the same supplier in other letters and spacing, and keeps each number as sent', () => {
      const s = released();
      s.receive('GR-1', [{ line: 10, quantity: '100' }]);
      s.invoice('INV 2026-001', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
      s.invoice('inv  2026-001', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1-keyed-again' });
      const [duplicate] = s.exceptions('duplicate_invoice');
      assert.deepEqual(duplicate?.evidence, ['ap-1-keyed-again', 'ap-1']);
      assert.equal(duplicate?.invoiceNumber, 'inv  2026-001');
      assert.deepEqual(s.postings('ap_liability').map((p) => [p.amount, p.invoiceNumber]), [['1250.00', 'INV 2026-001']]);
      assert.deepEqual(summarizeLine(s.line(10)).invoices.map((i) => [i.invoiceNumber, i.status]), [['INV 2026-001', 'matched']]);
      assert.deepEqual(s.replay(), s.live());
    });

    it('catches the copy when it bills another PO line than the original', () => {
      const s = receivedOnTwoLines();
      s.invoice('INV-001', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
      s.invoice('Inv-001', [{ line: 20, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1-rekeyed' });
      assert.deepEqual(s.exceptions('duplicate_invoice').map((e) => e.evidence), [['ap-1-rekeyed', 'ap-1']]);
      assert.deepEqual(s.postings('ap_liability').map((p) => [p.line, p.amount]), [[10, '1250.00']]);
      assert.deepEqual(s.replay(), s.live());
    });

    it("still matches another supplier's invoice whose number differs only in letters", () => {
      const s = receivedOnTwoLines();
      s.invoice('INV-001', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
      s.invoice('inv-001', [{ line: 20, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-other', supplierId: 'SUP-0999' });
      assert.deepEqual(s.exceptions().map((e) => e.code), ['supplier_mismatch']);
      assert.deepEqual(s.replay(), s.live());
    });

    it('raises duplicate_invoice for a credit memo number sent again in other letters, and applies a credit memo that names its invoice in other letters', () => {
      const s = released();
      s.receive('GR-1', [{ line: 10, quantity: '100' }]);
      s.invoice('INV-001', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
      s.credit('CM-001', [{ line: 10, quantity: '10', unitPrice: '12.5000' }], { id: 'cm-1', invoiceNumber: 'inv-001' });
      s.credit('cm-001', [{ line: 10, quantity: '10', unitPrice: '12.5000' }], { id: 'cm-1-again', invoiceNumber: 'inv-001' });
      assert.deepEqual(s.exceptions().map((e) => [e.code, e.evidence]), [['duplicate_invoice', ['cm-1-again', 'cm-1']]]);
      assert.deepEqual(s.postings('ap_liability').map((p) => [p.amount, p.invoiceNumber]), [['1250.00', 'INV-001'], ['-125.00', 'CM-001']]);
      assert.deepEqual(summarizeLine(s.line(10)).deadlines.filter((d) => d.sla === 'credit_memo_hold'), [], 'the credit memo does not wait for an invoice the line has');
      assert.deepEqual(s.replay(), s.live());
    });
  });

  it('raises duplicate_invoice for a credit memo sent again under a new id for another PO line', () => {
    const s = receivedOnTwoLines();
    s.invoice('INV-1', [
      { line: 10, quantity: '100', unitPrice: '12.5000' },
      { line: 20, quantity: '100', unitPrice: '12.5000' },
    ]);
    s.credit('CM-1', [{ line: 10, quantity: '10', unitPrice: '12.5000' }], { id: 'cm-1', invoiceNumber: 'INV-1' });
    s.credit('CM-1', [{ line: 20, quantity: '10', unitPrice: '12.5000' }], { id: 'cm-1-again', invoiceNumber: 'INV-1' });
    assert.deepEqual(s.exceptions('duplicate_invoice').map((e) => e.evidence), [['cm-1-again', 'cm-1']]);
    assert.deepEqual(s.postings('ap_liability').map((p) => [p.line, p.amount]), [[10, '1250.00'], [20, '1250.00'], [10, '-125.00']]);
    assert.deepEqual(s.replay(), s.live());
  });

  it('matches an invoice from another supplier on its own when its number is one the line already has, and still catches its own resend', () => {
    const s = released();
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-other', supplierId: 'SUP-0999' });
    assert.deepEqual(s.exceptions().map((e) => [e.code, e.invoiceNumber, (e.details as { invoiceSupplier?: string }).invoiceSupplier]), [['supplier_mismatch', 'INV-1', 'SUP-0999']]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-other-rescanned', supplierId: 'SUP-0999' });
    const [duplicate] = s.exceptions('duplicate_invoice');
    assert.deepEqual(duplicate?.evidence, ['ap-other-rescanned', 'ap-other']);
    assert.deepEqual(s.postings('ap_liability').length, 1);
    assert.equal(stageOf(s.line(10)), 'invoiced');
    assert.deepEqual(s.replay(), s.live());
  });

  it("holds and matches the PO supplier's invoice when another supplier's invoice came first with the same number", () => {
    const s = released();
    s.confirm([{ line: 10, status: 'accepted' }]);
    s.receive('GR-1', [{ line: 10, quantity: '40' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-other', supplierId: 'SUP-0999' });
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
    assert.deepEqual(s.derived('invoice.held').map((e) => (e.data as { supplierId: string }).supplierId), ['SUP-0042']);
    s.advance(5 * DAY + HOUR);
    assert.deepEqual(s.exceptions().map((e) => e.code), ['supplier_mismatch', 'receipt_missing']);
    s.receive('GR-2', [{ line: 10, quantity: '60' }]);
    assert.deepEqual(s.derived('invoice.matched').map((e) => (e.data as { supplierId: string }).supplierId), ['SUP-0042']);
    assert.deepEqual(s.derived('exception.resolved').map((e) => (e.data as { code: string }).code), ['receipt_missing']);
    assert.deepEqual(s.postings('ap_liability').map((p) => p.amount), ['1250.00']);
    assert.deepEqual(summarizeLine(s.line(10)).deadlines, []);
    assert.deepEqual(s.replay(), s.live());
  });

  it('reads an invoice stored under its number by earlier versions, and still catches its resend', () => {
    const s = released();
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
    assert.deepEqual(Object.keys(lineFromJson(JSON.stringify(s.line(10))).invoices), ['INV-1']);
    s.lines.load(lineFromJson(JSON.stringify(s.line(10))));
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1-rescanned' });
    assert.deepEqual(s.exceptions().map((e) => e.code), ['duplicate_invoice']);
    assert.equal(s.postings('ap_liability').length, 1);
  });

  it('keeps the JPY amounts in whole yen', () => {
    const s = new P2PScenario();
    s.release([{ line: 10, quantity: '3', unitPrice: '1234.5' }], 'JPY');
    s.receive('GR-1', [{ line: 10, quantity: '3' }]);
    assert.equal(s.postings('grir_accrual')[0]?.amount, '3704');
  });
});

describe('master data', () => {
  it('raises master_data_gap to the master-data team for a PO issued to a supplier master data does not know', () => {
    const s = new P2PScenario({ suppliers: ['SUP-0107'] });
    s.release([{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    const [gap] = s.exceptions('master_data_gap');
    assert.equal(gap?.owner, 'master-data');
    assert.match(String(gap?.message), /supplier SUP-0042, which supplier master data does not know/);
    const known = new P2PScenario({ suppliers: ['SUP-0042'] });
    known.release([{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    assert.deepEqual(known.exceptions('master_data_gap'), []);
    const unchecked = released();
    assert.deepEqual(unchecked.exceptions('master_data_gap'), [], 'without supplier master data nothing is flagged');
  });
});

describe('orphans and cancellations', () => {
  it('waits for a PO that the ERP has not released yet, then raises no_purchase_order after the grace period', () => {
    const s = new P2PScenario();
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    assert.deepEqual(s.exceptions(), []);
    s.advance(5 * HOUR);
    const [orphan] = s.exceptions('no_purchase_order');
    assert.equal(orphan?.owner, 'accounts-payable');
    assert.equal(stageOf(s.line(10)), 'awaiting_po');
  });

  // Before, one exception named the first invoice's supplier and counted every supplier's
  // invoices: SUP-0042 read SUP-0107's invoice among its evidence, and SUP-0107 had none (docs/adr/0070).
  it('raises no_purchase_order once per supplier whose documents name the unknown PO, each with its own documents, and resolves them all on release', () => {
    const s = new P2PScenario();
    const own = s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    const other = s.invoice('INV-9', [{ line: 10, quantity: '5', unitPrice: '12.5000' }], { supplierId: 'SUP-0107' });
    s.advance(5 * HOUR);
    const raised = s.exceptions('no_purchase_order').map((e) => [e.supplierId, e.invoiceNumber, e.evidence]);
    assert.deepEqual(raised, [
      ['SUP-0042', 'INV-1', [own.event.id]],
      ['SUP-0107', 'INV-9', [other.event.id]],
    ]);
    for (const e of s.exceptions('no_purchase_order')) assert.doesNotMatch(String(e.message), e.supplierId === 'SUP-0042' ? /INV-9|SUP-0107/ : /INV-1\b|SUP-0042/);
    // A third supplier's invoice after the grace period gets its own at once.
    s.invoice('INV-5', [{ line: 10, quantity: '1', unitPrice: '12.5000' }], { supplierId: 'SUP-0200' });
    assert.deepEqual(s.exceptions('no_purchase_order').map((e) => e.supplierId), ['SUP-0042', 'SUP-0107', 'SUP-0200']);
    s.release([{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    assert.equal(s.derived('exception.resolved').filter((e) => (e.data as { code?: string }).code === 'no_purchase_order').length, 3);
  });

  it('catches up when the PO arrives after its receipt and invoice (out-of-order sync)', () => {
    const s = new P2PScenario();
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    s.advance(HOUR).release([{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    assert.deepEqual(s.postings().map((p) => p.kind), ['grir_accrual', 'ap_liability']);
    assert.equal(s.derived('invoice.matched').length, 1);
    s.advance(10 * HOUR);
    assert.deepEqual(s.exceptions('no_purchase_order'), []);
  });

  it('raises cancelled_line_activity for a receipt or invoice on a cancelled line, and posts nothing for it', () => {
    const s = released();
    s.send('po.cancelled', '/systems/erp-core', { poNumber: PO });
    assert.equal(stageOf(s.line(10)), 'cancelled');
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    assert.equal(s.exceptions('cancelled_line_activity').length, 2);
    assert.deepEqual(s.postings(), []);
    s.advance(3 * DAY);
    assert.deepEqual(s.exceptions('late_confirmation'), [], 'a cancelled line has no open deadlines');
  });

  it('stops an invoice held for its goods when the line is cancelled, and matches nothing when the goods come anyway', () => {
    const s = released();
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    assert.equal(s.derived('invoice.held').length, 1);
    s.advance(HOUR).send('po.cancelled', '/systems/erp-core', { poNumber: PO });
    const [stopped] = s.exceptions('cancelled_line_activity');
    assert.equal(stopped?.invoiceNumber, 'INV-1');
    assert.equal(stopped?.owner, 'procurement');
    assert.equal(s.line(10).invoices['INV-1']?.status, 'exception');
    s.advance(HOUR).receive('GR-1', [{ line: 10, quantity: '100' }]);
    assert.deepEqual(s.derived('invoice.matched'), []);
    assert.deepEqual(s.postings(), [], 'no AP liability for a cancelled line whose goods are not accrued');
    assert.deepEqual(s.replay(), s.live());
  });

  it('resolves the receipt_missing of an invoice the cancellation stops: the invoice has one open exception, not two', () => {
    const s = released();
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    s.advance(6 * DAY);
    const [missing] = s.exceptions('receipt_missing');
    assert.equal(missing?.invoiceNumber, 'INV-1');
    s.send('po.cancelled', '/systems/erp-core', { poNumber: PO });
    const resolved = s.derived('exception.resolved').map((e) => e.data as { exceptionId: string; reason: string });
    const closed = resolved.find((r) => r.exceptionId === missing?.exceptionId);
    assert.ok(closed, 'receipt_missing is resolved when the cancellation stops the invoice');
    assert.match(closed.reason, /cancelled/);
    const openOnInvoice = Object.values(s.line(10).exceptions).filter((e) => e.status === 'open' && e.code !== 'late_confirmation');
    assert.deepEqual(openOnInvoice.map((e) => e.code), ['cancelled_line_activity']);
    assert.deepEqual(s.replay(), s.live());
  });

  it('cancels a line that a PO change no longer lists', () => {
    const s = new P2PScenario();
    s.release([
      { line: 10, quantity: '100', unitPrice: '1' },
      { line: 20, quantity: '5', unitPrice: '2' },
    ]);
    s.send('po.changed', '/systems/erp-core', {
      poNumber: PO,
      supplierId: 'SUP-0042',
      buyerPlant: 'P01',
      currency: 'USD',
      revision: 1,
      lines: [{ line: 10, itemId: 'ITM-10023', quantity: '100', uom: 'EA', unitPrice: '1', needBy: '2026-03-16' }],
    });
    assert.equal(stageOf(s.line(20)), 'cancelled');
    assert.equal(stageOf(s.line(10)), 'released');
  });

  it('does not cancel a line that an older PO revision, arriving late, does not list yet', () => {
    const s = new P2PScenario();
    s.release([{ line: 10, quantity: '100', unitPrice: '1' }]);
    const line20 = { line: 20, quantity: '5', unitPrice: '2' };
    s.advance(HOUR).change(2, [{ line: 10, quantity: '100', unitPrice: '1' }, line20]);
    s.advance(HOUR).change(1, [{ line: 10, quantity: '100', unitPrice: '1' }]);
    assert.equal(stageOf(s.line(20)), 'released');
    assert.equal(s.line(20).terms?.revision, 2);
    s.receive('GR-1', [{ line: 20, quantity: '5' }]);
    assert.deepEqual(s.exceptions('cancelled_line_activity'), []);
    assert.deepEqual(s.postings().map((p) => [p.line, p.amount]), [[20, '10.00']]);
    assert.deepEqual(s.replay(), s.live());
  });
});

describe('derived events and replay', () => {
  it('gives every derived event the workflow key as correlationid and the input as its cause', () => {
    const s = released();
    const receipt = s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    const posting = s.log.find((e) => e.event.type === 'finance.posting');
    assert.equal(posting?.event.correlationid, `${PO}/10`);
    assert.equal(posting?.event.causationid, receipt.event.id);
    assert.equal(posting?.event.causationseq, receipt.sequence);
    assert.equal(posting?.event.source, '/millrace');
  });

  it('touches each line of a receipt that spans several PO lines, one posting per line', () => {
    const s = new P2PScenario();
    s.release([
      { line: 10, quantity: '10', unitPrice: '1.00' },
      { line: 20, quantity: '10', unitPrice: '2.00' },
    ]);
    s.receive('GR-1', [
      { line: 10, quantity: '10' },
      { line: 20, quantity: '5' },
    ]);
    assert.deepEqual(s.postings().map((p) => [p.line, p.amount]), [
      [10, '10.00'],
      [20, '10.00'],
    ]);
  });

  it('rebuilds the same state, byte for byte, by replaying the log without deciding', () => {
    const s = released();
    s.advance(30 * HOUR).confirm([{ line: 10, status: 'changed', quantity: '90' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '50', unitPrice: '12.5000' }]);
    s.ship('ASN-1', [{ line: 10, quantity: '90' }], eta(80));
    s.advance(2 * DAY).receive('GR-1', [{ line: 10, quantity: '90' }], 'ASN-1');
    s.invoice('INV-1', [{ line: 10, quantity: '50', unitPrice: '12.5000' }], { id: 'dup' });
    s.advance(6 * DAY);
    assert.deepEqual(s.replay(), s.live());
  });
});

describe('what a PO line says was invoiced', () => {
  it('lists a receipt counted in boxes with its quantity in the PO unit, named as such, and one it cannot convert in its own unit', () => {
    const s = new P2PScenario({ unitConversions: { 'ITM-10023': { EA: '1', BOX: '12' } } });
    s.release([{ line: 10, quantity: '120', unitPrice: '1.00' }]);
    s.receive('GR-1', [{ line: 10, quantity: '5', uom: 'BOX' }]);
    s.receive('GR-2', [{ line: 10, quantity: '2', uom: 'PAL' }]);
    assert.deepEqual(summarizeLine(s.line(10)).receipts.map((r) => [r.receiptId, r.quantity, r.uom]), [['GR-1', '60', 'EA'], ['GR-2', undefined, 'PAL']]);
  });

  it('counts matched and held invoices as invoiced and shows an invoice stopped by an exception apart', () => {
    const s = new P2PScenario();
    s.release([{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
    s.advance(HOUR).receive('GR-1', [{ line: 10, quantity: '60' }]);
    s.advance(HOUR).invoice('INV-1', [{ line: 10, quantity: '50', unitPrice: '12.5000' }]);
    // 20.00 against 12.50 on the PO: stopped as a price variance, not a claim AP will pay as it stands.
    s.advance(HOUR).invoice('INV-2', [{ line: 10, quantity: '40', unitPrice: '20.0000' }]);
    // 30 more than received: held for the goods.
    s.advance(HOUR).invoice('INV-3', [{ line: 10, quantity: '30', unitPrice: '12.5000' }]);
    assert.deepEqual(
      summarizeLine(s.line(10)).invoices.map((i) => [i.invoiceNumber, i.status]),
      [['INV-1', 'matched'], ['INV-2', 'exception'], ['INV-3', 'held']],
    );
    const quantities = summarizeLine(s.line(10)).quantities;
    assert.equal(quantities.invoiced, '80');
    assert.equal(quantities.matched, '50');
    assert.equal(quantities.stopped, '40');
  });
});
