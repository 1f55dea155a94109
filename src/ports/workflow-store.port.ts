// Projections of the workflows (PO line states, exceptions, links from lines to events) and
// the processor's cursor, kept in the same database as the log so that derived events and the
// state change they come from commit together. Adapters: SQLite, PostgreSQL (one conformance
// suite, test/conformance/workflow-store.conformance.ts).
import type { CloudEvent, ExceptionView, FlowCount, P2PLine, P2PStage, PlantKey, PlantStateRow, PlantWorkflow, StoredEvent, TaggedPlantState, WorkflowCensus } from '../core/index.js';
import type { BatchOutcome, EventStore } from './event-store.port.js';

/**
 * The cursor while a rebuild is under way: projections are incomplete, and a processor that
 * finds it starts the rebuild over. Part of the port's contract (a value, not a sequence).
 */
export const REBUILDING_CURSOR = -1;

export interface WorkflowStep {
  /** The processor has applied every event up to this sequence (or REBUILDING_CURSOR). */
  readonly upTo: number;
  /**
   * The cursor the step was computed from. When given, the store applies the step only while its
   * cursor is still there: another hub process that took the lead meanwhile (the leader's
   * connection dropped) may have applied these events already, and applying them twice would
   * count them twice. A step refused this way writes nothing.
   */
  readonly from?: number;
  /**
   * The workflows' lead term the step was computed under (`WorkflowStore.workflowLead`), when the
   * store is shared by several hub processes: the store applies the step only while that term is
   * still the lead's. A leader frozen for longer than its lease, then thawed, finds another hub's
   * term there and writes nothing. A step refused this way writes nothing, as for `from`.
   */
  readonly lead?: string;
  /** New derived events to append to the log (source /millrace). */
  readonly derived: readonly CloudEvent[];
  readonly receivedTime: string;
  /** Line states to store (full states). */
  readonly lines: readonly P2PLine[];
  /** Events of the log applied in this step that concern exceptions (exception.raised/resolved). */
  readonly exceptionEvents: readonly StoredEvent[];
  /**
   * Which line each applied event touched, where its correlationid does not name that line
   * already (those, derived events among them, `EventStore.readByCorrelation` finds).
   */
  readonly links: readonly { readonly key: string; readonly sequence: number }[];
  /** Counts of the applied events per flow and version, added to the governance flows. */
  readonly flows?: readonly FlowCount[];
  /** Plant workflow states to store (production orders, transfers, plant inventories), as rows. */
  readonly plantStates?: readonly PlantStateRow[];
}

/** Which plant workflow states to list: those of a plant (an order's, a transfer's either end). */
export interface PlantStateFilter {
  readonly plant?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque cursor for the next page; absent on the last page. */
  readonly next?: string;
}

export interface LineFilter {
  readonly stage?: P2PStage;
  readonly supplierId?: string;
  readonly plant?: string;
  readonly poNumber?: string;
}

export interface ExceptionFilter {
  readonly owner?: string;
  readonly code?: string;
  readonly status?: 'open' | 'resolved';
  readonly supplierId?: string;
  readonly poNumber?: string;
  /** The plant the exception was raised to (a PO's buyer plant, a plant workflow's plant). */
  readonly plant?: string;
}

/**
 * Promises:
 * - `commitWorkflowStep` is one transaction: the derived events are appended (idempotently,
 *   as `EventStore.appendBatches` would), lines and links are stored, the exceptions view is
 *   updated from `exceptionEvents` and from the derived events, `flows` are added to the
 *   counts of the governance flows, and the cursor moves to
 *   `upTo`. It resolves with the stored derived events (with their sequences).
 * - Lines and exceptions read back equal what was stored.
 * - `resetWorkflows` empties every projection and the cursor (the log is untouched).
 * Leaves out: deciding anything; reading the log (EventStore).
 */
export interface WorkflowStore {
  /**
   * Whether this process leads the workflows now: only the leader runs the processor and the
   * deadline scheduler, so work on a workflow is owned by one process at a time. A leader
   * keeps the lead until it closes or loses its connection, or (PostgreSQL) its lease runs out
   * unrenewed (a frozen process). Call again to keep checking.
   */
  tryLeadWorkflows(): Promise<boolean>;
  /**
   * The term of the workflows' lead this process holds or last held, for `WorkflowStep.lead`;
   * absent (or undefined) where one process has the store and needs no fencing (SQLite).
   */
  workflowLead?(): string | undefined;
  processedUpTo(): Promise<number>;
  loadLines(keys: readonly string[]): Promise<P2PLine[]>;
  /** Keys of the known lines of these POs and shipments. */
  keysOf(query: { readonly poNumbers: readonly string[]; readonly shipmentIds: readonly string[] }): Promise<string[]>;
  /** Applies a step in one transaction; rejects, writing nothing, when its `from` is not the stored cursor. */
  commitWorkflowStep(step: WorkflowStep): Promise<StoredEvent[]>;
  /** Lines with an active deadline at or before `now`, earliest first. */
  dueLines(now: string, limit: number): Promise<P2PLine[]>;
  resetWorkflows(): Promise<void>;
  /** Plant workflow states by workflow and key (those the store does not hold are left out). */
  loadPlantStates(keys: readonly PlantKey[]): Promise<TaggedPlantState[]>;
  /** Plant workflow states with an active deadline at or before `now`, earliest first. */
  duePlantStates(now: string, limit: number): Promise<TaggedPlantState[]>;
  /** Every state of one plant workflow that matches the filter, by key (plants have few). */
  plantStates(workflow: PlantWorkflow, filter: PlantStateFilter): Promise<TaggedPlantState[]>;

  linesOfPurchaseOrder(poNumber: string): Promise<P2PLine[]>;
  /** By key; `after` is the `next` of the previous page (any line key: the lines after it), and anything else is refused (MillraceError invalid_request). */
  listLines(filter: LineFilter, limit: number, after?: string): Promise<Page<P2PLine>>;
  /** Newest raised first; `after` is the `next` of the previous page, and anything else is refused (MillraceError invalid_request). */
  listExceptions(filter: ExceptionFilter, limit: number, after?: string): Promise<Page<ExceptionView>>;
  getException(exceptionId: string): Promise<ExceptionView | undefined>;
  /** Sequences of the input events linked to these lines, ascending. */
  linkedSequences(keys: readonly string[]): Promise<number[]>;
  /** Events by sequence (for timelines). */
  eventsAt(sequences: readonly number[]): Promise<StoredEvent[]>;
  /** The governance flows counted so far (one row per source, type and version). */
  flows(): Promise<FlowCount[]>;
  /**
   * Counts for `millrace diff --store`: the lines in the given stages, grouped by stage,
   * supplier, plant and item category (of the PO line), and the open exceptions, grouped by
   * code, owner and plant. Groups with nothing in them are left out; the order is unspecified.
   */
  workflowCensus(stages: readonly P2PStage[]): Promise<WorkflowCensus>;
}

/**
 * A store that commits intake batches and workflow steps in one transaction: a workflow thread
 * that hands its steps to the intake thread shares intake's fsync instead of paying its own.
 * Promises: as `appendBatches` for the batches and `commitWorkflowStep` for each step, in
 * that order, all or nothing; except that a step whose `from` is not the stored cursor is left
 * out (its entry in `steps` is undefined) while the intake batches commit.
 */
export interface GroupStore extends EventStore, WorkflowStore {
  commitGroup(
    batches: readonly (readonly CloudEvent[])[],
    receivedTime: string,
    steps: readonly WorkflowStep[],
  ): Promise<{ readonly outcomes: BatchOutcome[]; readonly steps: (StoredEvent[] | undefined)[] }>;
}
