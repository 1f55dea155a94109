// Running totals of a line's receipts and postings, so that one more receipt on a line with a long
// history (a blanket PO received daily for years, a line received pallet by pallet) costs the same
// as the first instead of a walk over every receipt and posting before it.
//
// A tally is kept beside its record object (a WeakMap keyed by the record, never stored: the line's
// JSON does not change), built from the record the first time it is asked for, and brought up to
// date by evolve when it adds an entry to the record in place. The trap: a record changed in any
// other way must go through `forgetTally`, or the totals go stale. Sums are added up in the order
// entries were added, as a fresh walk over the record's values adds them, so a kept total is the
// same decimal that walk would give.
import type { Dec } from '../money.js';
import { dec, ZERO } from '../money.js';
import type { PostingRecord, ReceiptRecord } from './p2p-state.js';

export interface ReceiptTally {
  /** Net accepted quantity of the receipts in a known unit, not settled. */
  received: Dec;
  /** Rejected quantity, not settled. */
  rejected: Dec;
  /** Quantity of the receipts whose GR/IR accrual (or reversal) is posted, not settled. */
  accrued: Dec;
  /** Event ids of the receipts decide still has to look at: not posted, in an unknown unit, or refused (its exception). */
  readonly open: Set<string>;
  /** Shipments named by a receipt that is not a reversal. */
  readonly shipments: Set<string>;
  /** The reversal latest in the log, of those applied. */
  lastReversal: ReceiptRecord | undefined;
}

export interface PostingTally {
  /** GR/IR accruals and reversals. */
  accrued: Dec;
  /** AP liability. */
  ap: Dec;
  /** Price variance. */
  variance: Dec;
}

type Receipts = Readonly<Record<string, ReceiptRecord>>;
type Postings = Readonly<Record<string, PostingRecord>>;

const receiptTallies = new WeakMap<Receipts, ReceiptTally>();
const postingTallies = new WeakMap<Postings, PostingTally>();

export function receiptTally(receipts: Receipts): ReceiptTally {
  let tally = receiptTallies.get(receipts);
  if (tally === undefined) {
    tally = { received: ZERO, rejected: ZERO, accrued: ZERO, open: new Set(), shipments: new Set(), lastReversal: undefined };
    for (const receipt of Object.values(receipts)) addReceipt(tally, receipt);
    receiptTallies.set(receipts, tally);
  }
  return tally;
}

export function postingTally(postings: Postings): PostingTally {
  let tally = postingTallies.get(postings);
  if (tally === undefined) {
    tally = { accrued: ZERO, ap: ZERO, variance: ZERO };
    for (const posting of Object.values(postings)) addPosting(tally, posting);
    postingTallies.set(postings, tally);
  }
  return tally;
}

/** Forgets what is known of a record changed other than by the `set...` functions below. */
export function forgetTally(record: Receipts | Postings): void {
  receiptTallies.delete(record as Receipts);
  postingTallies.delete(record as Postings);
}

/** Adds (or replaces) a receipt in the line's record, in place, keeping its tally. */
export function setReceipt(receipts: Receipts, eventId: string, receipt: ReceiptRecord): Receipts {
  const tally = receiptTallies.get(receipts);
  const previous = receipts[eventId];
  (receipts as Record<string, ReceiptRecord>)[eventId] = receipt;
  if (tally === undefined) return receipts;
  if (previous === undefined) addReceipt(tally, receipt);
  else if (
    previous.quantity === receipt.quantity &&
    previous.rejected === receipt.rejected &&
    previous.reversal === receipt.reversal &&
    previous.shipmentId === receipt.shipmentId &&
    previous.refused === receipt.refused
  ) {
    // Its GR/IR posted: the quantities stand, the receipt leaves the open ones.
    if (previous.postingId === undefined && receipt.postingId !== undefined && receipt.quantity !== undefined) tally.accrued = tally.accrued.plus(dec(receipt.quantity));
    if (receipt.postingId !== undefined && receipt.quantity !== undefined) tally.open.delete(eventId);
    if (tally.lastReversal?.eventId === eventId) tally.lastReversal = receipt;
  } else receiptTallies.delete(receipts);
  return receipts;
}

/** Adds (or replaces) a posting in the line's record, in place, keeping its tally. */
export function setPosting(postings: Postings, postingId: string, posting: PostingRecord): Postings {
  const tally = postingTallies.get(postings);
  const previous = postings[postingId];
  (postings as Record<string, PostingRecord>)[postingId] = posting;
  if (tally === undefined) return postings;
  if (previous === undefined) addPosting(tally, posting);
  else postingTallies.delete(postings);
  return postings;
}

function addReceipt(tally: ReceiptTally, receipt: ReceiptRecord): void {
  // A refused reversal counts nowhere; it stays open for decide to raise its exception.
  if (receipt.refused !== undefined) {
    tally.open.add(receipt.eventId);
    return;
  }
  if (receipt.quantity !== undefined) tally.received = tally.received.plus(dec(receipt.quantity));
  if (receipt.rejected !== undefined) tally.rejected = tally.rejected.plus(dec(receipt.rejected));
  if (receipt.postingId !== undefined && receipt.quantity !== undefined) tally.accrued = tally.accrued.plus(dec(receipt.quantity));
  else tally.open.add(receipt.eventId);
  if (receipt.shipmentId !== undefined && !receipt.reversal) tally.shipments.add(receipt.shipmentId);
  if (receipt.reversal && (tally.lastReversal === undefined || receipt.seq >= tally.lastReversal.seq)) tally.lastReversal = receipt;
}

function addPosting(tally: PostingTally, posting: PostingRecord): void {
  if (posting.kind === 'grir_accrual' || posting.kind === 'reversal') tally.accrued = tally.accrued.plus(dec(posting.amount));
  else if (posting.kind === 'ap_liability') tally.ap = tally.ap.plus(dec(posting.amount));
  else if (posting.kind === 'price_variance') tally.variance = tally.variance.plus(dec(posting.amount));
}
