// evolve: what one event (inbound or derived) changes on one PO line. No rules, no policy:
// facts are recorded, decisions already taken are recorded; what the state alone tells of a fact
// (an invoice copies one the line has, a reversal takes back more than the line holds) is recorded
// with it, so that a replay, which does not decide, counts it the same. Each event touches its own
// records (keyed by ids), so a replay that applies derived events after later inbound events
// ends in the same state as live processing did. A record gains or replaces its entry in place
// (see evolveLine): copying a line's receipts for each new one made a long history quadratic.
import type { StoredEvent } from '../envelope.js';
import type { Dec } from '../money.js';
import { dec, settleQuantity, str, sum, ZERO } from '../money.js';
import type {
  BilledDocument,
  ConfirmationRecord,
  CreditRecord,
  DocumentPart,
  InvoiceRecord,
  P2PLine,
  PoLineTerms,
  PromisedDelivery,
  ReceiptRecord,
  ShipmentRecord,
} from './p2p-state.js';
import { deadlineKey, emptyLine, invoiceKeyOf, receivedOf, sameDocumentNumber } from './p2p-state.js';
import { receiptTally, setPosting, setReceipt } from './p2p-tally.js';

type Data = Readonly<Record<string, unknown>>;
type LineItem = Readonly<Record<string, unknown>>;

/** A unit conversion lookup: factor from one unit of an item into another; undefined if unknown. */
export type Convert = (itemId: string, from: string, to: string) => Dec | undefined;

/** The lines of `data.lines` that concern this PO line (`poNumber` from the item or the header). */
export function itemsFor(state: Pick<P2PLine, 'poNumber' | 'line'>, data: Data): LineItem[] {
  const lines = Array.isArray(data.lines) ? (data.lines as LineItem[]) : [];
  return lines.filter((item) => item.line === state.line && (item.poNumber ?? data.poNumber) === state.poNumber);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Sets one entry of one of a line's records, in place (records only grow or replace entries). */
function put<T>(record: Readonly<Record<string, T>>, key: string, value: T): Readonly<Record<string, T>> {
  (record as Record<string, T>)[key] = value;
  return record;
}

/**
 * Applies one event to one line. `convert` turns quantities into the line's unit: evolve
 * records a quantity only when master data can convert it (otherwise the fact is kept raw and
 * decide raises unit_of_measure_unknown).
 *
 * The line given is the caller's to give away: the returned line is a new object, but its
 * records (receipts, postings, invoices...) are the given line's, with the event's entry added or
 * replaced in place, so a line with 20,000 receipts is not copied for the 20,001st. Whoever keeps a
 * line to compare with later (a test, a cache) keeps a copy (its JSON), not the object.
 */
export function evolveLine(state: P2PLine, stored: StoredEvent, convert: Convert, copyOf?: string): P2PLine {
  const { event, sequence } = stored;
  const data = event.data;
  switch (event.type) {
    case 'po.released':
    case 'po.changed': {
      const item = itemsFor(state, data)[0];
      const revision = event.type === 'po.changed' ? Number(data.revision ?? 1) : 0;
      // An older revision that comes late says nothing about the line as it stands: its snapshot
      // neither sets the terms nor, by leaving out a line a later revision added, cancels it.
      if (state.terms !== undefined && state.terms.revision > revision) return state;
      if (item === undefined) {
        // A change that no longer lists the line cancels it.
        return event.type === 'po.changed' && state.terms !== undefined && state.cancelled === undefined
          ? { ...state, cancelled: { at: event.time, eventId: event.id, seq: sequence } }
          : state;
      }
      const terms: PoLineTerms = {
        supplierId: text(data.supplierId),
        buyerPlant: text(data.buyerPlant),
        currency: text(data.currency),
        itemId: text(item.itemId),
        ...optional('itemCategory', item.itemCategory as string | undefined),
        uom: text(item.uom),
        unitPrice: text(item.unitPrice),
        quantity: text(item.quantity),
        needBy: text(item.needBy),
        revision,
        since: event.time,
        // A change (or a second release) keeps the first release's time: the funnel counts a line from it.
        releasedAt: state.terms?.releasedAt ?? state.terms?.since ?? event.time,
        eventId: event.id,
      };
      // Receipts, shipments and invoices that came before the PO get their quantities now.
      return reconvert({ ...state, terms, lastActivity: event.time }, convert);
    }
    case 'po.cancelled': {
      const lines = data.lines as number[] | undefined;
      if (lines !== undefined && !lines.includes(state.line)) return state;
      if (state.cancelled !== undefined) return state;
      return { ...state, cancelled: { at: event.time, eventId: event.id, seq: sequence }, lastActivity: event.time };
    }
    case 'supplier.confirmation': {
      // The v2 shape: the processor upcasts v1 confirmations before they get here.
      const item = itemsFor(state, data)[0];
      if (item === undefined) return state;
      const schedule = Array.isArray(item.schedule)
        ? (item.schedule as LineItem[]).map((delivery): PromisedDelivery => ({ promisedDate: text(delivery.promisedDate), ...optional('quantity', delivery.quantity as string | undefined) }))
        : undefined;
      const confirmation: ConfirmationRecord = {
        status: item.status as ConfirmationRecord['status'],
        ...optional('quantity', item.quantity as string | undefined),
        ...optional('unitPrice', item.unitPrice as string | undefined),
        ...optional('schedule', schedule),
        at: event.time,
        eventId: event.id,
        revision: state.terms?.revision ?? 0,
      };
      return { ...state, confirmation, lastActivity: event.time };
    }
    case 'shipment.dispatched': {
      const items = itemsFor(state, data);
      if (items.length === 0) return state;
      const uom = text(items[0]?.uom);
      const raw = sum(items.map((i) => text(i.quantity)));
      // Items in several units (1 BOX and 6 EA) are each converted, as a receipt's are (ADR 0043, 0046).
      const parts = partsOf(items, false);
      const quantity = parts === undefined ? toLineUnit(state, raw, uom, convert) : partsInLineUnit(state, parts, convert);
      const shipmentId = text(data.shipmentId);
      // An updated ASN says what is shipped now: a quantity or items the one before had are not kept.
      const { quantity: _quantity, parts: _parts, ...before } = state.shipments[shipmentId] ?? {};
      const shipment: ShipmentRecord = {
        shipmentId,
        plant: text(data.shipToPlant),
        supplierId: text(data.supplierId),
        ...optional('quantity', quantity),
        uom,
        rawQuantity: str(raw),
        ...optional('parts', parts),
        eta: text(data.eta),
        eventId: event.id,
        // The first ASN's place in the log: whether the goods were announced before they came.
        seq: state.shipments[shipmentId]?.seq ?? sequence,
      };
      return { ...state, shipments: put(state.shipments, shipmentId, shipmentRecord({ ...before, ...shipment })), lastActivity: event.time };
    }
    case 'shipment.milestone': {
      const shipmentId = text(data.shipmentId);
      const shipment = state.shipments[shipmentId];
      if (shipment === undefined) return state;
      const eta = typeof data.eta === 'string' ? data.eta : shipment.eta;
      const reported = { milestone: text(data.milestone), at: text(data.at), received: stored.receivedTime };
      const known = (shipment.milestones ?? []).some((m) => m.milestone === reported.milestone && m.at === reported.at);
      const milestones = known ? shipment.milestones : [...(shipment.milestones ?? []), reported];
      return { ...state, shipments: put(state.shipments, shipmentId, shipmentRecord({ ...shipment, eta, lastMilestone: reported.milestone, ...optional('milestones', milestones) })) };
    }
    case 'goods.received': {
      const items = itemsFor(state, data);
      if (items.length === 0) return state;
      const uom = text(items[0]?.uom);
      const reversal = items.some((i) => i.reversal === true);
      const accepted = sum(items.map((i) => dec(text(i.quantity)).minus(dec(text(i.rejectedQuantity ?? '0')))));
      const rejected = sum(items.map((i) => text(i.rejectedQuantity ?? '0')));
      const netRaw = reversal ? accepted.neg() : accepted;
      const parts = partsOf(items, false);
      const counted = parts === undefined ? undefined : receiptInLineUnit(state, parts, reversal, convert);
      const quantity = parts === undefined ? toLineUnit(state, netRaw, uom, convert) : counted?.quantity;
      const rejectedInUnit = rejected.isZero() ? undefined : parts === undefined ? toLineUnit(state, rejected, uom, convert) : counted?.rejected;
      // Weighed once, against the line as it stood when the reversal came (a resend of the event keeps its verdict).
      const refused = state.receipts[event.id]?.refused ?? refusalOf(reversal, quantity, receivedOf(state));
      const receipt: ReceiptRecord = {
        receiptId: text(data.receiptId),
        eventId: event.id,
        seq: sequence,
        at: event.time,
        plant: text(data.plant),
        ...optional('shipmentId', data.shipmentId as string | undefined),
        ...optional('quantity', quantity),
        ...optional('rejected', rejectedInUnit),
        rawQuantity: str(netRaw),
        ...optional('rawRejected', rejected.isZero() ? undefined : str(rejected)),
        uom,
        ...optional('parts', parts),
        reversal,
        ...optional('refused', refused),
      };
      return { ...state, receipts: setReceipt(state.receipts, event.id, receipt), lastActivity: event.time };
    }
    case 'invoice.received': {
      const items = itemsFor(state, data);
      if (items.length === 0) return state;
      const invoiceNumber = text(data.invoiceNumber);
      const supplierId = text(data.supplierId);
      const key = invoiceKeyOf(state, supplierId, invoiceNumber);
      const existing = state.invoices[key];
      // A copy is one whether its original billed this line or only others (copyOf).
      if ((existing !== undefined && existing.eventId !== event.id) || copyOf !== undefined) {
        return { ...state, duplicates: put(state.duplicates, event.id, { invoiceNumber, supplierId, eventId: event.id, seq: sequence, ...optional('original', existing === undefined ? copyOf : undefined) }), lastActivity: event.time };
      }
      const invoice: InvoiceRecord = { invoiceNumber, ...billedDocument(stored, state, items, convert), status: 'received' };
      return { ...state, invoices: put(state.invoices, key, invoice), lastActivity: event.time };
    }
    case 'invoice.credited': {
      const items = itemsFor(state, data);
      if (items.length === 0 || state.credits[event.id] !== undefined) return state;
      const creditMemoNumber = text(data.creditMemoNumber);
      const supplierId = text(data.supplierId);
      const here = Object.values(state.credits).some((c) => c.supplierId === supplierId && sameDocumentNumber(c.creditMemoNumber, creditMemoNumber));
      if (here || copyOf !== undefined) {
        return {
          ...state,
          duplicates: put(state.duplicates, event.id, { invoiceNumber: creditMemoNumber, creditMemo: true, supplierId, eventId: event.id, seq: sequence, ...optional('original', here ? undefined : copyOf) }),
          lastActivity: event.time,
        };
      }
      const credit: CreditRecord = {
        creditMemoNumber,
        ...optional('invoiceNumber', data.invoiceNumber as string | undefined),
        ...billedDocument(stored, state, items, convert),
        status: 'received',
      };
      return { ...state, credits: put(state.credits, event.id, credit), lastActivity: event.time };
    }
    case 'sla.started': {
      const key = deadlineKey(text(data.sla), text(data.ref));
      const previous = state.deadlines[key];
      const deadline = text(data.deadline);
      // A moved deadline starts afresh; a repeated one keeps its breach.
      const breached = previous !== undefined && previous.deadline === deadline ? previous.breached : false;
      return { ...state, deadlines: put(state.deadlines, key, { sla: text(data.sla), ref: text(data.ref), startedAt: text(data.startedAt), deadline, owner: text(data.owner), breached }) };
    }
    case 'receiving.expected': {
      const shipmentId = text(data.shipmentId);
      const shipment = state.shipments[shipmentId];
      const key = deadlineKey('receipt_after_eta', shipmentId);
      const deadline = text(data.expectedBy);
      const previous = state.deadlines[key];
      if (shipment !== undefined) put(state.shipments, shipmentId, shipmentRecord({ ...shipment, expectedBy: deadline, expectedForEta: text(data.eta) }));
      put(state.deadlines, key, {
        sla: 'receipt_after_eta',
        ref: shipmentId,
        startedAt: text(data.eta),
        deadline,
        owner: previous?.owner ?? `receiving-${text(data.plant).toLowerCase()}`,
        breached: previous !== undefined && previous.deadline === deadline ? previous.breached : false,
      });
      return { ...state };
    }
    case 'sla.breached': {
      const key = deadlineKey(text(data.sla), text(data.ref));
      const deadline = state.deadlines[key];
      // A breach of a deadline that has since moved says nothing about the new one.
      if (deadline === undefined || deadline.deadline !== text(data.deadline)) return state;
      return { ...state, deadlines: put(state.deadlines, key, { ...deadline, breached: true }) };
    }
    case 'invoice.held': {
      const ref = invoiceKeyOf(state, text(data.supplierId), text(data.invoiceNumber));
      const invoice = state.invoices[ref];
      if (invoice === undefined || invoice.status === 'matched') return state;
      const holdUntil = text(data.holdUntil);
      const key = deadlineKey('invoice_hold', ref);
      return {
        ...state,
        invoices: put(state.invoices, ref, { ...invoice, status: 'held', holdUntil }),
        deadlines: put(state.deadlines, key, state.deadlines[key] ?? { sla: 'invoice_hold', ref, startedAt: invoice.at, deadline: holdUntil, owner: 'accounts-payable', breached: false }),
      };
    }
    case 'invoice.matched': {
      const ref = invoiceKeyOf(state, text(data.supplierId), text(data.invoiceNumber));
      const invoice = state.invoices[ref];
      if (invoice === undefined) return state;
      return { ...state, invoices: put(state.invoices, ref, { ...invoice, status: 'matched', afterHold: data.afterHold === true }) };
    }
    case 'finance.posting': {
      const postingId = text(data.postingId);
      const posting = {
        postingId,
        kind: text(data.kind),
        amount: text(data.amount),
        currency: text(data.currency),
        ...optional('quantity', data.quantity as string | undefined),
        ...optional('receiptId', data.receiptId as string | undefined),
        ...optional('invoiceNumber', data.invoiceNumber as string | undefined),
        // When it was posted: the GR/IR balance at a past instant counts what was posted before it.
        at: event.time,
      };
      const next = { ...state, postings: setPosting(state.postings, postingId, posting) };
      // A credit memo's AP liability (a negative quantity; an invoice's is positive) says it was applied.
      if (posting.kind === 'ap_liability' && posting.quantity?.startsWith('-') === true) {
        const credit = Object.values(state.credits)
          .filter((c) => c.creditMemoNumber === posting.invoiceNumber && c.status === 'received')
          .sort((a, b) => a.seq - b.seq)[0];
        if (credit !== undefined) put(state.credits, credit.eventId, { ...credit, status: 'applied' });
      }
      if ((posting.kind === 'grir_accrual' || posting.kind === 'reversal') && posting.receiptId !== undefined) {
        // The accrual belongs to the earliest receipt event of that receipt id not yet posted
        // (among the open ones: a receipt not posted yet is open).
        const receipt = [...receiptTally(state.receipts).open]
          .flatMap((eventId) => state.receipts[eventId] ?? [])
          .filter((r) => r.receiptId === posting.receiptId && r.postingId === undefined && r.refused === undefined)
          .sort((a, b) => a.seq - b.seq)[0];
        if (receipt !== undefined) setReceipt(state.receipts, receipt.eventId, { ...receipt, postingId });
      }
      return next;
    }
    case 'exception.raised': {
      const details = (data.details ?? {}) as Data;
      const exceptionId = text(data.exceptionId);
      const ref = text(details.ref ?? '');
      const next: P2PLine = {
        ...state,
        exceptions: put(state.exceptions, exceptionId, { exceptionId, code: text(data.code), ref, owner: text(data.owner), status: 'open', raisedAt: event.time }),
      };
      // An invoice that fails the match stays in exception until someone acts on it. The
      // exception names the PO's supplier, not the invoice's: the invoice is found by its event.
      const blocked = typeof data.invoiceNumber === 'string' && details.blocksInvoice === true ? Object.entries(state.invoices).find(([, i]) => i.eventId === details.invoiceEventId) : undefined;
      if (blocked !== undefined) {
        const [ref, invoice] = blocked;
        return { ...next, invoices: put(state.invoices, ref, { ...invoice, status: 'exception' }) };
      }
      const credit = details.blocksCredit === true ? state.credits[text(details.creditEventId)] : undefined;
      if (credit !== undefined) return { ...next, credits: put(state.credits, credit.eventId, { ...credit, status: 'exception' }) };
      return next;
    }
    case 'exception.resolved': {
      const exception = state.exceptions[text(data.exceptionId)];
      if (exception === undefined || exception.status === 'resolved') return state;
      const next = { ...state, exceptions: put(state.exceptions, exception.exceptionId, { ...exception, status: 'resolved', resolvedAt: event.time }) };
      // The workflow lifts a credit memo's stop itself only to weigh it again (a PO revision
      // released its invoice, ADR 0064): it is undecided again. One resolved by hand stays stopped:
      // AP settled it. credited_invoice_missing never stopped it.
      const credit = state.credits[exception.ref];
      if (credit?.status === 'exception' && data.resolution === 'automatic' && exception.code !== 'credited_invoice_missing') {
        return { ...next, credits: put(state.credits, credit.eventId, { ...credit, status: 'received' }) };
      }
      return next;
    }
    default:
      return state;
  }
}

function toLineUnit(state: P2PLine, quantity: Dec, uom: string, convert: Convert): string | undefined {
  // Before the PO is known there is no line unit: the raw quantity waits for it.
  if (state.terms === undefined) return undefined;
  const factor = convert(state.terms.itemId, uom, state.terms.uom);
  return factor === undefined ? undefined : str(quantity.times(factor));
}

/** Quantities of every record in the line's (possibly new) unit, from their raw values. */
function reconvert(state: P2PLine, convert: Convert): P2PLine {
  const terms = state.terms;
  if (terms === undefined) return state;
  const factorOf = (uom: string) => convert(terms.itemId, uom, terms.uom);
  const shipments: Record<string, ShipmentRecord> = {};
  for (const [id, s] of Object.entries(state.shipments)) {
    const { quantity: _q, ...rest } = s;
    const factor = factorOf(s.uom);
    const quantity = s.parts === undefined ? (factor === undefined ? undefined : str(dec(s.rawQuantity).times(factor))) : partsInLineUnit(state, s.parts, convert);
    shipments[id] = shipmentRecord({ ...rest, ...optional('quantity', quantity) });
  }
  const receipts: Record<string, ReceiptRecord> = {};
  for (const [id, r] of Object.entries(state.receipts)) {
    const { quantity: _q, rejected: _r, ...rest } = r;
    const factor = factorOf(r.uom);
    const counted = r.parts === undefined ? undefined : receiptInLineUnit(state, r.parts, r.reversal, convert);
    receipts[id] = {
      ...rest,
      ...(r.parts === undefined
        ? {
            ...optional('quantity', factor === undefined ? undefined : str(dec(r.rawQuantity).times(factor))),
            ...optional('rejected', factor === undefined || r.rawRejected === undefined ? undefined : str(dec(r.rawRejected).times(factor))),
          }
        : { ...optional('quantity', counted?.quantity), ...optional('rejected', r.rawRejected === undefined ? undefined : counted?.rejected) }),
    };
  }
  refuseReversalsBeyondReceipts(receipts);
  const billedParts = (parts: readonly DocumentPart[]) => billedInLineUnit(state, parts, convert);
  return { ...state, shipments, receipts, invoices: reconvertBilled(state.invoices, factorOf, billedParts), credits: reconvertBilled(state.credits, factorOf, billedParts) };
}

/**
 * Whether a receipt is a reversal of more than the line holds (`held`, its net received quantity
 * in the PO unit, settled): such a reversal is refused whole, for it would leave the line with less
 * than nothing received and reverse GR/IR that was never accrued. Taking off only what the line
 * holds would apply a part of a document the plant got wrong. Undefined for anything else, and for
 * a reversal whose quantity is not known in the line's unit yet.
 */
function refusalOf(reversal: boolean, quantity: string | undefined, held: Dec): { held: string } | undefined {
  if (!reversal || quantity === undefined) return undefined;
  return settleQuantity(dec(quantity).neg()).gt(held) ? { held: str(held) } : undefined;
}

/**
 * Reversals whose quantity became known with the PO (or with its new unit) are weighed in the
 * order they came, against the receipts before them, as evolve weighs one that comes after the PO.
 * A verdict once given stands, and a reversal already posted stays applied.
 */
function refuseReversalsBeyondReceipts(receipts: Record<string, ReceiptRecord>): void {
  let held = ZERO;
  for (const receipt of Object.values(receipts).sort((a, b) => a.seq - b.seq)) {
    if (receipt.quantity === undefined || receipt.refused !== undefined) continue;
    const refused = receipt.postingId === undefined ? refusalOf(receipt.reversal, receipt.quantity, settleQuantity(held)) : undefined;
    if (refused === undefined) held = held.plus(dec(receipt.quantity));
    else receipts[receipt.eventId] = { ...receipt, refused };
  }
}

/** What an invoice or credit memo bills a line for, in the line's unit where master data converts it. */
type Billed = Pick<BilledDocument, 'quantity' | 'unitPrice' | 'rawQuantity' | 'rawUnitPrice' | 'uom' | 'parts'>;

/** An invoice's or credit memo's event, as the line records it: who sent it when, and the quantity and price of its items for the line. */
function billedDocument({ event, sequence }: StoredEvent, state: P2PLine, items: readonly LineItem[], convert: Convert): BilledDocument {
  const uom = text(items[0]?.uom);
  const raw = sum(items.map((i) => text(i.quantity)));
  // Several document lines for one PO line are billed at their quantity-weighted price.
  const rawAmount = sum(items.map((i) => dec(text(i.quantity)).times(dec(text(i.unitPrice)))));
  const rawPrice = raw.isZero() ? dec(text(items[0]?.unitPrice ?? '0')) : rawAmount.div(raw);
  const factor = state.terms === undefined ? undefined : convert(state.terms.itemId, uom, state.terms.uom);
  const parts = partsOf(items, true);
  const billed = parts === undefined ? undefined : billedInLineUnit(state, parts, convert);
  return {
    eventId: event.id,
    seq: sequence,
    at: event.time,
    supplierId: text(event.data.supplierId),
    currency: text(event.data.currency),
    ...(parts === undefined
      ? { ...optional('quantity', factor === undefined ? undefined : str(raw.times(factor))), ...optional('unitPrice', factor === undefined ? undefined : str(rawPrice.div(factor))) }
      : { ...optional('quantity', billed?.quantity), ...optional('unitPrice', billed?.unitPrice) }),
    rawQuantity: str(raw),
    rawUnitPrice: str(rawPrice),
    uom,
    ...optional('parts', parts),
  };
}

/**
 * A document's items for one line, kept apart where one quantity and price would misstate them:
 * they are in different units (1 BOX and 6 EA added up as 7 BOX made 84 EA of 18), or, billed, at
 * different prices (50 at 10.00 and 50 at 15.00 averaged to the 12.50 of the PO, within tolerance,
 * when each is 20% off). Undefined when the items share their unit (and price): a single item, the usual case.
 */
function partsOf(items: readonly LineItem[], billed: boolean): DocumentPart[] | undefined {
  const first = items[0];
  if (items.length < 2 || first === undefined) return undefined;
  const samePrice = (i: LineItem) => !billed || dec(text(i.unitPrice)).eq(dec(text(first.unitPrice)));
  if (items.every((i) => text(i.uom) === text(first.uom) && samePrice(i))) return undefined;
  return items.map((i) => ({
    quantity: text(i.quantity),
    uom: text(i.uom),
    ...optional('unitPrice', billed ? text(i.unitPrice) : undefined),
    ...optional('rejected', i.rejectedQuantity === undefined ? undefined : text(i.rejectedQuantity)),
  }));
}

/** Each part's factor into the line's unit; undefined before the PO, or when master data cannot convert one of them. */
function partFactors(state: P2PLine, parts: readonly DocumentPart[], convert: Convert): Dec[] | undefined {
  const terms = state.terms;
  if (terms === undefined) return undefined;
  const factors: Dec[] = [];
  for (const part of parts) {
    const factor = convert(terms.itemId, part.uom, terms.uom);
    if (factor === undefined) return undefined;
    factors.push(factor);
  }
  return factors;
}

/** What a shipment's parts add up to in the line's unit; undefined where one of them cannot be converted. */
function partsInLineUnit(state: P2PLine, parts: readonly DocumentPart[], convert: Convert): string | undefined {
  const factors = partFactors(state, parts, convert);
  return factors === undefined ? undefined : str(sum(parts.map((p, i) => dec(p.quantity).times(factors[i] ?? 1))));
}

/** A receipt's net accepted (negative for a reversal) and rejected quantities in the line's unit, part by part. */
function receiptInLineUnit(state: P2PLine, parts: readonly DocumentPart[], reversal: boolean, convert: Convert): { quantity: string; rejected: string } | undefined {
  const factors = partFactors(state, parts, convert);
  if (factors === undefined) return undefined;
  const rejected = sum(parts.map((p, i) => dec(p.rejected ?? '0').times(factors[i] ?? 1)));
  const accepted = sum(parts.map((p, i) => dec(p.quantity).times(factors[i] ?? 1))).minus(rejected);
  return { quantity: str(reversal ? accepted.neg() : accepted), rejected: str(rejected) };
}

/** What a document's parts bill in the line's unit, and their quantity-weighted price per line unit. */
function billedInLineUnit(state: P2PLine, parts: readonly DocumentPart[], convert: Convert): { quantity: string; unitPrice: string } | undefined {
  const factors = partFactors(state, parts, convert);
  if (factors === undefined) return undefined;
  const quantity = sum(parts.map((p, i) => dec(p.quantity).times(factors[i] ?? 1)));
  const value = sum(parts.map((p) => dec(p.quantity).times(dec(p.unitPrice ?? '0'))));
  return { quantity: str(quantity), unitPrice: str(quantity.isZero() ? ZERO : value.div(quantity)) };
}

/** Invoices or credit memos with their quantity and price in the line's (possibly new) unit. */
function reconvertBilled<T extends Billed>(
  records: Readonly<Record<string, T>>,
  factorOf: (uom: string) => Dec | undefined,
  billedParts: (parts: readonly DocumentPart[]) => { quantity: string; unitPrice: string } | undefined,
): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [id, record] of Object.entries(records)) {
    const { quantity: _q, unitPrice: _p, ...rest } = record;
    const factor = factorOf(record.uom);
    const billed = record.parts === undefined ? undefined : billedParts(record.parts);
    out[id] = {
      ...rest,
      ...(record.parts === undefined
        ? {
            ...optional('quantity', factor === undefined ? undefined : str(dec(record.rawQuantity).times(factor))),
            ...optional('unitPrice', factor === undefined ? undefined : str(dec(record.rawUnitPrice).div(factor))),
          }
        : { ...optional('quantity', billed?.quantity), ...optional('unitPrice', billed?.unitPrice) }),
    } as T;
  }
  return out;
}

/**
 * A shipment record with its keys in one fixed order. Inbound events (dispatch, milestones) and
 * derived ones (receiving.expected) set its fields; a replay applies them in another order than
 * live processing did, and the stored JSON must still be byte-identical.
 */
function shipmentRecord(s: ShipmentRecord): ShipmentRecord {
  return {
    shipmentId: s.shipmentId,
    plant: s.plant,
    supplierId: s.supplierId,
    ...optional('quantity', s.quantity),
    uom: s.uom,
    rawQuantity: s.rawQuantity,
    ...optional('parts', s.parts),
    eta: s.eta,
    ...optional('expectedBy', s.expectedBy),
    ...optional('expectedForEta', s.expectedForEta),
    ...optional('lastMilestone', s.lastMilestone),
    ...optional('milestones', s.milestones),
    eventId: s.eventId,
    ...optional('seq', s.seq),
  };
}

/** A fresh line for a key that the log has not mentioned before. */
export function lineFor(poNumber: string, line: number): P2PLine {
  return emptyLine(poNumber, line);
}
