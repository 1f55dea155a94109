// The outbox: deliveries of logged events to the manifest's subscriptions, one row per
// (subscription, event sequence, replay generation), and a cursor per subscription saying how
// far the log has been scanned. Kept in the same database as the log. Adapters: SQLite,
// PostgreSQL (one conformance suite, test/conformance/delivery-store.conformance.ts).
import type { DeliveryStatus } from '../core/index.js';
import type { Page } from './workflow-store.port.js';

export interface DeliveryRecord {
  /** Stable over every attempt: `<subscription>.<sequence>` (`.r<n>` for the n-th replay). */
  readonly deliveryId: string;
  readonly subscription: string;
  /** The logged event's sequence. */
  readonly sequence: number;
  /** 0 for the delivery the outbox made, n for the n-th replay. */
  readonly generation: number;
  /** The ordering key: the event's correlationid, or the event itself when it has none. */
  readonly key: string;
  readonly eventType: string;
  readonly eventId: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  /** Not before this instant (ISO, UTC with milliseconds). */
  readonly nextAttemptAt: string;
  readonly createdAt: string;
  readonly lastAttemptAt?: string;
  readonly lastError?: string;
  readonly deliveredAt?: string;
}

/** A delivery to create (pending, no attempt yet). */
export interface NewDelivery {
  readonly subscription: string;
  readonly sequence: number;
  readonly key: string;
  readonly eventType: string;
  readonly eventId: string;
}

/** How far one subscription's scan of the log moves, if it is still where the scanner read it. */
export interface CursorAdvance {
  readonly subscription: string;
  readonly from: number;
  readonly upTo: number;
}

/** The state a delivery moves to after an attempt, a maintenance window or an operator's retry. */
export interface DeliveryUpdate {
  readonly deliveryId: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly lastAttemptAt?: string;
  /** Absent: keep the last error (a wait is not an error). */
  readonly lastError?: string;
  readonly deliveredAt?: string;
  /**
   * The deliveries' lead term the attempt was started under (`DeliveryStore.deliveryLead`), when
   * the runner that leads the deliveries records its outcome on a store shared by several hub
   * processes: the store records it only while that term is still the lead's. A leader frozen for
   * longer than its lease, then thawed, finds another hub's term there and writes nothing (the
   * new leader sends the delivery, at least once). Absent for an operator's retry, which any hub
   * may record.
   */
  readonly lead?: string;
}

/** A subscription's cursor, with what the hub that leads the deliveries last knew of it. */
export interface SubscriptionPosition {
  readonly subscription: string;
  /** The last log sequence scanned for it. */
  readonly upTo: number;
  /** The log's head when a hub that sends deliveries first started without it in its manifest; absent while it is in. */
  readonly removedAt?: number;
  /** The rules its deliveries were queued under (core `subscriptionRulesOf`); absent before they were first recorded. */
  readonly rules?: string;
}

/** Which deliveries an operator's bulk retry takes: one subscription's, in one status, queued in a range of time. */
export interface RetrySelection {
  readonly subscription: string;
  readonly status: DeliveryStatus;
  /** Queued (`createdAt`) at or after this instant (ISO, UTC with milliseconds). */
  readonly from?: string;
  /** Queued before this instant. */
  readonly to?: string;
}

export interface DeliveryFilter {
  readonly status?: DeliveryStatus;
  readonly subscription?: string;
}

/**
 * Promises:
 * - `enqueueDeliveries` is one transaction: the deliveries are inserted (a delivery that
 *   exists already is left as it is) and each cursor moves from `from` to `upTo`. If a cursor is
 *   not at `from` any more (another process moved it), nothing is written and it resolves false.
 *   Each subscription and key has a queue: a delivery goes behind every delivery its key holds
 *   (the outbox's in log order, a replay behind what is queued when it is made). A delivery
 *   is `blocked` while a dead delivery of its key comes before it in that queue, and only then;
 *   so a new one is stored `blocked` when its key has a dead delivery.
 * - `dueDeliveries` gives only heads: deliveries in pending/retrying/waiting, due at `now`,
 *   with no undelivered delivery before them in their key's queue. So one key never has two
 *   deliveries in flight, and a dead head holds its followers back. At most `perSubscription`
 *   of each subscription (its earliest in the log), all by sequence: one subscription's
 *   backlog does not hide the others' due deliveries.
 * - `updateDelivery` with a `lead` term that is not the lead's any more writes nothing and
 *   rejects (the outcome of a send made by a hub that lost the lead).
 * - `updateDelivery` to `dead` marks the waiting followers of its key `blocked`; to `pending`
 *   (an operator's retry) puts back to `pending` every blocked delivery of the key that no dead
 *   one precedes any more.
 * - `releaseStrandedDeliveries` does that release over every key and says how many it released:
 *   it frees keys an older version left stuck, and finds nothing (cheaply) otherwise.
 * - `addReplays` creates new deliveries (the next generation for each subscription and
 *   sequence), each at the end of its key's queue, and returns them.
 * - `withdrawDeliveries` marks `withdrawn` those of the given deliveries not sent yet (pending,
 *   retrying, waiting, blocked, dead), with the reason as their last error, and says how many.
 *   A withdrawn delivery holds no key: the blocked deliveries of its key that no dead one
 *   precedes any more are released, and each key's head is its first delivery neither delivered
 *   nor withdrawn. Nothing is deleted.
 * - `retryDeliveries` does to every selected delivery what `updateDelivery` to `pending` with no
 *   attempt, due `now`, does to one (an operator's retry), each key's release included, and
 *   returns those it changed (a delivery no longer in the selected status when it gets there is
 *   left). Done in steps of a bounded number of keys: a failure leaves the earlier steps done, and
 *   the same call again finishes the rest.
 * Leaves out: deciding when to retry and whether an event matches (core/delivery), sending.
 */
export interface DeliveryStore {
  /**
   * Whether this process runs the deliveries now (one process per store does, so a key's
   * deliveries are never sent by two processes at once). Kept until the process closes or
   * loses its connection, or (PostgreSQL) its lease runs out unrenewed (a frozen process). Call
   * again to keep checking.
   */
  tryLeadDeliveries(): Promise<boolean>;
  /**
   * The term of the deliveries' lead this process holds or last held, for `DeliveryUpdate.lead`;
   * absent (or undefined) where one process has the store and needs no fencing (SQLite).
   */
  deliveryLead?(): string | undefined;
  /** Each subscription's cursor (the last log sequence scanned). */
  deliveryCursors(): Promise<Map<string, number>>;
  /** Creates the cursors that do not exist yet, at `at`; existing ones are left. */
  startDeliveryCursors(subscriptions: readonly string[], at: number): Promise<void>;
  /** Every cursor, with its removal mark and rules, by subscription. */
  subscriptionPositions(): Promise<SubscriptionPosition[]>;
  /** Marks a subscription found missing from the manifest, at the log's head `at` (a mark already there is kept); its cursor stays. */
  markSubscriptionRemoved(subscription: string, at: number): Promise<void>;
  /** A subscription back in the manifest: its mark cleared and its cursor moved up to `at` (never back). */
  resumeSubscription(subscription: string, at: number): Promise<void>;
  /** Records the rules the subscription's deliveries are queued under from now on. */
  recordSubscriptionRules(subscription: string, rules: string): Promise<void>;
  enqueueDeliveries(deliveries: readonly NewDelivery[], cursors: readonly CursorAdvance[], now: string): Promise<boolean>;
  dueDeliveries(now: string, perSubscription: number): Promise<DeliveryRecord[]>;
  /** Releases blocked deliveries that no dead delivery of their key precedes; how many. */
  releaseStrandedDeliveries(): Promise<number>;
  updateDelivery(update: DeliveryUpdate): Promise<void>;
  addReplays(deliveries: readonly NewDelivery[], now: string): Promise<DeliveryRecord[]>;
  withdrawDeliveries(deliveryIds: readonly string[], reason: string): Promise<number>;
  /** The deliveries a bulk retry would take, by sequence then generation. */
  selectDeliveries(selection: RetrySelection): Promise<DeliveryRecord[]>;
  retryDeliveries(selection: RetrySelection, now: string): Promise<DeliveryRecord[]>;
  getDelivery(deliveryId: string): Promise<DeliveryRecord | undefined>;
  /** Every delivery of these logged events (to any subscription, replays included), by sequence then id. */
  deliveriesOf(sequences: readonly number[]): Promise<DeliveryRecord[]>;
  /** Newest event first (then newest replay); `after` is the `next` of the previous page, and anything else is refused (MillraceError invalid_request). */
  listDeliveries(filter: DeliveryFilter, limit: number, after?: string): Promise<Page<DeliveryRecord>>;
  /** How many deliveries each subscription has in each status (for metrics). */
  deliveryCounts(): Promise<readonly { readonly subscription: string; readonly status: DeliveryStatus; readonly count: number }[]>;
}
