// The storage floor for batches: SQLite alone appending 100-row transactions (WAL,
// synchronous=FULL, an 8-byte dedupe key index like the hub's), no HTTP and no checks.
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { hashKey } from '../src/adapters/shared/hash-key.js';
import { BENCH_SOURCE, EventTemplate, goodsReceived, receiptOf } from './goods-received.js';
import { median } from './load.js';

export interface RawAppendSlice {
  readonly transactions: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

export interface RawAppendSummary {
  readonly rowsPerTransaction: number;
  /** Median over the slices, like the HTTP phases. */
  readonly eventsPerSecond: number;
  readonly slices: readonly RawAppendSlice[];
}

/**
 * Each row costs what an append in any event store costs: build the JSON body, hash source+id
 * to the dedupe key, insert; each transaction is one commit with its fsync.
 */
export class RawAppender {
  private readonly db: Database.Database;
  private readonly appendOne: () => void;
  private readonly slices: RawAppendSlice[] = [];

  constructor(
    dbPath: string,
    private readonly rowsPerTransaction = 100,
  ) {
    this.db = new Database(dbPath);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE events (seq INTEGER PRIMARY KEY, dedupe_key INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE INDEX events_dedupe ON events (dedupe_key);
    `);
    const insert = this.db.prepare<[bigint, string]>('INSERT INTO events (dedupe_key, body) VALUES (?, ?)');
    const template = new EventTemplate((id, receipt, po) => JSON.stringify(goodsReceived(id, receipt, po)));
    let n = 0;
    this.appendOne = this.db.transaction(() => {
      for (let i = 0; i < rowsPerTransaction; i += 1) {
        n += 1;
        const id = randomUUID();
        insert.run(hashKey(`${BENCH_SOURCE}\u0000${id}`), template.fill({ id, ...receiptOf(n) }));
      }
    });
  }

  warmUp(seconds: number): void {
    this.run(seconds);
  }

  measure(seconds: number): RawAppendSlice {
    const slice = this.run(seconds);
    this.slices.push(slice);
    return slice;
  }

  summary(): RawAppendSummary {
    return { rowsPerTransaction: this.rowsPerTransaction, eventsPerSecond: median(this.slices.map((s) => s.eventsPerSecond)), slices: this.slices };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private run(seconds: number): RawAppendSlice {
    let transactions = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    while (performance.now() < end) {
      this.appendOne();
      transactions += 1;
    }
    const elapsed = (performance.now() - start) / 1000;
    return { transactions, seconds: elapsed, eventsPerSecond: (transactions * this.rowsPerTransaction) / elapsed };
  }
}
