// Deterministic procure-to-pay traffic: PO lines going through release, confirmation,
// shipment, receipt and invoice, with a share of the faults the rules must catch (price
// variances, invoices before receipts, missing confirmations). Seeded, so a test or a
// benchmark gets the same events every run.
import type { CloudEvent } from '../../src/core/index.js';
import { amount, dec, SeededRandom } from '../../src/core/index.js';

/** The core's seeded generator as a function: the same traffic for the same seed. */
export function prng(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.next();
}

export interface TrafficOptions {
  readonly lines: number;
  readonly seed?: number;
  readonly start?: string;
  /** Minutes of business time between consecutive POs. */
  readonly spacingMinutes?: number;
  /** First two digits of the PO numbers (default 45): several runs with other prefixes never collide. */
  readonly poPrefix?: string;
}

const SUPPLIERS = ['sup-0042', 'sup-0107', 'sup-0311'] as const;
const SUPPLIER_IDS: Record<string, string> = { 'sup-0042': 'SUP-0042', 'sup-0107': 'SUP-0107', 'sup-0311': 'SUP-0311' };

/**
 * Events in arrival order. One PO per line number 10; every step of a PO comes some hours
 * after the previous one, and POs overlap, so the stream interleaves many workflows.
 */
export function p2pTraffic(options: TrafficOptions): CloudEvent[] {
  const random = prng(options.seed ?? 7);
  const start = Date.parse(options.start ?? '2026-03-02T06:00:00Z');
  const spacing = (options.spacingMinutes ?? 1) * 60_000;
  const timed: { at: number; order: number; event: CloudEvent }[] = [];
  let order = 0;
  const push = (at: number, event: CloudEvent) => timed.push({ at, order: order++, event });
  for (let n = 0; n < options.lines; n += 1) {
    const poNumber = `${options.poPrefix ?? '45'}${String(n).padStart(8, '0')}`;
    const partner = SUPPLIERS[n % SUPPLIERS.length] ?? 'sup-0042';
    const supplierId = SUPPLIER_IDS[partner] ?? 'SUP-0042';
    const plant = n % 2 === 0 ? 'P01' : 'P02';
    const quantity = 10 + Math.floor(random() * 490);
    // Prices in ten-thousandths, as integers: money never goes through a float.
    const price = dec(String(50_000 + Math.floor(random() * 950_000))).div(10_000).toFixed(4);
    const released = start + n * spacing;
    const iso = (ms: number) => new Date(ms).toISOString();
    const hours = (h: number) => h * 3_600_000;
    const corr = `${poNumber}/10`;
    push(released, {
      specversion: '1.0',
      id: `po-${poNumber}`,
      source: '/systems/erp-core',
      type: 'po.released',
      time: iso(released),
      correlationid: corr,
      data: {
        poNumber,
        supplierId,
        buyerPlant: plant,
        currency: 'USD',
        lines: [{ line: 10, itemId: `ITM-${10000 + (n % 500)}`, quantity: String(quantity), uom: 'EA', unitPrice: price, needBy: iso(released + hours(24 * 14)).slice(0, 10) }],
      },
    });
    const confirmAt = released + hours(2 + random() * 20);
    if (random() > 0.03) {
      push(confirmAt, {
        specversion: '1.0',
        id: `conf-${poNumber}`,
        source: `/partners/${partner}`,
        type: 'supplier.confirmation',
        time: iso(confirmAt),
        correlationid: corr,
        data: { poNumber, supplierId, lines: [{ line: 10, status: 'accepted' }] },
      });
    }
    const shipAt = confirmAt + hours(24 + random() * 48);
    const eta = shipAt + hours(24 + random() * 24);
    push(shipAt, {
      specversion: '1.0',
      id: `asn-${poNumber}`,
      source: `/partners/${partner}`,
      type: 'shipment.dispatched',
      time: iso(shipAt),
      correlationid: corr,
      data: { shipmentId: `ASN-${poNumber}`, supplierId, shipToPlant: plant, eta: iso(eta), lines: [{ poNumber, line: 10, quantity: String(quantity), uom: 'EA' }] },
    });
    const receiveAt = eta + hours(random() * 6);
    push(receiveAt, {
      specversion: '1.0',
      id: `gr-${poNumber}`,
      source: plant === 'P01' ? '/systems/wms-p01' : '/systems/wms-p02',
      type: 'goods.received',
      time: iso(receiveAt),
      correlationid: corr,
      data: { receiptId: `GR-${poNumber}`, plant, shipmentId: `ASN-${poNumber}`, lines: [{ poNumber, line: 10, quantity: String(quantity), uom: 'EA' }] },
    });
    // One invoice in ten arrives before the goods; one in twenty is priced 5% high.
    const early = random() < 0.1;
    const invoiceAt = early ? shipAt + hours(1) : receiveAt + hours(2 + random() * 48);
    const invoicePrice = random() < 0.05 ? dec(price).times('1.05').toFixed(4) : price;
    push(invoiceAt, {
      specversion: '1.0',
      id: `inv-${poNumber}`,
      source: '/systems/ap-automation',
      type: 'invoice.received',
      time: iso(invoiceAt),
      correlationid: corr,
      data: {
        invoiceNumber: `INV-${poNumber}`,
        supplierId,
        currency: 'USD',
        invoiceDate: iso(invoiceAt).slice(0, 10),
        lines: [{ poNumber, line: 10, quantity: String(quantity), uom: 'EA', unitPrice: invoicePrice }],
        totalAmount: amount(dec(invoicePrice).times(quantity), 'USD'),
      },
    });
  }
  return timed.sort((a, b) => a.at - b.at || a.order - b.order).map((t) => t.event);
}
