// What a PO line is waiting for, and since when: the gaps of its lineage. An active deadline
// is a step the hub expects (with its due time and owner); an open exception is a step someone
// must take; a line received but not invoiced waits for the supplier's invoice; an invoice left
// unmatched once its exception is closed waits for a corrected invoice or a credit note.
import { toMs } from '../time.js';
import type { P2PLine } from './p2p-state.js';
import { activeDeadlines, openExceptionsOf, settlingCreditOf, stageOf } from './p2p-state.js';

export interface LineGap {
  readonly line: number;
  /** The step that has not happened, in words. */
  readonly expected: string;
  readonly since: string;
  /** When it is due, where an SLA says so. */
  readonly due?: string;
  readonly overdue: boolean;
  readonly owner?: string;
  /** The SLA or exception code behind it. */
  readonly reason: string;
}

const EXPECTED: Readonly<Record<string, string>> = {
  supplier_confirmation: 'the supplier confirms the line',
  receipt_after_eta: 'the plant posts the goods receipt',
  invoice_hold: 'the goods receipt for the held invoice',
  purchase_order_missing: 'the ERP releases the purchase order',
  credit_memo_hold: 'the invoice the credit memo credits',
};

export function lineGaps(state: P2PLine, now: string): LineGap[] {
  const nowMs = toMs(now);
  const gaps: LineGap[] = activeDeadlines(state).map((d) => ({
    line: state.line,
    expected: EXPECTED[d.sla] ?? d.sla,
    since: d.startedAt,
    due: d.deadline,
    overdue: toMs(d.deadline) <= nowMs,
    owner: d.owner,
    reason: d.sla,
  }));
  for (const exception of openExceptionsOf(state)) {
    // Goods reversed after their invoice matched clear themselves: what is awaited is a document, not a decision.
    const expected =
      exception.code === 'receipt_reversed_after_match'
        ? `a credit memo from ${state.terms?.supplierId ?? 'the supplier'} for the goods reversed, or the goods received again (${exception.owner} follows up)`
        : `${exception.owner} resolves ${exception.code}`;
    gaps.push({ line: state.line, expected, since: exception.raisedAt, overdue: false, owner: exception.owner, reason: exception.code });
  }
  const stage = stageOf(state);
  const receipts = Object.values(state.receipts).filter((r) => !r.reversal);
  // An invoice left unmatched after its exception was resolved by hand: the line waits for a
  // corrected invoice or a credit note; nothing else would move it.
  const unmatched = Object.entries(state.invoices).flatMap(([key, i]) => ((i.status === 'exception' && settlingCreditOf(state, key) === undefined) || i.status === 'received' ? [i] : []));
  if (stage === 'invoiced' && unmatched.length > 0 && openExceptionsOf(state).length === 0 && activeDeadlines(state).length === 0) {
    const first = unmatched.map((i) => i.at).sort()[0] ?? '';
    gaps.push({ line: state.line, expected: 'a corrected invoice or a credit note, so the invoice matches', since: first, overdue: false, reason: 'awaiting_match' });
  }
  if (stage === 'received' && receipts.length > 0) {
    const first = receipts.map((r) => r.at).sort()[0] ?? '';
    gaps.push({ line: state.line, expected: "the supplier's invoice", since: first, overdue: false, reason: 'awaiting_invoice' });
  }
  return gaps.sort((a, b) => toMs(a.since) - toMs(b.since) || a.reason.localeCompare(b.reason));
}
