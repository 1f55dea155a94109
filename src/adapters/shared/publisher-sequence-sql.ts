// Where each MQTT publisher's numbering stands (ports/publisher-sequence-store.port.ts), the same
// SQL for SQLite and PostgreSQL: one row per topic mapping and publisher, replaced in one upsert.
import type { BatchOutcome, PublisherMark } from '../../ports/index.js';

export const PUBLISHER_SEQUENCE_TABLE = `
CREATE TABLE IF NOT EXISTS publisher_sequences (
  binding TEXT NOT NULL,
  publisher TEXT NOT NULL,
  last_number BIGINT NOT NULL,
  log_sequence BIGINT NOT NULL,
  epoch BIGINT NOT NULL,
  PRIMARY KEY (binding, publisher)
);
`;

/** Parameters: binding, publisher, last number, log sequence, epoch. */
export const RECORD_PUBLISHER = `
INSERT INTO publisher_sequences (binding, publisher, last_number, log_sequence, epoch) VALUES ({1}, {2}, {3}, {4}, {5})
ON CONFLICT (binding, publisher) DO UPDATE SET last_number = excluded.last_number, log_sequence = excluded.log_sequence, epoch = excluded.epoch
`;

export const PUBLISHER_MARKS = 'SELECT binding, publisher, last_number, log_sequence, epoch FROM publisher_sequences ORDER BY binding, publisher';
/** Parameter: binding. */
export const PUBLISHER_MARKS_OF = 'SELECT binding, publisher, last_number, log_sequence, epoch FROM publisher_sequences WHERE binding = {1} ORDER BY publisher';

export interface PublisherRow {
  binding: string;
  publisher: string;
  /** PostgreSQL answers BIGINT as a string. */
  last_number: number | string;
  log_sequence: number | string;
  epoch: number | string;
}

export function markOfRow(row: PublisherRow): PublisherMark {
  return { binding: row.binding, publisher: row.publisher, last: Number(row.last_number), logSequence: Number(row.log_sequence), epoch: Number(row.epoch) };
}

export function markParams(mark: PublisherMark): [string, string, number, number, number] {
  return [mark.binding, mark.publisher, mark.last, mark.logSequence, mark.epoch];
}

/** A breach that clashes with another event of the same id must not be recorded as raised. */
export function checkBreachStored(outcome: BatchOutcome | undefined, mark: PublisherMark): void {
  if (outcome?.kind === 'conflict') throw new Error(`the sequence exception of publisher ${mark.publisher} (${mark.binding}) clashes with another event of the same id; the position is not recorded`);
}
