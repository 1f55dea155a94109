// Group commit: every batch submitted during one event-loop turn goes to the store in one
// transaction, so a durable commit (an fsync) is shared by all the requests of that turn.
// While a commit is in flight the next group gathers; groups are committed one at a time.
// Workflow steps handed over by the workflow thread ride in the same transaction. A feeder (the
// HTTP intake lane) stages its requests and submits them all when a group is about to be cut
// (docs/adr/0078-intake-checked-a-turn-at-a-time.md).
import type { CloudEvent, StoredEvent } from '../core/index.js';
import type { BatchOutcome, Clock, EventStore, GroupStore, WorkflowStep } from '../ports/index.js';

interface Pending {
  readonly batch: readonly CloudEvent[];
  readonly resolve: (outcome: BatchOutcome) => void;
  readonly reject: (error: unknown) => void;
}

interface PendingStep {
  readonly step: WorkflowStep;
  readonly resolve: (derived: StoredEvent[]) => void;
  readonly reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /** A group is cut once it holds this many events, even within one turn (bounds one transaction). */
  readonly maxEvents?: number;
  /** How to run a callback after the current turn; `setImmediate` outside tests. */
  readonly schedule?: (callback: () => void) => void;
  /** Called after each successful commit (the workflow runner processes the new events). */
  readonly onCommitted?: () => void;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private steps: PendingStep[] = [];
  private queuedEvents = 0;
  private scheduled = false;
  private committing = false;
  private readonly feeders: (() => void)[] = [];
  private feeding = false;
  private feedScheduled = false;
  private readonly maxEvents: number;
  private readonly schedule: (callback: () => void) => void;
  private readonly onCommitted: () => void;

  constructor(
    /** Only appends are asked of it (a GroupStore's commitGroup when workflow steps ride along). */
    private readonly store: Pick<EventStore, 'appendBatches'> | GroupStore,
    private readonly clock: Clock,
    options: GroupCommitOptions = {},
  ) {
    this.maxEvents = options.maxEvents ?? 10_000;
    this.schedule = options.schedule ?? ((callback) => setImmediate(callback));
    this.onCommitted = options.onCommitted ?? (() => undefined);
  }

  /** Resolves once the batch is durably committed (or found to be a duplicate or conflict). */
  submit(batch: readonly CloudEvent[]): Promise<BatchOutcome> {
    return new Promise<BatchOutcome>((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      this.queuedEvents += batch.length;
      this.kick();
    });
  }

  /**
   * Commits a workflow step with the next group (one transaction, one fsync for both). The
   * store must be a GroupStore. Steps are committed in the order they were submitted.
   */
  submitStep(step: WorkflowStep): Promise<StoredEvent[]> {
    return new Promise<StoredEvent[]>((resolve, reject) => {
      this.steps.push({ step, resolve, reject });
      this.kick();
    });
  }

  /**
   * Registers a feeder: `feed` submits what it has staged since it was last called. It is called
   * just before each group is cut, and once in a turn in which it was woken while a commit is out
   * (a PostgreSQL round trip), so that what it staged is checked while the store works.
   */
  addFeeder(feed: () => void): void {
    this.feeders.push(feed);
  }

  /** A feeder has staged something: it is fed in this turn and its submissions go with the next group. */
  wake(): void {
    if (!this.committing) {
      this.kick();
      return;
    }
    if (this.feedScheduled) return;
    this.feedScheduled = true;
    this.schedule(() => {
      this.feedScheduled = false;
      this.feed();
    });
  }

  private kick(): void {
    // While feeding, the group about to be cut (or, during a commit, the next one) takes what is submitted.
    if (this.scheduled || this.committing || this.feeding) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private feed(): void {
    if (this.feeders.length === 0) return;
    this.feeding = true;
    try {
      for (const feed of this.feeders) feed();
    } finally {
      this.feeding = false;
    }
  }

  private async flush(): Promise<void> {
    this.feed();
    if (this.queue.length === 0 && this.steps.length === 0) return;
    this.committing = true;
    const group = this.takeGroup();
    const steps = this.steps;
    this.steps = [];
    let outcomes: BatchOutcome[];
    let derived: (StoredEvent[] | undefined)[] = [];
    try {
      const batches = group.map((pending) => pending.batch);
      const receivedTime = this.clock.now().toISOString();
      if (steps.length > 0) {
        if (!('commitGroup' in this.store)) throw new Error('workflow steps need a store that commits them with the intake (GroupStore)');
        const committed = await this.store.commitGroup(batches, receivedTime, steps.map((pending) => pending.step));
        outcomes = committed.outcomes;
        derived = committed.steps;
      } else {
        outcomes = await this.store.appendBatches(batches, receivedTime);
      }
    } catch (error) {
      this.next();
      for (const pending of group) pending.reject(error);
      for (const pending of steps) pending.reject(error);
      return;
    }
    // The next group goes to the store before this one is answered: what gathered during this
    // commit is on its way to disk while the answers are written, instead of after them.
    this.next();
    steps.forEach((pending, index) => {
      const committed = derived[index];
      // Left out by the store: its cursor moved since the step was computed (WorkflowStep.from).
      if (committed === undefined) pending.reject(new Error('workflow step refused: the stored cursor is not where the step started (another hub process applied those events); starting again from the store'));
      else pending.resolve(committed);
    });
    group.forEach((pending, index) => {
      const outcome = outcomes[index];
      if (outcome === undefined) pending.reject(new Error('store returned fewer outcomes than batches'));
      else pending.resolve(outcome);
    });
    if (group.length > 0) this.onCommitted();
  }

  /** Ends a commit: starts the next one at once if anything is waiting. */
  private next(): void {
    this.committing = false;
    if (this.queue.length > 0 || this.steps.length > 0 || this.feeders.length > 0) void this.flush();
  }

  private takeGroup(): Pending[] {
    let events = 0;
    let count = 0;
    for (const pending of this.queue) {
      if (count > 0 && events + pending.batch.length > this.maxEvents) break;
      events += pending.batch.length;
      count += 1;
    }
    const group = this.queue.slice(0, count);
    this.queue = this.queue.slice(count);
    this.queuedEvents -= events;
    return group;
  }

  /** Events waiting for a commit: a readiness and back-pressure signal. */
  get backlog(): number {
    return this.queuedEvents;
  }
}
