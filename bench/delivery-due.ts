// What a down subscriber's backlog costs the query that finds due deliveries (ADR 0048): the
// query runs after every attempt of every subscriber, and on SQLite on the hub's main thread.
// In one process, per store: the query's median time with KEYS key heads waiting for a retry
// (the baseline), then with BEHIND deliveries queued behind each of those heads; prints the ratio.
// A query that reads only the heads costs about the same with the backlog as without it.
// Run: node --import tsx bench/delivery-due.ts [--keys N] [--behind N] [--postgres] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PostgresStore, SqliteStore } from '../src/adapters/index.js';
import type { NewDelivery } from '../src/ports/index.js';
import { dropSchema, POSTGRES_URL, uniqueSchema } from '../test/support/services.js';

const { values } = parseArgs({ options: { keys: { type: 'string' }, behind: { type: 'string' }, postgres: { type: 'boolean' }, json: { type: 'boolean' } } });
const KEYS = Number(values.keys ?? 4000);
const BEHIND = Number(values.behind ?? 10);
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
  if (values.postgres === true) {
    const schema = uniqueSchema('mr_due');
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('schema', schema);
    const pg = await PostgresStore.open({ url: url.toString() });
    try {
      results.postgres = await measure(pg);
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
    const { headsOnlyMs, withBacklogMs, ratio } = r as { headsOnlyMs: number; withBacklogMs: number; ratio: number };
    process.stdout.write(`${name}: due query ${headsOnlyMs.toFixed(2)} ms with ${KEYS} heads waiting, ${withBacklogMs.toFixed(2)} ms with ${KEYS * BEHIND} more behind them (ratio ${ratio.toFixed(2)})\n`);
  }
}
