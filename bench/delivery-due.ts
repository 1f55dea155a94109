// What a down subscriber's backlog costs the query that finds due deliveries (ADR 0048): the
// query runs after every attempt of every subscriber, and on SQLite on the hub's main thread.
// In one process, per store: the query's median time with KEYS key heads waiting for a retry
// (the baseline), then with BEHIND deliveries queued behind each of those heads; prints the ratio.
// A query that reads only the heads costs about the same with the backlog as without it.
// Then what a key's history costs an insert: one delivery enqueued into a key that already holds
// HISTORY deliveries (a plant's inventory snapshots share one key), over one into a new key;
// and the due query when that key's HISTORY deliveries are delivered and its next one is due, over
// the same query when the key is new (SQLite only: it marks each delivery delivered).
// Run: node --import tsx bench/delivery-due.ts [--keys N] [--behind N] [--history N] [--postgres] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteStore } from '../src/adapters/index.js';
import { PostgresStore } from '../src/adapters/postgres/postgres-store.js';
import type { NewDelivery } from '../src/ports/index.js';
import { dropSchema, POSTGRES_URL, uniqueSchema } from '../test/support/services.js';

const { values } = parseArgs({ options: { keys: { type: 'string' }, behind: { type: 'string' }, history: { type: 'string' }, postgres: { type: 'boolean' }, json: { type: 'boolean' } } });
const KEYS = Number(values.keys ?? 4000);
const BEHIND = Number(values.behind ?? 10);
const HISTORY = Number(values.history ?? 50_000);
const NOW = '2026-03-02T10:00:00.000Z';
const LATER = '2026-03-02T11:00:00.000Z';

type Store = SqliteStore | PostgresStore;

function deliveries(from: number, count: number): NewDelivery[] {
  return Array.from({ length: count }, (_, i) => ({ subscription: 'down-erp', sequence: from + i, key: `PO-${(from + i) % KEYS}/1`, eventType: 'goods.received', eventId: `e${from + i}` }));
}

/** Median milliseconds of `runs` due queries; each must find the healthy subscriber's one delivery. */
async function dueMs(store: Store, runs = 9): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    const due = await store.deliveries.dueDeliveries(NOW, 4);
    times.push(performance.now() - started);
    if (due.length !== 1 || due[0]?.eventId !== 'healthy') throw new Error(`expected the healthy delivery alone, got ${due.map((d) => d.eventId).join(', ')}`);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)] ?? Number.NaN;
}

/** Median milliseconds of enqueueing one delivery into `key` (a new sequence each time). */
async function insertMs(store: Store, key: (run: number) => string, from: number, runs = 9): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    await store.deliveries.enqueueDeliveries([{ subscription: 'snapshots', sequence: from + run, key: key(run), eventType: 'inventory.snapshot', eventId: `s${from + run}` }], [], NOW);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)] ?? Number.NaN;
}

async function measureInsert(store: Store): Promise<{ newKeyMs: number; longKeyMs: number; ratio: number }> {
  await store.deliveries.startDeliveryCursors(['snapshots'], 0);
  const history = Array.from({ length: HISTORY }, (_, i) => ({ subscription: 'snapshots', sequence: 1 + i, key: 'document:inventory-snapshot:3:P01', eventType: 'inventory.snapshot', eventId: `h${i}` }));
  for (let from = 0; from < HISTORY; from += 10_000) await store.deliveries.enqueueDeliveries(history.slice(from, from + 10_000), [], NOW);
  const newKeyMs = await insertMs(store, (run) => `document:inventory-snapshot:3:N${run}`, HISTORY + 1);
  const longKeyMs = await insertMs(store, () => 'document:inventory-snapshot:3:P01', HISTORY + 101);
  return { newKeyMs, longKeyMs, ratio: longKeyMs / newKeyMs };
}

/** Median milliseconds of the due query, which must find `expected` alone. */
async function dueAloneMs(store: Store, expected: string, runs = 9): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    const due = await store.deliveries.dueDeliveries(NOW, 4);
    times.push(performance.now() - started);
    if (due.length !== 1 || due[0]?.eventId !== expected) throw new Error(`expected ${expected} alone, got ${due.map((d) => d.eventId).join(', ')}`);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)] ?? Number.NaN;
}

async function measureHistory(store: Store): Promise<{ newKeyMs: number; longKeyMs: number; ratio: number }> {
  await store.deliveries.startDeliveryCursors(['snapshots'], 0);
  const key = 'document:inventory-snapshot:3:P01';
  await store.deliveries.enqueueDeliveries([{ subscription: 'snapshots', sequence: 1, key: 'document:inventory-snapshot:3:NEW', eventType: 'inventory.snapshot', eventId: 'new' }], [], NOW);
  const newKeyMs = await dueAloneMs(store, 'new');
  await store.deliveries.updateDelivery({ deliveryId: 'snapshots.1', status: 'delivered', attempts: 1, nextAttemptAt: NOW, deliveredAt: NOW });
  for (let from = 2; from < HISTORY + 2; from += 10_000) {
    const count = Math.min(10_000, HISTORY + 2 - from);
    await store.deliveries.enqueueDeliveries(Array.from({ length: count }, (_, i) => ({ subscription: 'snapshots', sequence: from + i, key, eventType: 'inventory.snapshot', eventId: `h${from + i}` })), [], NOW);
  }
  for (let sequence = 2; sequence < HISTORY + 2; sequence += 1) await store.deliveries.updateDelivery({ deliveryId: `snapshots.${sequence}`, status: 'delivered', attempts: 1, nextAttemptAt: NOW, deliveredAt: NOW });
  await store.deliveries.enqueueDeliveries([{ subscription: 'snapshots', sequence: HISTORY + 2, key, eventType: 'inventory.snapshot', eventId: 'next' }], [], NOW);
  const longKeyMs = await dueAloneMs(store, 'next');
  return { newKeyMs, longKeyMs, ratio: longKeyMs / newKeyMs };
}

async function measure(store: Store): Promise<{ headsOnlyMs: number; withBacklogMs: number; ratio: number }> {
  await store.deliveries.startDeliveryCursors(['down-erp', 'healthy-wms'], 0);
  // Each key's head failed and waits an hour for its retry.
  await store.deliveries.enqueueDeliveries(deliveries(1, KEYS), [], LATER);
  const healthy = KEYS * (BEHIND + 1) + 1;
  await store.deliveries.enqueueDeliveries([{ subscription: 'healthy-wms', sequence: healthy, key: 'PO-X/1', eventType: 'goods.received', eventId: 'healthy' }], [], NOW);
  const headsOnlyMs = await dueMs(store);
  for (let from = KEYS + 1; from < healthy; from += 10_000) await store.deliveries.enqueueDeliveries(deliveries(from, Math.min(10_000, healthy - from)), [], NOW);
  const withBacklogMs = await dueMs(store);
  return { headsOnlyMs, withBacklogMs, ratio: withBacklogMs / headsOnlyMs };
}

const results: Record<string, unknown> = { keys: KEYS, behind: BEHIND };
const dir = mkdtempSync(join(tmpdir(), 'millrace-due-'));
try {
  const sqlite = new SqliteStore(join(dir, 'due.db'));
  try {
    results.sqlite = await measure(sqlite);
  } finally {
    await sqlite.close();
  }
  // NORMAL: no fsync for each of the HISTORY deliveries marked delivered (WAL), which the query does not care about.
  const history = new SqliteStore(join(dir, 'history.db'), { synchronous: 'NORMAL' });
  try {
    results.sqliteHistory = await measureHistory(history);
  } finally {
    await history.close();
  }
  const inserts = new SqliteStore(join(dir, 'insert.db'));
  try {
    results.sqliteInsert = await measureInsert(inserts);
  } finally {
    await inserts.close();
  }
  if (values.postgres === true) {
    const schema = uniqueSchema('mr_due');
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('schema', schema);
    const pg = await PostgresStore.open({ url: url.toString() });
    try {
      results.postgres = await measure(pg);
      results.postgresInsert = await measureInsert(pg);
    } finally {
      await pg.close();
      await dropSchema(schema);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (values.json === true) process.stdout.write(`${JSON.stringify(results)}\n`);
else {
  for (const [name, r] of Object.entries(results)) {
    if (typeof r !== 'object' || r === null) continue;
    if ('newKeyMs' in r) {
      const { newKeyMs, longKeyMs, ratio } = r as { newKeyMs: number; longKeyMs: number; ratio: number };
      if (name === 'sqliteHistory') {
        process.stdout.write(`${name}: due query ${longKeyMs.toFixed(2)} ms for a key with ${HISTORY} delivered before its head, ${newKeyMs.toFixed(2)} ms for a new key (ratio ${ratio.toFixed(2)})\n`);
        continue;
      }
      process.stdout.write(`${name}: one delivery enqueued in ${longKeyMs.toFixed(2)} ms into a key holding ${HISTORY}, ${newKeyMs.toFixed(2)} ms into a new key (ratio ${ratio.toFixed(2)})\n`);
      continue;
    }
    const { headsOnlyMs, withBacklogMs, ratio } = r as { headsOnlyMs: number; withBacklogMs: number; ratio: number };
    process.stdout.write(`${name}: due query ${headsOnlyMs.toFixed(2)} ms with ${KEYS} heads waiting, ${withBacklogMs.toFixed(2)} ms with ${KEYS * BEHIND} more behind them (ratio ${ratio.toFixed(2)})\n`);
  }
}
