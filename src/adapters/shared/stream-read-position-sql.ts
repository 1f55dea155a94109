// How far the hub has read each JetStream stream (ports/stream-read-position-store.port.ts), the
// same SQL for SQLite and PostgreSQL: one row per NATS consumer of the manifest.
import type { StreamReadMark } from '../../ports/index.js';

export const STREAM_READ_POSITION_TABLE = `
CREATE TABLE IF NOT EXISTS stream_read_positions (
  consumer TEXT PRIMARY KEY,
  stream TEXT NOT NULL,
  stream_created TEXT NOT NULL,
  filter_subject TEXT NOT NULL,
  resume_at BIGINT NOT NULL
);
`;

/**
 * Parameters: consumer, stream, stream created, filter subject, resume at. On the same stream
 * and filter the position only moves on: a mark written late (or by a hub that read less) does
 * not take back what was recorded as kept.
 */
export const RECORD_STREAM_READ = `
INSERT INTO stream_read_positions (consumer, stream, stream_created, filter_subject, resume_at) VALUES ({1}, {2}, {3}, {4}, {5})
ON CONFLICT (consumer) DO UPDATE SET
  resume_at = CASE
    WHEN stream_read_positions.stream = excluded.stream AND stream_read_positions.stream_created = excluded.stream_created
      AND stream_read_positions.filter_subject = excluded.filter_subject AND stream_read_positions.resume_at > excluded.resume_at
    THEN stream_read_positions.resume_at ELSE excluded.resume_at END,
  stream = excluded.stream, stream_created = excluded.stream_created, filter_subject = excluded.filter_subject
`;

export const STREAM_READ_MARKS = 'SELECT consumer, stream, stream_created, filter_subject, resume_at FROM stream_read_positions ORDER BY consumer';

export interface StreamReadRow {
  consumer: string;
  stream: string;
  stream_created: string;
  filter_subject: string;
  /** PostgreSQL answers BIGINT as a string. */
  resume_at: number | string;
}

export function streamReadMarkOfRow(row: StreamReadRow): StreamReadMark {
  return { consumer: row.consumer, stream: row.stream, streamCreated: row.stream_created, filterSubject: row.filter_subject, resumeAt: Number(row.resume_at) };
}

export function streamReadParams(mark: StreamReadMark): [string, string, string, string, number] {
  return [mark.consumer, mark.stream, mark.streamCreated, mark.filterSubject, mark.resumeAt];
}
