// 810 invoice -> invoice.received. BIG gives the invoice number and date (and the PO when the
// whole invoice is for one), CUR the currency, ITD06 the net due date, each IT1 a line (a PO
// id pair on the line wins over BIG04), TDS the total (implied two decimals), TXI the tax.
// BIG07 (transaction type) CR makes it a credit memo -> invoice.credited (ADR 0028): the same
// lines and totals as positive amounts, the credited invoice from a header REF*OI (else REF*IV).
// Any other BIG07 but DI (debit invoice) is refused, never read as an ordinary invoice.
import type { MappedData, SetMapper } from './x12-mapping.js';
import { addDecimals, canonicalUnit, productIds } from './x12-mapping.js';
import { checkLineCount, currencyOf } from './x12-850.mapper.js';
import type { SetReader, SetSegment } from './x12-set-reader.js';

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
  const kind = documentKind(reader, big);
  const warnings: MappedData['warnings'][number][] = [];
  const currency = currencyOf(reader, warnings);
  const out: Record<string, unknown> = {};
  const lines: Record<string, unknown>[] = [];
  const taxes: string[] = [];
  /** The amounts whose sign a credit memo may flip: each line's extended amount, TDS01, TXI02. */
  const signed: SignedAmount[] = [];
  const references = new Map<string, string>();
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
        if (kind === 'credit' && quantity !== undefined && unitPrice !== undefined) signed.push(lineAmount(reader, at, quantity, unitPrice));
        lines.push({ poNumber, line, quantity, uom: uom === undefined ? undefined : canonicalUnit(uom), unitPrice });
        break;
      }
      case 'TDS': {
        const total = reader.required(at, 1, '610', 'total invoice amount');
        if (total !== undefined) {
          if (!/^-?\d+$/.test(total)) reader.elementValue(at, 1, '610', '6', `TDS01 "${total}" is not an amount in cents (N2: digits, two implied decimals)`);
          else {
            out.totalAmount = impliedCents(total);
            signed.push({ at, n: 1, value: total, sign: signOf(total) });
          }
        }
        break;
      }
      case 'TXI': {
        const tax = reader.decimal(at, 2, '782', 'tax amount', false);
        if (tax !== undefined) {
          taxes.push(tax);
          signed.push({ at, n: 2, value: tax, sign: signOf(tax) });
        }
        break;
      }
      case 'REF': {
        // Header references only (before the first IT1): the invoice a credit memo credits.
        const qualifier = reader.element(at, 1);
        const value = reader.optional(at, 2);
        if (lines.length === 0 && value !== undefined && !references.has(qualifier)) references.set(qualifier, value);
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
  if (kind === 'credit') checkCreditSigns(reader, signed);
  const supplierId = context.sender.supplierId;
  if (reader.hasProblems() || kind === undefined || invoiceNumber === undefined || invoiceDate === undefined || supplierId === undefined) return undefined;
  if (taxes.length > 0) out.taxAmount = addDecimals(taxes);
  if (kind === 'invoice') return { type: 'invoice.received', data: { invoiceNumber, supplierId, currency, invoiceDate, ...out, lines }, warnings };
  // A credit memo: amounts positive whichever way the sender signed them (checked above).
  const credited = references.get('OI') ?? [references.get('IV')].find((n) => n !== undefined && n !== invoiceNumber);
  const { dueDate: _due, ...amounts } = out;
  return {
    type: 'invoice.credited',
    data: {
      creditMemoNumber: invoiceNumber,
      supplierId,
      currency,
      creditDate: invoiceDate,
      ...(credited === undefined ? {} : { invoiceNumber: credited }),
      ...(amounts.totalAmount === undefined ? {} : { totalAmount: absolute(amounts.totalAmount as string) }),
      ...(amounts.taxAmount === undefined ? {} : { taxAmount: absolute(amounts.taxAmount as string) }),
      lines: lines.map((l) => ({ ...l, quantity: absolute(l.quantity as string), unitPrice: absolute(l.unitPrice as string) })),
    },
    warnings,
  };
};

/** BIG07 transaction type codes (element 640) read as an ordinary invoice: none, or DI (debit invoice). */
const INVOICE_TYPES: readonly string[] = ['DI'];
/** Names of codes a sender may expect to work, for the refusal's message. */
const TYPE_NAMES: Readonly<Record<string, string>> = { DR: 'debit memo', CN: 'credit invoice', DC: 'debit and credit memo', CI: 'consolidated invoice', PR: 'product (or service)' };

/** What the 810 is by BIG07: an invoice, a credit memo (CR), or undefined (refused: AK4 code 7 on BIG07). */
function documentKind(reader: SetReader, big: SetSegment): 'invoice' | 'credit' | undefined {
  const code = reader.optional(big, 7);
  if (code === undefined || INVOICE_TYPES.includes(code)) return 'invoice';
  if (code === 'CR') return 'credit';
  const name = TYPE_NAMES[code];
  reader.invalid(big, 7, '640', `BIG07 (transaction type) "${code}"${name === undefined ? '' : ` (${name})`} is not mapped: an 810 is read as an invoice (no BIG07, or DI) or a credit memo (CR), and this one is not taken as an ordinary invoice`);
  return undefined;
}

interface SignedAmount {
  readonly at: SetSegment;
  /** The element that carries the sign. */
  readonly n: number;
  readonly value: string;
  readonly sign: -1 | 0 | 1;
}

/** A canonical decimal's sign, without reading it as a number. */
function signOf(value: string): -1 | 0 | 1 {
  if (!/[1-9]/.test(value)) return 0;
  return value.startsWith('-') ? -1 : 1;
}

function absolute(value: string): string {
  return value.replace(/^-/, '');
}

/** Whether an IT1 is signed as a credit (IT102 or IT104 negative); both negative is refused, not read as a positive line. */
function lineAmount(reader: SetReader, at: SetSegment, quantity: string, unitPrice: string): SignedAmount {
  const q = signOf(quantity);
  const p = signOf(unitPrice);
  if (q < 0 && p < 0) reader.invalid(at, 4, '212', `IT104 (unit price) "${unitPrice}" and IT102 (quantity) "${quantity}" are both negative: a credit memo line signs at most one of them`);
  if (q < 0) return { at, n: 2, value: quantity, sign: -1 };
  if (p < 0) return { at, n: 4, value: unitPrice, sign: -1 };
  return { at, n: 2, value: quantity, sign: q };
}

/**
 * A credit memo's amounts are credits however they are signed: all positive, or all negative
 * (some senders sign IT102 or IT104, TDS01 and TXI02). Both signs in one memo is refused rather
 * than guessed: AK4 code 7 on the first amount whose sign is not TDS01's.
 */
function checkCreditSigns(reader: SetReader, amounts: readonly SignedAmount[]): void {
  const total = amounts.find((a) => a.at.segment.id === 'TDS' && a.sign !== 0) ?? amounts.find((a) => a.sign !== 0);
  if (total === undefined) return;
  const name = (a: SignedAmount) => `${a.at.segment.id}${a.n < 10 ? `0${a.n}` : a.n}`;
  const words = (sign: number) => (sign < 0 ? 'negative' : 'positive');
  const odd = amounts.find((a) => a.sign !== 0 && a.sign !== total.sign);
  if (odd === undefined) return;
  const reference = odd.at.segment.id === 'TDS' ? '610' : odd.at.segment.id === 'TXI' ? '782' : odd.n === 2 ? '358' : '212';
  reader.invalid(
    odd.at,
    odd.n,
    reference,
    `${name(odd)} "${odd.value}" is ${words(odd.sign)} where ${name(total)} "${total.value}" is ${words(total.sign)}: a credit memo's amounts are all positive or all negative, not both`,
  );
}

/** An N2 amount ("125000") as a decimal string ("1250.00"). */
export function impliedCents(digits: string): string {
  const negative = digits.startsWith('-');
  const padded = digits.replace('-', '').padStart(3, '0');
  const whole = padded.slice(0, -2).replace(/^0+(?=\d)/, '');
  return `${negative ? '-' : ''}${whole}.${padded.slice(-2)}`;
}
