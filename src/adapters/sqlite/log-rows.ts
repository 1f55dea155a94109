// The log's rows of a group, written with multi-row INSERTs: one statement run per table per 32
// events instead of one per event and table. Each run is a bind, a step and a reset across the
// JS/C++ boundary; a group of 25 single events cost about 0.9 us of CPU less per event this way
// (docs/benchmarks.md, tenth session). Sequences are the caller's: the index's head on, planned
// under the write lock in the connection, or ahead of it for the append thread, whose rows then
// collide and are planned again.
//
// An event's key row (its dedupe and correlation hashes, from which the in-memory index is
// loaded at start) is not written with the event: the key rows of KEY_ROWS_EVERY events go in
// together, with the commit that reaches that many (docs/adr/0080). Written per commit, the
// narrow table's last page was rewritten by every group: a 4 KiB page in the WAL, and again at
// the checkpoint, for about twenty events. A key row is derived data: the event row holds the
// body it is hashed from. `event_keys_through` says up to where every event has its key row;
// past it, a store that opens or catches up reads the events and hashes the bodies of those
// without one (a crash's, or another connection's not written yet).
import type Database from 'better-sqlite3';
import type { CloudEvent } from '../../core/index.js';
import { eventKey } from '../../core/index.js';
import { hash64 } from './key-index.js';

/** Values per event in a flat row list: seq, type, body, dedupe hash (2), correlation hash (2). */
export const ROW_WIDTH = 7;

/** A row's values, in ROW_WIDTH order, appended to a flat row list. */
export function pushLogRow(
  rows: (string | number | null)[],
  sequence: number,
  type: string,
  body: string,
  dedupe: readonly [number, number],
  correlation: readonly [number, number] | undefined,
): void {
  rows.push(sequence, type, body, dedupe[0], dedupe[1], correlation?.[0] ?? null, correlation?.[1] ?? null);
}

/** An event's key row: its sequence, its dedupe hash, its correlation hash (if it has a correlation id). */
export type KeyRow = [number, number, number, number | null, number | null];

/** The key row of a stored event, from its body: the hashes its append computed. */
export function keyRowOfBody(sequence: number, body: string): KeyRow {
  const event = JSON.parse(body) as Pick<CloudEvent, 'source' | 'id' | 'correlationid'>;
  const dedupe = hash64(eventKey(event));
  const correlation = event.correlationid === undefined ? undefined : hash64(event.correlationid);
  return [sequence, dedupe[0], dedupe[1], correlation?.[0] ?? null, correlation?.[1] ?? null];
}

/**
 * Key rows written together (docs/adr/0080). A crash loses at most this many, which the next
 * opening rebuilds from the bodies (about 2-3 ms of JSON.parse for 1,024); the commit that
 * writes them took 1.0 ms against 0.33 for a group of twenty events.
 */
export const KEY_ROWS_EVERY = 1024;

/** The table and row that say up to where every event has its key row. */
export const KEY_ROWS_THROUGH_TABLE = `
CREATE TABLE IF NOT EXISTS event_keys_through (
  only INTEGER PRIMARY KEY CHECK (only = 1),
  seq INTEGER NOT NULL
);
`;

/** Rows per statement: 32 x 5 parameters stay far below SQLite's limit of 32,766. */
const ROWS_PER_STATEMENT = 32;
const KEY_WIDTH = 5;

interface Inserts {
  readonly events: Database.Statement<unknown[]>;
  readonly keys: Database.Statement<unknown[]>;
}

export class LogRowWriter {
  /** Prepared per row count, as counts occur (at most ROWS_PER_STATEMENT of each). */
  private readonly inserts = new Map<number, Inserts>();
  /** Key values (KEY_WIDTH per event, flat) of committed events whose key rows are not written yet. */
  private unwritten: (number | null)[] = [];
  /** Key values of the events of the transaction under way, not written yet. */
  private staged: (number | null)[] = [];
  /** What was held when the transaction under way wrote its key rows: held again if it rolls back. */
  private heldBeforeWrite: (number | null)[] | undefined;
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    private readonly keyRowsEvery = KEY_ROWS_EVERY,
  ) {
    this.statements = {
      through: db.prepare<[], number | undefined>('SELECT seq FROM event_keys_through').pluck(),
      setThrough: db.prepare<[number]>('UPDATE event_keys_through SET seq = ?'),
      head: db.prepare<[], number | null>('SELECT MAX(seq) FROM events').pluck(),
      keyedAfter: db.prepare<[number], number>('SELECT COUNT(*) FROM event_keys WHERE seq > ?').pluck(),
      firstUnkeyed: db.prepare<[number], number | null>('SELECT MIN(seq) FROM events e WHERE seq > ? AND NOT EXISTS (SELECT 1 FROM event_keys k WHERE k.seq = e.seq)').pluck(),
    };
  }

  /**
   * Makes the table that says up to where key rows are written, and its row if there is none.
   * A file without that row was written before key rows were held back, or never: every event
   * it holds has its key row.
   */
  static prepareFile(db: Database.Database): void {
    db.exec(KEY_ROWS_THROUGH_TABLE);
    if (db.prepare('SELECT 1 FROM event_keys_through').get() === undefined) {
      db.prepare('INSERT OR IGNORE INTO event_keys_through (only, seq) SELECT 1, COALESCE(MAX(seq), 0) FROM event_keys').run();
    }
  }

  /** Up to where every event has its key row. */
  keyRowsThrough(): number {
    return this.statements.through.get() ?? 0;
  }

  /** Key rows held back: of committed events, and of this transaction's. */
  get heldBack(): number {
    return (this.unwritten.length + this.staged.length) / KEY_WIDTH;
  }

  /** Inserts the rows (ROW_WIDTH values each, flat); the caller holds the transaction and calls committed() or rolledBack() after it. */
  insert(receivedTime: string, rows: readonly (string | number | null)[]): void {
    const count = rows.length / ROW_WIDTH;
    for (let first = 0; first < count; first += ROWS_PER_STATEMENT) {
      const n = Math.min(ROWS_PER_STATEMENT, count - first);
      const events: (string | number | null)[] = new Array<string | number | null>(n * 4);
      for (let i = 0; i < n; i += 1) {
        const at = (first + i) * ROW_WIDTH;
        const sequence = rows[at] ?? null;
        events[i * 4] = sequence;
        events[i * 4 + 1] = rows[at + 1] ?? null;
        events[i * 4 + 2] = receivedTime;
        events[i * 4 + 3] = rows[at + 2] ?? null;
        this.staged.push(sequence as number, rows[at + 3] as number, rows[at + 4] as number, rows[at + 5] as number | null, rows[at + 6] as number | null);
      }
      this.insertsOf(n).events.run(events);
    }
    if (this.heldBack >= this.keyRowsEvery) this.writeKeyRows();
  }

  /** Key rows of events found without one (another connection's, a crashed one's), written with this connection's next. */
  adopt(row: KeyRow): void {
    this.unwritten.push(...row);
  }

  /**
   * Writes every key row held back and moves `event_keys_through` as far as it can: to the head
   * when every later event has its row now, else to just before the first that has none (another
   * connection's, still held back there). The caller holds the transaction.
   */
  writeKeyRows(): void {
    const values = this.unwritten.length === 0 ? this.staged : [...this.unwritten, ...this.staged];
    for (let at = 0; at < values.length; at += ROWS_PER_STATEMENT * KEY_WIDTH) {
      const part = values.slice(at, at + ROWS_PER_STATEMENT * KEY_WIDTH);
      this.insertsOf(part.length / KEY_WIDTH).keys.run(part);
    }
    this.heldBeforeWrite = [...(this.heldBeforeWrite ?? []), ...this.unwritten];
    this.unwritten = [];
    this.staged = [];
    const { through, setThrough, head, keyedAfter, firstUnkeyed } = this.statements;
    const from = through.get() ?? 0;
    const to = head.get() ?? 0;
    const reached = keyedAfter.get(from) === to - from ? to : (firstUnkeyed.get(from) ?? to + 1) - 1;
    if (reached > from) setThrough.run(reached);
  }

  /**
   * Before the connection closes: writes the key rows held back, in a transaction of their own.
   * If that fails (another connection keeps the write lock past the busy timeout), they are left
   * to the next opening, which rebuilds them from the bodies.
   */
  writeHeldRows(): void {
    if (this.heldBack === 0) return;
    try {
      this.db.transaction(() => this.writeKeyRows()).immediate();
      this.committed();
    } catch {
      this.rolledBack();
    }
  }

  /** The transaction under way committed: the key rows of its events not written yet are held back. */
  committed(): void {
    for (const value of this.staged) this.unwritten.push(value);
    this.staged = [];
    this.heldBeforeWrite = undefined;
  }

  /**
   * The transaction under way rolled back: its events are not stored, and the key rows it wrote
   * for earlier events are not either, so those are held again (with any adopted since).
   */
  rolledBack(): void {
    if (this.heldBeforeWrite !== undefined) this.unwritten = [...this.heldBeforeWrite, ...this.unwritten];
    this.staged = [];
    this.heldBeforeWrite = undefined;
  }

  private insertsOf(n: number): Inserts {
    let inserts = this.inserts.get(n);
    if (inserts === undefined) {
      inserts = {
        events: this.db.prepare(`INSERT INTO events (seq, type, received_time, body) VALUES ${Array<string>(n).fill('(?, ?, ?, ?)').join(', ')}`),
        // OR IGNORE: another connection may have written the same row, from the same body.
        keys: this.db.prepare(`INSERT OR IGNORE INTO event_keys (seq, dk_hi, dk_lo, ck_hi, ck_lo) VALUES ${Array<string>(n).fill('(?, ?, ?, ?, ?)').join(', ')}`),
      };
      this.inserts.set(n, inserts);
    }
    return inserts;
  }
}
