// The state of one procure-to-pay workflow: one purchase order line. Plain JSON (decimal
// strings, records keyed by ids) so it can be stored as a projection and compared byte for
// byte after a replay. Quantities are in the PO line's unit of measure.
import type { Dec } from '../money.js';
import { amount, dec, settleQuantity, str, sum, ZERO } from '../money.js';
import { fnv1aHex } from '../short-hash.js';
import { postingTally, receiptTally } from './p2p-tally.js';
import { toMs, utc } from '../time.js';

export type P2PStage =
  | 'awaiting_po'
  | 'released'
  | 'confirmed'
  | 'shipped'
  | 'received'
  | 'invoiced'
  | 'matched'
  | 'posted'
  | 'cancelled';

export const P2P_STAGES: readonly P2PStage[] = ['awaiting_po', 'released', 'confirmed', 'shipped', 'received', 'invoiced', 'matched', 'posted', 'cancelled'];

export interface PoLineTerms {
  readonly supplierId: string;
  readonly buyerPlant: string;
  readonly currency: string;
  readonly itemId: string;
  readonly itemCategory?: string;
  readonly uom: string;
  readonly unitPrice: string;
  readonly quantity: string;
  readonly needBy: string;
  readonly revision: number;
  /** Business time of the release or of the change that set these terms. */
  readonly since: string;
  /** Business time of the first release, kept through changes (absent on states stored before it was kept: read `since`). */
  readonly releasedAt?: string;
  readonly eventId: string;
}

/** One delivery a supplier promised (supplier.confirmation v2 `schedule`); without a quantity it covers the whole line. */
export interface PromisedDelivery {
  readonly promisedDate: string;
  readonly quantity?: string;
}

export interface ConfirmationRecord {
  readonly status: 'accepted' | 'changed' | 'rejected';
  readonly quantity?: string;
  readonly unitPrice?: string;
  readonly schedule?: readonly PromisedDelivery[];
  readonly at: string;
  readonly eventId: string;
  /** The PO revision the confirmation answers (a change re-opens confirmation). */
  readonly revision: number;
}

export interface MilestoneRecord {
  readonly milestone: string;
  /** When it happened (the event's `at`). */
  readonly at: string;
  /** When the hub received the report. */
  readonly received: string;
}

export interface ShipmentRecord {
  readonly shipmentId: string;
  readonly plant: string;
  readonly supplierId: string;
  /** In the PO unit; undefined when the shipment's unit (or one of its items' units) cannot be converted. */
  readonly quantity?: string;
  readonly uom: string;
  readonly rawQuantity: string;
  /** The items, where they are in more than one unit (rawQuantity then adds up numbers in different units). */
  readonly parts?: readonly DocumentPart[];
  readonly eta: string;
  /** Receipt deadline set by the last `receiving.expected` for this line. */
  readonly expectedBy?: string;
  /** The ETA that deadline was computed from. */
  readonly expectedForEta?: string;
  readonly lastMilestone?: string;
  /** Each logistics milestone as reported: when it happened and when the hub heard of it (for milestone lag). */
  readonly milestones?: readonly MilestoneRecord[];
  readonly eventId: string;
  /** Log sequence of the first ASN for this shipment (absent on states stored before it was kept). */
  readonly seq?: number;
}

/**
 * One of several items a document gives a PO line, kept where a single quantity (and price) in one
 * unit would not say it: items in different units (1 BOX and 6 EA), or billed at different prices.
 * Each is converted into the PO unit and, for a price, checked against the tolerance on its own.
 * Absent (the usual case) when the line's items share their unit and price.
 */
export interface DocumentPart {
  readonly quantity: string;
  readonly uom: string;
  readonly unitPrice?: string;
  readonly rejected?: string;
}

export interface ReceiptRecord {
  readonly receiptId: string;
  readonly eventId: string;
  readonly seq: number;
  readonly at: string;
  readonly plant: string;
  readonly shipmentId?: string;
  /** Net accepted quantity in the PO unit (negative for a reversal); undefined if the unit is unknown. */
  readonly quantity?: string;
  readonly rejected?: string;
  readonly rawQuantity: string;
  readonly rawRejected?: string;
  readonly uom: string;
  /** The items, where they are in more than one unit (rawQuantity then adds up numbers in different units). */
  readonly parts?: readonly DocumentPart[];
  readonly reversal: boolean;
  /**
   * Set on a reversal of more than the line held when it came (`held`: its net received quantity
   * then, in the PO unit): none of it is applied. It counts in no quantity and posts nothing; the
   * workflow raises reversal_exceeds_receipt (ADR 0046).
   */
  readonly refused?: { readonly held: string };
  /** Set once the GR/IR accrual (or reversal) for this receipt is posted. */
  readonly postingId?: string;
}

export type InvoiceStatus = 'received' | 'held' | 'matched' | 'exception';

/** What a supplier's billing document (an invoice, a credit memo) says about one line. */
export interface BilledDocument {
  readonly eventId: string;
  readonly seq: number;
  readonly at: string;
  readonly supplierId: string;
  readonly currency: string;
  /** In the PO unit (positive); undefined when the document's unit cannot be converted. */
  readonly quantity?: string;
  /** Price per PO unit. */
  readonly unitPrice?: string;
  readonly rawQuantity: string;
  readonly rawUnitPrice: string;
  readonly uom: string;
  /** The items, where they differ in unit or price: each is converted, and price-checked, on its own. */
  readonly parts?: readonly DocumentPart[];
}

export interface InvoiceRecord extends BilledDocument {
  readonly invoiceNumber: string;
  readonly status: InvoiceStatus;
  readonly holdUntil?: string;
  readonly afterHold?: boolean;
}

/**
 * A supplier's credit memo (`invoice.credited`) for the line: it takes back quantity billed and
 * matched. `received` until the workflow applies it (its AP liability posting, negative, marks it
 * `applied`) or stops it with an exception. One for an invoice still held for its goods stays
 * `received` while it waits with that invoice (`creditWaitsFor`; the view shows it `waiting`): it
 * is applied when the invoice matches, no derived event records the wait. One that names an
 * invoice the line does not have yet stays `received` too (`invoiceAwaitedBy`), under a
 * `credit_memo_hold` deadline, until that invoice comes.
 */
export interface CreditRecord extends BilledDocument {
  readonly creditMemoNumber: string;
  /** The invoice it credits, where the supplier names one. */
  readonly invoiceNumber?: string;
  readonly status: 'received' | 'applied' | 'exception';
}

/** A second invoice (or credit memo) event with a number the line already has from the same supplier. */
export interface DuplicateInvoiceRecord {
  readonly invoiceNumber: string;
  /** Set when the document sent again is a credit memo (its number is in `invoiceNumber`). */
  readonly creditMemo?: boolean;
  /** Absent on records stored before invoices were told apart by supplier: the one under `invoiceNumber`. */
  readonly supplierId?: string;
  readonly eventId: string;
  readonly seq: number;
  /** The original's event id, when it billed other lines only (this line has no record of it). */
  readonly original?: string;
}

export interface DeadlineRecord {
  readonly sla: string;
  readonly ref: string;
  readonly startedAt: string;
  readonly deadline: string;
  readonly owner: string;
  readonly breached: boolean;
}

export interface ExceptionRecord {
  readonly exceptionId: string;
  readonly code: string;
  /** What the exception is about within the line (an event id, an invoice number, a deadline key). */
  readonly ref: string;
  readonly owner: string;
  readonly status: 'open' | 'resolved';
  readonly raisedAt: string;
  readonly resolvedAt?: string;
}

export interface PostingRecord {
  readonly postingId: string;
  readonly kind: string;
  readonly amount: string;
  readonly currency: string;
  readonly quantity?: string;
  readonly receiptId?: string;
  readonly invoiceNumber?: string;
  /** When the hub posted it (the posting event's time); absent in states stored before it was kept. */
  readonly at?: string;
}

/**
 * Every line has the same keys in the same order (absent facts are `undefined`, which JSON
 * leaves out): one object shape keeps evolve fast, and the stored JSON does not depend on the
 * order events were applied in.
 */
export interface P2PLine {
  readonly key: string;
  readonly poNumber: string;
  readonly line: number;
  readonly terms: PoLineTerms | undefined;
  readonly cancelled: { readonly at: string; readonly eventId: string; readonly seq: number } | undefined;
  readonly confirmation: ConfirmationRecord | undefined;
  readonly shipments: Readonly<Record<string, ShipmentRecord>>;
  readonly receipts: Readonly<Record<string, ReceiptRecord>>;
  readonly invoices: Readonly<Record<string, InvoiceRecord>>;
  /** Credit memos, by event id. */
  readonly credits: Readonly<Record<string, CreditRecord>>;
  readonly duplicates: Readonly<Record<string, DuplicateInvoiceRecord>>;
  readonly deadlines: Readonly<Record<string, DeadlineRecord>>;
  readonly exceptions: Readonly<Record<string, ExceptionRecord>>;
  readonly postings: Readonly<Record<string, PostingRecord>>;
  /** Business time of the latest inbound fact, for ageing. */
  readonly lastActivity: string | undefined;
}

export function lineKey(poNumber: string, line: number): string {
  return `${poNumber}/${line}`;
}

export function emptyLine(poNumber: string, line: number): P2PLine {
  return restoreLine({ key: lineKey(poNumber, line), poNumber, line });
}

/** A line read back from JSON (where undefined facts were left out), in the one shape. */
export function restoreLine(parsed: Partial<P2PLine> & Pick<P2PLine, 'key' | 'poNumber' | 'line'>): P2PLine {
  return {
    key: parsed.key,
    poNumber: parsed.poNumber,
    line: parsed.line,
    terms: parsed.terms,
    cancelled: parsed.cancelled,
    confirmation: restoreConfirmation(parsed.confirmation),
    shipments: parsed.shipments ?? {},
    receipts: parsed.receipts ?? {},
    invoices: parsed.invoices ?? {},
    credits: parsed.credits ?? {},
    duplicates: parsed.duplicates ?? {},
    deadlines: parsed.deadlines ?? {},
    exceptions: parsed.exceptions ?? {},
    postings: parsed.postings ?? {},
    lastActivity: parsed.lastActivity,
  };
}

/**
 * A confirmation stored before the workflow read supplier.confirmation v2 kept one
 * `promisedDate`: it reads as the one-delivery schedule the v1 -> v2 upcaster makes of it.
 */
function restoreConfirmation(stored: ConfirmationRecord | undefined): ConfirmationRecord | undefined {
  const legacy = stored as (ConfirmationRecord & { readonly promisedDate?: string }) | undefined;
  if (legacy?.promisedDate === undefined) return stored;
  const { promisedDate, ...rest } = legacy;
  return { ...rest, schedule: [{ promisedDate }] };
}

/**
 * The quantity a supplier committed to: the line's `quantity`, else the sum of its scheduled
 * deliveries when each states one; undefined when it kept the ordered quantity.
 */
export function confirmedQuantityOf(confirmation: ConfirmationRecord): string | undefined {
  if (confirmation.quantity !== undefined) return confirmation.quantity;
  const schedule = confirmation.schedule ?? [];
  const quantities = schedule.flatMap((delivery) => (delivery.quantity === undefined ? [] : [delivery.quantity]));
  return schedule.length > 0 && quantities.length === schedule.length ? str(sum(quantities)) : undefined;
}

export function lineFromJson(text: string): P2PLine {
  return restoreLine(JSON.parse(text) as P2PLine);
}

/**
 * Where a line keeps a supplier's invoice, also its ref in deadlines and exceptions. Invoice
 * numbers are unique per supplier only: the first invoice with a number is kept under the number
 * (as lines stored before this were), another supplier's with the same number under
 * `supplier:number`, so it is matched on its own instead of counting as a duplicate. The ref goes
 * out in `sla.breached` (and `sla.started`), whose contracts allow 64 characters, as they do for
 * each of supplier id and invoice number: where `supplier:number` is longer, the ref is its last
 * characters and a hash of it. An invoice already kept is found under whatever key it was given
 * (lines stored before refs were bounded keep the long ones); a new one takes the first of these
 * keys that no other invoice of the line holds.
 */
export function invoiceKeyOf(state: Pick<P2PLine, 'invoices'>, supplierId: string, invoiceNumber: string): string {
  // The same document is the same supplier's number as AP reads it (documentNumberOf): "INV-001" is "inv-001".
  const wanted = documentNumberOf(invoiceNumber);
  const same = (invoice: InvoiceRecord) => invoice.supplierId === supplierId && (invoice.invoiceNumber === invoiceNumber || documentNumberOf(invoice.invoiceNumber) === wanted);
  const first = state.invoices[invoiceNumber];
  if (first !== undefined && same(first)) return invoiceNumber;
  for (const [key, invoice] of Object.entries(state.invoices)) if (same(invoice)) return key;
  if (first === undefined) return invoiceNumber;
  const full = `${supplierId}:${invoiceNumber}`;
  const characters = [...full];
  if (characters.length <= REF_LENGTH && state.invoices[full] === undefined) return full;
  // Code points, as the contracts count them; the tail keeps the end of the invoice number.
  const tail = characters.slice(-(REF_LENGTH - 9)).join('').trimStart();
  for (let attempt = 0; ; attempt += 1) {
    const key = `${tail}~${fnv1aHex(attempt === 0 ? full : `${full}\u0000${attempt}`)}`;
    if (state.invoices[key] === undefined) return key;
  }
}

/**
 * A supplier's invoice or credit memo number as accounts payable compares it (ADR 0068): without
 * white space at either end, inner runs of white space as one space, letters in one case
 * ("inv  2026-001" is "INV 2026-001"). Only for telling one document from another: records, views,
 * derived events and the log keep the number as sent. Upper case, so that the usual numbers
 * (digits, capitals, dashes) are their own form.
 */
export function documentNumberOf(number: string): string {
  return number.trim().replace(/\s+/gu, ' ').toUpperCase();
}

/** Whether two numbers name the same document of one supplier (documentNumberOf). */
export function sameDocumentNumber(a: string, b: string): boolean {
  return a === b || documentNumberOf(a) === documentNumberOf(b);
}

/** The longest ref the derived events' contracts take (their `identifier`). */
const REF_LENGTH = 64;

export function invoiceRefOf(state: Pick<P2PLine, 'invoices'>, invoice: Pick<InvoiceRecord, 'supplierId' | 'invoiceNumber'>): string {
  return invoiceKeyOf(state, invoice.supplierId, invoice.invoiceNumber);
}

export function deadlineKey(sla: string, ref: string): string {
  return `${sla}:${ref}`;
}

// Sums of quantities converted into the PO unit are settled (money.ts): 12 x 1/12 BOX is 1 BOX.

/** Net received quantity (accepted, reversals deducted), counting only receipts in a known unit and no refused reversal. */
export function receivedOf(state: P2PLine): Dec {
  return settleQuantity(receiptTally(state.receipts).received);
}

export function rejectedOf(state: P2PLine): Dec {
  return settleQuantity(receiptTally(state.receipts).rejected);
}

export function shippedOf(state: P2PLine): Dec {
  return settledSum(Object.values(state.shipments).flatMap((s) => (s.quantity === undefined ? [] : [s.quantity])));
}

function invoicedWith(state: P2PLine, statuses: readonly InvoiceStatus[]): Dec {
  return settledSum(Object.values(state.invoices).flatMap((i) => (statuses.includes(i.status) && i.quantity !== undefined ? [i.quantity] : [])));
}

function settledSum(quantities: readonly string[]): Dec {
  return settleQuantity(sum(quantities));
}

/** Quantity taken back by the credit memos applied to the line. */
export function creditedOf(state: P2PLine): Dec {
  return settledSum(Object.values(state.credits).flatMap((c) => (c.status === 'applied' && c.quantity !== undefined ? [c.quantity] : [])));
}

/**
 * The key of the invoice a credit memo credits: the one it names, whenever it came (a credit memo
 * may reach the hub before its invoice: it waits for it), or, when it names none, the only invoice
 * its supplier sent the line before it (it can belong to no other; one that comes after it was not
 * credited by it). Undefined while the invoice it names has not come.
 */
export function creditedInvoiceKeyOf(state: Pick<P2PLine, 'invoices'>, credit: CreditRecord): string | undefined {
  if (credit.invoiceNumber !== undefined) {
    const key = invoiceKeyOf(state, credit.supplierId, credit.invoiceNumber);
    const invoice = state.invoices[key];
    return invoice !== undefined && invoice.supplierId === credit.supplierId && sameDocumentNumber(invoice.invoiceNumber, credit.invoiceNumber) ? key : undefined;
  }
  const earlier = Object.entries(state.invoices).filter(([, i]) => i.supplierId === credit.supplierId && i.seq < credit.seq);
  return earlier.length === 1 ? earlier[0]?.[0] : undefined;
}

/**
 * Whether a credit memo takes back all of an invoice: the same currency, the same quantity in the
 * PO unit and the same value to the currency's minor unit (a credit for all the quantity at
 * another price leaves part of the invoice claimed, or credits more than it billed).
 */
export function creditsAllOf(invoice: InvoiceRecord, credit: CreditRecord): boolean {
  if (invoice.quantity === undefined || credit.quantity === undefined || invoice.currency !== credit.currency) return false;
  const quantity = settleQuantity(dec(invoice.quantity));
  return quantity.eq(settleQuantity(dec(credit.quantity))) && billedValueOf(invoice) === billedValueOf(credit);
}

/** What a billing document bills the line for, in its currency's minor units. */
export function billedValueOf(document: BilledDocument): string {
  return amount(settleQuantity(dec(document.quantity ?? '0')).times(dec(document.unitPrice ?? '0')), document.currency);
}

/**
 * The credit memo that settles an invoice stopped by an exception (ADR 0068): the first, in the
 * order they came, not decided yet, that credits it and takes back all of it. The supplier has
 * withdrawn the invoice: neither document is owed, nothing is posted for either, and the
 * invoice's exception is resolved (p2p-decide.ts). The stored records keep their status
 * (`exception`, `received`): the settlement is read from them, as a waiting credit memo is.
 */
export function settlingCreditOf(state: Pick<P2PLine, 'invoices' | 'credits'>, key: string, status: InvoiceStatus = state.invoices[key]?.status ?? 'received'): CreditRecord | undefined {
  const invoice = state.invoices[key];
  if (invoice === undefined || status !== 'exception') return undefined;
  let first: CreditRecord | undefined;
  for (const credit of Object.values(state.credits)) {
    if (credit.status !== 'received' || (first !== undefined && first.seq < credit.seq) || !creditsAllOf(invoice, credit)) continue;
    if (creditedInvoiceKeyOf(state, credit) === key) first = credit;
  }
  return first;
}

/** The key of the invoice a credit memo settles (settlingCreditOf), if it settles one. */
export function invoiceSettledBy(state: Pick<P2PLine, 'invoices' | 'credits'>, credit: CreditRecord): string | undefined {
  if (credit.status !== 'received') return undefined;
  const key = creditedInvoiceKeyOf(state, credit);
  return key !== undefined && settlingCreditOf(state, key)?.eventId === credit.eventId ? key : undefined;
}

/** Invoices a credit memo settled (settlingCreditOf): AP owes nothing for them and waits for nothing. */
function isSettled(state: P2PLine, key: string): boolean {
  return settlingCreditOf(state, key) !== undefined;
}

/**
 * The invoice a credit memo waits with: not decided yet (`received`), for an invoice held for its
 * goods. The workflow applies it when that invoice matches (p2p-decide.ts); a credit memo that
 * could not wait (another supplier, more than the invoice bills...) was stopped at once.
 */
export function creditWaitsFor(state: Pick<P2PLine, 'invoices'>, credit: CreditRecord): InvoiceRecord | undefined {
  if (credit.status !== 'received') return undefined;
  const key = creditedInvoiceKeyOf(state, credit);
  const invoice = key === undefined ? undefined : state.invoices[key];
  return invoice?.status === 'held' ? invoice : undefined;
}

/**
 * The number of the invoice a credit memo waits for because it has not reached the line yet: it
 * names one, is not decided, and the line has no such invoice from its supplier. The workflow
 * applies it after that invoice (or lets it wait with it, held), and tells AP when the
 * `credit_memo_hold` SLA passes first (p2p-decide.ts).
 */
export function invoiceAwaitedBy(state: Pick<P2PLine, 'invoices'>, credit: CreditRecord): string | undefined {
  if (credit.status !== 'received' || credit.invoiceNumber === undefined) return undefined;
  return creditedInvoiceKeyOf(state, credit) === undefined ? credit.invoiceNumber : undefined;
}

/** Quantity of the credit memos waiting with held invoices: the supplier no longer bills it. */
function waitingCreditOf(state: P2PLine): Dec {
  return settledSum(Object.values(state.credits).flatMap((c) => (c.quantity !== undefined && creditWaitsFor(state, c) !== undefined ? [c.quantity] : [])));
}

/** Quantity billed by matched invoices, less what applied credit memos took back. */
export function matchedOf(state: P2PLine): Dec {
  return settleQuantity(invoicedWith(state, ['matched']).minus(creditedOf(state)));
}

/**
 * Quantity the supplier has validly billed: invoices matched, held for their goods or not yet
 * decided, less applied credit memos and those waiting with held invoices; duplicates excluded. An invoice stopped by an exception
 * (price or quantity variance, wrong supplier...) is not counted: AP does not owe it as it stands,
 * and an AP clerk reading "invoiced" would take it as owed. It is shown apart (`stoppedOf`).
 */
export function invoicedOf(state: P2PLine): Dec {
  return settleQuantity(invoicedWith(state, ['received', 'matched', 'held']).minus(creditedOf(state)).minus(waitingCreditOf(state)));
}

/** Quantity billed by invoices stopped by an exception, waiting for someone in AP to settle them. */
export function stoppedOf(state: P2PLine): Dec {
  return settledSum(Object.entries(state.invoices).flatMap(([key, i]) => (i.status === 'exception' && i.quantity !== undefined && !isSettled(state, key) ? [i.quantity] : [])));
}

export function orderedOf(state: P2PLine): Dec {
  return state.terms === undefined ? ZERO : dec(state.terms.quantity);
}

/** Whether the supplier has confirmed the current revision of the line. */
export function isConfirmed(state: P2PLine): boolean {
  const { confirmation, terms } = state;
  return confirmation !== undefined && terms !== undefined && confirmation.revision >= terms.revision && confirmation.status !== 'rejected';
}

/** Whether a shipment has been received: a receipt names it, or the line holds all that was shipped. */
export function isShipmentReceived(state: P2PLine, shipmentId: string): boolean {
  if (receiptTally(state.receipts).shipments.has(shipmentId)) return true;
  const shipped = shippedOf(state);
  return shipped.gt(0) && receivedOf(state).gte(shipped);
}

/**
 * GR/IR balance still open: accrued receipts (reversals included) less what matched invoices
 * cleared at the PO price. Positive means goods received, not yet invoiced.
 */
export function openGrirOf(state: P2PLine): Dec {
  const { accrued, ap, variance } = postingTally(state.postings);
  // An invoice clears GR/IR by its amount at the PO price: AP liability less the price variance.
  return accrued.minus(ap.minus(variance));
}

/**
 * The open GR/IR as it stood at `beforeMs` (what was posted before that instant), for a past
 * window's figures. A posting stored without its time (a state from before it was kept) counts
 * as posted before: such a line shows today's balance, as every line did before.
 */
export function openGrirAt(state: P2PLine, beforeMs: number): Dec {
  const before: Record<string, PostingRecord> = {};
  for (const [id, posting] of Object.entries(state.postings)) {
    if (posting.at === undefined || toMs(posting.at) < beforeMs) before[id] = posting;
  }
  const { accrued, ap, variance } = postingTally(before);
  return accrued.minus(ap.minus(variance));
}

export function stageOf(state: P2PLine): P2PStage {
  if (state.cancelled !== undefined) return 'cancelled';
  if (state.terms === undefined) return 'awaiting_po';
  // An invoice its supplier took back with a credit memo is no longer billed (ADR 0068).
  const invoices = Object.entries(state.invoices).flatMap(([key, i]) => (i.status === 'exception' && isSettled(state, key) ? [] : [i]));
  const received = receivedOf(state);
  const matched = matchedOf(state);
  const open = invoices.some((i) => i.status !== 'matched');
  // Every invoice matched (credit memos may have taken some back since).
  if (invoices.length > 0 && !open && invoicedWith(state, ['matched']).gt(0)) {
    return matched.gt(0) && matched.gte(received) && received.gte(orderedOf(state)) ? 'posted' : 'matched';
  }
  if (invoices.length > 0) return 'invoiced';
  if (received.gt(0)) return 'received';
  if (Object.keys(state.shipments).length > 0) return 'shipped';
  if (isConfirmed(state)) return 'confirmed';
  return 'released';
}

/** A deadline that has neither passed into a breach nor been met. */
export interface ActiveDeadline extends DeadlineRecord {
  readonly key: string;
}

export function isDeadlineMet(state: P2PLine, deadline: DeadlineRecord): boolean {
  if (state.cancelled !== undefined) return true;
  switch (deadline.sla) {
    case 'supplier_confirmation': {
      const revision = Number(deadline.ref.replace(/^rev/, ''));
      return state.confirmation !== undefined && state.confirmation.revision >= revision;
    }
    case 'receipt_after_eta':
      return isShipmentReceived(state, deadline.ref);
    case 'invoice_hold':
      return state.invoices[deadline.ref]?.status !== 'held';
    case 'purchase_order_missing':
      return state.terms !== undefined;
    case 'credit_memo_hold':
      // The ref is the credit memo's number (a bounded identifier, unlike an event id).
      return !Object.values(state.credits).some((c) => c.creditMemoNumber === deadline.ref && invoiceAwaitedBy(state, c) !== undefined);
    default:
      return false;
  }
}

export function activeDeadlines(state: P2PLine): ActiveDeadline[] {
  return Object.entries(state.deadlines)
    .filter(([, d]) => !d.breached && !isDeadlineMet(state, d))
    .map(([key, d]) => ({ ...d, key }))
    .sort((a, b) => toMs(a.deadline) - toMs(b.deadline) || a.key.localeCompare(b.key));
}

/** The earliest active deadline, as an ISO time, for the scheduler's index. */
export function nextDueOf(state: P2PLine): string | undefined {
  const first = activeDeadlines(state)[0];
  return first === undefined ? undefined : utc(first.deadline);
}

export function openExceptionsOf(state: P2PLine): ExceptionRecord[] {
  return Object.values(state.exceptions).filter((e) => e.status === 'open');
}
