// The quarantine table and statements, shared by the SQLite and PostgreSQL adapters. Statements
// use `?` placeholders (the PostgreSQL adapter numbers them); the raw bytes are a BLOB / BYTEA.
import type { Page, QuarantineAttempt, QuarantineEntry, QuarantineFilter, QuarantineReason, QuarantineStatus } from '../../ports/index.js';
import type { NewQuarantineEntry } from '../../ports/index.js';
import { refuseForeignCursor } from './page-cursor.js';

/** DDL; `{id}` is the dialect's auto-numbered key, `{blob}` its byte type. */
export const QUARANTINE_TABLE = `
CREATE TABLE IF NOT EXISTS quarantine (
  seq {id},
  channel TEXT NOT NULL,
  source TEXT NOT NULL,
  ref TEXT,
  name TEXT,
  received_time TEXT NOT NULL,
  updated_time TEXT NOT NULL,
  status TEXT NOT NULL,
  raw {blob} NOT NULL,
  reason TEXT NOT NULL,
  context TEXT NOT NULL,
  attempts TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS quarantine_status ON quarantine (status, seq);
CREATE INDEX IF NOT EXISTS quarantine_source ON quarantine (source, seq);
CREATE INDEX IF NOT EXISTS quarantine_channel ON quarantine (channel, seq);
`;

export const QUARANTINE_SQL = {
  insert:
    "INSERT INTO quarantine (channel, source, ref, name, received_time, updated_time, status, raw, reason, context, attempts) VALUES (?, ?, ?, ?, ?, ?, 'held', ?, ?, ?, '[]') RETURNING seq",
  get: 'SELECT * FROM quarantine WHERE seq = ?',
  // The held entry a resend is equal to (QuarantineOptions.foldResends); parameters from twinParams.
  heldTwin: "SELECT * FROM quarantine WHERE status = 'held' AND source = ? AND channel = ? AND COALESCE(ref, '') = ? AND context = ? AND raw = ? ORDER BY seq LIMIT 1",
  counts: 'SELECT channel, status, COUNT(*) AS n FROM quarantine GROUP BY channel, status ORDER BY channel, status',
  // Compare-and-set: only a held entry changes, and only if nobody added an attempt meanwhile.
  update: "UPDATE quarantine SET status = ?, attempts = ?, updated_time = ? WHERE seq = ? AND status = 'held' AND attempts = ?",
} as const;

export interface QuarantineRow {
  readonly seq: number | string;
  readonly channel: string;
  readonly source: string;
  readonly ref: string | null;
  readonly name: string | null;
  readonly received_time: string;
  readonly updated_time: string;
  readonly status: string;
  readonly raw: Uint8Array;
  readonly reason: string;
  readonly context: string;
  readonly attempts: string;
}

export function insertParams(entry: NewQuarantineEntry, raw: unknown): unknown[] {
  return [entry.channel, entry.source, entry.ref ?? null, entry.name ?? null, entry.receivedTime, entry.receivedTime, raw, JSON.stringify(entry.reason), JSON.stringify(entry.context)];
}

export function twinParams(entry: NewQuarantineEntry, raw: unknown): unknown[] {
  return [entry.source, entry.channel, entry.ref ?? '', JSON.stringify(entry.context), raw];
}

/** What a resend adds to the held entry it is equal to: who sent it again and when, and its reason when that changed. */
export function resendAttempt(row: QuarantineRow, entry: NewQuarantineEntry): QuarantineAttempt {
  const reason = JSON.stringify(entry.reason) === row.reason ? {} : { reason: entry.reason };
  return { at: entry.receivedTime, by: entry.source, action: 'resend', outcome: 'still_failing', ...reason };
}

/** `q-<n>` to its row number; undefined for anything else (an unknown id). */
export function sequenceOf(id: string): number | undefined {
  const match = /^q-([1-9][0-9]{0,15})$/.exec(id);
  return match === null ? undefined : Number(match[1]);
}

export function toQuarantineEntry(row: QuarantineRow): QuarantineEntry {
  return {
    id: `q-${String(row.seq)}`,
    channel: row.channel,
    source: row.source,
    ...(row.ref === null ? {} : { ref: row.ref }),
    ...(row.name === null ? {} : { name: row.name }),
    receivedTime: row.received_time,
    updatedTime: row.updated_time,
    status: row.status as QuarantineStatus,
    // Both drivers answer a Buffer; callers get a plain Uint8Array.
    raw: Uint8Array.from(row.raw),
    reason: JSON.parse(row.reason) as QuarantineReason,
    context: JSON.parse(row.context) as Record<string, unknown>,
    attempts: JSON.parse(row.attempts) as QuarantineAttempt[],
  };
}

/** A listing, newest first, keyset-paged on the row number. */
export function quarantineQuery(filter: QuarantineFilter, limit: number, after: string | undefined): { sql: string; params: (string | number)[] } {
  const conditions: [string, string | number | undefined][] = [
    ['status = ?', filter.status],
    ['channel = ?', filter.channel],
    ['source = ?', filter.source],
    ['seq < ?', after === undefined ? undefined : (sequenceOf(after) ?? refuseForeignCursor(after))],
  ];
  const given = conditions.filter((c): c is [string, string | number] => c[1] !== undefined);
  const where = given.length === 0 ? '' : ` WHERE ${given.map(([sql]) => sql).join(' AND ')}`;
  return { sql: `SELECT * FROM quarantine${where} ORDER BY seq DESC LIMIT ?`, params: [...given.map(([, value]) => value), limit + 1] };
}

export function quarantinePage(rows: readonly QuarantineRow[], limit: number): Page<QuarantineEntry> {
  const entries = rows.map(toQuarantineEntry);
  if (entries.length <= limit) return { items: entries };
  const items = entries.slice(0, limit);
  const last = items[items.length - 1];
  return last === undefined ? { items } : { items, next: last.id };
}

/** The attempts column after one more attempt. */
export function withAttempt(row: QuarantineRow, attempt: QuarantineAttempt): string {
  return JSON.stringify([...(JSON.parse(row.attempts) as QuarantineAttempt[]), attempt]);
}
