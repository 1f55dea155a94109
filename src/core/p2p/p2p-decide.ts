// decide: given a PO line's state after an input event, the derived events the rules of
// DESIGN.md section 3 require that the state does not already show. It reconciles rather than
// reacts: each rule checks whether its effect (a posting, a hold, an exception with its ref)
// is present, so a rule never fires twice and a late PO release catches up on everything
// that waited for it. Pure: time comes in as `now`, rules as `policy`.
import type { CloudEvent, StoredEvent } from '../envelope.js';
import { derivedEvent } from '../envelope.js';
import type { Dec } from '../money.js';
import { amount, dec, settleQuantity, str, sum, ZERO } from '../money.js';
import { addMs, isAfter, toMs } from '../time.js';
import type { P2PExceptionCode, P2PPolicy, P2PSla } from './p2p-policy.js';
import type { CreditRecord, ExceptionRecord, InvoiceRecord, InvoiceStatus, P2PLine, PoLineTerms, ReceiptRecord } from './p2p-state.js';
import { billedValueOf, confirmedQuantityOf, creditedInvoiceKeyOf, deadlineKey, invoiceKeyOf, invoiceRefOf, isShipmentReceived, matchedOf, orderedOf, receivedOf, sameDocumentNumber, settlingCreditOf } from './p2p-state.js';
import { postingTally, receiptTally } from './p2p-tally.js';
import type { MatchExceptionCode, MatchVerdict } from './three-way-match.js';
import { billableOf, checkCredit, matchCredit, matchInvoice } from './three-way-match.js';


export interface DecisionContext {
  /** The input event just applied to the state. */
  readonly cause: StoredEvent;
  /** Position of this line among the lines the cause touches (keeps derived ids unique). */
  readonly keyIndex: number;
  /** Processing time, RFC 3339. */
  readonly now: string;
  readonly policy: P2PPolicy;
}

const DAY_MS = 86_400_000;

/** Builds derived events with ids that follow from the cause's sequence: stable and unique. */
class Derivation {
  readonly events: CloudEvent[] = [];
  private readonly raised = new Map<string, string>();
  private readonly resolved = new Set<string>();
  /** Invoices this decision stopped (by event id), with the code: the state learns it only when the exception is applied. */
  private readonly stopped = new Map<string, string>();

  constructor(
    private readonly state: P2PLine,
    private readonly ctx: DecisionContext,
  ) {}

  private nextId(prefix: string): string {
    return `${prefix}-${this.ctx.cause.sequence}-${this.ctx.keyIndex}-${this.events.length}`;
  }

  emit(type: string, data: Record<string, unknown>): void {
    this.events.push(derivedEvent(this.nextId('mr'), type, this.ctx.now, this.state.key, this.ctx.cause, data, this.state.terms?.buyerPlant));
  }

  /**
   * The exception with this code and ref, raised before or in this decision: the open one where
   * there is one (an invoice weighed again after a PO revision may be stopped again for a code it
   * was released from), else the latest.
   */
  findException(code: P2PExceptionCode, ref: string): Pick<ExceptionRecord, 'exceptionId' | 'status' | 'raisedAt'> | undefined {
    const id = this.raised.get(`${code}\u0000${ref}`);
    if (id !== undefined) return { exceptionId: id, status: this.resolved.has(id) ? 'resolved' : 'open', raisedAt: this.ctx.now };
    let found: Pick<ExceptionRecord, 'exceptionId' | 'status' | 'raisedAt'> | undefined;
    for (const known of Object.values(this.state.exceptions)) {
      if (known.code !== code || known.ref !== ref) continue;
      found = { exceptionId: known.exceptionId, status: this.resolved.has(known.exceptionId) ? 'resolved' : known.status, raisedAt: known.raisedAt };
      if (found.status === 'open') return found;
    }
    return found;
  }

  /**
   * Raises an exception once per code and ref; with `again`, also where the one raised before was
   * resolved (an invoice stopped anew by a PO revision, a hold that started afresh).
   */
  raise(code: P2PExceptionCode, ref: string, message: string, evidence: readonly string[], extra: Record<string, unknown> = {}, details: Record<string, unknown> = {}, again = false): void {
    const known = this.findException(code, ref);
    if (known !== undefined && (!again || known.status === 'open')) return;
    if (details.blocksInvoice === true && typeof details.invoiceEventId === 'string') this.stopped.set(details.invoiceEventId, code);
    const exceptionId = this.nextId('EXC');
    const plant = this.state.terms?.buyerPlant ?? (extra.plant as string | undefined);
    this.raised.set(`${code}\u0000${ref}`, exceptionId);
    this.emit('exception.raised', {
      exceptionId,
      code,
      owner: this.ctx.policy.ownerOf(code, plant),
      workflow: 'p2p',
      severity: SEVERITY[code],
      message,
      poNumber: this.state.poNumber,
      line: this.state.line,
      ...(this.state.terms === undefined ? {} : { supplierId: this.state.terms.supplierId, plant: this.state.terms.buyerPlant }),
      ...extra,
      evidence: [...new Set(evidence)],
      details: { ref, ...details },
    });
  }

  /** The code of the exception this decision raised to stop an invoice, if it did. */
  stoppedBy(invoiceEventId: string): string | undefined {
    return this.stopped.get(invoiceEventId);
  }

  resolve(code: P2PExceptionCode, ref: string, reason: string): void {
    const exception = this.findException(code, ref);
    if (exception === undefined || exception.status !== 'open') return;
    this.resolved.add(exception.exceptionId);
    this.emit('exception.resolved', {
      exceptionId: exception.exceptionId,
      code,
      resolvedBy: 'millrace',
      reason,
      resolution: 'automatic',
      workflow: 'p2p',
      poNumber: this.state.poNumber,
      line: this.state.line,
    });
  }

  startSla(sla: P2PSla, ref: string, startedAt: string, deadline: string, owner: string): void {
    this.emit('sla.started', {
      sla,
      workflow: 'p2p',
      owner,
      startedAt,
      deadline,
      ref,
      poNumber: this.state.poNumber,
      line: this.state.line,
      ...(this.state.terms === undefined ? {} : { supplierId: this.state.terms.supplierId, plant: this.state.terms.buyerPlant }),
    });
  }

  post(kind: 'grir_accrual' | 'reversal' | 'ap_liability' | 'price_variance', value: string, currency: string, fields: Record<string, unknown>): void {
    this.emit('finance.posting', {
      postingId: this.nextId('PST'),
      kind,
      amount: value,
      currency,
      poNumber: this.state.poNumber,
      line: this.state.line,
      ...fields,
    });
  }
}

const SEVERITY: Readonly<Record<P2PExceptionCode, 'low' | 'medium' | 'high'>> = {
  late_confirmation: 'medium',
  confirmation_mismatch: 'medium',
  receipt_overdue: 'high',
  over_receipt: 'medium',
  price_variance: 'high',
  quantity_variance: 'high',
  no_purchase_order: 'high',
  supplier_mismatch: 'high',
  currency_mismatch: 'high',
  receipt_missing: 'high',
  duplicate_invoice: 'high',
  unit_of_measure_unknown: 'medium',
  master_data_gap: 'medium',
  cancelled_line_activity: 'medium',
  receipt_reversed_after_match: 'high',
  credited_invoice_stopped: 'high',
  credited_invoice_missing: 'high',
  reversal_exceeds_receipt: 'medium',
};

/** The derived events the state calls for. An empty list means the line is in order. */
export function decideLine(state: P2PLine, base: DecisionContext): CloudEvent[] {
  const { terms } = state;
  if (terms === undefined) {
    const out = new Derivation(state, base);
    awaitPurchaseOrder(state, base, out);
    return out.events;
  }
  // The manifest may set other tolerances for this supplier or item category.
  const ctx = { ...base, policy: base.policy.forLine(terms.supplierId, terms.itemCategory) };
  const out = new Derivation(state, ctx);
  // Every party's (docs/adr/0070): the receipts' `po` and each supplier's `po:<supplier>`.
  for (const known of Object.values(state.exceptions)) {
    if (known.code === 'no_purchase_order' && known.status === 'open') out.resolve('no_purchase_order', known.ref, `PO ${state.poNumber} line ${state.line} was released (${terms.since})`);
  }
  if (ctx.policy.knowsSupplier?.(terms.supplierId) === false) {
    out.raise(
      'master_data_gap',
      `supplier:${terms.supplierId}`,
      `PO ${state.poNumber} line ${state.line} is issued to supplier ${terms.supplierId}, which supplier master data does not know`,
      [terms.eventId],
      {},
      { supplierId: terms.supplierId },
    );
  }
  const cancelledAt = state.cancelled?.seq;
  const beforeCancel = <T extends { seq: number }>(item: T) => cancelledAt === undefined || item.seq < cancelledAt;
  if (cancelledAt !== undefined) flagActivityAfterCancel(state, out);
  else {
    confirmationRules(state, terms, ctx, out);
    shipmentRules(state, terms, ctx, out);
  }
  const goods = new AccruedGoods(state, terms);
  receiptRules(state, terms, ctx.policy, out, beforeCancel, goods);
  const matched = invoiceRules(state, terms, ctx, out, beforeCancel, goods);
  reversalAfterMatchRule(state, terms, ctx.policy, matched, goods, out);
  return out.events;
}

/**
 * What a line's goods stand at in GR/IR, kept up to date as this decision posts. A receipt is
 * accrued at the PO price in force when it comes and keeps that value if the price changes later;
 * a reversal takes out, and an invoice clears, the value the goods were accrued at. While every
 * accrual was at the current PO price (the usual case) that is the quantity at the PO price, each
 * sum rounded once, so a line's postings add up to the minor unit however it was split; after a
 * price change it is the goods' average accrued price. An invoice or credit clears the value of
 * the line's matched quantity after it less what was cleared before: once everything received is
 * matched, GR/IR is zero.
 */
class AccruedGoods {
  private quantity: Dec;
  private value: Dec;
  private cleared: Dec;
  private readonly price: Dec;
  private readonly currency: string;

  constructor(state: P2PLine, terms: PoLineTerms) {
    // The line's running totals (p2p-tally.ts): a long history is not walked for each event.
    const postings = postingTally(state.postings);
    this.quantity = receiptTally(state.receipts).accrued;
    this.value = postings.accrued;
    // An invoice clears GR/IR by its AP liability less its price variance (openGrirOf).
    this.cleared = postings.ap.minus(postings.variance);
    this.price = dec(terms.unitPrice);
    this.currency = terms.currency;
  }

  private atPoPrice(quantity: Dec): Dec {
    return dec(amount(settleQuantity(quantity).times(this.price), this.currency));
  }

  /** What `quantity` of the line's accrued goods stand at. */
  private valueOf(quantity: Dec): Dec {
    const accrued = settleQuantity(this.quantity);
    if (!accrued.isPositive() || this.atPoPrice(accrued).eq(this.value)) return this.atPoPrice(quantity);
    if (settleQuantity(quantity).eq(accrued)) return this.value;
    return dec(amount(this.value.times(settleQuantity(quantity)).div(accrued), this.currency));
  }

  /** The GR/IR posting for a receipt (negative for a reversal). */
  accrue(quantity: Dec): Dec {
    const after = this.quantity.plus(quantity);
    const value = quantity.isNegative() ? this.valueOf(after).minus(this.value) : this.atPoPrice(after).minus(this.atPoPrice(this.quantity));
    this.quantity = after;
    this.value = this.value.plus(value);
    return value;
  }

  /** GR/IR still open: accrued less cleared (openGrirOf, with this decision's postings). */
  open(): Dec {
    return this.value.minus(this.cleared);
  }

  /** What a document clears from GR/IR that brings the line's matched quantity to `matched`. */
  clear(matched: Dec): Dec {
    const target = this.valueOf(matched);
    const clearing = target.minus(this.cleared);
    this.cleared = target;
    return clearing;
  }
}

function awaitPurchaseOrder(state: P2PLine, ctx: DecisionContext, out: Derivation): void {
  const receipts = Object.values(state.receipts);
  const invoices = Object.values(state.invoices);
  const credits = Object.values(state.credits);
  if (receipts.length === 0 && invoices.length === 0 && credits.length === 0 && Object.keys(state.shipments).length === 0) return;
  const plant = receipts[0]?.plant ?? Object.values(state.shipments)[0]?.plant;
  const deadline = state.deadlines[deadlineKey('purchase_order_missing', 'po')];
  if (deadline === undefined) {
    out.startSla('purchase_order_missing', 'po', ctx.now, addMs(ctx.now, ctx.policy.slaMs.purchase_order_missing), ctx.policy.ownerOf('no_purchase_order', plant));
    return;
  }
  if (!deadline.breached) return;
  // One exception per supplier whose documents name the PO, with its own documents (and the
  // buyer's receipts), so that each supplier reads its own and not another's invoices; receipts
  // alone raise one without a supplier (docs/adr/0070). Before, one exception carried the first
  // invoice's supplier and every supplier's documents.
  const shipments = Object.values(state.shipments);
  const suppliers = [...new Set([...invoices, ...credits].sort(bySeq).map((d) => d.supplierId).concat(shipments.map((s) => s.supplierId)))];
  const where = `PO ${state.poNumber} line ${state.line}, which no ERP has released`;
  const received = receipts.length === 0 ? '' : ` and ${receipts.length} receipt(s)`;
  if (suppliers.length === 0) {
    out.raise('no_purchase_order', 'po', `${receipts.length} receipt(s) reference ${where}`, receipts.map((r) => r.eventId), plant === undefined ? {} : { plant });
    return;
  }
  for (const supplierId of suppliers) {
    const own = invoices.filter((i) => i.supplierId === supplierId).sort(bySeq);
    const memos = credits.filter((c) => c.supplierId === supplierId);
    const asns = shipments.filter((sh) => sh.supplierId === supplierId);
    const counted = [[own.length, 'invoice(s)'], [memos.length, 'credit memo(s)'], [asns.length, 'ASN(s)']] as const;
    const sent = counted.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`).join(', ');
    const first = own[0];
    out.raise(
      'no_purchase_order',
      `po:${supplierId}`,
      `${sent} from ${supplierId}${received} reference ${where}`,
      [...receipts.map((r) => r.eventId), ...own.map((d) => d.eventId), ...memos.map((d) => d.eventId), ...asns.map((d) => d.eventId)],
      { ...(plant === undefined ? {} : { plant }), supplierId, ...(first === undefined ? {} : { invoiceNumber: first.invoiceNumber }) },
    );
  }
}

function flagActivityAfterCancel(state: P2PLine, out: Derivation): void {
  const cancelled = state.cancelled;
  if (cancelled === undefined) return;
  for (const receipt of Object.values(state.receipts).filter((r) => r.seq > cancelled.seq).sort(bySeq)) {
    out.raise('cancelled_line_activity', receipt.eventId, `goods receipt ${receipt.receiptId} arrived for PO ${state.poNumber} line ${state.line}, cancelled at ${cancelled.at}`, [receipt.eventId, cancelled.eventId], {
      receiptId: receipt.receiptId,
    });
  }
  // Invoices are weighed in invoiceRules, in their turn: the goods received before the
  // cancellation may cover them (cancelledLineInvoice).
}

function confirmationRules(state: P2PLine, terms: PoLineTerms, ctx: DecisionContext, out: Derivation): void {
  const ref = `rev${terms.revision}`;
  const key = deadlineKey('supplier_confirmation', ref);
  const confirmation = state.confirmation !== undefined && state.confirmation.revision >= terms.revision ? state.confirmation : undefined;
  const deadline = state.deadlines[key];
  if (deadline === undefined && confirmation === undefined) {
    out.startSla('supplier_confirmation', ref, terms.since, addMs(terms.since, ctx.policy.slaMs.supplier_confirmation), ctx.policy.ownerOf('late_confirmation', terms.buyerPlant));
  }
  if (deadline !== undefined) {
    const lateArrival = confirmation !== undefined && isAfter(confirmation.at, deadline.deadline);
    if ((deadline.breached && confirmation === undefined) || lateArrival) {
      out.raise(
        'late_confirmation',
        key,
        confirmation === undefined
          ? `supplier ${terms.supplierId} has not confirmed PO ${state.poNumber} line ${state.line} (revision ${terms.revision}); it was due by ${deadline.deadline}`
          : `supplier ${terms.supplierId} confirmed PO ${state.poNumber} line ${state.line} at ${confirmation.at}, after the deadline ${deadline.deadline}`,
        [terms.eventId, ...(confirmation === undefined ? [] : [confirmation.eventId])],
        {},
        { deadline: deadline.deadline },
      );
    }
    if (confirmation !== undefined) {
      out.resolve(
        'late_confirmation',
        key,
        lateArrival ? `the supplier confirmed, late, at ${confirmation.at}` : `the supplier confirmed at ${confirmation.at}, in time; the confirmation reached the hub late`,
      );
    }
  }
  if (confirmation === undefined) return;
  const problems = confirmationDifferences(terms, confirmation, ctx.policy);
  if (problems.length > 0) {
    out.raise('confirmation_mismatch', confirmation.eventId, `supplier ${terms.supplierId} ${problems.join('; ')} on PO ${state.poNumber} line ${state.line}`, [terms.eventId, confirmation.eventId]);
  }
}

function confirmationDifferences(terms: PoLineTerms, confirmation: NonNullable<P2PLine['confirmation']>, policy: P2PPolicy): string[] {
  if (confirmation.status === 'rejected') return ['rejected the line'];
  const problems: string[] = [];
  const ordered = dec(terms.quantity);
  const confirmed = confirmedQuantityOf(confirmation);
  if (confirmed !== undefined) {
    const difference = dec(confirmed).minus(ordered).abs();
    if (difference.gt(ordered.times(policy.confirmationQuantityTolerancePercent).div(100))) {
      problems.push(`confirmed ${confirmed} ${terms.uom} of the ${terms.quantity} ordered`);
    }
  }
  if (confirmation.unitPrice !== undefined) {
    const poPrice = dec(terms.unitPrice);
    const difference = dec(confirmation.unitPrice).minus(poPrice).abs();
    if (difference.gt(poPrice.times(policy.confirmationPriceTolerancePercent).div(100))) {
      problems.push(`confirmed a price of ${confirmation.unitPrice} ${terms.currency} against ${terms.unitPrice} on the PO`);
    }
  }
  const schedule = confirmation.schedule ?? [];
  const scheduled = schedule.flatMap((delivery) => (delivery.quantity === undefined ? [] : [delivery.quantity]));
  // The contract cannot add decimals up: a schedule that does not add up to the line's quantity is the workflow's to catch.
  if (confirmation.quantity !== undefined && scheduled.length > 0 && scheduled.length === schedule.length && !sum(scheduled).eq(dec(confirmation.quantity))) {
    problems.push(`scheduled ${str(sum(scheduled))} ${terms.uom} in deliveries but confirmed ${confirmation.quantity}`);
  }
  // Each delivery is held to the need-by date: a split is late when any part of it is.
  for (const delivery of schedule) {
    const lateBy = Math.round((toMs(delivery.promisedDate) - toMs(terms.needBy)) / DAY_MS);
    if (lateBy > policy.confirmationDateToleranceDays) {
      const what = delivery.quantity === undefined ? '' : `${delivery.quantity} ${terms.uom} on `;
      problems.push(`promised ${what}${delivery.promisedDate}, ${lateBy} day(s) after the need-by date ${terms.needBy}`);
    }
  }
  return problems;
}

function shipmentRules(state: P2PLine, terms: PoLineTerms, ctx: DecisionContext, out: Derivation): void {
  for (const shipment of Object.values(state.shipments).sort((a, b) => a.shipmentId.localeCompare(b.shipmentId))) {
    if (shipment.quantity === undefined) {
      const units = [...new Set((shipment.parts ?? [shipment]).map((p) => p.uom))];
      const unknown = units.filter((uom) => ctx.policy.convert(terms.itemId, uom, terms.uom) === undefined);
      const what = units.length === 1 ? `in ${shipment.uom}; master data has no conversion` : `in ${units.join(' and ')}; master data has no conversion of ${unknown.join(' and ')}`;
      out.raise('unit_of_measure_unknown', shipment.eventId, `shipment ${shipment.shipmentId} ships ${terms.itemId} ${what} to ${terms.uom}`, [shipment.eventId], {
        shipmentId: shipment.shipmentId,
      });
    }
    const received = isShipmentReceived(state, shipment.shipmentId);
    if (!received && shipment.expectedForEta !== shipment.eta) {
      out.emit('receiving.expected', {
        shipmentId: shipment.shipmentId,
        plant: shipment.plant,
        supplierId: shipment.supplierId,
        eta: shipment.eta,
        expectedBy: addMs(shipment.eta, ctx.policy.slaMs.receipt_after_eta),
        // As shipped: items in several units are each a line (1 BOX and 6 EA, not 7 BOX).
        lines: (shipment.parts ?? [{ quantity: shipment.rawQuantity, uom: shipment.uom }]).map((p) => ({ poNumber: state.poNumber, line: state.line, quantity: p.quantity, uom: p.uom })),
      });
    }
    const deadline = state.deadlines[deadlineKey('receipt_after_eta', shipment.shipmentId)];
    if (deadline?.breached === true && !received) {
      out.raise(
        'receipt_overdue',
        shipment.shipmentId,
        `plant ${shipment.plant} has not received shipment ${shipment.shipmentId} (ETA ${shipment.eta}) for PO ${state.poNumber} line ${state.line}; it was expected by ${deadline.deadline}`,
        [shipment.eventId],
        { shipmentId: shipment.shipmentId, plant: shipment.plant },
      );
    }
    if (received) out.resolve('receipt_overdue', shipment.shipmentId, `plant ${shipment.plant} received shipment ${shipment.shipmentId}`);
  }
}

function receiptRules(state: P2PLine, terms: PoLineTerms, policy: P2PPolicy, out: Derivation, beforeCancel: (item: { seq: number }) => boolean, goods: AccruedGoods): void {
  // Each accrual is the line's accrued value after the receipt less before it, each rounded once:
  // the accruals of a line add up to its net received quantity x PO price to the minor unit,
  // however small the receipts (four of 1 EA at 12.5 JPY: 13 + 12 + 13 + 12 = 50, not 52).
  // Only the open receipts (not posted, or in an unknown unit) can call for anything here.
  const open = [...receiptTally(state.receipts).open].flatMap((eventId) => state.receipts[eventId] ?? []);
  for (const receipt of open.filter(beforeCancel).sort(bySeq)) {
    if (receipt.quantity === undefined) {
      out.raise('unit_of_measure_unknown', receipt.eventId, `receipt ${receipt.receiptId} counts ${terms.itemId} in ${receipt.uom}; master data has no conversion to ${terms.uom}`, [receipt.eventId], {
        receiptId: receipt.receiptId,
      });
      continue;
    }
    if (receipt.refused !== undefined) {
      refusedReversal(state, terms, receipt, receipt.refused.held, out);
      continue;
    }
    if (receipt.postingId !== undefined) continue;
    const quantity = dec(receipt.quantity);
    if (quantity.isZero()) continue;
    const value = goods.accrue(quantity);
    out.post(quantity.isNegative() ? 'reversal' : 'grir_accrual', amount(value, terms.currency), terms.currency, {
      quantity: str(quantity),
      unitPrice: terms.unitPrice,
      receiptId: receipt.receiptId,
    });
  }
  const ordered = orderedOf(state);
  const received = receivedOf(state);
  // The same limit bounds what the line may be billed for: goods within it are rightly received.
  const limit = billableOf(ordered, policy);
  // A PO revision that orders what came, or a reversal of the excess, settles it.
  if (!received.gt(limit) && out.findException('over_receipt', 'line')?.status === 'open') out.resolve('over_receipt', 'line', `plant ${terms.buyerPlant} has received ${received.toFixed()} ${terms.uom} against ${terms.quantity} ordered (PO revision ${terms.revision}): within the tolerance`);
  // The evidence lists every receipt: built only while the exception is still to be raised.
  if (received.gt(limit) && out.findException('over_receipt', 'line') === undefined) {
    out.raise(
      'over_receipt',
      'line',
      `plant ${terms.buyerPlant} received ${received.toFixed()} ${terms.uom} against ${terms.quantity} ordered on PO ${state.poNumber} line ${state.line}`,
      Object.values(state.receipts).sort(bySeq).map((r: ReceiptRecord) => r.eventId),
      { plant: terms.buyerPlant },
      { received: received.toFixed(), ordered: terms.quantity },
    );
  }
}

/**
 * A reversal of more than the line held when it came: evolve applied none of it (ADR 0046). Plant
 * receiving hears what was reversed against what the line held, with the receipts that make up
 * what it holds; the line stands as before the reversal until the plant sends a corrected one.
 */
function refusedReversal(state: P2PLine, terms: PoLineTerms, receipt: ReceiptRecord, held: string, out: Derivation): void {
  const reversed = dec(receipt.quantity ?? receipt.rawQuantity).abs().toFixed();
  if (out.findException('reversal_exceeds_receipt', receipt.eventId) !== undefined) return;
  const counted = Object.values(state.receipts).filter((r) => r.seq < receipt.seq && r.quantity !== undefined && r.refused === undefined);
  out.raise(
    'reversal_exceeds_receipt',
    receipt.eventId,
    `receipt ${receipt.receiptId} reverses ${reversed} ${terms.uom} on PO ${state.poNumber} line ${state.line}, which held ${held} ${terms.uom} received when it came: the reversal was not applied ` +
      '(received and GR/IR are as before it). Correct it in the WMS and send it again for at most what the line holds',
    [receipt.eventId, ...counted.sort(bySeq).map((r) => r.eventId)],
    { receiptId: receipt.receiptId, plant: receipt.plant },
    { reversed, held, uom: terms.uom },
  );
}

/**
 * Invoices and credit memos, in the order they came; returns the line's matched quantity after
 * them. A credit memo for an invoice held for its goods waits with it (nothing is decided, the
 * view shows it `waiting`): the invoice is matched once the goods cover what it bills net of the
 * credit memos waiting with it, and they are applied right after its match, so AP liability and
 * GR/IR net out. One whose invoice is stopped instead is `credited_invoice_stopped`. One that came
 * before the invoice it names waits for it and takes its turn right after it. Held invoices take
 * the goods in the order they came, and a PO revision weighs the open ones again (ADR 0050).
 */
function invoiceRules(state: P2PLine, terms: PoLineTerms, ctx: DecisionContext, out: Derivation, beforeCancel: (item: { seq: number }) => boolean, goods: AccruedGoods): Dec {
  const { policy } = ctx;
  const { cancelled } = state;
  // On a cancelled line the invoices not decided yet (held when it was cancelled, or come since) are weighed against the goods received before it.
  const invoices = Object.values(state.invoices).filter((i) => beforeCancel(i) || i.status === 'received' || i.status === 'matched');
  const credits = Object.values(state.credits).sort(bySeq);
  // A credit memo applies on a cancelled line too: it takes back what was billed before. One that
  // came before the invoice it names takes its turn right after that invoice: it credits the
  // invoice as decided (matched, held, stopped), not the line as it stood when it came.
  const turnOf = (document: InvoiceRecord | CreditRecord): number => {
    if (!('creditMemoNumber' in document) || document.invoiceNumber === undefined) return document.seq;
    const key = creditedInvoiceKeyOf(state, document);
    const invoice = key === undefined ? undefined : state.invoices[key];
    return invoice === undefined || invoice.seq < document.seq ? document.seq : invoice.seq + 0.5;
  };
  const documents = [...invoices, ...credits].map((document) => ({ document, turn: turnOf(document) })).sort((a, b) => a.turn - b.turn || a.document.seq - b.document.seq).map((d) => d.document);
  const received = receivedOf(state);
  const ordered = orderedOf(state);
  // Running totals: decisions taken earlier in this call count for the next document.
  let matched = matchedOf(state);
  // What this decision made of an invoice (by key), before the state hears of it.
  const decided = new Map<string, InvoiceStatus>();
  // Credit memos applied with their invoice, ahead of their own turn.
  const applied = new Set<string>();
  // Credit memos a PO revision released from their stop in this decision, as they are weighed now
  // (`received`): the state learns it from the automatic exception.resolved (evolve).
  const released = new Map<string, CreditRecord>();
  const current = (credit: CreditRecord): CreditRecord => released.get(credit.eventId) ?? credit;
  const statusOf = (key: string, invoice: InvoiceRecord): InvoiceStatus => (out.stoppedBy(invoice.eventId) === undefined ? (decided.get(key) ?? invoice.status) : 'exception');
  /** The credit memos that wait with an invoice: for it, not decided, in order, as many as it bills. */
  const waitingWith = (key: string, invoice: InvoiceRecord): CreditRecord[] => {
    if (invoice.quantity === undefined) return [];
    let left = dec(invoice.quantity);
    const waiting: CreditRecord[] = [];
    for (const credit of credits.map(current)) {
      if (credit.status !== 'received' || applied.has(credit.eventId) || creditedInvoiceKeyOf(state, credit) !== key || checkCredit(credit, terms, policy) !== undefined) continue;
      const quantity = settleQuantity(dec(credit.quantity ?? '0'));
      if (quantity.gt(left)) continue;
      left = left.minus(quantity);
      waiting.push(credit);
    }
    return waiting;
  };
  const netOf = (invoice: InvoiceRecord, waiting: readonly CreditRecord[]): Dec => settleQuantity(dec(invoice.quantity ?? '0').minus(sum(waiting.map((c) => c.quantity ?? '0'))));
  /** The invoice's match and its postings, then those of the credit memos that waited with it. */
  const match = (key: string, invoice: InvoiceRecord, waiting: readonly CreditRecord[], afterHold: boolean): void => {
    matched = matched.plus(dec(invoice.quantity ?? '0'));
    decided.set(key, 'matched');
    postMatch(state, terms, invoice, afterHold, goods.clear(matched), out);
    for (const credit of waiting) {
      applied.add(credit.eventId);
      // One that came before the invoice may have waited past its SLA for it.
      resolveMissingInvoice(credit, invoice, out);
      matched = creditRule(terms, credit, matched, policy, goods, out);
    }
  };
  let held = invoices.filter((i) => i.status === 'held').reduce((total, i) => total.plus(netOf(i, waitingWith(invoiceRefOf(state, i), i))), ZERO);
  // Held invoices take the goods in the order they came (ADR 0050): one waits behind those held
  // before it that still wait, so a later, smaller invoice does not take the goods an earlier one
  // is short of and leave it held (and in receipt_missing) once its own goods are in.
  let ahead = ZERO;
  const aheadOf: InvoiceRecord[] = [];
  const queue = (invoice: InvoiceRecord, net: Dec): void => {
    ahead = ahead.plus(net);
    aheadOf.push(invoice);
  };
  const fits = (net: Dec): boolean => settleQuantity(matched.plus(ahead).plus(net)).lte(received.plus(policy.quantityTolerance));
  // A PO revision that took effect on the line with this event weighs its open invoices again, in
  // the order they came: held ones against the new terms, stopped ones (an open match exception)
  // as if they came now. Nothing matched is weighed again or re-posted (ADR 0050).
  const revision = revisionOf(state, terms, ctx);
  const stop = (invoice: InvoiceRecord, ref: string, verdict: Extract<MatchVerdict, { outcome: 'exception' }>, again: boolean): void => {
    decided.set(ref, 'exception');
    out.raise(verdict.code, ref, `${verdict.message}${revision === undefined ? '' : ` (${revision})`}`, [invoice.eventId, terms.eventId], { invoiceNumber: invoice.invoiceNumber }, {
      invoiceEventId: invoice.eventId,
      blocksInvoice: true,
      ...verdict.details,
    }, again);
  };
  /** An invoice not decided yet (or released by a PO revision: `holdFrom` is then the change), matched, held or stopped. */
  const weigh = (invoice: InvoiceRecord, ref: string, holdFrom: string | undefined): void => {
    // After a revision the invoices are weighed in the order they came: only those ahead count against the ordered quantity.
    const verdict = matchInvoice(invoice, terms, { matched, held: holdFrom === undefined ? held : ahead, heldAhead: ahead, received, ordered }, policy);
    if (verdict.outcome === 'exception') {
      stop(invoice, ref, verdict, holdFrom !== undefined);
      return;
    }
    if (verdict.outcome === 'matched') {
      match(ref, invoice, [], false);
      return;
    }
    // Credit memos that came with it (a PO that reached the hub after both) may cover what is short.
    const waiting = waitingWith(ref, invoice);
    const net = netOf(invoice, waiting);
    if (waiting.length > 0 && fits(net)) {
      match(ref, invoice, waiting, false);
      return;
    }
    held = held.plus(net);
    queue(invoice, net);
    decided.set(ref, 'held');
    const holdUntil = addMs(holdFrom ?? invoice.at, policy.slaMs.invoice_hold);
    // Held again after a stop: its hold starts afresh (evolve keeps a deadline the line has).
    if (holdFrom !== undefined) out.startSla('invoice_hold', ref, holdFrom, holdUntil, ctx.policy.ownerOf('receipt_missing', terms.buyerPlant));
    out.emit('invoice.held', {
      invoiceNumber: invoice.invoiceNumber,
      supplierId: invoice.supplierId,
      poNumber: state.poNumber,
      line: state.line,
      invoicedQuantity: invoice.quantity ?? invoice.rawQuantity,
      receivedQuantity: str(received),
      uom: terms.uom,
      holdUntil,
      reason: 'awaiting_receipt',
    });
  };
  /**
   * A credit memo stopped with its invoice (`credited_invoice_stopped`) or by the document checks
   * (supplier, currency, unit, price) is weighed again on a PO revision, as its invoice is, unless
   * it is still stopped for the same reason: it follows its invoice's fate (ADR 0064). One AP
   * resolved by hand stays as AP left it, and one stopped for crediting more than the line holds
   * is not weighed again.
   */
  const release = (credit: CreditRecord, reason: string, invoiceReleased: boolean): void => {
    if (credit.status !== 'exception' || released.has(credit.eventId) || applied.has(credit.eventId)) return;
    const stoppedBy = Object.values(state.exceptions).filter((e) => e.status === 'open' && e.ref === credit.eventId && CREDIT_STOP_CODES.has(e.code));
    if (stoppedBy.length === 0) return;
    const check = checkCredit(credit, terms, policy)?.code;
    const key = creditedInvoiceKeyOf(state, credit);
    const invoice = key === undefined ? undefined : state.invoices[key];
    const invoiceStopped = !invoiceReleased && key !== undefined && invoice !== undefined && statusOf(key, invoice) === 'exception';
    if (stoppedBy.some((e) => e.code === check || (e.code === 'credited_invoice_stopped' && invoiceStopped))) return;
    for (const exception of stoppedBy) out.resolve(exception.code as P2PExceptionCode, credit.eventId, reason);
    released.set(credit.eventId, { ...credit, status: 'received' });
  };
  /**
   * An invoice on a cancelled line that was held for its goods when it was cancelled, or came
   * after: the goods received before the cancellation were accrued and are owed, and it is
   * matched where they cover what it bills (net of the credit memos waiting with it) with what
   * the line matched; anything else is stopped: its goods will not come (ADR 0064).
   */
  const cancelledLineInvoice = (invoice: InvoiceRecord, ref: string, line: NonNullable<P2PLine['cancelled']>): void => {
    const waiting = waitingWith(ref, invoice);
    const credited = dec(invoice.quantity ?? '0').minus(netOf(invoice, waiting));
    const before = receivedBeforeCancel(state, line.seq);
    const verdict = matchInvoice(invoice, terms, { matched: matched.minus(credited), held: ZERO, heldAhead: ZERO, received: before, ordered: before }, policy);
    const heldAtCancel = invoice.seq < line.seq;
    if (verdict.outcome === 'matched') {
      match(ref, invoice, waiting, invoice.status === 'held');
      const reason = `PO ${state.poNumber} line ${state.line} was cancelled at ${line.at}: invoice ${invoice.invoiceNumber} bills goods received before it, and matched`;
      out.resolve('receipt_missing', ref, reason);
      out.resolve('cancelled_line_activity', invoice.eventId, reason);
      return;
    }
    if (!heldAtCancel) {
      out.raise('cancelled_line_activity', invoice.eventId, `invoice ${invoice.invoiceNumber} bills PO ${state.poNumber} line ${state.line}, cancelled at ${line.at}`, [invoice.eventId, line.eventId], {
        invoiceNumber: invoice.invoiceNumber,
      });
      return;
    }
    // Waiting for goods that will not come, or come to a cancelled line and are not accrued: stopped
    // here, it is neither left held without a word (the hold timer ends with the line) nor matched by such a receipt.
    out.raise(
      'cancelled_line_activity',
      invoice.eventId,
      `invoice ${invoice.invoiceNumber} was ${invoice.status === 'held' ? 'held for its goods receipt' : 'not matched yet'} when PO ${state.poNumber} line ${state.line} was cancelled at ${line.at}; it will not be matched`,
      [invoice.eventId, line.eventId],
      { invoiceNumber: invoice.invoiceNumber },
      { invoiceEventId: invoice.eventId, blocksInvoice: true },
    );
    // Its goods are no longer awaited: the stop says what happens to it, the hold's exception is over.
    out.resolve('receipt_missing', ref, `PO ${state.poNumber} line ${state.line} was cancelled at ${line.at}: invoice ${invoice.invoiceNumber} no longer waits for goods (cancelled_line_activity)`);
  };
  for (const document of documents) {
    if ('creditMemoNumber' in document) {
      if (applied.has(document.eventId)) continue;
      if (revision !== undefined) {
        release(document, `${revision} of ${terms.since} sets ${terms.quantity} ${terms.uom} at ${terms.unitPrice} ${terms.currency}: credit memo ${document.creditMemoNumber} is weighed again`, false);
      }
      matched = creditTurn(state, terms, current(document), matched, ctx, goods, out, beforeCancel, statusOf, waitingWith);
      continue;
    }
    const invoice = document;
    const ref = invoiceRefOf(state, invoice);
    if (cancelled !== undefined && (invoice.status === 'held' || invoice.status === 'received')) {
      cancelledLineInvoice(invoice, ref, cancelled);
      continue;
    }
    if (invoice.status === 'received') {
      weigh(invoice, ref, undefined);
      continue;
    }
    if (invoice.status === 'exception') {
      if (revision === undefined) continue;
      // Only an invoice stopped by the match and still open: one AP resolved by hand waits for a corrected invoice.
      const stoppedBy = Object.values(state.exceptions).filter((e) => e.status === 'open' && e.ref === ref && MATCH_CODES.has(e.code));
      if (stoppedBy.length === 0) continue;
      const verdict = matchInvoice(invoice, terms, { matched, held: ahead, heldAhead: ahead, received, ordered }, policy);
      if (verdict.outcome === 'exception' && stoppedBy.some((e) => e.code === verdict.code)) continue;
      const outcome = verdict.outcome === 'exception' ? `invoice ${invoice.invoiceNumber} is stopped by ${verdict.code} instead` : `invoice ${invoice.invoiceNumber} is within the match now`;
      const reason = `${revision} of ${terms.since} sets ${terms.quantity} ${terms.uom} at ${terms.unitPrice} ${terms.currency}: ${outcome}`;
      for (const exception of stoppedBy) out.resolve(exception.code as P2PExceptionCode, ref, reason);
      if (verdict.outcome === 'exception') {
        stop(invoice, ref, verdict, true);
        continue;
      }
      // Its credit memos are released with it, before it is weighed: it may match at once net of them.
      for (const credit of credits) {
        if (creditedInvoiceKeyOf(state, credit) === ref) release(credit, `${reason}; credit memo ${credit.creditMemoNumber} follows it`, true);
      }
      weigh(invoice, ref, ctx.now);
      continue;
    }
    if (invoice.status === 'held' && revision !== undefined) {
      // Held against the terms it came under: the new ones may put it beyond what is ordered, or its price outside the tolerance.
      const waiting = waitingWith(ref, invoice);
      const credited = dec(invoice.quantity ?? '0').minus(netOf(invoice, waiting));
      const verdict = matchInvoice(invoice, terms, { matched: matched.minus(credited), held: ahead, heldAhead: ahead, received, ordered }, policy);
      if (verdict.outcome === 'exception') {
        held = held.minus(netOf(invoice, waiting));
        stop(invoice, ref, verdict, true);
        out.resolve('receipt_missing', ref, `invoice ${invoice.invoiceNumber} no longer waits for goods: ${verdict.code} (${revision})`);
        continue;
      }
    }
    if (invoice.status === 'held') {
      const quantity = dec(invoice.quantity ?? '0');
      const waiting = waitingWith(ref, invoice);
      const net = netOf(invoice, waiting);
      if (fits(net)) {
        held = held.minus(net);
        match(ref, invoice, waiting, true);
        out.resolve('receipt_missing', ref, `the goods were received; invoice ${invoice.invoiceNumber} matched`);
        continue;
      }
      const before = [...aheadOf];
      queue(invoice, net);
      const deadline = state.deadlines[deadlineKey('invoice_hold', ref)];
      // A receipt_missing resolved before the hold started afresh (stopped, then released by a PO revision) was about the hold before.
      const missing = out.findException('receipt_missing', ref);
      const afresh = missing?.status === 'resolved' && deadline !== undefined && isAfter(deadline.startedAt, missing.raisedAt);
      if (deadline?.breached === true && (missing === undefined || afresh)) {
        const needed = settleQuantity(matched.plus(ahead).minus(policy.quantityTolerance));
        const credited =
          waiting.length === 0
            ? ''
            : `. Credit ${waiting.length === 1 ? 'memo' : 'memos'} ${waiting.map((c) => c.creditMemoNumber).join(', ')} (${str(sum(waiting.map((c) => c.quantity ?? '0')))} ${terms.uom}) ` +
              `${waiting.length === 1 ? 'waits' : 'wait'} with it`;
        const behind = before.length === 0 ? '' : `, behind ${before.length === 1 ? 'invoice' : 'invoices'} ${before.map((i) => i.invoiceNumber).join(', ')}, held before it`;
        const wanted = waiting.length === 0 && before.length === 0 ? '' : `: ${needed.toFixed()} ${terms.uom} must be received for it to match`;
        out.raise(
          'receipt_missing',
          ref,
          `invoice ${invoice.invoiceNumber} has been held since ${invoice.at} for ${quantity.toFixed()} ${terms.uom}; only ${received.toFixed()} received on PO ${state.poNumber} line ${state.line}${credited}${behind}${wanted}`,
          [invoice.eventId, ...waiting.map((c) => c.eventId), ...before.map((i) => i.eventId), ...Object.values(state.receipts).map((r) => r.eventId)],
          { invoiceNumber: invoice.invoiceNumber },
          { holdUntil: deadline.deadline },
          afresh,
        );
      }
      continue;
    }
    if (invoice.status === 'matched') out.resolve('receipt_missing', ref, `invoice ${invoice.invoiceNumber} matched`);
  }
  for (const duplicate of Object.values(state.duplicates).sort(bySeq)) {
    const original =
      duplicate.creditMemo === true
        ? Object.values(state.credits).find((c) => c.supplierId === duplicate.supplierId && sameDocumentNumber(c.creditMemoNumber, duplicate.invoiceNumber))
        : state.invoices[duplicate.supplierId === undefined ? duplicate.invoiceNumber : invoiceKeyOf(state, duplicate.supplierId, duplicate.invoiceNumber)];
    out.raise(
      'duplicate_invoice',
      duplicate.eventId,
      `${duplicate.creditMemo === true ? 'credit memo' : 'invoice'} ${duplicate.invoiceNumber} from ${duplicate.supplierId ?? original?.supplierId ?? terms.supplierId} was received again as a new document; nothing was posted for the copy`,
      [duplicate.eventId, ...(original === undefined ? (duplicate.original === undefined ? [] : [duplicate.original]) : [original.eventId])],
      { invoiceNumber: duplicate.invoiceNumber },
    );
  }
  return matched;
}

/**
 * A credit memo's own turn. One that fails the document checks is stopped as any; one that names
 * an invoice the line does not have yet waits for it (the `credit_memo_hold` SLA, then
 * `credited_invoice_missing` to AP; its turn comes again right after the invoice); one for an
 * invoice held for its goods waits with it (invoiceRules applies it when the invoice matches);
 * one for an invoice stopped by an exception can never be applied as the supplier meant it:
 * `credited_invoice_stopped`, to settle with the invoice. Any other is weighed against what the
 * line has matched (creditRule).
 */
function creditTurn(
  state: P2PLine,
  terms: PoLineTerms,
  credit: CreditRecord,
  matched: Dec,
  ctx: DecisionContext,
  goods: AccruedGoods,
  out: Derivation,
  beforeCancel: (item: { seq: number }) => boolean,
  statusOf: (key: string, invoice: InvoiceRecord) => InvoiceStatus,
  waitingWith: (key: string, invoice: InvoiceRecord) => CreditRecord[],
): Dec {
  const { policy } = ctx;
  if (credit.status !== 'received') return matched;
  const key = creditedInvoiceKeyOf(state, credit);
  const invoice = key === undefined ? undefined : state.invoices[key];
  // All of an invoice stopped by an exception: the supplier withdrew it, whatever the PO says (ADR 0068).
  if (key !== undefined && invoice !== undefined && settlingCreditOf(state, key, statusOf(key, invoice))?.eventId === credit.eventId) {
    settleInvoice(state, terms, credit, key, invoice, out);
    return matched;
  }
  if (checkCredit(credit, terms, policy) !== undefined) return creditRule(terms, credit, matched, policy, goods, out);
  if (credit.invoiceNumber !== undefined && invoice === undefined) {
    // A cancelled line matches no invoice that comes now: the credit memo takes back what was billed before, as any.
    if (state.cancelled === undefined) {
      awaitCreditedInvoice(state, terms, credit, credit.invoiceNumber, ctx, out);
      return matched;
    }
    out.resolve('credited_invoice_missing', credit.eventId, `PO ${state.poNumber} line ${state.line} was cancelled; credit memo ${credit.creditMemoNumber} was weighed against what the line had matched`);
  }
  if (invoice !== undefined) resolveMissingInvoice(credit, invoice, out);
  // An invoice billed after the cancellation was never in the match: the credit memo is weighed as any.
  if (key === undefined || invoice === undefined || !beforeCancel(invoice)) return creditRule(terms, credit, matched, policy, goods, out);
  const status = statusOf(key, invoice);
  if (status === 'held') {
    const waiting = waitingWith(key, invoice);
    if (waiting.some((c) => c.eventId === credit.eventId)) return matched;
    // More than the held invoice bills, with the credit memos before it: it could never be applied to it.
    const before = sum(waiting.filter((c) => c.seq < credit.seq).map((c) => c.quantity ?? '0'));
    out.raise(
      'quantity_variance',
      credit.eventId,
      `credit memo ${credit.creditMemoNumber} credits ${credit.quantity ?? credit.rawQuantity} ${terms.uom} of invoice ${invoice.invoiceNumber}, held for its goods, which bills ${invoice.quantity ?? invoice.rawQuantity}` +
        (before.isZero() ? '' : `, ${str(before)} of them credited already`),
      [credit.eventId, invoice.eventId, terms.eventId],
      { invoiceNumber: credit.creditMemoNumber },
      { creditEventId: credit.eventId, blocksCredit: true, credited: credit.quantity ?? credit.rawQuantity, creditedInvoice: invoice.invoiceNumber, invoiced: invoice.quantity ?? invoice.rawQuantity },
      true,
    );
    return matched;
  }
  if (status !== 'exception') return creditRule(terms, credit, matched, policy, goods, out);
  const stoppedBy =
    out.stoppedBy(invoice.eventId) ?? Object.values(state.exceptions).find((e) => (e.ref === key || e.ref === invoice.eventId) && e.code !== 'receipt_missing')?.code ?? 'an exception';
  out.raise(
    'credited_invoice_stopped',
    credit.eventId,
    `credit memo ${credit.creditMemoNumber} credits ${credit.quantity ?? credit.rawQuantity} ${terms.uom} of invoice ${invoice.invoiceNumber}, which was stopped by ${stoppedBy} and will not be matched; ` +
      'nothing was posted for the credit memo: settle it with the invoice',
    [credit.eventId, invoice.eventId],
    { invoiceNumber: credit.creditMemoNumber },
    { creditEventId: credit.eventId, blocksCredit: true, creditedInvoice: invoice.invoiceNumber, invoiceStoppedBy: stoppedBy, credited: credit.quantity ?? credit.rawQuantity },
    // A credit memo released with its invoice by a PO revision is stopped again with it by the next.
    true,
  );
  return matched;
}

/**
 * A credit memo that takes back all of an invoice stopped by an exception settles it (ADR 0068):
 * the supplier withdrew the invoice, so nothing is owed for it and nothing is taken back; no
 * posting. The invoice's open exceptions (its stop, on a cancelled line `cancelled_line_activity`)
 * are resolved, saying so; the credit memo raises nothing. The state reads the settlement from the
 * two documents (settlingCreditOf): no event records it, so replay has nothing new to apply.
 */
function settleInvoice(state: P2PLine, terms: PoLineTerms, credit: CreditRecord, key: string, invoice: InvoiceRecord, out: Derivation): void {
  resolveMissingInvoice(credit, invoice, out);
  const quantity = str(settleQuantity(dec(invoice.quantity ?? '0')));
  const reason =
    `credit memo ${credit.creditMemoNumber} credits all ${quantity} ${terms.uom} of invoice ${invoice.invoiceNumber} (${billedValueOf(invoice)} ${invoice.currency}): ` +
    'the supplier took the invoice back, so neither is owed and nothing was posted for either';
  const stops = Object.values(state.exceptions).filter((e) => e.status === 'open' && (e.ref === key || e.ref === invoice.eventId)).map((e) => [e.code, e.ref] as const);
  // Stopped in this decision: the state has not heard of that exception yet.
  const now = out.stoppedBy(invoice.eventId);
  if (now !== undefined) stops.push([now, key], [now, invoice.eventId]);
  for (const [code, ref] of stops) out.resolve(code as P2PExceptionCode, ref, reason);
}

/**
 * A credit memo that came before the invoice it names: AP automation may deliver the supplier's
 * credit memo before the invoice, which is then probably minutes away, as a PO not synced yet is
 * (purchase_order_missing). Nothing is posted; the deadline is an SLA like the others, and when it
 * passes AP hears of it once. The credit memo keeps waiting: the exception resolves itself when the
 * invoice comes.
 */
function awaitCreditedInvoice(state: P2PLine, terms: PoLineTerms, credit: CreditRecord, invoiceNumber: string, ctx: DecisionContext, out: Derivation): void {
  // The credit memo's number is the ref: unique per supplier, and short enough for the SLA events' contracts.
  const ref = credit.creditMemoNumber;
  const deadline = state.deadlines[deadlineKey('credit_memo_hold', ref)];
  if (deadline === undefined) {
    out.startSla('credit_memo_hold', ref, ctx.now, addMs(ctx.now, ctx.policy.slaMs.credit_memo_hold), ctx.policy.ownerOf('credited_invoice_missing', terms.buyerPlant));
    return;
  }
  if (!deadline.breached) return;
  out.raise(
    'credited_invoice_missing',
    credit.eventId,
    `credit memo ${credit.creditMemoNumber} credits ${credit.quantity ?? credit.rawQuantity} ${terms.uom} of invoice ${invoiceNumber}, which has not reached the hub for PO ${state.poNumber} line ${state.line} ` +
      `since ${deadline.startedAt}; nothing was posted for the credit memo: it is applied when the invoice comes`,
    [credit.eventId],
    { invoiceNumber: credit.creditMemoNumber },
    { creditEventId: credit.eventId, creditedInvoice: invoiceNumber, credited: credit.quantity ?? credit.rawQuantity, waitingSince: deadline.startedAt, deadline: deadline.deadline },
  );
}

function resolveMissingInvoice(credit: CreditRecord, invoice: InvoiceRecord, out: Derivation): void {
  out.resolve('credited_invoice_missing', credit.eventId, `invoice ${invoice.invoiceNumber}, which credit memo ${credit.creditMemoNumber} credits, reached the hub at ${invoice.at}`);
}

/**
 * A credit memo takes back billed quantity: AP liability (negative) at its price, GR/IR clearing
 * taken back at what the goods were accrued at, the difference as price variance. Returns the
 * line's matched quantity after it.
 */
function creditRule(terms: PoLineTerms, credit: CreditRecord, matched: Dec, policy: P2PPolicy, goods: AccruedGoods, out: Derivation): Dec {
  if (credit.status !== 'received') return matched;
  const verdict = matchCredit(credit, terms, matched, policy);
  if (verdict.outcome === 'exception') {
    out.raise(
      verdict.code,
      credit.eventId,
      verdict.message,
      [credit.eventId, terms.eventId],
      { invoiceNumber: credit.creditMemoNumber },
      { creditEventId: credit.eventId, blocksCredit: true, ...verdict.details },
      // Only a credit memo not stopped gets here: an earlier stop of it was lifted by a PO revision.
      true,
    );
    return matched;
  }
  const quantity = settleQuantity(dec(credit.quantity ?? '0'));
  const after = matched.minus(quantity);
  postBilling(terms, credit.creditMemoNumber, quantity.neg(), settleQuantity(dec(credit.unitPrice ?? '0')), goods.clear(after), out);
  return after;
}

/**
 * Goods reversed after their invoice matched: the line has billed and matched more than it holds
 * now. Its GR/IR stays open (a debit: invoiced, not received) until the supplier's credit memo
 * takes the quantity back or the goods are received again; accounts payable is told which, and
 * the exception resolves itself when either comes. Within the quantity tolerance a line may
 * have matched more than it received, as the match allows.
 */
function reversalAfterMatchRule(state: P2PLine, terms: PoLineTerms, policy: P2PPolicy, matched: Dec, goods: AccruedGoods, out: Derivation): void {
  // A cancelled line holds what came before the cancellation: later receipts are not accrued. Its
  // exception still resolves when a credit memo takes the goods sent back (ADR 0064).
  const { cancelled } = state;
  const received = cancelled === undefined ? receivedOf(state) : receivedBeforeCancel(state, cancelled.seq);
  const short = settleQuantity(matched.minus(received));
  const reversal = receiptTally(state.receipts).lastReversal;
  if (cancelled !== undefined && short.gt(policy.quantityTolerance)) return;
  if (short.gt(policy.quantityTolerance) && reversal !== undefined) {
    const invoices = Object.values(state.invoices).filter((i) => i.status === 'matched').sort(bySeq);
    const open = amount(goods.open(), terms.currency);
    out.raise(
      'receipt_reversed_after_match',
      reversal.eventId,
      `receipt ${reversal.receiptId} reversed ${dec(reversal.rawQuantity).abs().toFixed()} ${reversal.uom} on PO ${state.poNumber} line ${state.line} after ${invoices.length === 1 ? 'invoice' : 'invoices'} ${invoices.map((i) => i.invoiceNumber).join(', ')} matched: ` +
        `${matched.toFixed()} ${terms.uom} billed and matched, ${received.toFixed()} received. The ${short.toFixed()} ${terms.uom} invoiced but not received keep GR/IR at ${open} ${terms.currency} ` +
        `until a credit memo from ${terms.supplierId} takes them back or they are received again`,
      [reversal.eventId, ...invoices.map((i) => i.eventId)],
      { receiptId: reversal.receiptId },
      { matched: matched.toFixed(), received: received.toFixed(), notReceived: short.toFixed(), openGrir: open },
    );
    return;
  }
  if (short.gt(policy.quantityTolerance)) return;
  for (const exception of Object.values(state.exceptions).filter((e) => e.code === 'receipt_reversed_after_match' && e.status === 'open')) {
    out.resolve('receipt_reversed_after_match', exception.ref, `the line holds what it billed again: ${received.toFixed()} ${terms.uom} received, ${matched.toFixed()} matched`);
  }
}

/**
 * invoice.matched and its postings: AP liability at the invoice price; the difference to what it
 * clears from GR/IR (the goods' accrued value: the PO price, or the price at receipt where the PO
 * price changed since) as price variance.
 */
function postMatch(state: P2PLine, terms: PoLineTerms, invoice: InvoiceRecord, afterHold: boolean, clearing: Dec, out: Derivation): void {
  const quantity = settleQuantity(dec(invoice.quantity ?? '0'));
  const price = settleQuantity(dec(invoice.unitPrice ?? '0'));
  const poPrice = dec(terms.unitPrice);
  const difference = price.minus(poPrice);
  out.emit('invoice.matched', {
    invoiceNumber: invoice.invoiceNumber,
    supplierId: invoice.supplierId,
    currency: invoice.currency,
    poNumber: state.poNumber,
    line: state.line,
    quantity: str(quantity),
    unitPrice: str(price),
    poUnitPrice: terms.unitPrice,
    ...(difference.isZero()
      ? {}
      : {
          withinTolerance: {
            priceVarianceAmount: amount(quantity.times(difference), terms.currency),
            priceVariancePercent: str(poPrice.isZero() ? ZERO : difference.div(poPrice).times(100).toDecimalPlaces(4)),
          },
        }),
    afterHold,
  });
  postBilling(terms, invoice.invoiceNumber, quantity, price, clearing, out);
}

/**
 * AP liability for a billed quantity (negative for a credit memo) at the document's price, and
 * the price variance: the liability less what the document clears from GR/IR, so the books
 * balance to the cent.
 */
function postBilling(terms: PoLineTerms, documentNumber: string, quantity: Dec, price: Dec, clearing: Dec, out: Derivation): void {
  const liability = amount(quantity.times(price), terms.currency);
  out.post('ap_liability', liability, terms.currency, { quantity: str(quantity), unitPrice: str(price), invoiceNumber: documentNumber });
  const variance = dec(liability).minus(clearing);
  if (!variance.isZero()) {
    out.post('price_variance', amount(variance, terms.currency), terms.currency, { quantity: str(quantity), invoiceNumber: documentNumber });
  }
}

/** The codes the three-way match stops an invoice with (its ref is the invoice's key). */
const MATCH_CODES: ReadonlySet<string> = new Set<MatchExceptionCode>(['supplier_mismatch', 'currency_mismatch', 'unit_of_measure_unknown', 'price_variance', 'quantity_variance']);

/** The stops of a credit memo a PO revision may lift (its ref is the credit memo's event id): its invoice's, and the document checks. */
const CREDIT_STOP_CODES: ReadonlySet<string> = new Set<string>(['credited_invoice_stopped', 'supplier_mismatch', 'currency_mismatch', 'unit_of_measure_unknown', 'price_variance']);

/**
 * "PO revision N" when the event being decided is a po.changed that set the line's terms (not one
 * that came late, nor one that cancelled the line); undefined otherwise.
 */
function revisionOf(state: P2PLine, terms: PoLineTerms, ctx: DecisionContext): string | undefined {
  const { event } = ctx.cause;
  return event.type === 'po.changed' && event.id === terms.eventId && state.cancelled === undefined ? `PO revision ${terms.revision}` : undefined;
}

/** Net received before a line was cancelled: what was accrued (receipts after it are not), refused reversals left out. */
function receivedBeforeCancel(state: P2PLine, cancelledSeq: number): Dec {
  return settleQuantity(sum(Object.values(state.receipts).flatMap((r) => (r.seq < cancelledSeq && r.refused === undefined && r.quantity !== undefined ? [r.quantity] : []))));
}

function bySeq(a: { seq: number }, b: { seq: number }): number {
  return a.seq - b.seq;
}
