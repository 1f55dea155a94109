// CPU per event of an idempotent append, in one process, without HTTP: what each part of the hub's
// SQLite store costs beyond the baseline's plain insert. Groups of 22 single-event batches (what
// a group commit holds at 50 connections), WAL, synchronous=FULL, a 2 MiB page cache and
// checkpoints every 1,000 pages everywhere, the paths measured in turns and each figure the
// median of its rounds (process CPU time, user + system, per event). Paths, each adding to the
// one before:
// - `plain insert`: the baseline's log (JSON text of the event, one row, no dedupe);
// - `lean log`: bench/lean-log.ts (the shared plan, the compact dedupe index, the key's hash in
//   the row);
// - `hub rows`: the same decisions written as the hub's store writes them: a log row with type and
//   received time, a row in the narrow key table, the correlation index;
// - `SqliteStore`: the hub's store itself (appendBatches, committing in this thread);
// - `GroupCommitter`: the store behind the group committer, one submission per event.
// Run: node --import tsx bench/append-cost.ts [--rounds n] [--events n] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { appendPlanned } from '../src/adapters/shared/batch-outcome.js';
import { hash64, KeyIndex } from '../src/adapters/sqlite/key-index.js';
import { SqliteStore } from '../src/adapters/index.js';
import { GroupCommitter } from '../src/app/index.js';
import { systemClock } from '../src/bootstrap/index.js';
import type { CloudEvent, KnownEvent } from '../src/core/index.js';
import { BodyFactory } from './goods-received.js';
import { LeanLog } from './lean-log.js';
import { median } from './load.js';
import { numberOption, parseBenchOptions, runBench } from './options.js';

const USAGE = `usage: node --import tsx bench/append-cost.ts [options]
  --rounds <n>   rounds; each path appends --events events per round (default 11)
  --events <n>   events per path and round (default 22000)
  --json         one JSON object on stdout
`;

const GROUP = 22;

type Append = (group: readonly CloudEvent[]) => unknown;

function openLog(path: string, schema: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(schema);
  return db;
}

function plainInsert(path: string): Append {
  const db = openLog(path, 'CREATE TABLE events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.prepare<[string]>('INSERT INTO events (body) VALUES (?)');
  return db.transaction((group: readonly CloudEvent[]) => group.map((event) => Number(insert.run(JSON.stringify(event)).lastInsertRowid)));
}

/** The lean log's decisions with the hub store's rows: two tables, type, received time, correlation index. */
function hubRows(path: string): Append {
  const db = openLog(
    path,
    `CREATE TABLE events (seq INTEGER PRIMARY KEY, type TEXT NOT NULL, received_time TEXT NOT NULL, body TEXT NOT NULL);
     CREATE TABLE event_keys (seq INTEGER PRIMARY KEY, dk_hi INTEGER NOT NULL, dk_lo INTEGER NOT NULL, ck_hi INTEGER, ck_lo INTEGER);`,
  );
  const insert = db.prepare<[string, string, string]>('INSERT INTO events (type, received_time, body) VALUES (?, ?, ?)');
  const insertKeys = db.prepare<[number, number, number, number | null, number | null]>('INSERT INTO event_keys (seq, dk_hi, dk_lo, ck_hi, ck_lo) VALUES (?, ?, ?, ?, ?)');
  const keys = new KeyIndex();
  // Every event of this load is new: a candidate would need the stored body compared, as the store does.
  const known = (key: string): KnownEvent | undefined => {
    if (keys.candidates(hash64(key)).length > 0) throw new Error(`append-cost: unexpected repeat of ${key}`);
    return undefined;
  };
  return db.transaction((group: readonly CloudEvent[]) => {
    const receivedTime = new Date().toISOString();
    return group.map((event) =>
      appendPlanned([event], known, (item) => {
        const dedupe = hash64(item.key);
        const correlation = event.correlationid === undefined ? undefined : hash64(event.correlationid);
        const sequence = Number(insert.run(event.type, receivedTime, item.body).lastInsertRowid);
        insertKeys.run(sequence, dedupe[0], dedupe[1], correlation?.[0] ?? null, correlation?.[1] ?? null);
        keys.add(sequence, dedupe, correlation);
        return sequence;
      }),
    );
  });
}

async function main(): Promise<void> {
  const values = parseBenchOptions(
    process.argv.slice(2),
    { rounds: { type: 'string', default: '11' }, events: { type: 'string', default: '22000' }, json: { type: 'boolean', default: false } },
    USAGE,
  );
  const rounds = Math.floor(numberOption('rounds', values.rounds, 1));
  const events = Math.floor(numberOption('events', values.events, GROUP));
  const dir = mkdtempSync(join(tmpdir(), 'millrace-append-cost-'));
  const lean = new LeanLog(join(dir, 'lean.db'));
  const store = new SqliteStore(join(dir, 'store.db'), { cacheMiB: 2, checkpointPages: 1_000 });
  const committed = new SqliteStore(join(dir, 'committer.db'), { cacheMiB: 2, checkpointPages: 1_000 });
  const committer = new GroupCommitter(committed, systemClock);
  const now = () => new Date().toISOString();
  const paths: [string, Append][] = [
    ['plain insert', plainInsert(join(dir, 'plain.db'))],
    ['lean log', (group) => lean.appendBatches(group.map((event) => [event]), now())],
    ['hub rows', hubRows(join(dir, 'hub-rows.db'))],
    ['SqliteStore', (group) => store.appendBatches(group.map((event) => [event]), now())],
    ['GroupCommitter', (group) => Promise.all(group.map((event) => committer.submit([event])))],
  ];
  const bodies = new BodyFactory();
  const perEvent = new Map<string, number[]>(paths.map(([name]) => [name, []]));
  try {
    for (let round = 0; round < rounds; round += 1) {
      for (const [name, append] of paths) {
        // Parsed as the HTTP layer would hand them over; not counted.
        const batch = Array.from({ length: events }, () => JSON.parse(bodies.single()) as CloudEvent);
        const start = process.cpuUsage();
        for (let at = 0; at < batch.length; at += GROUP) await append(batch.slice(at, at + GROUP));
        const used = process.cpuUsage(start);
        perEvent.get(name)?.push((used.user + used.system) / batch.length);
      }
      if (!values.json) process.stderr.write(`[append-cost] round ${round + 1} of ${rounds}\n`);
    }
  } finally {
    await Promise.all([lean.close(), store.close(), committed.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
  const result = paths.map(([name]) => ({ name, cpuMicrosPerEvent: Math.round(median(perEvent.get(name) ?? []) * 100) / 100, rounds: (perEvent.get(name) ?? []).map((us) => Math.round(us * 10) / 10) }));
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ eventsPerGroup: GROUP, eventsPerRound: events, paths: result })}\n`);
    return;
  }
  for (const path of result) process.stdout.write(`${path.name.padEnd(15)} ${path.cpuMicrosPerEvent.toFixed(2).padStart(6)} us of CPU per event  (rounds ${path.rounds.join(' ')})\n`);
}

runBench('bench/append-cost.ts', USAGE, main);
