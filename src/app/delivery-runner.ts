// Outbound deliveries, driven from the log: the outbox scans the log after each
// subscription's cursor and records a delivery per matching event in the same transaction
// that moves the cursor; then every due head of a key is sent through its channel, and the
// outcome (delivered, retry later, dead letter, wait for a maintenance window) is recorded.
// A crash between sending and recording sends again with the same delivery id (at least once).
import type { StoredEvent, SubscriptionDeclaration } from '../core/index.js';
import { afterAttempt, deliveryKeyOf, deliverySettingsOf, maintenanceWaitUntil, matchesSubscription, traceContextOf, traceIdOf } from '../core/index.js';
import type { Clock, CursorAdvance, DeliveryChannel, DeliveryRecord, DeliveryStore, EventLogger, EventStore, NewDelivery, Tracer, WorkflowStore } from '../ports/index.js';

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
  /** Deliveries sent at once (each to a different key). */
  readonly concurrency?: number;
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
  private readonly recheckMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = true;
  private running: Promise<void> | undefined;
  private again = false;

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
    this.recheckMs = options.recheckMs ?? 3_600_000;
  }

  /**
   * Gives each subscription that has no cursor yet one at the log's head: a new subscription
   * receives what is logged from now on (the past can be sent with a replay).
   */
  async prepare(): Promise<void> {
    await this.store.startDeliveryCursors([...this.subscriptions.keys()], await this.log.headSequence());
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** New events are in the log, or an operator asked for a retry: go round now. */
  kick(): void {
    if (!this.stopped) void this.runOnce().catch((error: unknown) => this.options.onError(error));
  }

  /** One round (outbox, then sending); a call during a round makes it go round once more. */
  runOnce(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          if (!(await this.store.tryLeadDeliveries())) return;
          await this.enqueue();
          await this.sendDue();
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
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

  /** Sends every due head, round after round, until nothing is due now. */
  async sendDue(): Promise<void> {
    for (let round = 0; round < 1000; round += 1) {
      const now = this.clock.now();
      const due = await this.store.dueDeliveries(now.toISOString(), this.concurrency);
      if (due.length === 0) return;
      const events = new Map((await this.log.eventsAt([...new Set(due.map((d) => d.sequence))])).map((stored) => [stored.sequence, stored]));
      await Promise.all(due.map((delivery) => this.attempt(delivery, events.get(delivery.sequence), now)));
    }
  }

  private async attempt(delivery: DeliveryRecord, stored: StoredEvent | undefined, now: Date): Promise<void> {
    const nowIso = now.toISOString();
    const wait = (until: number, reason?: string) =>
      this.store.updateDelivery({ deliveryId: delivery.deliveryId, status: 'waiting', attempts: delivery.attempts, nextAttemptAt: new Date(until).toISOString(), ...(reason === undefined ? {} : { lastError: reason }) });
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
    await this.store.updateDelivery({
      deliveryId: delivery.deliveryId,
      status: outcome.status,
      attempts: outcome.attempts,
      nextAttemptAt: outcome.nextAttemptAt ?? nowIso,
      lastAttemptAt: nowIso,
      ...(outcome.lastError === undefined ? {} : { lastError: outcome.lastError }),
      ...(outcome.status === 'delivered' ? { deliveredAt: nowIso } : {}),
    });
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
      void this.runOnce()
        .catch((error: unknown) => this.options.onError(error))
        .then(() => {
          if (!this.stopped) this.schedule(this.options.tickMs);
        });
    }, delay);
  }
}

export function newDelivery(subscription: string, stored: StoredEvent): NewDelivery {
  return { subscription, sequence: stored.sequence, key: deliveryKeyOf(stored.event), eventType: stored.event.type, eventId: stored.event.id };
}
