// 855 purchase order acknowledgment -> supplier.confirmation. BAK names the PO; each PO1
// loop is a line, and its ACK segments say what the supplier does with it: one ACK per
// promised delivery. A line promised in several deliveries needs contract v2 (a schedule);
// otherwise v1 is sent, so a hub with only v1 in force still takes ordinary confirmations.
import type { MappedData, SetMapper } from './x12-mapping.js';
import { addDecimals, unitPriceOf } from './x12-mapping.js';
import type { SetSegment } from './x12-set-reader.js';

/** Line item status codes (element 668) and what they say about the line. */
const LINE_STATUS: Readonly<Record<string, 'accepted' | 'changed' | 'rejected'>> = {
  AC: 'accepted', // item accepted and shipped
  IA: 'accepted', // item accepted
  IB: 'changed', // item backordered
  IC: 'changed', // item accepted, changes made
  DR: 'changed', // item accepted, date rescheduled
  IP: 'changed', // item accepted, price changed
  IQ: 'changed', // item accepted, quantity changed
  IS: 'changed', // item accepted, substitution made
  ID: 'rejected', // item deleted
  IR: 'rejected', // item rejected
};
const ACK_TYPES = ['AC', 'AD', 'AE', 'AH', 'AK', 'AP', 'NA', 'RD', 'RF', 'RJ', 'RN', 'RO', 'RV', 'ZZ'] as const;

interface Delivery {
  readonly status: 'accepted' | 'changed' | 'rejected';
  readonly quantity: string | undefined;
  readonly date: string | undefined;
}

export const map855: SetMapper = (reader, context) => {
  const bak = reader.first('BAK');
  if (bak === undefined) {
    reader.missing('BAK', 2, 'the BAK segment (acknowledged PO number) is missing');
    return undefined;
  }
  reader.code(bak, 1, '353', 'transaction set purpose', ['00', '01', '04', '05', '06'], false);
  const ackType = reader.code(bak, 2, '587', 'acknowledgment type', ACK_TYPES);
  const poNumber = reader.required(bak, 3, '324', 'purchase order number');
  reader.date(bak, 4, '373', 'purchase order date');
  const lines: { line: number | undefined; price: string | undefined; deliveries: Delivery[]; at: SetSegment }[] = [];
  let ctt: SetSegment | undefined;
  for (const at of reader.body()) {
    if (at.segment.id === 'PO1') {
      // PO105 (basis of unit price) as in the 850: the confirmed price is per one PO103 unit.
      const price = unitPriceOf(reader, at, 4, reader.decimal(at, 4, '212', 'unit price', false), reader.optional(at, 3));
      lines.push({ line: reader.lineNumber(at, 1, '350', 'line number'), price, deliveries: [], at });
    } else if (at.segment.id === 'ACK') {
      const current = lines[lines.length - 1];
      if (current === undefined) {
        reader.unexpected(at, 'an ACK segment before any PO1 line');
        continue;
      }
      const code = reader.code(at, 1, '668', 'line item status', Object.keys(LINE_STATUS));
      const quantity = reader.decimal(at, 2, '380', 'quantity', false);
      const qualifier = reader.optional(at, 4);
      const date = qualifier === undefined ? undefined : reader.date(at, 5, '373', 'promised date');
      if (code !== undefined) current.deliveries.push({ status: LINE_STATUS[code] ?? 'accepted', quantity, date });
    } else if (at.segment.id === 'CTT') {
      ctt = at;
    }
  }
  if (lines.length === 0) reader.missing('PO1', ctt?.index ?? reader.body().length + 2, 'the acknowledgment has no PO1 line');
  if (ctt !== undefined) {
    const declared = reader.element(ctt, 1);
    if (Number(declared) !== lines.length) reader.invalid(ctt, 1, '354', `CTT01 says ${declared || '(empty)'} line item(s); the set holds ${lines.length}`);
  }
  const supplierId = context.sender.supplierId;
  if (reader.hasProblems() || poNumber === undefined || supplierId === undefined) return undefined;
  const several = lines.some((l) => l.deliveries.filter((d) => d.date !== undefined && d.status !== 'rejected').length > 1);
  const data = lines.map((l) => confirmationLine(l.line ?? 0, l.price, l.deliveries, ackType === 'RJ', several));
  const warnings: MappedData['warnings'][number][] = [];
  return { type: 'supplier.confirmation', data: { poNumber, supplierId, lines: data }, ...(several ? { dataversion: 2 } : {}), warnings };
};

function confirmationLine(line: number, price: string | undefined, deliveries: readonly Delivery[], wholeRejected: boolean, schedule: boolean): Record<string, unknown> {
  const kept = deliveries.filter((d) => d.status !== 'rejected');
  const status = wholeRejected || (deliveries.length > 0 && kept.length === 0) ? 'rejected' : kept.some((d) => d.status === 'changed') ? 'changed' : 'accepted';
  const out: Record<string, unknown> = { line, status };
  if (status === 'rejected') return out;
  const quantities = kept.map((d) => d.quantity).filter((q): q is string => q !== undefined);
  if (quantities.length > 0) out.quantity = quantities.length === 1 ? quantities[0] : addDecimals(quantities);
  if (price !== undefined) out.unitPrice = price;
  const dated = kept.filter((d) => d.date !== undefined);
  if (schedule) {
    if (dated.length > 0) out.schedule = dated.map((d) => (d.quantity === undefined ? { promisedDate: d.date } : { promisedDate: d.date, quantity: d.quantity }));
  } else if (dated[0] !== undefined) {
    out.promisedDate = dated[0].date;
  }
  return out;
}
