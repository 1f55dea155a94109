// The week of procure-to-pay traffic the KPI tests work their answers out on.
import type { ExceptionView } from '../../src/core/index.js';
import { addMs, applyExceptionEvent } from '../../src/core/index.js';
import { DAY, HOUR, P2PScenario, T0 } from './p2p-scenario.js';

/**
 * PO A (P01, SUP-0042): released at T0, confirmed 6 h later, ASN on day 1, received on day 3
 *   against the ASN, invoiced at the PO price on day 4: matched the first time.
 * PO B (P01, SUP-0042): released at T0, no confirmation for 24 h (late_confirmation), confirmed
 *   at 30 h (the exception resolves itself: 6 h to recover), received on day 3 with no ASN,
 *   invoiced 10% above the PO price on day 4: price_variance, not matched.
 * PO C (P02, SUP-0107): released at T0, received on day 2 with no ASN, not invoiced: 50 x 2.00
 *   stays on GR/IR.
 * ASN-A's carrier reports two milestones: in transit at T0 + 40 h (written in Detroit time,
 *   19:00-05:00 the evening before), heard of at T0 + 2 d: 8 h late; at the dock at T0 + 3 d - 30 min,
 *   heard of at T0 + 3 d: 30 min late. Sent twice, the second report counts once.
 */
export function week(): P2PScenario {
  const s = new P2PScenario();
  s.release([{ line: 10, quantity: '100', unitPrice: '12.5000' }], 'USD', 'PO-A');
  s.release([{ line: 10, quantity: '100', unitPrice: '12.5000' }], 'USD', 'PO-B');
  s.send('po.released', '/systems/erp-core', {
    poNumber: 'PO-C',
    supplierId: 'SUP-0107',
    buyerPlant: 'P02',
    currency: 'USD',
    lines: [{ line: 10, itemId: 'ITM-2', quantity: '50', uom: 'EA', unitPrice: '2.00', needBy: '2026-03-16' }],
  });
  s.advance(6 * HOUR).confirm([{ line: 10, status: 'accepted' }], 'PO-A');
  s.send('supplier.confirmation', '/partners/sup-0107', { poNumber: 'PO-C', supplierId: 'SUP-0107', lines: [{ line: 10, status: 'accepted' }] });
  s.advance(18 * HOUR); // T0 + 24 h: PO-B's confirmation deadline passes.
  s.advance(6 * HOUR).confirm([{ line: 10, status: 'accepted' }], 'PO-B'); // T0 + 30 h
  s.ship('ASN-A', [{ line: 10, quantity: '100' }], addMs(T0, 3 * DAY), 'PO-A'); // T0 + 30 h
  s.advance(18 * HOUR); // T0 + 2 d
  // T0 + 40 h = 2026-03-04T00:00Z = 2026-03-03T19:00-05:00.
  s.send('shipment.milestone', '/systems/logistics', { shipmentId: 'ASN-A', milestone: 'in_transit', at: '2026-03-03T19:00:00-05:00' });
  s.send('goods.received', '/systems/wms-p02', { receiptId: 'GR-C', plant: 'P02', lines: [{ poNumber: 'PO-C', line: 10, quantity: '50', uom: 'EA' }] });
  s.advance(DAY); // T0 + 3 d
  s.send('shipment.milestone', '/systems/logistics', { shipmentId: 'ASN-A', milestone: 'arrived_at_dock', at: addMs(T0, 3 * DAY - HOUR / 2) });
  s.send('shipment.milestone', '/systems/logistics', { shipmentId: 'ASN-A', milestone: 'arrived_at_dock', at: addMs(T0, 3 * DAY - HOUR / 2) });
  s.receive('GR-A', [{ line: 10, quantity: '100', poNumber: 'PO-A' }], 'ASN-A');
  s.receive('GR-B', [{ line: 10, quantity: '100', poNumber: 'PO-B' }]);
  s.advance(DAY); // T0 + 4 d
  s.invoice('INV-A', [{ line: 10, quantity: '100', unitPrice: '12.5000', poNumber: 'PO-A' }]);
  s.invoice('INV-B', [{ line: 10, quantity: '100', unitPrice: '13.7500', poNumber: 'PO-B' }]);
  return s;
}

export function exceptionViews(s: P2PScenario): ExceptionView[] {
  const views = new Map<string, ExceptionView>();
  for (const stored of s.log) {
    const id = stored.event.data.exceptionId;
    if (typeof id !== 'string') continue;
    const next = applyExceptionEvent(views.get(id), stored);
    if (next !== undefined) views.set(id, next);
  }
  return [...views.values()];
}

