// The storage floor for batches: SQLite alone appending 100-row transactions (WAL,
// synchronous=FULL, an 8-byte dedupe key index like the hub's), no HTTP and no checks.
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { hashKey } from '../src/adapters/shared/hash-key.js';
import { BENCH_SOURCE, EventTemplate, goodsReceived, receiptOf } from './goods-received.js';

export interface RawAppendResult {
  readonly rowsPerTransaction: number;
  readonly transactions: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

/**
 * Appends for `seconds`. Each row costs what an append in any event store costs: build the
 * JSON body, hash source+id to the dedupe key, insert; each transaction is one fsync.
 */
export function measureRawAppend(dbPath: string, seconds: number, rowsPerTransaction = 100): RawAppendResult {
  const db = new Database(dbPath);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`
      CREATE TABLE events (seq INTEGER PRIMARY KEY, dedupe_key INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE INDEX events_dedupe ON events (dedupe_key);
    `);
    const insert = db.prepare<[bigint, string]>('INSERT INTO events (dedupe_key, body) VALUES (?, ?)');
    const template = new EventTemplate((id, receipt, po) => JSON.stringify(goodsReceived(id, receipt, po)));
    let n = 0;
    const appendOne = db.transaction(() => {
      for (let i = 0; i < rowsPerTransaction; i += 1) {
        n += 1;
        const id = randomUUID();
        insert.run(hashKey(`${BENCH_SOURCE}\u0000${id}`), template.fill({ id, ...receiptOf(n) }));
      }
    });
    // A short warm-up, like the HTTP phases get, so the first page allocations are not measured.
    const warmupEnd = performance.now() + Math.min(1_000, seconds * 200);
    while (performance.now() < warmupEnd) appendOne();
    let transactions = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    while (performance.now() < end) {
      appendOne();
      transactions += 1;
    }
    const elapsed = (performance.now() - start) / 1000;
    return { rowsPerTransaction, transactions, seconds: elapsed, eventsPerSecond: (transactions * rowsPerTransaction) / elapsed };
  } finally {
    db.close();
  }
}
