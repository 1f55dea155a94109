// What a buyer, an AP clerk or a receiving lead reads about a PO line: stage, quantities,
// invoices and their match, credit memos, postings, open exceptions and deadlines.
import { amount, str } from '../money.js';
import type { P2PLine, P2PStage } from './p2p-state.js';
import {
  activeDeadlines,
  confirmedQuantityOf,
  creditWaitsFor,
  invoiceAwaitedBy,
  invoiceSettledBy,
  invoicedOf,
  isConfirmed,
  matchedOf,
  openExceptionsOf,
  openGrirOf,
  orderedOf,
  receivedOf,
  rejectedOf,
  settlingCreditOf,
  shippedOf,
  stageOf,
  stoppedOf,
} from './p2p-state.js';

export interface LineSummary {
  readonly key: string;
  readonly poNumber: string;
  readonly line: number;
  readonly stage: P2PStage;
  readonly supplierId?: string;
  readonly plant?: string;
  readonly itemId?: string;
  readonly uom?: string;
  readonly currency?: string;
  readonly unitPrice?: string;
  readonly revision?: number;
  readonly quantities: {
    readonly ordered: string;
    readonly confirmed?: string;
    readonly shipped: string;
    readonly received: string;
    readonly rejected: string;
    /** Billed by invoices matched, held for their goods or not yet decided, less credit memos applied. */
    readonly invoiced: string;
    readonly matched: string;
    /** Billed by invoices stopped by an exception (not in `invoiced`); absent when none is. */
    readonly stopped?: string;
  };
  readonly openGrir: string;
  readonly confirmation?: {
    readonly status: string;
    readonly at: string;
    readonly current: boolean;
    /** The deliveries the supplier promised; a delivery without a quantity covers the whole line. */
    readonly schedule?: readonly { readonly promisedDate: string; readonly quantity?: string }[];
  };
  /** `uom` is the unit of `quantity`: the PO unit once converted; the receipt's own while master data cannot convert it (no quantity then). */
  /** `refused`: a reversal of more than the line held, applied to nothing (reversal_exceeds_receipt). */
  readonly receipts: readonly { readonly receiptId: string; readonly quantity?: string; readonly uom: string; readonly at: string; readonly reversal: boolean; readonly refused?: true }[];
  readonly invoices: readonly {
    readonly invoiceNumber: string;
    /** Invoice numbers are unique per supplier: two suppliers' invoices may share one. */
    readonly supplierId: string;
    readonly quantity?: string;
    readonly unitPrice?: string;
    readonly status: string;
    readonly at: string;
    readonly holdUntil?: string;
    readonly afterHold?: boolean;
    /** Status `settled`: stopped by an exception, then taken back in full by this credit memo (ADR 0068); nothing is owed. */
    readonly settledBy?: string;
  }[];
  /**
   * Supplier credit memos on the line: `applied` took their quantity back, `exception` were
   * stopped, `waiting` wait for the invoice `waitingFor`: held for its goods (applied when it
   * matches), or not come yet (applied after it); `settled` took back all of the stopped invoice
   * `settles`: neither is owed, nothing was posted (ADR 0068).
   */
  readonly credits: readonly {
    readonly creditMemoNumber: string;
    readonly invoiceNumber?: string;
    readonly supplierId: string;
    readonly quantity?: string;
    readonly unitPrice?: string;
    readonly status: string;
    readonly waitingFor?: string;
    readonly settles?: string;
    readonly at: string;
  }[];
  readonly postings: readonly { readonly postingId: string; readonly kind: string; readonly amount: string; readonly currency: string; readonly receiptId?: string; readonly invoiceNumber?: string }[];
  readonly openExceptions: readonly { readonly exceptionId: string; readonly code: string; readonly owner: string; readonly raisedAt: string }[];
  readonly deadlines: readonly { readonly sla: string; readonly ref: string; readonly deadline: string; readonly owner: string }[];
  readonly lastActivity?: string;
}

export function summarizeLine(state: P2PLine): LineSummary {
  const { terms } = state;
  const stopped = stoppedOf(state);
  return {
    key: state.key,
    poNumber: state.poNumber,
    line: state.line,
    stage: stageOf(state),
    ...(terms === undefined
      ? {}
      : { supplierId: terms.supplierId, plant: terms.buyerPlant, itemId: terms.itemId, uom: terms.uom, currency: terms.currency, unitPrice: terms.unitPrice, revision: terms.revision }),
    quantities: {
      ordered: str(orderedOf(state)),
      ...(isConfirmed(state) ? { confirmed: (state.confirmation === undefined ? undefined : confirmedQuantityOf(state.confirmation)) ?? terms?.quantity ?? '0' } : {}),
      shipped: str(shippedOf(state)),
      received: str(receivedOf(state)),
      rejected: str(rejectedOf(state)),
      invoiced: str(invoicedOf(state)),
      matched: str(matchedOf(state)),
      ...(stopped.isZero() ? {} : { stopped: str(stopped) }),
    },
    openGrir: terms === undefined ? openGrirOf(state).toFixed() : amount(openGrirOf(state), terms.currency),
    ...(state.confirmation === undefined
      ? {}
      : {
          confirmation: {
            status: state.confirmation.status,
            at: state.confirmation.at,
            current: terms === undefined || state.confirmation.revision >= terms.revision,
            ...(state.confirmation.schedule === undefined ? {} : { schedule: state.confirmation.schedule }),
          },
        }),
    receipts: Object.values(state.receipts)
      .sort((a, b) => a.seq - b.seq)
      // The quantity is in the PO unit once converted: 5 BOX received read "60 BOX" beside it.
      .map((r) => ({ receiptId: r.receiptId, ...(r.quantity === undefined ? {} : { quantity: r.quantity }), uom: r.quantity === undefined || terms === undefined ? r.uom : terms.uom, at: r.at, reversal: r.reversal, ...(r.refused === undefined ? {} : { refused: true as const }) })),
    invoices: Object.entries(state.invoices)
      .sort(([, a], [, b]) => a.seq - b.seq)
      .map(([key, i]) => {
        const settledBy = settlingCreditOf(state, key)?.creditMemoNumber;
        return {
          invoiceNumber: i.invoiceNumber,
          supplierId: i.supplierId,
          ...(i.quantity === undefined ? {} : { quantity: i.quantity }),
          ...(i.unitPrice === undefined ? {} : { unitPrice: i.unitPrice }),
          ...(settledBy === undefined ? { status: i.status } : { status: 'settled', settledBy }),
          at: i.at,
          ...(i.holdUntil === undefined ? {} : { holdUntil: i.holdUntil }),
          ...(i.afterHold === undefined ? {} : { afterHold: i.afterHold }),
        };
      }),
    credits: Object.values(state.credits)
      .sort((a, b) => a.seq - b.seq)
      .map((c) => {
        const waitsFor = creditWaitsFor(state, c)?.invoiceNumber ?? invoiceAwaitedBy(state, c);
        const settled = invoiceSettledBy(state, c);
        const settles = settled === undefined ? undefined : state.invoices[settled]?.invoiceNumber;
        return {
          creditMemoNumber: c.creditMemoNumber,
          ...(c.invoiceNumber === undefined ? {} : { invoiceNumber: c.invoiceNumber }),
          supplierId: c.supplierId,
          ...(c.quantity === undefined ? {} : { quantity: c.quantity }),
          ...(c.unitPrice === undefined ? {} : { unitPrice: c.unitPrice }),
          ...(settles !== undefined ? { status: 'settled', settles } : waitsFor === undefined ? { status: c.status } : { status: 'waiting', waitingFor: waitsFor }),
          at: c.at,
        };
      }),
    postings: Object.values(state.postings)
      .sort((a, b) => a.postingId.localeCompare(b.postingId, undefined, { numeric: true }))
      .map((p) => ({ postingId: p.postingId, kind: p.kind, amount: p.amount, currency: p.currency, ...(p.receiptId === undefined ? {} : { receiptId: p.receiptId }), ...(p.invoiceNumber === undefined ? {} : { invoiceNumber: p.invoiceNumber }) })),
    openExceptions: openExceptionsOf(state).map((e) => ({ exceptionId: e.exceptionId, code: e.code, owner: e.owner, raisedAt: e.raisedAt })),
    deadlines: activeDeadlines(state).map((d) => ({ sla: d.sla, ref: d.ref, deadline: d.deadline, owner: d.owner })),
    ...(state.lastActivity === undefined ? {} : { lastActivity: state.lastActivity }),
  };
}
