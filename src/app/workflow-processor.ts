// Drives the P2P workflow from the log: reads events after its cursor, applies them to the
// lines they touch, decides on inputs, and commits derived events, line states and the
// cursor in one transaction. The same loop rebuilds every projection from an empty store
// (replay), where each event is only applied: the decisions are already in the log.
import type { P2PLine, P2PPolicy, StoredEvent } from '../core/index.js';
import { applyEvent, isRecordedDecision, keysFor, LineSet, routeP2P } from '../core/index.js';
import type { Clock, EventStore, WorkflowStore } from '../ports/index.js';

export interface ProcessorOptions {
  /** Events read and committed per step. */
  readonly batchSize?: number;
  /** Line states kept in memory between steps (the store is the truth; this is a cache). */
  readonly cacheLines?: number;
}

export interface StepResult {
  readonly processed: number;
  readonly derived: number;
  readonly upTo: number;
}

export class WorkflowProcessor {
  private readonly lines = new LineSet();
  private cursor: number | undefined;
  private readonly batchSize: number;
  private readonly cacheLines: number;
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
        do {
          this.again = false;
          for (;;) {
            const step = await this.step('live');
            total += step.processed;
            if (step.processed === 0) break;
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
   * One step over at most `batchSize` events. `live` decides on inputs and skips recorded
   * decisions (already applied when they were derived); `replay` applies everything.
   */
  async step(mode: 'live' | 'replay'): Promise<StepResult> {
    const from = await this.processedUpTo();
    const events = await this.log.readFrom(from, this.batchSize);
    const last = events[events.length - 1];
    if (last === undefined) return { processed: 0, derived: 0, upTo: from };
    await this.loadWorkingSet(events);
    const now = this.clock.now().toISOString();
    const derived = [];
    const exceptionEvents: StoredEvent[] = [];
    const links: { key: string; sequence: number }[] = [];
    for (const stored of events) {
      const recorded = isRecordedDecision(stored.event);
      if (mode === 'live' && recorded) continue;
      const decide = mode === 'live' ? { now } : undefined;
      const applied = applyEvent(this.lines, stored, this.policy, decide);
      for (const key of applied.keys) links.push({ key, sequence: stored.sequence });
      derived.push(...applied.derived);
      if (stored.event.type === 'exception.raised' || stored.event.type === 'exception.resolved') exceptionEvents.push(stored);
    }
    await this.store.commitWorkflowStep({
      upTo: last.sequence,
      derived,
      receivedTime: now,
      lines: this.lines.takeChanged(),
      exceptionEvents,
      links,
    });
    this.cursor = last.sequence;
    this.trimCache();
    this.release();
    return { processed: events.length, derived: derived.length, upTo: last.sequence };
  }

  /**
   * Empties the projections and applies the whole log again. Returns the number of events
   * replayed. The hub must not process live events meanwhile.
   */
  async rebuild(onProgress?: (upTo: number) => void): Promise<number> {
    await this.store.resetWorkflows();
    this.cursor = 0;
    for (const key of [...this.lines.keys()]) this.lines.evict(key);
    let total = 0;
    for (;;) {
      const step = await this.step('replay');
      if (step.processed === 0) return total;
      total += step.processed;
      onProgress?.(step.upTo);
    }
  }

  /** Loads from the store every line the batch's events touch that is not in memory yet. */
  private async loadWorkingSet(events: readonly StoredEvent[]): Promise<void> {
    const keys = new Set<string>();
    const poNumbers = new Set<string>();
    const shipmentIds = new Set<string>();
    for (const stored of events) {
      const route = routeP2P(stored.event);
      if (route === undefined) continue;
      for (const key of keysFor({ lines: route.lines }, this.lines)) if (!this.lines.has(key)) keys.add(key);
      if (route.allLinesOf !== undefined) poNumbers.add(route.allLinesOf);
      if (route.shipmentId !== undefined) shipmentIds.add(route.shipmentId);
    }
    if (poNumbers.size > 0 || shipmentIds.size > 0) {
      for (const key of await this.store.keysOf({ poNumbers: [...poNumbers], shipmentIds: [...shipmentIds] })) if (!this.lines.has(key)) keys.add(key);
    }
    if (keys.size === 0) return;
    const loaded: P2PLine[] = await this.store.loadLines([...keys]);
    for (const state of loaded) this.lines.load(state);
  }

  private trimCache(): void {
    if (this.lines.size <= this.cacheLines) return;
    // Insertion order is a fair proxy for age; lines touched again are reloaded when needed.
    let excess = this.lines.size - this.cacheLines;
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
