// The demo's traffic: one purchase order line through procure-to-pay, sent by the systems
// and partners of examples/millrace.yaml, plus the faults the door must catch (a resend, a
// conflicting resend, a schema mismatch, a supplier confirming another supplier's PO, an event
// from a system that may not publish it).
import type { CloudEvent } from '../core/index.js';

export interface DemoStep {
  /** Who sends it: `system:<id>` or `partner:<id>` of the manifest. */
  readonly sender: string;
  readonly what: string;
  /** The outcome the door should give; the demo reports what it actually got. */
  readonly expect: 'accepted' | 'duplicate' | 'conflict' | 'contract_violation' | 'forbidden';
  readonly body: CloudEvent | readonly CloudEvent[];
}

export const DEMO_PO = 'PO-4500012345';

export function demoStory(start: Date): DemoStep[] {
  const at = (hours: number) => new Date(start.getTime() + hours * 3_600_000).toISOString();
  const po = DEMO_PO;
  const event = (sender: string, id: string, type: string, hours: number, data: Record<string, unknown>): CloudEvent => ({
    specversion: '1.0',
    id,
    source: sender.startsWith('system:') ? `/systems/${sender.slice(7)}` : `/partners/${sender.slice(8)}`,
    type,
    time: at(hours),
    correlationid: `${po}/10`,
    data,
  });
  const released = event('system:erp-core', 'erp-core-po-4500012345-r0', 'po.released', 0, {
    poNumber: po,
    supplierId: 'SUP-0042',
    buyerPlant: 'P01',
    currency: 'USD',
    lines: [{ line: 10, itemId: 'ITM-10023', quantity: '500', uom: 'EA', unitPrice: '12.5000', needBy: at(24 * 7).slice(0, 10) }],
  });
  const confirmation = event('partner:sup-0042', 'sup-0042-conf-88121', 'supplier.confirmation', 6, {
    poNumber: po,
    supplierId: 'SUP-0042',
    lines: [{ line: 10, status: 'accepted', quantity: '500', unitPrice: '12.5000', promisedDate: at(24 * 6).slice(0, 10) }],
  });
  const shipment = event('partner:sup-0042', 'sup-0042-asn-77310', 'shipment.dispatched', 72, {
    shipmentId: 'ASN-77310',
    supplierId: 'SUP-0042',
    shipToPlant: 'P01',
    carrier: 'ODFL',
    eta: at(96),
    lines: [{ poNumber: po, line: 10, quantity: '500', uom: 'EA' }],
  });
  const receipt = event('system:wms-p01', 'wms-p01-gr-5000981', 'goods.received', 97, {
    receiptId: 'GR-5000981',
    plant: 'P01',
    shipmentId: 'ASN-77310',
    lines: [{ poNumber: po, line: 10, quantity: '500', uom: 'EA', rejectedQuantity: '0' }],
  });
  const invoice = event('system:ap-automation', 'ap-inv-INV-2026-0917', 'invoice.received', 100, {
    invoiceNumber: 'INV-2026-0917',
    supplierId: 'SUP-0042',
    currency: 'USD',
    invoiceDate: at(99).slice(0, 10),
    lines: [{ poNumber: po, line: 10, quantity: '500', uom: 'EA', unitPrice: '12.5000' }],
    totalAmount: '6250.00',
  });
  const mismatched = event('partner:sup-0042', 'sup-0042-conf-88122', 'supplier.confirmation', 7, {
    poNumber: po,
    supplierId: 'SUP-0042',
    // A portal that sends numbers as floats and a misspelled field: caught at the door.
    lines: [{ line: 10, status: 'accepted', quantity: 500, promiseDate: at(24 * 6).slice(0, 10) }],
  });
  const forbidden = event('system:wms-p01', 'wms-p01-inv-1', 'invoice.received', 101, invoice.data);
  return [
    { sender: 'system:erp-core', what: 'ERP releases PO line 10 (500 EA at 12.50 USD)', expect: 'accepted', body: released },
    { sender: 'partner:sup-0042', what: 'Supplier confirms the line', expect: 'accepted', body: confirmation },
    { sender: 'partner:sup-0042', what: 'Supplier portal sends a schema-mismatched confirmation', expect: 'contract_violation', body: mismatched },
    {
      sender: 'partner:sup-0107',
      what: 'Another supplier tries to confirm this PO',
      expect: 'forbidden',
      body: { ...confirmation, id: 'sup-0107-conf-1', source: '/partners/sup-0107', data: { ...confirmation.data, supplierId: 'SUP-0107' } },
    },
    { sender: 'partner:sup-0042', what: 'Supplier sends the advance ship notice', expect: 'accepted', body: shipment },
    { sender: 'partner:sup-0042', what: 'The same ASN again (network retry)', expect: 'duplicate', body: shipment },
    { sender: 'system:wms-p01', what: 'Plant P01 posts the goods receipt', expect: 'accepted', body: receipt },
    {
      sender: 'system:wms-p01',
      what: 'Plant P01 re-sends the receipt id with another quantity',
      expect: 'conflict',
      body: { ...receipt, data: { ...receipt.data, lines: [{ poNumber: po, line: 10, quantity: '450', uom: 'EA' }] } },
    },
    { sender: 'system:wms-p01', what: 'The warehouse tries to publish an invoice', expect: 'forbidden', body: forbidden },
    { sender: 'system:ap-automation', what: 'AP automation captures the supplier invoice', expect: 'accepted', body: [invoice] },
  ];
}
