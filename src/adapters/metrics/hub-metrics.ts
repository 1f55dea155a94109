// Prometheus metrics of a hub (GET /metrics): intake by source, type and outcome with request
// latency histograms, workflow lines per stage and plant, open exceptions per code and owner,
// events and lag breaches per source, deliveries per subscription and status (backlog, dead
// letters) and delivery attempt latency, quarantine entries per channel and status, the
// governance shares, the workflows' backlog, the worst lag per source, breaks in the sources'
// message sequences (MQTT), and the process's own metrics.
// Workflow and governance figures are read from the store when scraped, at most once per
// `refreshMs`, so a busy scraper does not turn into a busy database. While the store does not
// answer, they are left out and `millrace_store_up` is 0: the process's own figures still go out.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FlowCount, GovernanceCoverage, WorkflowCensus } from '../../core/index.js';
import type { AppendedEvent } from '../../ports/index.js';
import { answeredWithin } from '../shared/answered-within.js';
import type { HistogramSeries } from './tallied-histogram.js';
import { TalliedHistogram } from './tallied-histogram.js';

export interface MetricsSources {
  census(): Promise<WorkflowCensus>;
  flows(): Promise<FlowCount[]>;
  coverage(flows: readonly FlowCount[]): GovernanceCoverage;
  deliveries(): Promise<readonly { readonly subscription: string; readonly status: string; readonly count: number }[]>;
  quarantine(): Promise<readonly { readonly channel: string; readonly status: string; readonly count: number }[]>;
  /** Events committed and not yet processed by the workflows (head minus their cursor). */
  backlog?(): Promise<number>;
}

interface Snapshot {
  readonly census: WorkflowCensus;
  readonly flows: readonly FlowCount[];
  readonly coverage: GovernanceCoverage;
  readonly deliveries: Awaited<ReturnType<MetricsSources['deliveries']>>;
  readonly quarantine: Awaited<ReturnType<MetricsSources['quarantine']>>;
  readonly backlog: number | undefined;
}

/** How long a scrape waits for the store's figures (Prometheus gives up on a scrape after 10 s by default). */
const STORE_READ_TIMEOUT_MS = 5_000;

/** Latency buckets in seconds: a group commit is milliseconds; a slow disk is tens of them. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class HubMetrics {
  readonly registry = new Registry();
  private readonly latency: TalliedHistogram<'outcome'>;
  private readonly acceptedLatency: HistogramSeries<'outcome'>;
  private readonly deliveryLatency: Histogram<'channel' | 'outcome'>;
  private readonly sequenceBreaches: Counter<'source' | 'kind'>;
  private readonly missingMessages: Counter<'source'>;
  private readonly edgeConnected: Gauge<'channel' | 'id'>;
  private readonly edgeTooLarge: Counter<'channel'>;
  /** Intake counts by source, type and outcome, and requests by outcome, published when scraped. */
  private readonly eventTally = new EventTally();
  private readonly requestTally = new Tally<'outcome'>();
  private snapshot: { at: number; value: Promise<Snapshot | undefined> } | undefined;

  constructor(
    private readonly sources: MetricsSources,
    private readonly refreshMs = 15_000,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'millrace_' });
    const { eventTally, requestTally } = this;
    new Counter({
      name: 'millrace_intake_events_total',
      help: 'Events taken at the door, by source, type and outcome (accepted, duplicate)',
      labelNames: ['source', 'type', 'outcome'],
      registers,
      collect() {
        eventTally.publish(this);
      },
    });
    new Counter({
      name: 'millrace_intake_requests_total',
      help: 'Intake requests by outcome: accepted, or the error code of the refusal',
      labelNames: ['outcome'],
      registers,
      collect() {
        requestTally.publish(this);
      },
    });
    // Observed at every intake request: tallied, not through prom-client's observe (tallied-histogram.ts).
    this.latency = new TalliedHistogram({ name: 'millrace_intake_request_duration_seconds', help: 'Intake request time to the answer (202 after the durable commit), by outcome', labelNames: ['outcome'], buckets: LATENCY_BUCKETS, registers });
    // The accepted series is looked up once.
    this.acceptedLatency = this.latency.labels({ outcome: 'accepted' });
    this.deliveryLatency = new Histogram({
      name: 'millrace_delivery_attempt_duration_seconds',
      help: 'Delivery attempts by channel kind and outcome (delivered, retrying, dead): time from sending to the answer',
      labelNames: ['channel', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.sequenceBreaches = new Counter({ name: 'millrace_source_sequence_breaches_total', help: "Breaks in a source's message sequence seen by this process, by kind (gap: messages never received; reset: the publisher counted again)", labelNames: ['source', 'kind'], registers });
    this.missingMessages = new Counter({ name: 'millrace_source_missing_messages_total', help: "Messages a source's publishers numbered but the hub never received (sequence gaps), seen by this process", labelNames: ['source'], registers });
    this.edgeTooLarge = new Counter({ name: 'millrace_edge_payloads_too_large_total', help: 'MQTT and NATS messages over the edge payload limit, and CSV drop folder files over the drop folder limit, kept in quarantine as payload_too_large (their first bytes only), each resend counted', labelNames: ['channel'], registers });
    // Written at 0 from the start: an alert on its increase sees the first one.
    this.edgeTooLarge.inc({ channel: 'mqtt' }, 0);
    this.edgeTooLarge.inc({ channel: 'nats' }, 0);
    this.edgeTooLarge.inc({ channel: 'csv' }, 0);
    this.edgeConnected = new Gauge({
      name: 'millrace_edge_connected',
      help: "1 while the hub reads from the broker (MQTT: connected and subscribed, id the manifest's clientId; NATS: the durable consumer being read, id the consumer's id), 0 while it retries",
      labelNames: ['channel', 'id'],
      registers,
    });
    const read = () => this.read();
    new Gauge({
      name: 'millrace_store_up',
      help: "1 when the store answered the reads of the figures below, 0 when it failed or did not answer within 5 s (those figures are then left out)",
      registers,
      async collect() {
        this.set((await read()) === undefined ? 0 : 1);
      },
    });
    new Gauge({
      name: 'millrace_workflow_backlog_events',
      help: 'Events committed to the log and not yet processed by the workflows (0 when they keep up; NaN while the store does not answer)',
      registers,
      async collect() {
        const snapshot = await read();
        // A gauge without labels is always written: NaN says unknown, where 0 said "keeping up".
        if (snapshot === undefined) this.set(Number.NaN);
        else if (snapshot.backlog !== undefined) this.set(snapshot.backlog);
      },
    });
    new Gauge({
      name: 'millrace_source_worst_lag_seconds',
      help: "Worst sync lag seen per source (receipt time minus the event's time), since the log began",
      labelNames: ['source'],
      registers,
      async collect() {
        this.reset();
        const worst = new Map<string, number>();
        for (const flow of (await read())?.flows ?? []) worst.set(flow.source, Math.max(worst.get(flow.source) ?? 0, flow.worstLagMs));
        for (const [source, ms] of worst) this.set({ source }, ms / 1000);
      },
    });
    new Gauge({
      name: 'millrace_workflow_lines',
      help: 'Procure-to-pay lines by stage and plant',
      labelNames: ['stage', 'plant'],
      registers,
      async collect() {
        this.reset();
        for (const group of (await read())?.census.lines ?? []) this.inc({ stage: group.stage, plant: group.plant ?? 'unknown' }, group.count);
      },
    });
    new Gauge({
      name: 'millrace_exceptions_open',
      help: 'Open exceptions by code and owner team',
      labelNames: ['code', 'owner'],
      registers,
      async collect() {
        this.reset();
        for (const group of (await read())?.census.openExceptions ?? []) this.inc({ code: group.code, owner: group.owner }, group.count);
      },
    });
    new Gauge({
      name: 'millrace_source_events',
      help: 'Events in the log per source (counted by the workflows), since the log began',
      labelNames: ['source'],
      registers,
      async collect() {
        this.reset();
        for (const flow of (await read())?.flows ?? []) this.inc({ source: flow.source }, flow.events);
      },
    });
    new Gauge({
      name: 'millrace_source_lag_breaches',
      help: "Events that came later than their source's maximum sync lag, per source, since the log began",
      labelNames: ['source'],
      registers,
      async collect() {
        this.reset();
        for (const flow of (await read())?.flows ?? []) this.inc({ source: flow.source }, flow.lagBreaches);
      },
    });
    new Gauge({
      name: 'millrace_deliveries',
      help: 'Deliveries to subscribers by subscription and status (pending, retrying, waiting, blocked, dead, delivered)',
      labelNames: ['subscription', 'status'],
      registers,
      async collect() {
        this.reset();
        for (const row of (await read())?.deliveries ?? []) this.set({ subscription: row.subscription, status: row.status }, row.count);
      },
    });
    new Gauge({
      name: 'millrace_quarantine_entries',
      help: 'Quarantine entries by channel and status (held, accepted, reprocessed, discarded)',
      labelNames: ['channel', 'status'],
      registers,
      async collect() {
        this.reset();
        for (const row of (await read())?.quarantine ?? []) this.set({ channel: row.channel, status: row.status }, row.count);
      },
    });
    new Gauge({
      name: 'millrace_governance_share',
      help: 'Share of observed flows and of events under governance (0..1)',
      labelNames: ['of'],
      registers,
      async collect() {
        this.reset();
        const totals = (await read())?.coverage.totals;
        if (totals === undefined) return;
        this.set({ of: 'flows' }, totals.flowShare);
        this.set({ of: 'events' }, totals.eventShare);
      },
    });
  }

  /**
   * An intake request answered 202: its events by outcome, and how long it took. `typeOf`
   * names a stored event's type (the receipt carries source, id and sequence only).
   */
  recordIntake(accepted: readonly AppendedEvent[], duplicates: readonly AppendedEvent[], typeOf: (event: AppendedEvent) => string | undefined, seconds: number): void {
    this.count(accepted, 'accepted', typeOf);
    this.count(duplicates, 'duplicate', typeOf);
    this.requestTally.add('accepted', () => ({ outcome: 'accepted' }));
    this.acceptedLatency.observe(seconds);
  }

  /** A delivery attempt's outcome and duration. */
  recordDelivery(channel: string, outcome: string, seconds: number): void {
    this.deliveryLatency.observe({ channel, outcome }, seconds);
  }

  /** A break in a publisher's sequence (MQTT): `missing` messages never arrived (0 for a reset). */
  recordSequenceBreach(source: string, kind: 'gap' | 'reset', missing: number): void {
    this.sequenceBreaches.inc({ source, kind });
    if (missing > 0) this.missingMessages.inc({ source }, missing);
  }

  /** An MQTT or NATS message over the edge payload limit (kept in quarantine). */
  recordEdgeTooLarge(channel: 'mqtt' | 'nats' | 'csv'): void {
    this.edgeTooLarge.inc({ channel });
  }

  /** Whether an edge client (mqtt: the broker connection; nats: one durable consumer) is reading now. */
  recordEdgeConnection(channel: 'mqtt' | 'nats', id: string, up: boolean): void {
    this.edgeConnected.set({ channel, id }, up ? 1 : 0);
  }

  /** An intake request refused with a problem code. */
  recordRefusal(code: string, seconds: number): void {
    this.requestTally.add(code, () => ({ outcome: code }));
    this.latency.observe({ outcome: code }, seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private count(events: readonly AppendedEvent[], outcome: IntakeOutcome, typeOf: (event: AppendedEvent) => string | undefined): void {
    for (const event of events) {
      const type = typeOf(event) ?? 'unknown';
      this.eventTally.add(event.source, type, outcome);
    }
  }

  /** The store's figures, or undefined when the store failed or did not answer in time. */
  private read(): Promise<Snapshot | undefined> {
    const now = Date.now();
    if (this.snapshot === undefined || now - this.snapshot.at >= this.refreshMs) {
      const reads = (async (): Promise<Snapshot> => {
        const [census, flows, deliveries, quarantine, backlog] = await Promise.all([
          this.sources.census(),
          this.sources.flows(),
          this.sources.deliveries(),
          this.sources.quarantine(),
          this.sources.backlog?.(),
        ]);
        return { census, flows, coverage: this.sources.coverage(flows), deliveries, quarantine, backlog };
      })();
      // A failed read is not kept: the next scrape asks again. (Thrown out of a collect, it
      // failed the whole scrape with a 500, the process's own figures with it.)
      const value = answeredWithin(reads, STORE_READ_TIMEOUT_MS, 'the store did not answer').catch(() => {
        if (this.snapshot?.value === value) this.snapshot = undefined;
        return undefined;
      });
      this.snapshot = { at: now, value };
    }
    return this.snapshot.value;
  }
}

type IntakeOutcome = 'accepted' | 'duplicate';

/**
 * Events taken in by source, type and outcome, kept as Tally keeps its counts, in maps nested
 * by source and type: an event adds to its counts without a key string built for it.
 */
class EventTally {
  private readonly bySource = new Map<string, Map<string, Record<IntakeOutcome, number>>>();

  add(source: string, type: string, outcome: IntakeOutcome): void {
    let byType = this.bySource.get(source);
    if (byType === undefined) {
      byType = new Map();
      this.bySource.set(source, byType);
    }
    const counts = byType.get(type);
    if (counts === undefined) byType.set(type, outcome === 'accepted' ? { accepted: 1, duplicate: 0 } : { accepted: 0, duplicate: 1 });
    else counts[outcome] += 1;
  }

  /** Sets the counter's series to the totals (called from its `collect`); an outcome not seen yet has no series. */
  publish(counter: Counter<'source' | 'type' | 'outcome'>): void {
    counter.reset();
    for (const [source, byType] of this.bySource) {
      for (const [type, counts] of byType) {
        for (const outcome of INTAKE_OUTCOMES) if (counts[outcome] > 0) counter.inc({ source, type, outcome }, counts[outcome]);
      }
    }
  }
}

const INTAKE_OUTCOMES: readonly IntakeOutcome[] = ['accepted', 'duplicate'];

/**
 * Counts kept in plain numbers and handed to a prom-client counter when it is scraped: a
 * labelled `inc()` hashes and checks its labels on every call, which intake paid per request.
 * The series are as many as the manifest lets sources publish types (and refusal codes).
 */
class Tally<L extends string> {
  private readonly totals = new Map<string, { readonly labels: Record<L, string>; n: number }>();

  /** Adds `n` to the series `key`; `labels` names it the first time it is seen. */
  add(key: string, labels: () => Record<L, string>, n = 1): void {
    const total = this.totals.get(key);
    if (total === undefined) this.totals.set(key, { labels: labels(), n });
    else total.n += n;
  }

  /** Sets the counter's series to the totals (called from its `collect`). */
  publish(counter: Counter<L>): void {
    counter.reset();
    for (const { labels, n } of this.totals.values()) counter.inc(labels as Partial<Record<L, string | number>>, n);
  }
}
