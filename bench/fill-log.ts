// Pre-fills a hub SQLite file with N stored events in the store's own schema and key encoding,
// fast (synchronous=OFF, no journal, 100k-row transactions), so the big-log phase measures
// ingest against a log that already holds millions of events.
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, openSync, statSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { SqliteStore } from '../src/adapters/index.js';
import { hash64 } from '../src/adapters/sqlite/key-index.js';
import type { CloudEvent } from '../src/core/index.js';
import { storedBody } from '../src/core/index.js';
import { BENCH_SOURCE, EventTemplate, goodsReceived, receiptOf } from './goods-received.js';

export interface FillResult {
  readonly events: number;
  readonly seconds: number;
  readonly fileBytes: number;
}

/**
 * Creates `path` with the hub's schema (via SqliteStore itself) and appends `count` events.
 * The indexes stay in place while rows go in (3M rows take about 40 s on the 2-core machine):
 * dropping them and building them sorted afterwards saved nothing measurable at 500k rows, and
 * would leave them denser than in a log that grew event by event, flattering the big-log phase.
 */
export async function fillLog(path: string, count: number, rowsPerTransaction = 100_000): Promise<FillResult> {
  const started = performance.now();
  await new SqliteStore(path).close();

  const db = new Database(path);
  try {
    // Bulk load only: a crash here just means a rebuilt file. The store turns WAL back on.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -524288');

    const insert = db.prepare<[number, string, string, string]>('INSERT INTO events (seq, type, received_time, body) VALUES (?, ?, ?, ?)');
    const insertKeys = db.prepare<[number, number, number, number, number]>('INSERT INTO event_keys (seq, dk_hi, dk_lo, ck_hi, ck_lo) VALUES (?, ?, ?, ?, ?)');
    const template = new EventTemplate((id, receipt, po) => storedBody(goodsReceived(id, receipt, po) as unknown as CloudEvent));
    checkTemplate(template);

    // Receipts are a few days apart in plant time; the stamp changes every 1000 events.
    const baseTime = Date.parse('2026-01-05T06:00:00Z');
    let receivedTime = '';
    let correlationKey: [number, number] = [0, 0];
    let lastPo = '';
    const insertRange = db.transaction((from: number, to: number) => {
      for (let n = from; n < to; n += 1) {
        if (n % 1000 === 0 || receivedTime === '') receivedTime = new Date(baseTime + n * 2_000).toISOString();
        const id = randomUUID();
        const { receipt, po } = receiptOf(n);
        if (po !== lastPo) {
          lastPo = po;
          correlationKey = hash64(`PO-${po}`);
        }
        const sequence = n - first + 1;
        const dedupe = hash64(`${BENCH_SOURCE}\u0000${id}`);
        insert.run(sequence, 'goods.received', receivedTime, template.fill({ id, receipt, po }));
        insertKeys.run(sequence, dedupe[0], dedupe[1], correlationKey[0], correlationKey[1]);
      }
    });
    // Receipt numbers from 10,000,000 up: the measured load numbers its receipts from 1.
    const first = 10_000_000;
    for (let from = 0; from < count; from += rowsPerTransaction) {
      insertRange(first + from, first + Math.min(count, from + rowsPerTransaction));
      await nextTurn(); // lets an interrupt (Ctrl-C) be handled during a long fill
    }
    // Every filled event has its key row: the store starts from the narrow table, not the bodies (docs/adr/0080).
    db.prepare('UPDATE event_keys_through SET seq = (SELECT MAX(seq) FROM event_keys)').run();
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
  // With synchronous=OFF the rows sit in the OS cache as gigabytes of dirty pages; their
  // write-back would compete with the hub's commits and slow the big-log phase for a reason a
  // real log does not have. Write them out now and count it as fill time.
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  await settleWithStore(path, count);
  return { events: count, seconds: (performance.now() - started) / 1000, fileBytes: statSync(path).size };
}

/**
 * Through the store itself: a filled event must be found by source and id (i.e. through its
 * dedupe key), and the workflow cursor moves past the filled events, as in a hub that has
 * processed them; otherwise the hub under test would spend the measured phase replaying
 * millions of events. The projections (PO lines, links) stay empty: building them means
 * running the workflows over every filled event, which takes minutes.
 */
async function settleWithStore(path: string, count: number): Promise<void> {
  if (count === 0) return;
  const store = new SqliteStore(path);
  try {
    const [stored] = await store.readFrom(count - 1, 1);
    const found = stored === undefined ? undefined : await store.find(stored.event.source, stored.event.id);
    if (stored === undefined || found?.sequence !== count) throw new Error(`the filled log does not answer a lookup of event ${count} by source and id`);
    await store.commitWorkflowStep({ upTo: count, derived: [], receivedTime: stored.receivedTime, lines: [], exceptionEvents: [], links: [] });
  } finally {
    await store.close();
  }
}

/** The template must give exactly the body the store writes, or dedupe would differ. */
function checkTemplate(template: EventTemplate): void {
  const id = randomUUID();
  const { receipt, po } = receiptOf(12_345);
  const expected = storedBody(goodsReceived(id, receipt, po) as unknown as CloudEvent);
  if (template.fill({ id, receipt, po }) !== expected) throw new Error('fill template does not match storedBody');
}
