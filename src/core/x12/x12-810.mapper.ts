// 810 invoice -> invoice.received. BIG gives the invoice number and date (and the PO when the
// whole invoice is for one), CUR the currency, ITD06 the net due date, each IT1 a line (a PO
// id pair on the line wins over BIG04), TDS the total (implied two decimals), TXI the tax.
import type { MappedData, SetMapper } from './x12-mapping.js';
import { addDecimals, canonicalUnit, productIds } from './x12-mapping.js';
import { checkLineCount, currencyOf } from './x12-850.mapper.js';
import type { SetSegment } from './x12-set-reader.js';

export const map810: SetMapper = (reader, context) => {
  const big = reader.first('BIG');
  if (big === undefined) {
    reader.missing('BIG', 2, 'the BIG segment (invoice number and date) is missing');
    return undefined;
  }
  const invoiceDate = reader.date(big, 1, '373', 'invoice date');
  const invoiceNumber = reader.required(big, 2, '76', 'invoice number');
  reader.date(big, 3, '373', 'purchase order date', false);
  const poOfInvoice = reader.optional(big, 4);
  const warnings: MappedData['warnings'][number][] = [];
  const currency = currencyOf(reader, warnings);
  const out: Record<string, unknown> = {};
  const lines: Record<string, unknown>[] = [];
  const taxes: string[] = [];
  let ctt: SetSegment | undefined;
  for (const at of reader.body()) {
    switch (at.segment.id) {
      case 'ITD': {
        const due = reader.date(at, 6, '446', 'terms net due date', false);
        if (due !== undefined) out.dueDate = due;
        break;
      }
      case 'IT1': {
        const line = reader.lineNumber(at, 1, '350', 'PO line number');
        const quantity = reader.decimal(at, 2, '358', 'quantity invoiced');
        const uom = reader.required(at, 3, '355', 'unit of measure');
        const unitPrice = reader.decimal(at, 4, '212', 'unit price');
        const poNumber = productIds(reader, at, 6).find((id) => id.qualifier === 'PO')?.value ?? poOfInvoice;
        if (poNumber === undefined) reader.invalid(at, 7, '234', 'the line names no purchase order (no PO id pair on IT1 and no BIG04)');
        lines.push({ poNumber, line, quantity, uom: uom === undefined ? undefined : canonicalUnit(uom), unitPrice });
        break;
      }
      case 'TDS': {
        const total = reader.required(at, 1, '610', 'total invoice amount');
        if (total !== undefined) {
          if (!/^-?\d+$/.test(total)) reader.elementValue(at, 1, '610', '6', `TDS01 "${total}" is not an amount in cents (N2: digits, two implied decimals)`);
          else out.totalAmount = impliedCents(total);
        }
        break;
      }
      case 'TXI': {
        const tax = reader.decimal(at, 2, '782', 'tax amount', false);
        if (tax !== undefined) taxes.push(tax);
        break;
      }
      case 'CTT':
        ctt = at;
        break;
      default:
        break;
    }
  }
  if (lines.length === 0) reader.missing('IT1', ctt?.index ?? reader.body().length + 2, 'the invoice has no IT1 line');
  if (!reader.body().some((at) => at.segment.id === 'TDS')) reader.missing('TDS', ctt?.index ?? reader.body().length + 2, 'the TDS segment (invoice total) is missing');
  checkLineCount(reader, ctt, lines.length);
  const supplierId = context.sender.supplierId;
  if (reader.hasProblems() || invoiceNumber === undefined || invoiceDate === undefined || supplierId === undefined) return undefined;
  if (taxes.length > 0) out.taxAmount = addDecimals(taxes);
  return { type: 'invoice.received', data: { invoiceNumber, supplierId, currency, invoiceDate, ...out, lines }, warnings };
};

/** An N2 amount ("125000") as a decimal string ("1250.00"). */
export function impliedCents(digits: string): string {
  const negative = digits.startsWith('-');
  const padded = digits.replace('-', '').padStart(3, '0');
  const whole = padded.slice(0, -2).replace(/^0+(?=\d)/, '');
  return `${negative ? '-' : ''}${whole}.${padded.slice(-2)}`;
}
