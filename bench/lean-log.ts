// The lean log of the intake benchmark ("floor, lean log" in intake-floor.ts): an idempotent
// append doing the least the issue asks for, to tell what the hub's SQLite store costs beyond it.
// The same decisions as every store (appendPlanned: duplicates, conflicts, repeats in a batch),
// the same compact in-memory dedupe index (KeyIndex), one row per event with its key's hash, one
// transaction per group committed in the caller's thread, and (submit) the baseline's own group
// commit queue in place of the hub's GroupCommitter.
//
// What it leaves out, and the hub's store does not (docs/adr/0023): the correlation index
// (lineage reads), the type and received-time columns, the narrow key table that loads the index
// at start without reading the bodies, catching up with other connections' appends (a CLI beside
// a running hub), and the append and checkpoint threads.
import Database from 'better-sqlite3';
import type { CloudEvent, KnownEvent } from '../src/core/index.js';
import { appendPlanned } from '../src/adapters/shared/batch-outcome.js';
import { hash64, KeyIndex } from '../src/adapters/sqlite/key-index.js';
import type { BatchOutcome } from '../src/ports/index.js';
import { TurnQueue } from './turn-queue.js';

/** Where a floor with a lean log keeps it: beside the store that holds the credentials. */
export function leanLogPath(dbPath: string): string {
  return `${dbPath}.lean-log`;
}

interface LeanRow {
  readonly seq: number;
  readonly body: string;
}

export class LeanLog {
  private readonly db: Database.Database;
  private readonly keys = new KeyIndex();
  private readonly append: Database.Transaction<(batches: readonly (readonly CloudEvent[])[]) => BatchOutcome[]>;
  /** Index entries of the transaction under way; they count once it commits. */
  private pending: [number, [number, number]][] = [];
  private readonly turns = new TurnQueue<readonly CloudEvent[], BatchOutcome>((batches) => this.commit(batches));

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec('CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, dk_hi INTEGER NOT NULL, dk_lo INTEGER NOT NULL, body TEXT NOT NULL)');
    for (const row of this.db.prepare<[], [number, number, number]>('SELECT seq, dk_hi, dk_lo FROM events ORDER BY seq').raw(true).iterate()) {
      this.keys.add(row[0], [row[1], row[2]], undefined);
    }
    const insert = this.db.prepare<[number, number, number, string]>('INSERT INTO events (seq, dk_hi, dk_lo, body) VALUES (?, ?, ?, ?)');
    const bySeq = this.db.prepare<[number], LeanRow>('SELECT seq, body FROM events WHERE seq = ?');
    const known = (key: string, written: Map<string, KnownEvent>): KnownEvent | undefined => {
      const inGroup = written.get(key);
      if (inGroup !== undefined) return inGroup;
      const [source, id] = key.split('\u0000');
      for (const sequence of this.keys.candidates(hash64(key))) {
        const row = bySeq.get(sequence);
        if (row === undefined) continue;
        const event = JSON.parse(row.body) as CloudEvent;
        if (event.source === source && event.id === id) return { body: row.body, sequence: row.seq };
      }
      return undefined;
    };
    this.append = this.db.transaction((batches: readonly (readonly CloudEvent[])[]) => {
      const written = new Map<string, KnownEvent>();
      return batches.map((batch) =>
        appendPlanned(
          batch,
          (key) => known(key, written),
          (item) => {
            const sequence = this.keys.head + this.pending.length + 1;
            const dedupe = hash64(item.key);
            insert.run(sequence, dedupe[0], dedupe[1], item.body);
            this.pending.push([sequence, dedupe]);
            written.set(item.key, { body: item.body, sequence });
            return sequence;
          },
        ),
      );
    });
  }

  /** One transaction for every batch, committed before it returns; the received time is not kept. */
  appendBatches(batches: readonly (readonly CloudEvent[])[], _receivedTime: string): Promise<BatchOutcome[]> {
    try {
      return Promise.resolve(this.commit(batches));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * Group commit as the baseline does it (turn-queue.ts): every batch submitted during one
   * event-loop turn goes into one transaction, committed in the next turn; no GroupCommitter.
   */
  submit(batch: readonly CloudEvent[]): Promise<BatchOutcome> {
    return this.turns.submit(batch);
  }

  private commit(batches: readonly (readonly CloudEvent[])[]): BatchOutcome[] {
    try {
      const outcomes = this.append.immediate(batches);
      for (const [sequence, dedupe] of this.pending) this.keys.add(sequence, dedupe, undefined);
      return outcomes;
    } finally {
      this.pending = [];
    }
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}
