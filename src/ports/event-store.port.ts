// The event log port: the single source of truth. Every adapter (memory, SQLite, PostgreSQL)
// passes the same conformance suite (test/conformance/event-store.conformance.ts).
import type { CloudEvent, StoredEvent } from '../core/index.js';

/** What happened to one event of an appended batch. */
export interface AppendedEvent {
  readonly source: string;
  readonly id: string;
  /** `accepted`: a new row; `duplicate`: the same source, id and body were already in the log. */
  readonly status: 'accepted' | 'duplicate';
  /** The event's sequence number in the log (for a duplicate, the first copy's). */
  readonly sequence: number;
}

/** An event whose source and id are already in the log (or earlier in the same batch) with another body. */
export interface EventConflict {
  readonly source: string;
  readonly id: string;
  /** Position of the conflicting event in its batch. */
  readonly index: number;
  /** Sequence of the stored event it conflicts with; absent when the clash is inside the batch. */
  readonly existingSequence?: number;
}

export type BatchOutcome =
  | { readonly kind: 'appended'; readonly events: readonly AppendedEvent[] }
  | { readonly kind: 'conflict'; readonly conflicts: readonly EventConflict[] };

/**
 * Append-only event log.
 *
 * Promises:
 * - `appendBatches` commits all given batches in ONE durable transaction (group commit) and
 *   resolves only after that commit is on disk. Each batch is all-or-nothing on its own: a
 *   batch with a conflict stores nothing and does not affect the other batches.
 * - Idempotency on `source` + `id`: the same pair with the same body (compared in canonical
 *   JSON, hub attributes excluded) is a duplicate (no new row); with another body a conflict.
 * - Sequence numbers are positive, strictly increasing in commit order, and never reused;
 *   a reader that saw sequence N never later finds a new event below N.
 *
 * Leaves out: authorization and contract checks (the ingest use case does them first).
 */
export interface EventStore {
  appendBatches(batches: readonly (readonly CloudEvent[])[], receivedTime: string): Promise<BatchOutcome[]>;
  /** Events with sequence > `afterSequence`, in order, at most `limit`. */
  readFrom(afterSequence: number, limit: number): Promise<StoredEvent[]>;
  /** Every event whose `correlationid` is the given one, in sequence order. */
  readByCorrelation(correlationId: string): Promise<StoredEvent[]>;
  /** The event stored under `source` + `id`, if any. */
  find(source: string, id: string): Promise<StoredEvent | undefined>;
  /** The highest sequence number committed so far (0 for an empty log). */
  headSequence(): Promise<number>;
  close(): Promise<void>;
}
