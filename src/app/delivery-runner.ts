// Outbound deliveries, driven from the log: the outbox scans the log after each
// subscription's cursor and records a delivery per matching event in the same transaction
// that moves the cursor; then due heads of keys are sent through their channels from a pool of
// slots, and each outcome (delivered, retry later, dead letter, wait for a maintenance window)
// is recorded. A crash between sending and recording sends again with the same delivery id
// (at least once).
import type { CloudEvent, StoredEvent, SubscriptionDeclaration } from '../core/index.js';
import { afterAttempt, deliveryKeyOf, deliverySettingsOf, maintenanceWaitUntil, matchesSubscription, OUTSTANDING_DELIVERY_STATUSES, subscriptionRulesOf, traceContextOf, traceIdOf } from '../core/index.js';
import type { Clock, CursorAdvance, DeliveryChannel, DeliveryRecord, DeliveryStore, DeliveryUpdate, EventLogger, EventStore, NewDelivery, Tracer, WorkflowStore } from '../ports/index.js';

export type ChannelKind = SubscriptionDeclaration['channel']['kind'];

/** What the runner reads the log through. */
export type DeliveryLog = Pick<EventStore, 'readFrom' | 'headSequence'> & Pick<WorkflowStore, 'eventsAt'>;

export interface DeliveryRunnerOptions {
  /** Milliseconds between rounds (retries that came due, other processes' events). */
  readonly tickMs: number;
  readonly onError: (error: unknown) => void;
  /** A draw in [0, 1) for the retry jitter (tests pass a seeded one). */
  readonly random?: () => number;
  /** Events read from the log per outbox step. */
  readonly batchSize?: number;
  /** Deliveries in flight at once, over all subscriptions (each to a different key). */
  readonly concurrency?: number;
  /**
   * Deliveries of one subscription in flight at once: a subscriber that answers slowly (or only
   * at its timeout) holds at most these slots, and the others' deliveries go on in the rest.
   */
  readonly perSubscription?: number;
  /** How long a delivery for a channel this hub cannot send waits before it is looked at again. */
  readonly recheckMs?: number;
  /**
   * Traces each attempt: a span, child of the context stored with the event (its intake or
   * processing span, however long ago), whose own context goes to the receiver (`traceparent`).
   */
  readonly tracer?: Tracer;
  /** Where each attempt's outcome is logged (with correlation id, delivery id and trace id). */
  readonly logger?: EventLogger;
  /** Told of each attempt: its channel kind, outcome and duration in seconds (for the metrics). */
  readonly onAttempt?: (channel: string, outcome: string, seconds: number) => void;
}

export class DeliveryRunner {
  private readonly subscriptions: ReadonlyMap<string, SubscriptionDeclaration>;
  private readonly random: () => number;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly perSubscription: number;
  private readonly recheckMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Not driven by kicks and ticks (before `start`, after `stop`). */
  private stopped = true;
  /** Stopping: nothing new is sent; what is in flight finishes. */
  private closing = false;
  /** The pass that scans the outbox and fills free slots, while one runs. */
  private pumping: Promise<void> | undefined;
  private again = false;
  private outboxDue = false;
  /**
   * The deliveries being sent, by id: each holds its slot until its outcome is recorded (the
   * promise settles then, and never rejects: a failure is reported).
   */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Deliveries in flight per subscription. */
  private readonly busy = new Map<string, number>();
  /**
   * Deliveries whose outcome was recorded while the current due query ran: the query may have
   * read them before that, as still due, and they must not go twice.
   */
  private settled = new Set<string>();
  /** The runner's writes to the outbox, one at a time (a dead letter and a new follower's insert must not cross). */
  private writes: Promise<unknown> = Promise.resolve();
  /** Failures seen while `runOnce` callers wait, one list per caller (else they go to `onError`). */
  private readonly watchers = new Set<unknown[]>();
  /** Whether the store's subscriptions were squared with this manifest since this process took the lead. */
  private reconciled = false;
  /** The log's head when `prepare` ran: where new subscriptions start, and subscriptions back in the manifest too. */
  private preparedAt: number | undefined;

  constructor(
    private readonly log: DeliveryLog,
    private readonly store: DeliveryStore,
    subscriptions: readonly SubscriptionDeclaration[],
    private readonly channels: ReadonlyMap<ChannelKind, DeliveryChannel>,
    private readonly clock: Clock,
    private readonly options: DeliveryRunnerOptions,
  ) {
    this.subscriptions = new Map(subscriptions.map((s) => [s.id, s]));
    this.random = options.random ?? Math.random;
    this.batchSize = options.batchSize ?? 500;
    this.concurrency = options.concurrency ?? 16;
    this.perSubscription = Math.min(this.concurrency, options.perSubscription ?? 4);
    this.recheckMs = options.recheckMs ?? 3_600_000;
  }

  /**
   * Gives each subscription that has no cursor yet one at the log's head: a new subscription
   * receives what is logged from now on (the past can be sent with a replay). Frees keys an
   * older version left stuck.
   */
  async prepare(): Promise<void> {
    this.preparedAt = await this.log.headSequence();
    await this.store.startDeliveryCursors([...this.subscriptions.keys()], this.preparedAt);
    // A database written before a retry released its whole key (2a19b2d) may hold blocked
    // deliveries that nothing dead precedes: nothing else would ever release them.
    const released = await this.store.releaseStrandedDeliveries();
    if (released > 0) this.options.logger?.info({ released }, 'released blocked deliveries that no dead delivery precedes (left by an older version)');
  }

  start(): void {
    this.stopped = false;
    this.closing = false;
    this.schedule(0);
  }

  /** New events are in the log, or an operator asked for a retry: scan and fill free slots now. */
  kick(): void {
    if (!this.stopped) void this.pump(true);
  }

  /**
   * One round, as tests and manual mode drive it: the outbox, then every delivery due now, slot
   * by slot, until nothing is due and nothing is in flight. Rejects with the first failure
   * (of a step or of an attempt) seen meanwhile.
   */
  async runOnce(): Promise<void> {
    const failures: unknown[] = [];
    this.watchers.add(failures);
    try {
      await this.pump(true);
      await this.idle();
    } finally {
      this.watchers.delete(failures);
    }
    if (failures.length > 0) throw failures[0];
  }

  /** Sends nothing new; the deliveries in flight finish (or time out) and are recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.closing = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.idle();
    // Channels that hold connections (NATS) let them go.
    for (const channel of this.channels.values()) await channel.close?.().catch((error: unknown) => this.options.onError(error));
  }

  /** The outbox: records deliveries for new matching events and moves the cursors, step by step. */
  async enqueue(): Promise<void> {
    const cursors = await this.store.deliveryCursors();
    const active = [...this.subscriptions.values()].filter((s) => cursors.has(s.id));
    for (;;) {
      const from = Math.min(...active.map((s) => cursors.get(s.id) ?? 0));
      if (!Number.isFinite(from)) return;
      const events = await this.log.readFrom(from, this.batchSize);
      const last = events[events.length - 1];
      if (last === undefined) return;
      const deliveries: NewDelivery[] = [];
      const advances: CursorAdvance[] = [];
      for (const subscription of active) {
        const cursor = cursors.get(subscription.id) ?? 0;
        if (cursor >= last.sequence) continue;
        for (const stored of events) {
          if (stored.sequence > cursor && matchesSubscription(subscription, stored.event)) deliveries.push(newDelivery(subscription.id, stored));
        }
        advances.push({ subscription: subscription.id, from: cursor, upTo: last.sequence });
      }
      // Another process moved a cursor (it leads now): leave the outbox to it.
      if (!(await this.store.enqueueDeliveries(deliveries, advances, this.clock.now().toISOString()))) return;
      for (const advance of advances) cursors.set(advance.subscription, advance.upTo);
    }
  }

  /**
   * Squares the outbox with this manifest, once the process leads the deliveries (before it
   * sends anything): a subscription the manifest no longer declares has its queued deliveries
   * withdrawn and is marked removed; one back in the manifest after a removal starts at the end
   * of the log, like a new one, and the log names what it missed; one whose types or filter
   * changed has the queued deliveries it no longer matches withdrawn. Each is said in the log
   * (ADR 0052). Idempotent, and safe to stop anywhere: the rules are recorded last.
   */
  async reconcile(): Promise<void> {
    const head = this.preparedAt ?? (await this.log.headSequence());
    const logger = this.options.logger;
    for (const position of await this.store.subscriptionPositions()) {
      const id = position.subscription;
      const subscription = this.subscriptions.get(id);
      if (subscription === undefined) {
        const withdrawn = await this.withdraw(id, undefined, `withdrawn, never sent: subscription ${id} is not in the manifest any more`);
        if (position.removedAt === undefined) {
          await this.store.markSubscriptionRemoved(id, head);
          logger?.warn(
            { subscription: id, withdrawn, position: position.upTo },
            `subscription ${id} is not in the manifest: its ${withdrawn} queued deliveries are withdrawn (never sent); if it is added again, it starts at the end of the log`,
          );
        } else if (withdrawn > 0) {
          logger?.warn({ subscription: id, withdrawn }, `withdrew ${withdrawn} queued deliveries of ${id}, which is not in the manifest`);
        }
        continue;
      }
      if (position.removedAt !== undefined) {
        await this.store.resumeSubscription(id, head);
        if (head > position.upTo) {
          logger?.warn(
            { subscription: id, missedFromSequence: position.upTo + 1, missedToSequence: head },
            `subscription ${id} is back in the manifest: it receives what is logged from sequence ${head + 1} on; what was logged while it was out (sequences ${position.upTo + 1} to ${head}) is not sent unless replayed: POST /v1/replay {"subscription": "${id}", "fromSequence": ${position.upTo + 1}, "toSequence": ${head}}`,
          );
        } else {
          logger?.info({ subscription: id }, `subscription ${id} is back in the manifest; nothing was logged while it was out`);
        }
      }
      const rules = subscriptionRulesOf(subscription);
      if (position.rules === rules) continue;
      const withdrawn = await this.withdraw(id, (event) => matchesSubscription(subscription, event), `withdrawn, never sent: subscription ${id} no longer receives this event (its types or filter changed in the manifest)`);
      await this.store.recordSubscriptionRules(id, rules);
      if (withdrawn > 0) logger?.warn({ subscription: id, withdrawn }, `withdrew ${withdrawn} queued deliveries of ${id}: the manifest's types or filter for it no longer match their events`);
    }
  }

  /**
   * Withdraws the subscription's deliveries not sent yet whose event it does not `keep` (all of
   * them without `keep`), page by page; how many. Blocked before pending: a withdrawn dead head
   * releases its followers to pending, where the later pass still sees them.
   */
  private async withdraw(subscription: string, keep: ((event: CloudEvent) => boolean) | undefined, reason: string): Promise<number> {
    let withdrawn = 0;
    for (const status of OUTSTANDING_DELIVERY_STATUSES) {
      let after: string | undefined;
      do {
        const page = await this.store.listDeliveries({ subscription, status }, this.batchSize, after);
        let ids = page.items.map((d) => d.deliveryId);
        if (keep !== undefined && page.items.length > 0) {
          const events = new Map((await this.log.eventsAt([...new Set(page.items.map((d) => d.sequence))])).map((stored) => [stored.sequence, stored.event]));
          // An event the log does not give back is left as it is: the runner reports it when it comes due.
          ids = page.items.filter((d) => {
            const event = events.get(d.sequence);
            return event !== undefined && !keep(event);
          }).map((d) => d.deliveryId);
        }
        withdrawn += await this.store.withdrawDeliveries(ids, reason);
        after = page.next;
      } while (after !== undefined);
    }
    return withdrawn;
  }

  /**
   * One pass at a time: the outbox (when asked), then the free slots filled. A call during a
   * pass makes it go once more. Never rejects: failures are reported.
   */
  private pump(outbox: boolean): Promise<void> {
    if (outbox) this.outboxDue = true;
    if (this.pumping !== undefined) {
      this.again = true;
      return this.pumping;
    }
    const pass = async () => {
      do {
        this.again = false;
        if (this.closing) return;
        if (!(await this.store.tryLeadDeliveries())) {
          // Another process leads (maybe with another manifest): square the store again on taking the lead.
          this.reconciled = false;
          return;
        }
        if (!this.reconciled) {
          await this.serially(() => this.reconcile());
          this.reconciled = true;
        }
        if (this.outboxDue) {
          this.outboxDue = false;
          await this.serially(() => this.enqueue());
        }
        await this.fill();
      } while (this.again);
    };
    this.pumping = pass()
      .catch((error: unknown) => this.report(error))
      .finally(() => {
        this.pumping = undefined;
      });
    return this.pumping;
  }

  /**
   * Starts due heads in the free slots, earliest first, at most `perSubscription` of one
   * subscription in flight. Does not wait for them: each frees its slot when its outcome is
   * recorded and fills again, so a slow receiver holds back no one else's deliveries.
   */
  private async fill(): Promise<void> {
    if (this.inFlight.size >= this.concurrency) return;
    this.settled = new Set();
    const now = this.clock.now();
    // A subscription's deliveries in flight are still due in the store: reading perSubscription
    // of each is enough to find every one that may start now.
    const due = await this.store.dueDeliveries(now.toISOString(), this.perSubscription);
    const chosen: DeliveryRecord[] = [];
    const taking = new Map(this.busy);
    for (const delivery of due) {
      if (this.inFlight.size + chosen.length >= this.concurrency) break;
      const busy = taking.get(delivery.subscription) ?? 0;
      if (busy >= this.perSubscription || this.inFlight.has(delivery.deliveryId) || this.settled.has(delivery.deliveryId)) continue;
      chosen.push(delivery);
      taking.set(delivery.subscription, busy + 1);
    }
    if (chosen.length === 0) return;
    const events = new Map((await this.log.eventsAt([...new Set(chosen.map((d) => d.sequence))])).map((stored) => [stored.sequence, stored]));
    // A pass checks `closing` only when it begins: stop may have come while the store was read
    // here, and the slot a delivery in flight freed meanwhile must not be filled (the deliveries
    // stay in the outbox for the next start).
    if (this.closing) return;
    // Nor may a process that lost the lead meanwhile send (frozen past its lease, then thawed):
    // the new leader sends these. Asked of the store only when the lead's term may have run out.
    if (!(await this.store.tryLeadDeliveries())) return;
    // The term the sends start under: their outcomes are recorded only while it is still the
    // lead's (a hub frozen in the middle of a send, thawed after another took over, writes none).
    const lead = this.store.deliveryLead?.();
    for (const delivery of chosen) this.launch(delivery, events.get(delivery.sequence), now, lead);
  }

  private launch(delivery: DeliveryRecord, stored: StoredEvent | undefined, now: Date, lead: string | undefined): void {
    const free = () => {
      this.inFlight.delete(delivery.deliveryId);
      this.busy.set(delivery.subscription, (this.busy.get(delivery.subscription) ?? 1) - 1);
      this.settled.add(delivery.deliveryId);
    };
    const done = this.attempt(delivery, stored, now, lead).then(
      () => {
        free();
        void this.pump(false);
      },
      // Not filled again at once: a failing store or a missing event would go round hot; the
      // next kick or tick tries again.
      (error: unknown) => {
        free();
        this.report(error);
      },
    );
    this.inFlight.set(delivery.deliveryId, done);
    this.busy.set(delivery.subscription, (this.busy.get(delivery.subscription) ?? 0) + 1);
  }

  /** Resolves once no pass runs and nothing is in flight (what finishes meanwhile may start more). */
  private async idle(): Promise<void> {
    while (this.pumping !== undefined || this.inFlight.size > 0) await Promise.all([this.pumping, ...this.inFlight.values()]);
  }

  private serially<T>(write: () => Promise<T>): Promise<T> {
    const result = this.writes.then(write);
    this.writes = result.catch(() => undefined);
    return result;
  }

  private report(error: unknown): void {
    if (this.watchers.size === 0) this.options.onError(error);
    for (const failures of this.watchers) failures.push(error);
  }

  private async attempt(delivery: DeliveryRecord, stored: StoredEvent | undefined, now: Date, lead: string | undefined): Promise<void> {
    const nowIso = now.toISOString();
    const fenced = lead === undefined ? {} : { lead };
    const wait = (until: number, reason?: string) =>
      this.record({ deliveryId: delivery.deliveryId, status: 'waiting', attempts: delivery.attempts, nextAttemptAt: new Date(until).toISOString(), ...(reason === undefined ? {} : { lastError: reason }), ...fenced });
    const subscription = this.subscriptions.get(delivery.subscription);
    if (subscription === undefined) return wait(now.getTime() + this.recheckMs, `subscription ${delivery.subscription} is not in the manifest any more`);
    if (stored === undefined) throw new Error(`delivery ${delivery.deliveryId}: event ${delivery.sequence} is not in the log`);
    const windowEnd = maintenanceWaitUntil(now.getTime(), subscription.maintenanceWindows ?? []);
    if (windowEnd !== undefined) return wait(windowEnd);
    const channel = this.channels.get(subscription.channel.kind);
    if (channel === undefined) return wait(now.getTime() + this.recheckMs, `this hub has no ${subscription.channel.kind} channel yet: the delivery waits until one is configured`);
    const settings = deliverySettingsOf(subscription);
    const parent = traceContextOf(stored.event);
    const span = this.options.tracer?.start(`millrace.deliver ${subscription.id}`, {
      kind: 'producer',
      ...(parent === undefined ? {} : { parent }),
      attributes: {
        'millrace.delivery_id': delivery.deliveryId,
        'millrace.subscription': subscription.id,
        'millrace.channel': subscription.channel.kind,
        'millrace.attempt': delivery.attempts + 1,
        'cloudevents.event_id': stored.event.id,
        'cloudevents.event_type': stored.event.type,
      },
    });
    const started = performance.now();
    const result = await channel
      .send({ deliveryId: delivery.deliveryId, attempt: delivery.attempts + 1, subscription, stored, now, timeoutMs: settings.timeoutMs, ...(span === undefined ? {} : { trace: span.context }) })
      .catch((error: unknown) => ({ kind: 'retryable' as const, error: error instanceof Error ? error.message : String(error) }));
    const outcome = afterAttempt(delivery.attempts, result, settings, now.getTime(), this.random());
    this.options.onAttempt?.(subscription.channel.kind, outcome.status, (performance.now() - started) / 1000);
    if (span !== undefined) {
      span.setAttributes({ 'millrace.delivery_status': outcome.status });
      if (result.kind !== 'delivered') span.fail(result.error);
      span.end();
    }
    this.logAttempt(delivery, stored, outcome.status, result.kind === 'delivered' ? undefined : result.error, span?.context ?? parent);
    await this.record({
      deliveryId: delivery.deliveryId,
      status: outcome.status,
      attempts: outcome.attempts,
      nextAttemptAt: outcome.nextAttemptAt ?? nowIso,
      lastAttemptAt: nowIso,
      ...(outcome.lastError === undefined ? {} : { lastError: outcome.lastError }),
      ...(outcome.status === 'delivered' ? { deliveredAt: nowIso } : {}),
      ...fenced,
    });
  }

  private record(update: DeliveryUpdate): Promise<void> {
    return this.serially(() => this.store.updateDelivery(update));
  }

  private logAttempt(delivery: DeliveryRecord, stored: StoredEvent, status: string, error: string | undefined, trace: { traceparent: string } | undefined): void {
    const logger = this.options.logger;
    if (logger === undefined) return;
    const traceId = traceIdOf(trace);
    const fields = {
      deliveryId: delivery.deliveryId,
      subscription: delivery.subscription,
      attempt: delivery.attempts + 1,
      status,
      eventId: stored.event.id,
      eventType: stored.event.type,
      ...(stored.event.correlationid === undefined ? {} : { correlationid: stored.event.correlationid }),
      ...(traceId === undefined ? {} : { traceId }),
    };
    if (error === undefined) logger.info(fields, 'delivered');
    else logger.warn({ ...fields, error }, status === 'dead' ? 'delivery failed for good (dead letter)' : 'delivery attempt failed');
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      void this.pump(true).then(() => {
        if (!this.stopped) this.schedule(this.options.tickMs);
      });
    }, delay);
  }
}

export function newDelivery(subscription: string, stored: StoredEvent): NewDelivery {
  return { subscription, sequence: stored.sequence, key: deliveryKeyOf(stored.event), eventType: stored.event.type, eventId: stored.event.id };
}
