// What operators do with deliveries: list them, send a failed one again, and replay a range
// of the log (or one workflow) to one subscriber, with a dry run that says what would be sent.
import type { DeliveryStatus, Principal, StoredEvent, SubscriptionDeclaration } from '../core/index.js';
import { deliveryIdOf, matchesSubscription, MillraceError, readInstant, shownValue } from '../core/index.js';
import type { Clock, DeliveryFilter, DeliveryRecord, DeliveryStore, EventStore, Page } from '../ports/index.js';
import { newDelivery } from './delivery-runner.js';

export interface ReplayRequest {
  readonly subscription: string;
  readonly fromSequence?: number;
  readonly toSequence?: number;
  readonly correlationId?: string;
  readonly dryRun?: boolean;
}

export interface ReplayItem {
  /** The new delivery's id (absent in a dry run: ids are given when the replay is made). */
  readonly deliveryId?: string;
  readonly sequence: number;
  readonly id: string;
  readonly type: string;
  readonly correlationid?: string;
}

export interface ReplayAnswer {
  readonly subscription: string;
  readonly dryRun: boolean;
  readonly count: number;
  readonly deliveries: readonly ReplayItem[];
}

/** A bulk retry: one subscription's deliveries in one status, optionally only those queued in a range of time. */
export interface BulkRetryRequest {
  readonly subscription: string;
  /** `dead` unless given; `retrying` and `waiting` are sent now instead of at their next attempt. */
  readonly status?: BulkRetryStatus;
  /** Queued (`createdAt`) at or after this instant (RFC 3339). */
  readonly from?: string;
  /** Queued before this instant (RFC 3339, exclusive). */
  readonly to?: string;
  readonly dryRun?: boolean;
}

export type BulkRetryStatus = 'dead' | 'retrying' | 'waiting';

export interface BulkRetryAnswer {
  readonly subscription: string;
  readonly status: BulkRetryStatus;
  readonly from?: string;
  readonly to?: string;
  readonly dryRun: boolean;
  /** How many were requeued (a dry run: would be). */
  readonly count: number;
  /** Each of them, in log order, as it is now (a dry run: as it is, untouched). */
  readonly deliveries: readonly DeliveryRecord[];
}

/** Most events one replay may re-send; a larger range is refused, not cut. */
export const REPLAY_LIMIT = 10_000;

const RETRYABLE: readonly DeliveryStatus[] = ['dead', 'retrying', 'waiting'] satisfies readonly BulkRetryStatus[];

export class DeliveryOperations {
  private readonly subscriptions: ReadonlyMap<string, SubscriptionDeclaration>;

  constructor(
    private readonly store: DeliveryStore,
    private readonly log: Pick<EventStore, 'readFrom' | 'readByCorrelation' | 'headSequence'>,
    subscriptions: readonly SubscriptionDeclaration[],
    private readonly clock: Clock,
    /** Tells the runner there is something to send now (this process's, when it runs one). */
    private readonly kick: () => void,
  ) {
    this.subscriptions = new Map(subscriptions.map((s) => [s.id, s]));
  }

  list(filter: DeliveryFilter, viewer: Principal, limit: number, after?: string): Promise<Page<DeliveryRecord>> {
    requireOperator(viewer, false);
    return this.store.listDeliveries(filter, limit, after);
  }

  async get(deliveryId: string, viewer: Principal): Promise<DeliveryRecord> {
    requireOperator(viewer, false);
    const record = await this.store.getDelivery(deliveryId);
    if (record === undefined) throw new MillraceError('not_found', `no delivery ${shownValue(deliveryId)}`);
    return record;
  }

  /**
   * Sends a delivery again now with a fresh budget of attempts: a dead one (its blocked
   * followers are released behind it), or one waiting for a retry or a window.
   */
  async retry(deliveryId: string, by: Principal): Promise<DeliveryRecord> {
    requireOperator(by, true);
    const record = await this.store.getDelivery(deliveryId);
    if (record === undefined) throw new MillraceError('not_found', `no delivery ${shownValue(deliveryId)}`);
    if (!RETRYABLE.includes(record.status)) {
      const why =
        record.status === 'delivered'
          ? 'it was delivered; to send it again, replay it (POST /v1/replay)'
          : record.status === 'blocked'
            ? 'it waits behind a dead delivery of the same key; retry that one (GET /v1/deliveries?status=dead)'
            : record.status === 'withdrawn'
              ? `it was withdrawn: ${record.lastError ?? 'the manifest no longer gives its subscription this event'}`
              : 'it is about to be sent';
      throw new MillraceError('delivery_not_retryable', `delivery ${deliveryId} is ${record.status}: ${why}`, { delivery: record });
    }
    await this.store.updateDelivery({ deliveryId, status: 'pending', attempts: 0, nextAttemptAt: this.clock.now().toISOString() });
    this.kick();
    return (await this.store.getDelivery(deliveryId)) ?? record;
  }

  /**
   * Sends again now, with a fresh budget of attempts, every delivery of one subscription in one
   * status (dead unless said), or those queued in a range of time: what `retry` does to one,
   * each key's blocked followers released behind its head, so no key's order changes. The same
   * request again requeues nothing more (they are no longer dead), and the delivery ids are
   * the same: receivers deduplicate as for any retry.
   */
  async retryMany(request: BulkRetryRequest, by: Principal): Promise<BulkRetryAnswer> {
    requireOperator(by, true);
    if (!this.subscriptions.has(request.subscription)) {
      throw new MillraceError('unknown_subscription', `the manifest declares no subscription ${shownValue(request.subscription)}`, { subscriptions: [...this.subscriptions.keys()] });
    }
    const status = request.status ?? 'dead';
    if (!RETRYABLE.includes(status)) throw new MillraceError('invalid_request', `status must be one of ${RETRYABLE.join(', ')}, not ${shownValue(status)}`, { parameters: ['status'] });
    const from = instantOf('from', request.from);
    const to = instantOf('to', request.to);
    if (from !== undefined && to !== undefined && to <= from) throw new MillraceError('invalid_request', `to (${request.to ?? ''}) is not after from (${request.from ?? ''})`, { parameters: ['from', 'to'] });
    const selection = { subscription: request.subscription, status, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
    const dryRun = request.dryRun === true;
    const deliveries = dryRun ? await this.store.selectDeliveries(selection) : await this.store.retryDeliveries(selection, this.clock.now().toISOString());
    if (!dryRun && deliveries.length > 0) this.kick();
    return {
      subscription: request.subscription,
      status,
      ...(request.from === undefined ? {} : { from: request.from }),
      ...(request.to === undefined ? {} : { to: request.to }),
      dryRun,
      count: deliveries.length,
      deliveries,
    };
  }

  /** Re-delivers the matching events of a range of the log, or of one correlation id, to one subscription. */
  async replay(request: ReplayRequest, by: Principal): Promise<ReplayAnswer> {
    requireOperator(by, true);
    const subscription = this.subscriptions.get(request.subscription);
    if (subscription === undefined) {
      throw new MillraceError('unknown_subscription', `the manifest declares no subscription ${shownValue(request.subscription)}`, { subscriptions: [...this.subscriptions.keys()] });
    }
    if (request.correlationId === undefined && request.fromSequence === undefined) {
      throw new MillraceError('invalid_request', 'say what to replay: "fromSequence" (and optionally "toSequence"), or "correlationId"');
    }
    const from = request.fromSequence ?? 1;
    // A range the caller wrote backwards is refused; one that runs to the head from past it (an
    // empty log, a fromSequence not reached yet) holds nothing, like any range past the head.
    if (request.toSequence !== undefined && request.toSequence < from) throw new MillraceError('invalid_request', `toSequence ${request.toSequence} is before fromSequence ${from}`);
    const to = request.toSequence ?? (await this.log.headSequence());
    const events = (await this.eventsIn(request.correlationId, from, to)).filter((stored) => matchesSubscription(subscription, stored.event));
    if (events.length > REPLAY_LIMIT) {
      throw new MillraceError('invalid_request', `${events.length} or more events match; one replay re-sends at most ${REPLAY_LIMIT}: narrow the range`, { limit: REPLAY_LIMIT });
    }
    const item = (stored: StoredEvent, deliveryId?: string): ReplayItem => ({
      ...(deliveryId === undefined ? {} : { deliveryId }),
      sequence: stored.sequence,
      id: stored.event.id,
      type: stored.event.type,
      ...(stored.event.correlationid === undefined ? {} : { correlationid: stored.event.correlationid }),
    });
    if (request.dryRun === true) return { subscription: subscription.id, dryRun: true, count: events.length, deliveries: events.map((stored) => item(stored)) };
    const added = await this.store.addReplays(events.map((stored) => newDelivery(subscription.id, stored)), this.clock.now().toISOString());
    const ids = new Map(added.map((record) => [record.sequence, record.deliveryId]));
    this.kick();
    return { subscription: subscription.id, dryRun: false, count: added.length, deliveries: events.map((stored) => item(stored, ids.get(stored.sequence) ?? deliveryIdOf(subscription.id, stored.sequence))) };
  }

  private async eventsIn(correlationId: string | undefined, from: number, to: number): Promise<StoredEvent[]> {
    if (correlationId !== undefined) return (await this.log.readByCorrelation(correlationId)).filter((s) => s.sequence >= from && s.sequence <= to);
    const events: StoredEvent[] = [];
    let after = from - 1;
    while (after < to && events.length <= REPLAY_LIMIT * 4) {
      const page = await this.log.readFrom(after, Math.min(1000, to - after));
      if (page.length === 0) break;
      events.push(...page.filter((s) => s.sequence <= to));
      after = page[page.length - 1]?.sequence ?? to;
    }
    return events;
  }
}

/** An instant of a request as the store compares them (ISO, UTC, milliseconds); refused when it is no RFC 3339 date-time. */
function instantOf(parameter: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const ms = readInstant(text);
  if (ms === undefined) throw new MillraceError('invalid_request', `${parameter} must be an RFC 3339 date-time (2026-03-02T10:00:00Z), not ${shownValue(text)}`, { parameters: [parameter] });
  return new Date(ms).toISOString();
}

/** Deliveries show every supplier's traffic: operator keys only; changes need the operator role. */
function requireOperator(principal: Principal, change: boolean): void {
  if (principal.kind !== 'operator') throw new MillraceError('forbidden_action', 'deliveries are for operator keys (millrace keys add --operator NAME)');
  if (change && principal.role !== 'operator') throw new MillraceError('forbidden_action', 'retrying and replaying deliveries needs an operator key with the operator role');
}
