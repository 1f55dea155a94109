// 810 invoice -> invoice.received. BIG gives the invoice number and date (and the PO when the
// whole invoice is for one), CUR the currency, ITD06 the net due date, each IT1 a line (a PO
// id pair on the line wins over BIG04; IT105 the price's basis), TDS the total (implied two
// decimals), TXI the tax: the summary's when there is one, else the lines' (never both).
// BIG07 (transaction type) CR makes it a credit memo -> invoice.credited (ADR 0028): the same
// lines and totals as positive amounts, the credited invoice from a header REF*OI (else REF*IV).
// Any other BIG07 but DI (debit invoice) is refused, never read as an ordinary invoice.
// TDS01 must be what the lines, SAC charges and allowances and TXI taxes add up to: an invoice
// whose total says otherwise is refused rather than stored as a liability nobody can reconcile.
import { dec, sum } from '../money.js';
import type { Dec } from '../money.js';
import type { MappedData, SetMapper } from './x12-mapping.js';
import { addDecimals, canonicalUnit, productIds, unitPriceOf } from './x12-mapping.js';
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
  /** TXI02s in an IT1 loop (line tax) and elsewhere (summary, after TDS, or before the first IT1: the invoice's tax). */
  const taxes: { readonly lines: string[]; readonly invoice: string[] } = { lines: [], invoice: [] };
  let summary = false;
  /** The amounts whose sign a credit memo may flip: each line's extended amount, TDS01, TXI02. */
  const signed: SignedAmount[] = [];
  const references = new Map<string, string>();
  /** What TDS01 is checked against, as sent (signs included). */
  const footing: Footing = { lines: [], charges: [], allowances: [], total: undefined };
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
        // IT105 (basis of unit price): a price per hundred or thousand becomes the price of one IT103 unit.
        const unitPrice = unitPriceOf(reader, at, 4, reader.decimal(at, 4, '212', 'unit price'), uom);
        const poNumber = productIds(reader, at, 6).find((id) => id.qualifier === 'PO')?.value ?? poOfInvoice;
        if (poNumber === undefined) reader.invalid(at, 7, '234', 'the line names no purchase order (no PO id pair on IT1 and no BIG04)');
        if (kind === 'credit' && quantity !== undefined && unitPrice !== undefined) signed.push(lineAmount(reader, at, quantity, unitPrice));
        if (quantity !== undefined && unitPrice !== undefined) footing.lines.push(dec(quantity).times(unitPrice));
        lines.push({ poNumber, line, quantity, uom: uom === undefined ? undefined : canonicalUnit(uom), unitPrice });
        break;
      }
      case 'TDS': {
        summary = true;
        const total = reader.required(at, 1, '610', 'total invoice amount');
        if (total !== undefined) {
          if (!/^-?\d+$/.test(total)) reader.elementValue(at, 1, '610', '6', `TDS01 "${total}" is not an amount in cents (N2: digits, two implied decimals)`);
          else {
            out.totalAmount = impliedCents(total);
            signed.push({ at, n: 1, value: total, sign: signOf(total) });
            footing.total = { at, value: total };
          }
        }
        break;
      }
      case 'TXI': {
        const tax = reader.decimal(at, 2, '782', 'tax amount', false);
        if (tax !== undefined) {
          (lines.length > 0 && !summary ? taxes.lines : taxes.invoice).push(tax);
          signed.push({ at, n: 2, value: tax, sign: signOf(tax) });
        }
        break;
      }
      case 'SAC':
        allowanceOrCharge(reader, at, footing);
        break;
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
  // A sender that gives the tax per line and again in the summary gives it twice: the summary is
  // the invoice's tax (what TDS01 includes), the line TXIs its detail. Without one, the lines add up.
  const tax = taxes.invoice.length > 0 ? taxes.invoice : taxes.lines;
  // Only a set with nothing else wrong is added up: with a bad line or mixed signs the sums say nothing.
  const setAside = taxes.invoice.length > 0 && taxes.lines.length > 0 ? taxes.lines.map((t) => dec(t)) : [];
  if (!reader.hasProblems() && kind !== undefined) checkTotal(reader, { ...footing, taxes: tax.map((t) => dec(t)), setAside }, kind);
  const supplierId = context.sender.supplierId;
  if (reader.hasProblems() || kind === undefined || invoiceNumber === undefined || invoiceDate === undefined || supplierId === undefined) return undefined;
  if (tax.length > 0) out.taxAmount = addDecimals(tax);
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

/** The amounts of an 810 that make up TDS01, as the sender signed them. */
interface Footing {
  /** Each IT1's IT102 x IT104 (the price per IT103 unit, after IT105), unrounded. */
  readonly lines: Dec[];
  readonly charges: Dec[];
  readonly allowances: Dec[];
  total: { readonly at: SetSegment; readonly value: string } | undefined;
}

/**
 * SAC12 (allowance or charge method of handling, element 331) codes whose amount is on this
 * invoice: 02 off invoice, 06 charge to be paid by the customer; none given is taken as on it.
 * The others (01 bill back, 03 vendor check, 04 credit customer account, 05 paid by the vendor,
 * 15 information only...) are settled outside the invoice and are not in TDS01.
 */
const ON_INVOICE: readonly string[] = ['02', '06'];

/**
 * An SAC (header, line or summary) that is on the invoice: SAC01 C adds SAC05 (N2) to the
 * total, A takes it off, N (no allowance or charge) does neither. A charge given only as a
 * percentage cannot be added up, so it is refused rather than let the total go unchecked.
 */
function allowanceOrCharge(reader: SetReader, at: SetSegment, footing: Footing): void {
  const indicator = reader.code(at, 1, '248', 'allowance or charge indicator', ['A', 'C', 'N']);
  if (indicator === undefined || indicator === 'N') return;
  const handling = reader.optional(at, 12);
  if (handling !== undefined && !ON_INVOICE.includes(handling)) return;
  const what = indicator === 'C' ? 'charge' : 'allowance';
  const amount = reader.optional(at, 5);
  if (amount === undefined) {
    reader.elementValue(at, 5, '610', '2', `SAC05 (amount) is missing: a charge or allowance on the invoice needs its amount (in cents), which is added up against TDS01; this ${what} gives none`);
    return;
  }
  if (!/^-?\d+$/.test(amount)) {
    reader.elementValue(at, 5, '610', '6', `SAC05 (amount) "${amount}" is not an amount in cents (N2: digits, two implied decimals)`);
    return;
  }
  (indicator === 'C' ? footing.charges : footing.allowances).push(dec(impliedCents(amount)));
}

const cents = (value: Dec) => value.toDecimalPlaces(2);

/**
 * TDS01 is the invoice's total: the lines (IT102 x IT104, the price per IT103 unit after IT105),
 * plus charges, less allowances, plus taxes (TXI02: the summary's, else the lines'; `setAside`
 * holds line taxes a summary TXI made detail, named in the reason). Senders round either each line to the cent or only the total; either is taken,
 * any other difference is refused (AK4 code 7 on TDS01: X12 has no closer code), naming both
 * sums. A credit memo is added up without its signs, which checkCreditSigns found all one way.
 */
function checkTotal(reader: SetReader, footing: Footing & { readonly taxes: readonly Dec[]; readonly setAside: readonly Dec[] }, kind: 'invoice' | 'credit'): void {
  const { total } = footing;
  if (total === undefined) return;
  const credit = kind === 'credit';
  const amount = (value: Dec) => (credit ? value.abs() : value);
  const rest = sum(footing.charges.map(amount)).minus(sum(footing.allowances.map(amount))).plus(sum(footing.taxes.map(amount)));
  const lines = footing.lines.map(amount);
  const lineByLine = sum(lines.map(cents));
  const added = cents(lineByLine.plus(rest));
  const stated = amount(dec(impliedCents(total.value)));
  if (stated.eq(added) || stated.eq(cents(sum(lines).plus(rest)))) return;
  const text = (value: Dec) => value.toFixed(2);
  reader.invalid(
    total.at,
    1,
    '610',
    `TDS01 (total invoice amount) "${total.value}" is ${text(stated)}, but the ${credit ? 'credit memo' : 'invoice'} adds up to ${text(added)}: ` +
      `lines ${text(lineByLine)}, charges ${text(sum(footing.charges.map(amount)))}, allowances ${text(sum(footing.allowances.map(amount)))}, taxes ${text(sum(footing.taxes.map(amount)))}` +
      (footing.setAside.length === 0 ? ' ' : ` (the summary TXI; the ${text(sum(footing.setAside.map(amount)))} in the IT1 loops is its detail, not added again) `) +
      '(TDS01 is the IT1 lines, IT102 x IT104 per IT103 unit, plus SAC charges, less SAC allowances, plus TXI02 taxes: the summary TXI, else those of the lines)',
  );
}

/** An N2 amount ("125000") as a decimal string ("1250.00"). */
export function impliedCents(digits: string): string {
  const negative = digits.startsWith('-');
  const padded = digits.replace('-', '').padStart(3, '0');
  const whole = padded.slice(0, -2).replace(/^0+(?=\d)/, '');
  return `${negative ? '-' : ''}${whole}.${padded.slice(-2)}`;
}
