// Where each MQTT publisher's numbering stands, kept in the store so a gap is judged against the
// last message before a hub restart or crash, and so a gap's exception and the position that
// follows it are written together. Adapters: SQLite, PostgreSQL
// (test/conformance/publisher-sequence-store.conformance.ts). Decisions: docs/adr/0020.
import type { CloudEvent, PublisherPosition } from '../core/index.js';

/** One publisher of one topic mapping (`mqtt.topics[].id`) and where it stands. */
export interface PublisherMark extends PublisherPosition {
  readonly binding: string;
  readonly publisher: string;
}

/**
 * Promises:
 * - `recordPublisher` is ONE durable transaction: the `breach` event (a sequence exception), when
 *   given, is appended as `EventStore.appendBatches` would (idempotent on `source` + `id`; a
 *   conflict with another body fails the whole call and records nothing), and the mark replaces
 *   the publisher's previous one. Either both are kept or neither.
 * - `publisherMarks` reads back what was recorded, the marks of every binding when none is named.
 * Leaves out: judging numbers (core `judgeSequence`) and committing the message itself (the
 * door does, before the mark is recorded); two hubs recording the same publisher (one MQTT
 * client id per hub: only one receives a publisher's messages).
 */
export interface PublisherSequenceStore {
  publisherMarks(binding?: string): Promise<PublisherMark[]>;
  recordPublisher(mark: PublisherMark, breach: CloudEvent | undefined, receivedTime: string): Promise<void>;
}
