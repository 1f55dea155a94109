// The log's rows of a group (an event row and its key row per event), written with multi-row
// INSERTs: one statement run per table per 32 events instead of one per event and table. Each
// run is a bind, a step and a reset across the JS/C++ boundary; a group of 25 single events
// cost about 0.9 us of CPU less per event this way (docs/benchmarks.md, tenth session).
// Sequences are the caller's: the index's head on, planned under the write lock in the
// connection, or ahead of it for the append thread, whose rows then collide and are planned again.
import type Database from 'better-sqlite3';

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

/** Rows per statement: 32 x 5 parameters stay far below SQLite's limit of 32,766. */
const ROWS_PER_STATEMENT = 32;

interface Inserts {
  readonly events: Database.Statement<unknown[]>;
  readonly keys: Database.Statement<unknown[]>;
}

export class LogRowWriter {
  /** Prepared per row count, as counts occur (at most ROWS_PER_STATEMENT of each). */
  private readonly inserts = new Map<number, Inserts>();

  constructor(private readonly db: Database.Database) {}

  /** Inserts the rows (ROW_WIDTH values each, flat); the caller holds the transaction. */
  insert(receivedTime: string, rows: readonly (string | number | null)[]): void {
    const count = rows.length / ROW_WIDTH;
    for (let first = 0; first < count; first += ROWS_PER_STATEMENT) {
      const n = Math.min(ROWS_PER_STATEMENT, count - first);
      const events: (string | number | null)[] = new Array<string | number | null>(n * 4);
      const keys: (string | number | null)[] = new Array<string | number | null>(n * 5);
      for (let i = 0; i < n; i += 1) {
        const at = (first + i) * ROW_WIDTH;
        const sequence = rows[at] ?? null;
        events[i * 4] = sequence;
        events[i * 4 + 1] = rows[at + 1] ?? null;
        events[i * 4 + 2] = receivedTime;
        events[i * 4 + 3] = rows[at + 2] ?? null;
        keys[i * 5] = sequence;
        keys[i * 5 + 1] = rows[at + 3] ?? null;
        keys[i * 5 + 2] = rows[at + 4] ?? null;
        keys[i * 5 + 3] = rows[at + 5] ?? null;
        keys[i * 5 + 4] = rows[at + 6] ?? null;
      }
      const inserts = this.insertsOf(n);
      inserts.events.run(events);
      inserts.keys.run(keys);
    }
  }

  private insertsOf(n: number): Inserts {
    let inserts = this.inserts.get(n);
    if (inserts === undefined) {
      inserts = {
        events: this.db.prepare(`INSERT INTO events (seq, type, received_time, body) VALUES ${Array<string>(n).fill('(?, ?, ?, ?)').join(', ')}`),
        keys: this.db.prepare(`INSERT INTO event_keys (seq, dk_hi, dk_lo, ck_hi, ck_lo) VALUES ${Array<string>(n).fill('(?, ?, ?, ?, ?)').join(', ')}`),
      };
      this.inserts.set(n, inserts);
    }
    return inserts;
  }
}
