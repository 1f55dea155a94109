// How far the hub has read each plant's JetStream stream, kept in the store so that a hub that
// restarts and finds its durable consumer gone creates it again after what it has kept, not at
// the stream's first message. Adapters: SQLite, PostgreSQL. Decisions: docs/adr/0020 (amendments).

/**
 * One NATS consumer of the manifest (`nats.consumers[].id`) and the stream it read: every message
 * of that stream (told by its name and creation time) under that filter subject whose sequence is
 * below `resumeAt` is kept by the hub (committed or quarantined).
 */
export interface StreamReadMark {
  readonly consumer: string;
  readonly stream: string;
  /** The stream's creation time: a stream deleted and added again restarts its sequences at 1. */
  readonly streamCreated: string;
  /** The consumer's filter subject, '' for none: a wider filter has messages below the position that were never read. */
  readonly filterSubject: string;
  readonly resumeAt: number;
}

/**
 * Promises:
 * - `recordStreamRead` is one durable transaction. For the same consumer, stream, creation time
 *   and filter the recorded `resumeAt` never goes down (what was kept stays kept: a lower mark,
 *   written late, is a claim already covered); for anything else the mark replaces the old one.
 * - `streamReadMarks` reads back the latest mark of every consumer.
 * Leaves out: deciding the position (src/adapters/nats/stream-read-position.ts); several hubs
 * reading one durable consumer: the position assumes one reader, and the hubs sharing a store
 * take turns (one `Lead` per consumer, ADR 0020's last amendment).
 */
export interface StreamReadPositionStore {
  streamReadMarks(): Promise<StreamReadMark[]>;
  recordStreamRead(mark: StreamReadMark): Promise<void>;
}
