// The outbox's tables and statements, shared by the SQLite and PostgreSQL adapters.
// Statements use `?` placeholders; the PostgreSQL adapter numbers them.
import type { DeliveryStatus } from '../../core/index.js';
import type { DeliveryFilter, DeliveryRecord, RetrySelection, SubscriptionPosition } from '../../ports/index.js';
import { cursorSequence, refuseForeignCursor } from './page-cursor.js';

/** DDL; `{bigint}` becomes INTEGER (SQLite) or BIGINT (PostgreSQL). */
export const DELIVERY_TABLES = `
CREATE TABLE IF NOT EXISTS deliveries (
  delivery_id TEXT PRIMARY KEY,
  subscription TEXT NOT NULL,
  seq {bigint} NOT NULL,
  generation INTEGER NOT NULL,
  dkey TEXT NOT NULL,
  event_type TEXT NOT NULL,
  event_id TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_attempt_at TEXT,
  last_error TEXT,
  delivered_at TEXT,
  place {bigint},
  head INTEGER NOT NULL DEFAULT 0,
  UNIQUE (subscription, seq, generation)
);
CREATE INDEX IF NOT EXISTS deliveries_key ON deliveries (subscription, dkey, seq, generation);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_at) WHERE status IN ('pending', 'retrying', 'waiting');
CREATE INDEX IF NOT EXISTS deliveries_order ON deliveries (seq, generation, subscription);
CREATE INDEX IF NOT EXISTS deliveries_status ON deliveries (status, seq);
CREATE TABLE IF NOT EXISTS delivery_cursors (
  subscription TEXT PRIMARY KEY,
  up_to {bigint} NOT NULL,
  removed_at {bigint},
  rules TEXT
);
`;

/**
 * For a cursor table made before a cursor kept its subscription's removal mark and rules (ADR
 * 0052): the columns, empty (the rules are recorded, after a check of the queued deliveries,
 * when a hub first leads the deliveries). Each statement when its column is missing.
 */
export const DELIVERY_CURSOR_COLUMNS = [
  ['removed_at', 'ALTER TABLE delivery_cursors ADD COLUMN removed_at {bigint}'],
  ['rules', 'ALTER TABLE delivery_cursors ADD COLUMN rules TEXT'],
] as const;

/**
 * After DELIVERY_TABLES, DELIVERY_PLACES and DELIVERY_HEADS: the index of a key's queue order
 * and those of its head (they need the `place` and `head` columns, which a table made by an older
 * version gets from DELIVERY_PLACES and DELIVERY_HEADS). The due query reads `deliveries_heads`,
 * so a backlog queued behind its keys' heads costs it nothing.
 */
export const DELIVERY_QUEUE_INDEXES = [
  'CREATE INDEX IF NOT EXISTS deliveries_place ON deliveries (subscription, dkey, place)',
  "CREATE INDEX IF NOT EXISTS deliveries_heads ON deliveries (head, status, next_at) WHERE head = 1 AND status IN ('pending', 'retrying', 'waiting')",
  'CREATE INDEX IF NOT EXISTS deliveries_key_head ON deliveries (subscription, dkey) WHERE head = 1',
  // The insert's "does the key have a dead delivery?": without it, a long-lived key (a plant's
  // inventory snapshots, keyed together since ADR 0048) had every row of its history read per insert.
  "CREATE INDEX IF NOT EXISTS deliveries_key_dead ON deliveries (subscription, dkey) WHERE status = 'dead'",
  // The due query's "nothing undelivered before it in its key": through deliveries_place it read
  // the key's whole delivered history (11 ms for 50,000 of a plant's snapshots, on every query).
  "CREATE INDEX IF NOT EXISTS deliveries_undelivered ON deliveries (subscription, dkey, place) WHERE status <> 'delivered'",
] as const;

/**
 * A delivery `e` that still holds its key's queue: neither delivered nor withdrawn (ADR 0052).
 * Written as two `<>` so the partial index `deliveries_undelivered` (status <> 'delivered')
 * serves it on SQLite, whose planner uses a partial index only when its WHERE term is in the query.
 */
const OUTSTANDING_E = "e.status <> 'delivered' AND e.status <> 'withdrawn'";

/** A delivery of a key that is not delivered yet (a head, or one behind the head). */
const UNDELIVERED_BEFORE = `e.subscription = deliveries.subscription AND e.dkey = deliveries.dkey AND ${OUTSTANDING_E} AND e.place < deliveries.place`;

/**
 * For a table made before deliveries had a `head` flag (ADR 0048), after DELIVERY_PLACES: the
 * column, and the flag on each key's first undelivered delivery in its queue. Run once, when the
 * column is missing.
 */
export const DELIVERY_HEADS = [
  'ALTER TABLE deliveries ADD COLUMN head INTEGER NOT NULL DEFAULT 0',
  `UPDATE deliveries SET head = 1 WHERE status <> 'delivered' AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE ${UNDELIVERED_BEFORE})`,
] as const;

/**
 * For a table made before deliveries had a `place` (2026-11-30): the column, and each row's
 * place in its key's queue as that version ordered it (sequence, then generation), so no
 * delivery already queued changes its turn. Run once, when the column is missing.
 */
export const DELIVERY_PLACES = [
  'ALTER TABLE deliveries ADD COLUMN place {bigint}',
  'UPDATE deliveries SET place = r.n FROM (SELECT delivery_id, ROW_NUMBER() OVER (PARTITION BY subscription, dkey ORDER BY seq, generation) AS n FROM deliveries) r ' +
    'WHERE r.delivery_id = deliveries.delivery_id',
] as const;

const COLUMNS = 'delivery_id, subscription, seq, generation, dkey, event_type, event_id, status, attempts, next_at, created_at, last_attempt_at, last_error, delivered_at';

/** A blocked delivery that no dead delivery of its subscription and key comes before (the key's queue order). */
const UNBLOCKED =
  "status = 'blocked' AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.subscription = deliveries.subscription AND e.dkey = deliveries.dkey " +
  "AND e.status = 'dead' AND e.place < deliveries.place)";

export const DELIVERY_SQL = {
  cursors: 'SELECT subscription, up_to FROM delivery_cursors',
  counts: 'SELECT subscription, status, COUNT(*) AS n FROM deliveries GROUP BY subscription, status ORDER BY subscription, status',
  startCursor: 'INSERT INTO delivery_cursors (subscription, up_to) VALUES (?, ?) ON CONFLICT (subscription) DO NOTHING',
  advanceCursor: 'UPDATE delivery_cursors SET up_to = ? WHERE subscription = ? AND up_to = ?',
  // A key's order is its queue order: `place`, one more than the last place of the key's
  // deliveries, so a new delivery goes behind everything its key holds. The outbox inserts a
  // key's events in log order; a replay, a new delivery of an old event, goes behind what is
  // queued (in flight, pending, dead or blocked), not back to its event's turn. Being last, a new
  // delivery is `blocked` when its key has a dead delivery, and only then: the rule that a
  // delivery is blocked while a dead one of its key comes before it. Writers of one key are
  // serialized (SQLite's one writer; PostgreSQL's key lock), so two never take one place.
  // A key's first undelivered delivery is its head (`head` 1): a new delivery is the head when its
  // key has none, that is, nothing undelivered. `WHERE true`: SQLite needs it to read ON CONFLICT
  // after INSERT ... SELECT.
  insert:
    `INSERT INTO deliveries (${COLUMNS}, place, head) SELECT ?, ?, ?, ?, ?, ?, ?, ` +
    "CASE WHEN EXISTS (SELECT 1 FROM deliveries e WHERE e.subscription = ? AND e.dkey = ? AND e.status = 'dead') THEN 'blocked' ELSE 'pending' END, " +
    '0, ?, ?, NULL, NULL, NULL, COALESCE((SELECT MAX(e.place) FROM deliveries e WHERE e.subscription = ? AND e.dkey = ?), 0) + 1, ' +
    'CASE WHEN EXISTS (SELECT 1 FROM deliveries e WHERE e.subscription = ? AND e.dkey = ? AND e.head = 1) THEN 0 ELSE 1 END WHERE true ON CONFLICT DO NOTHING',
  // The due heads (nothing undelivered before them in their key's queue), at most `?` of each
  // subscription (its earliest in the log): a subscription with a long backlog does not crowd
  // the others out of what the runner reads. Read through the `head` flag: the deliveries queued
  // behind a head are pending and due too, and a subscriber down for hours has tens of thousands
  // of them, which the query read and discarded after every attempt (ADR 0048). The NOT EXISTS
  // is what a head is; the flag finds the candidates.
  due:
    `SELECT ${COLUMNS} FROM (SELECT ${COLUMNS}, ROW_NUMBER() OVER (PARTITION BY d.subscription ORDER BY d.seq, d.generation) AS turn ` +
    "FROM deliveries d WHERE d.head = 1 AND d.status IN ('pending', 'retrying', 'waiting') AND d.next_at <= ? " +
    `AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.subscription = d.subscription AND e.dkey = d.dkey AND ${OUTSTANDING_E} ` +
    'AND e.place < d.place)) heads WHERE turn <= ? ORDER BY seq, generation, subscription',
  update:
    'UPDATE deliveries SET status = ?, attempts = ?, next_at = ?, last_attempt_at = COALESCE(?, last_attempt_at), last_error = COALESCE(?, last_error), delivered_at = ? WHERE delivery_id = ?',
  // A delivered head hands the flag to the next outstanding delivery of its key (a delivered
  // delivery that was no head, which the runner never sends, leaves the head where it is).
  // Parameters: followerParams, then the delivery id.
  passHead:
    `UPDATE deliveries SET head = 1 WHERE delivery_id = (SELECT e.delivery_id FROM deliveries e WHERE e.subscription = ? AND e.dkey = ? AND e.place > ? AND ${OUTSTANDING_E} ` +
    'ORDER BY e.place LIMIT 1) AND (SELECT h.head FROM deliveries h WHERE h.delivery_id = ?) = 1',
  dropHead: 'UPDATE deliveries SET head = 0 WHERE delivery_id = ?',
  // The head of a key set again from its queue (its first outstanding delivery), on an operator's
  // retry: a key whose rows another version wrote (or a hand-made repair) goes on once retried;
  // and after a withdrawal, which may take the head away. Parameters: subscription, key, subscription, key.
  resetHead:
    `UPDATE deliveries SET head = CASE WHEN delivery_id = (SELECT e.delivery_id FROM deliveries e WHERE e.subscription = ? AND e.dkey = ? AND ${OUTSTANDING_E} ORDER BY e.place LIMIT 1) THEN 1 ELSE 0 END ` +
    "WHERE subscription = ? AND dkey = ? AND (head = 1 OR status <> 'delivered')",
  positions: 'SELECT subscription, up_to, removed_at, rules FROM delivery_cursors ORDER BY subscription',
  markRemoved: 'UPDATE delivery_cursors SET removed_at = ? WHERE subscription = ? AND removed_at IS NULL',
  // Parameters: at, at, subscription. Never back: a cursor already past `at` stays.
  resume: 'UPDATE delivery_cursors SET up_to = CASE WHEN up_to < ? THEN ? ELSE up_to END, removed_at = NULL WHERE subscription = ?',
  recordRules: 'UPDATE delivery_cursors SET rules = ? WHERE subscription = ?',
  // Parameters: the reason, the delivery id.
  withdraw: "UPDATE deliveries SET status = 'withdrawn', last_error = ?, head = 0 WHERE delivery_id = ? AND status IN ('pending', 'retrying', 'waiting', 'blocked', 'dead')",
  // An operator's retry of one delivery of a bulk retry, if it is still in the status selected.
  // Parameters: now, delivery id, status.
  requeue: "UPDATE deliveries SET status = 'pending', attempts = 0, next_at = ?, delivered_at = NULL WHERE delivery_id = ? AND status = ?",
  blockFollowers: "UPDATE deliveries SET status = 'blocked' WHERE subscription = ? AND dkey = ? AND status IN ('pending', 'retrying', 'waiting') AND place > ?",
  // When a delivery is made pending again (an operator's retry): every blocked delivery of its key
  // that no dead one comes before any more, not only those after it (a replay stored blocked behind
  // a later dead head by an older version would otherwise stay blocked and hold the key for ever).
  releaseBlocked: `UPDATE deliveries SET status = 'pending' WHERE subscription = ? AND dkey = ? AND ${UNBLOCKED}`,
  // The same release over every key, for keys an older version left stuck: blocked deliveries that
  // no dead one precedes (their head was retried before the release looked at the whole key), which
  // nothing else would release. `stranded` finds their keys (reading only blocked rows, so it is
  // cheap when there are none); PostgreSQL then locks them and runs releaseBlocked on each.
  stranded: `SELECT DISTINCT subscription, dkey FROM deliveries WHERE ${UNBLOCKED} ORDER BY subscription, dkey`,
  releaseStranded: `UPDATE deliveries SET status = 'pending' WHERE ${UNBLOCKED}`,
  lastGeneration: 'SELECT MAX(generation) AS g FROM deliveries WHERE subscription = ? AND seq = ?',
  get: `SELECT ${COLUMNS}, place FROM deliveries WHERE delivery_id = ?`,
  /** `{in}`: the dialect's placeholders for the sequences. */
  ofSequences: `SELECT ${COLUMNS} FROM deliveries WHERE seq IN ({in}) ORDER BY seq, delivery_id`,
} as const;

export interface DeliveryRow {
  readonly delivery_id: string;
  readonly subscription: string;
  /** PostgreSQL BIGINT comes back as text. */
  readonly seq: number | string;
  readonly generation: number | string;
  readonly dkey: string;
  readonly event_type: string;
  readonly event_id: string;
  readonly status: string;
  readonly attempts: number | string;
  readonly next_at: string;
  readonly created_at: string;
  readonly last_attempt_at: string | null;
  readonly last_error: string | null;
  readonly delivered_at: string | null;
  /** The delivery's place in its key's queue (not part of DeliveryRecord: only the order matters). */
  readonly place?: number | string | null;
}

export function deliveryFromRow(row: DeliveryRow): DeliveryRecord {
  return {
    deliveryId: row.delivery_id,
    subscription: row.subscription,
    sequence: Number(row.seq),
    generation: Number(row.generation),
    key: row.dkey,
    eventType: row.event_type,
    eventId: row.event_id,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_at,
    createdAt: row.created_at,
    ...(row.last_attempt_at === null ? {} : { lastAttemptAt: row.last_attempt_at }),
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    ...(row.delivered_at === null ? {} : { deliveredAt: row.delivered_at }),
  };
}

export interface PositionRow {
  readonly subscription: string;
  /** PostgreSQL BIGINT comes back as text. */
  readonly up_to: number | string;
  readonly removed_at: number | string | null;
  readonly rules: string | null;
}

export function positionFromRow(row: PositionRow): SubscriptionPosition {
  return {
    subscription: row.subscription,
    upTo: Number(row.up_to),
    ...(row.removed_at === null ? {} : { removedAt: Number(row.removed_at) }),
    ...(row.rules === null ? {} : { rules: row.rules }),
  };
}

/** The keys (subscription and key) of delivery rows, each once. */
export function keysOf(rows: readonly Pick<DeliveryRow, 'subscription' | 'dkey'>[]): { subscription: string; dkey: string }[] {
  const keys = new Map<string, { subscription: string; dkey: string }>();
  for (const row of rows) keys.set(`${row.subscription}\n${row.dkey}`, { subscription: row.subscription, dkey: row.dkey });
  return [...keys.values()];
}

/**
 * Keys per transaction of a bulk retry: on PostgreSQL each key is an advisory lock held to the
 * commit, and the server's lock table (max_locks_per_transaction, 64 per connection by default)
 * does not hold tens of thousands at once.
 */
export const RETRY_STEP_KEYS = 500;

/** Rows in steps of at most `keys` keys, a key's rows in one step, the rows' order kept within a step. */
export function byKeys<T extends Pick<DeliveryRow, 'subscription' | 'dkey'>>(rows: readonly T[], keys: number): T[][] {
  const steps: T[][] = [];
  const stepOf = new Map<string, T[]>();
  let current: T[] = [];
  let inCurrent = 0;
  for (const row of rows) {
    const key = `${row.subscription}\n${row.dkey}`;
    const known = stepOf.get(key);
    if (known !== undefined) {
      known.push(row);
      continue;
    }
    if (inCurrent === keys) {
      current = [];
      inCurrent = 0;
    }
    if (inCurrent === 0) steps.push(current);
    current.push(row);
    stepOf.set(key, current);
    inCurrent += 1;
  }
  return steps;
}

/** Parameters of DELIVERY_SQL.insert. */
export function insertParams(delivery: { deliveryId: string; subscription: string; sequence: number; generation: number; key: string; eventType: string; eventId: string }, now: string): (string | number)[] {
  const d = delivery;
  return [d.deliveryId, d.subscription, d.sequence, d.generation, d.key, d.eventType, d.eventId, d.subscription, d.key, now, now, d.subscription, d.key, d.subscription, d.key];
}

/** Parameters of DELIVERY_SQL.passHead for a delivery just delivered (its row). */
export function passHeadParams(row: Pick<DeliveryRow, 'delivery_id' | 'subscription' | 'dkey' | 'place'>): (string | number)[] {
  return [...followerParams(row), row.delivery_id];
}

/** Parameters of DELIVERY_SQL.blockFollowers for the followers of a delivery (its row's subscription, key and place). */
export function followerParams(row: Pick<DeliveryRow, 'subscription' | 'dkey' | 'place'>): (string | number)[] {
  return [row.subscription, row.dkey, Number(row.place)];
}

/** The deliveries a bulk retry selects, in the log's order (sequence, then generation), with their place. */
export function retrySelectionQuery(selection: RetrySelection): { sql: string; params: string[] } {
  const conditions = ['subscription = ?', 'status = ?'];
  const params = [selection.subscription, selection.status];
  if (selection.from !== undefined) {
    conditions.push('created_at >= ?');
    params.push(selection.from);
  }
  if (selection.to !== undefined) {
    conditions.push('created_at < ?');
    params.push(selection.to);
  }
  return { sql: `SELECT ${COLUMNS}, place FROM deliveries WHERE ${conditions.join(' AND ')} ORDER BY seq, generation`, params };
}

/** A listing, newest event first, then newest replay (keyset paging on sequence, generation, subscription). */
export function deliveryQuery(filter: DeliveryFilter, limit: number, after: string | undefined): { sql: string; params: (string | number)[] } {
  const conditions: string[] = [];
  const params: (string | number)[] = [];
  if (filter.status !== undefined) {
    conditions.push('status = ?');
    params.push(filter.status);
  }
  if (filter.subscription !== undefined) {
    conditions.push('subscription = ?');
    params.push(filter.subscription);
  }
  const cursor = after === undefined ? undefined : parseCursor(after);
  if (after !== undefined && cursor === undefined) refuseForeignCursor(after);
  if (cursor !== undefined) {
    conditions.push('(seq < ? OR (seq = ? AND generation < ?) OR (seq = ? AND generation = ? AND subscription < ?))');
    params.push(cursor.seq, cursor.seq, cursor.generation, cursor.seq, cursor.generation, cursor.subscription);
  }
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  return { sql: `SELECT ${COLUMNS} FROM deliveries${where} ORDER BY seq DESC, generation DESC, subscription DESC LIMIT ?`, params: [...params, limit + 1] };
}

export function deliveryCursorOf(record: DeliveryRecord): string {
  return `${record.sequence}.${record.generation}.${record.subscription}`;
}

function parseCursor(text: string): { seq: number; generation: number; subscription: string } | undefined {
  const match = /^([0-9]+)\.([0-9]{1,9})\.(.+)$/.exec(text);
  const seq = match?.[1] === undefined ? undefined : cursorSequence(match[1]);
  if (match === null || seq === undefined) return undefined;
  return { seq, generation: Number(match[2]), subscription: match[3] ?? '' };
}
