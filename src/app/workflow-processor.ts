// Drives the workflows from the log (procure-to-pay per PO line; the plant workflows per
// production order, transfer and plant inventory): reads events after its cursor, applies them
// to the states they touch, decides on inputs, and commits derived events, states and the
// cursor in one transaction. The same loop rebuilds every projection from an empty store
// (replay), where each event is only applied: the decisions are already in the log. Events are
// upcast as they are read: the workflow sees each type in the version it is written for, while
// the log keeps every event as it was sent.
import type { CloudEvent, FlowCount, P2PLine, P2PPolicy, P2PRoute, PlantKey, PlantPolicy, StoredEvent } from '../core/index.js';
import {
  alignedEvent,
  applyEvent,
  applyPlantEvent,
  BillingDocuments,
  billingDocumentKey,
  countFlows,
  EventUpcaster,
  isRecordedDecision,
  keysFor,
  LineSet,
  partitionOf,
  plantLinkKey,
  plantPolicy,
  plantRowOf,
  PlantStateSet,
  routeP2P,
  routePlant,
  SHIPPED_UPCASTERS,
  traceContextOf,
  traceIdOf,
  withTraceContext,
} from '../core/index.js';
import type { Clock, EventLogger, EventStore, SpanHandle, Tracer, WorkflowStep, WorkflowStore } from '../ports/index.js';
import { REBUILDING_CURSOR } from '../ports/index.js';

export interface ProcessorOptions {
  /** Events read and committed per step. */
  readonly batchSize?: number;
  /**
   * Between steps, let the rest of the process run (HTTP intake shares the thread): a step
   * holds the event loop for its duration, so live steps stay small and yield.
   */
  readonly yieldBetweenSteps?: () => Promise<void>;
  /**
   * Where a live step is committed: the store itself (default), or the thread that owns the
   * store's writes (a workflow thread hands its steps to the intake thread: one writer, no lock
   * contention). It resolves once the step is committed.
   */
  readonly commitStep?: (step: WorkflowStep) => Promise<unknown>;
  /** Line states kept in memory between steps (the store is the truth; this is a cache). */
  readonly cacheLines?: number;
  /** Events read per step of a rebuild. */
  readonly replayBatchSize?: number;
  /** Lines a rebuild keeps in memory before writing them out. */
  readonly replayCacheLines?: number;
  /**
   * Brings events read from the log to the versions the workflow reads: the shipped upcasters
   * by default; the hub adds the projections its board's contract versions need.
   */
  readonly upcaster?: EventUpcaster;
  /**
   * Traces each live input: a span per event, child of the context stored with it (the intake
   * span), covering its decisions and their durable commit; the events it derives are stored
   * with the span's context, so their deliveries continue the trace. Absent: nothing is traced.
   */
  readonly tracer?: Tracer;
  /** Where the exceptions raised are logged (with correlation id and trace id). */
  readonly logger?: EventLogger;
  /** The plant workflows' policy (manifest `plant` section and master data); defaults without. */
  readonly plantPolicy?: PlantPolicy;
}

const SHIPPED = new EventUpcaster(SHIPPED_UPCASTERS);

const REBUILDING = REBUILDING_CURSOR;

/**
 * Whether a line needs a link row to find this event. An event whose correlationid is the line
 * key (every recorded decision, and inputs whose sender correlates by PO line) is found through
 * the log's correlation index already.
 */
function needsLink(stored: StoredEvent, key: string): boolean {
  return stored.event.correlationid !== key;
}

function alignedStored(stored: StoredEvent): StoredEvent {
  const event = alignedEvent(stored.event);
  return event === stored.event ? stored : { ...stored, event };
}

/** One of `count` parts of a rebuild that runs on several threads (see bootstrap/rebuild.ts). */
export interface ReplayPartition {
  readonly index: number;
  readonly count: number;
}

export interface StepResult {
  readonly processed: number;
  readonly derived: number;
  readonly upTo: number;
}

export class WorkflowProcessor {
  private readonly lines = new LineSet();
  private readonly plant = new PlantStateSet();
  /**
   * The first event of each invoice and credit memo seen lately (a copy under a new id is a
   * duplicate whichever PO lines it bills); older ones are found through the store's links.
   */
  private readonly documents = new BillingDocuments();
  private readonly plantPolicy: PlantPolicy;
  private cursor: number | undefined;
  private readonly batchSize: number;
  private readonly cacheLines: number;
  private readonly replayBatchSize: number;
  private readonly replayCacheLines: number;
  private readonly yieldBetweenSteps: () => Promise<void>;
  private readonly commitStep: (step: WorkflowStep) => Promise<unknown>;
  private readonly upcaster: EventUpcaster;
  private readonly tracer: Tracer | undefined;
  private readonly logger: EventLogger | undefined;
  private readonly waiters: { sequence: number; resolve: () => void }[] = [];
  private running: Promise<number> | undefined;
  private again = false;

  constructor(
    private readonly log: EventStore,
    private readonly store: WorkflowStore,
    private readonly policy: P2PPolicy,
    private readonly clock: Clock,
    options: ProcessorOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 2000;
    this.cacheLines = options.cacheLines ?? 50_000;
    this.replayBatchSize = options.replayBatchSize ?? 10_000;
    this.replayCacheLines = options.replayCacheLines ?? 100_000;
    this.yieldBetweenSteps = options.yieldBetweenSteps ?? (() => Promise.resolve());
    this.commitStep = options.commitStep ?? ((step) => this.store.commitWorkflowStep(step));
    this.upcaster = options.upcaster ?? SHIPPED;
    this.tracer = options.tracer;
    this.logger = options.logger;
    this.plantPolicy = options.plantPolicy ?? plantPolicy();
  }

  /**
   * Reads from the log: each event as the workflow reads it (upcast; the stored bodies are not
   * touched), and the governance flows of the events as they were sent (their own versions).
   */
  private async read(after: number, limit: number): Promise<{ events: StoredEvent[]; flows: FlowCount[] }> {
    const sent = await this.log.readFrom(after, limit);
    // Aligned first (the master data mappings recorded at intake), then upcast.
    return { events: sent.map((stored) => this.upcaster.upcastStored(alignedStored(stored))), flows: countFlows(sent) };
  }

  /** The last sequence applied (reads the store's cursor the first time). */
  async processedUpTo(): Promise<number> {
    this.cursor ??= await this.store.processedUpTo();
    return this.cursor;
  }

  /**
   * Processes everything in the log, then resolves with the number of events processed.
   * Calls while a run is under way join it and make it go round once more.
   */
  catchUp(): Promise<number> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let total = 0;
      try {
        // A rebuild that was interrupted (the process died) starts over before anything else.
        if ((await this.processedUpTo()) === REBUILDING) total += await this.replayAll();
        do {
          this.again = false;
          for (;;) {
            const step = await this.step();
            total += step.processed;
            if (step.processed === 0) break;
            await this.yieldBetweenSteps();
          }
        } while (this.again);
      } finally {
        this.running = undefined;
      }
      return total;
    })();
    return this.running;
  }

  /** Resolves once the processor has applied the event with this sequence. */
  async waitFor(sequence: number): Promise<void> {
    if ((await this.processedUpTo()) >= sequence) return;
    await new Promise<void>((resolve) => this.waiters.push({ sequence, resolve }));
  }

  /**
   * One step over at most `batchSize` events: decides on inputs and skips recorded decisions
   * (applied already, when they were derived).
   */
  async step(): Promise<StepResult> {
    // The lead's term the step is computed under: once another hub's term began, its commit is refused.
    const lead = this.store.workflowLead?.();
    const from = await this.processedUpTo();
    const { events, flows } = await this.read(from, this.batchSize);
    const last = events[events.length - 1];
    if (last === undefined) return { processed: 0, derived: 0, upTo: from };
    const routes = await this.loadWorkingSet(events);
    const plantRoutes = await this.loadPlantWorkingSet(events);
    await this.loadDocuments(events);
    const now = this.clock.now().toISOString();
    const derived: CloudEvent[] = [];
    const exceptionEvents: StoredEvent[] = [];
    const links: { key: string; sequence: number }[] = [];
    const spans: SpanHandle[] = [];
    for (const [index, stored] of events.entries()) {
      if (isRecordedDecision(stored.event)) continue;
      const document = this.documents.see(stored.event);
      if (document?.first === true) links.push({ key: document.key, sequence: stored.sequence });
      const applied = applyEvent(this.lines, stored, this.policy, { now }, routes[index], { copyOf: document?.copyOf });
      for (const key of applied.keys) if (needsLink(stored, key)) links.push({ key, sequence: stored.sequence });
      const decided = [...applied.derived];
      if ((plantRoutes[index]?.length ?? 0) > 0) {
        const plant = applyPlantEvent(this.plant, stored, this.plantPolicy, { now });
        for (const { workflow, key } of plant.keys) if (needsLink(stored, key)) links.push({ key: plantLinkKey(workflow, key), sequence: stored.sequence });
        decided.push(...plant.derived);
      }
      const span = this.tracer === undefined ? undefined : this.processingSpan(this.tracer, stored, applied.keys.length, decided.length);
      if (span === undefined) derived.push(...decided);
      else {
        spans.push(span);
        derived.push(...decided.map((event) => withTraceContext(event, span.context)));
      }
      if (stored.event.type === 'exception.raised' || stored.event.type === 'exception.resolved') exceptionEvents.push(stored);
    }
    try {
      await this.commitStep({ from, upTo: last.sequence, derived, receivedTime: now, lines: this.lines.takeChanged(), plantStates: this.takePlantRows(), exceptionEvents, links, flows, ...(lead === undefined ? {} : { lead }) });
    } catch (error) {
      // The lines in memory went ahead of the store: forget them and the cursor, and start
      // again from what the store holds.
      this.forget();
      for (const span of spans) {
        span.fail(error instanceof Error ? error.message : String(error));
        span.end();
      }
      throw error;
    }
    for (const span of spans) span.end();
    if (this.logger !== undefined) logRaised(this.logger, derived);
    this.cursor = last.sequence;
    this.trimCache();
    this.release();
    return { processed: events.length, derived: derived.length, upTo: last.sequence };
  }

  /** The span of one input's processing: its decisions and their commit. */
  private processingSpan(tracer: Tracer, stored: StoredEvent, lines: number, derived: number): SpanHandle {
    const { event } = stored;
    const parent = traceContextOf(event);
    return tracer.start(`millrace.process ${event.type}`, {
      kind: 'consumer',
      ...(parent === undefined ? {} : { parent }),
      attributes: {
        'cloudevents.event_id': event.id,
        'cloudevents.event_source': event.source,
        'cloudevents.event_type': event.type,
        'millrace.sequence': stored.sequence,
        'millrace.workflow.lines': lines,
        'millrace.derived_events': derived,
        ...(event.correlationid === undefined ? {} : { 'millrace.correlationid': event.correlationid }),
      },
    });
  }

  /**
   * Empties the projections and applies the whole log again (no decisions: they are in the
   * log). Returns the number of events replayed. Live processing waits meanwhile.
   */
  async rebuild(onProgress?: (upTo: number) => void, partition?: ReplayPartition): Promise<number> {
    while (this.running !== undefined) await this.running;
    const run = this.replayAll(onProgress, partition);
    this.running = run;
    try {
      return await run;
    } finally {
      this.running = undefined;
    }
  }

  /**
   * The replay itself. Line states are written when the in-memory set grows past its bound
   * and at the end, not after every step: most lines are then written once. Until the end the
   * cursor says REBUILDING, so a rebuild cut short by a crash starts over.
   */
  private async replayAll(onProgress?: (upTo: number) => void, partition?: ReplayPartition): Promise<number> {
    // A partition's rebuild runs beside the others: whoever started them resets the store
    // before and sets the cursor after.
    const accept = partition === undefined ? undefined : (key: string) => partitionOf(key, partition.count) === partition.index;
    if (partition === undefined) await this.store.resetWorkflows();
    for (const key of [...this.lines.keys()]) this.lines.evict(key);
    this.lines.takeChanged();
    this.plant.evictAll(true);
    // Every partition reads the whole log, so each knows every document's first event from what
    // it read (never from links another partition may not have written yet); the first writes them.
    this.documents.clear();
    const writesDocuments = partition === undefined || partition.index === 0;
    // The plant workflows are few keys with many events each: the first partition replays them all.
    const replaysPlant = partition === undefined || partition.index === 0;
    this.cursor = REBUILDING;
    let from = 0;
    let total = 0;
    for (;;) {
      const { events, flows } = await this.read(from, this.replayBatchSize);
      const last = events[events.length - 1];
      const done = last === undefined;
      const exceptionEvents: StoredEvent[] = [];
      const links: { key: string; sequence: number }[] = [];
      if (!done) {
        const routes = await this.loadWorkingSet(events, accept);
        const plantRoutes = replaysPlant ? await this.loadPlantWorkingSet(events) : [];
        for (const [index, stored] of events.entries()) {
          const route = routes[index] ?? null;
          const document = this.documents.see(stored.event);
          if (document?.first === true && writesDocuments) links.push({ key: document.key, sequence: stored.sequence });
          const applied = applyEvent(this.lines, stored, this.policy, undefined, route, { accept, copyOf: document?.copyOf });
          for (const key of applied.keys) if (needsLink(stored, key)) links.push({ key, sequence: stored.sequence });
          if ((plantRoutes[index]?.length ?? 0) > 0) {
            const plant = applyPlantEvent(this.plant, stored, this.plantPolicy, undefined);
            for (const { workflow, key } of plant.keys) if (needsLink(stored, key)) links.push({ key: plantLinkKey(workflow, key), sequence: stored.sequence });
          }
          const exception = stored.event.type === 'exception.raised' || stored.event.type === 'exception.resolved';
          // An exception belongs to the partition of its line; one outside the workflows, to partition 0.
          if (exception && (partition === undefined || (route === null ? partition.index === 0 : applied.keys.length > 0))) exceptionEvents.push(stored);
        }
        from = last.sequence;
        total += events.length;
      }
      const flush = done || this.lines.size + this.plant.size > this.replayCacheLines;
      await this.store.commitWorkflowStep({
        upTo: done && partition === undefined ? from : REBUILDING,
        derived: [],
        receivedTime: this.clock.now().toISOString(),
        lines: flush ? this.lines.takeChanged() : [],
        plantStates: flush ? this.takePlantRows() : [],
        exceptionEvents,
        links,
        // Every event is counted once: by the whole rebuild, or by its first partition.
        ...(done || (partition !== undefined && partition.index !== 0) ? {} : { flows }),
      });
      if (flush) this.trimLines(this.replayCacheLines / 2);
      onProgress?.(from);
      if (done) {
        this.cursor = from;
        this.release();
        return total;
      }
    }
  }

  private forget(): void {
    this.lines.takeChanged();
    for (const key of [...this.lines.keys()]) this.lines.evict(key);
    this.plant.evictAll(true);
    this.documents.clear();
    this.cursor = undefined;
  }

  /**
   * Learns, from the store's links, the first event of each invoice or credit memo of the batch
   * that is not in memory: a document first seen before the cache was trimmed or the hub started.
   */
  private async loadDocuments(events: readonly StoredEvent[]): Promise<void> {
    const missing = new Set<string>();
    for (const { event } of events) {
      const key = isRecordedDecision(event) ? undefined : billingDocumentKey(event);
      if (key !== undefined && !this.documents.has(key)) missing.add(key);
    }
    if (missing.size === 0) return;
    // A document's link is to its first event alone: the events found are the originals, each
    // read as the processor reads it (aligned, upcast) to give the key it was linked under.
    const sequences = await this.store.linkedSequences([...missing]);
    if (sequences.length === 0) return;
    for (const stored of await this.store.eventsAt(sequences)) {
      const { event } = this.upcaster.upcastStored(alignedStored(stored));
      const key = billingDocumentKey(event);
      if (key !== undefined && missing.has(key)) this.documents.know(key, event.id);
    }
  }

  /** The plant states changed since the last call, as the rows the store keeps. */
  private takePlantRows() {
    return this.plant.takeChanged().map((tagged) => plantRowOf(tagged, this.plantPolicy));
  }

  /**
   * Loads from the store every plant workflow state the batch's events touch that is not in
   * memory yet. Returns each event's plant keys (empty when no plant workflow reads it).
   */
  private async loadPlantWorkingSet(events: readonly StoredEvent[]): Promise<PlantKey[][]> {
    const missing = new Map<string, PlantKey>();
    const routes = events.map((stored) => {
      const keys = routePlant(stored.event);
      for (const key of keys) if (!this.plant.has(key.workflow, key.key)) missing.set(`${key.workflow}\u0000${key.key}`, key);
      return keys;
    });
    if (missing.size > 0) for (const tagged of await this.store.loadPlantStates([...missing.values()])) this.plant.load(tagged.workflow, tagged.state);
    return routes;
  }

  /**
   * Loads from the store every line the batch's events touch that is not in memory yet.
   * Returns each event's route (null when the workflow ignores it), to be used again when applying.
   */
  private async loadWorkingSet(events: readonly StoredEvent[], accept?: (key: string) => boolean): Promise<(P2PRoute | null)[]> {
    const keys = new Set<string>();
    const poNumbers = new Set<string>();
    const shipmentIds = new Set<string>();
    const routes: (P2PRoute | null)[] = [];
    for (const stored of events) {
      const route = routeP2P(stored.event);
      routes.push(route ?? null);
      if (route === undefined) continue;
      for (const key of keysFor({ lines: route.lines }, this.lines)) if (!this.lines.has(key)) keys.add(key);
      if (route.allLinesOf !== undefined) poNumbers.add(route.allLinesOf);
      if (route.shipmentId !== undefined) shipmentIds.add(route.shipmentId);
    }
    if (poNumbers.size > 0 || shipmentIds.size > 0) {
      for (const key of await this.store.keysOf({ poNumbers: [...poNumbers], shipmentIds: [...shipmentIds] })) if (!this.lines.has(key)) keys.add(key);
    }
    if (accept !== undefined) for (const key of keys) if (!accept(key)) keys.delete(key);
    if (keys.size > 0) {
      const loaded: P2PLine[] = await this.store.loadLines([...keys]);
      for (const state of loaded) this.lines.load(state);
    }
    return routes;
  }

  private trimCache(limit = this.cacheLines): void {
    if (this.documents.size > limit) this.documents.clear();
    this.trimLines(limit);
  }

  /** Trims the lines and plant states in memory (a replay keeps every document it has read). */
  private trimLines(limit: number): void {
    if (this.plant.size > limit) this.plant.evictAll();
    if (this.lines.size <= limit) return;
    // Insertion order is a fair proxy for age; lines touched again are reloaded when needed.
    let excess = this.lines.size - limit;
    for (const key of this.lines.keys()) {
      if (excess <= 0) break;
      this.lines.evict(key);
      excess -= 1;
    }
  }

  private release(): void {
    const upTo = this.cursor ?? 0;
    for (let i = this.waiters.length - 1; i >= 0; i -= 1) {
      const waiter = this.waiters[i];
      if (waiter !== undefined && waiter.sequence <= upTo) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }
}

/** One log line per exception a step raised: what an on-call engineer greps for. */
function logRaised(logger: EventLogger, derived: readonly CloudEvent[]): void {
  for (const event of derived) {
    if (event.type !== 'exception.raised') continue;
    const { exceptionId, code, owner } = event.data;
    const traceId = traceIdOf(traceContextOf(event));
    logger.info({ correlationid: event.correlationid, causationid: event.causationid, exceptionId, code, owner, ...(traceId === undefined ? {} : { traceId }) }, 'exception raised');
  }
}
