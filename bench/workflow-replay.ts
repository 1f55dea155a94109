// Child process of the workflow benchmark. `build DB LINES` writes a P2P log to DB;
// `replay DB` measures, in this one process, a raw read of the whole log (the baseline: what
// reading and parsing costs before any workflow work) and then a rebuild of every projection
// from it. Prints JSON.
import { closeSync, fsyncSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SqliteStore } from '../src/adapters/index.js';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkflowProcessor } from '../src/app/index.js';
import { p2pPolicy } from '../src/core/index.js';
import { buildP2PLog } from './workflow-log.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const [mode, path, lines] = process.argv.slice(2);
if (path === undefined) throw new Error('usage: workflow-replay.ts build|replay DB [LINES]');
const store = new SqliteStore(path);
try {
  if (mode === 'build') {
    const started = process.hrtime.bigint();
    const built = await buildP2PLog(store, p2pPolicy(), Number(lines ?? 100_000));
    await store.close();
    // Write the log out now: otherwise the OS flushes a gigabyte of dirty pages during the
    // replay that follows, slowing it for a reason a real rebuild does not have.
    const db = new Database(path);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const fd = openSync(path, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    process.stdout.write(`${JSON.stringify({ ...built, events: built.inbound + built.derived, seconds: Number(process.hrtime.bigint() - started) / 1e9 })}\n`);
  } else {
    let read = 0;
    let started = process.hrtime.bigint();
    for (let from = 0; ; ) {
      const batch = await store.readFrom(from, 10_000);
      const last = batch[batch.length - 1];
      if (last === undefined) break;
      read += batch.length;
      from = last.sequence;
    }
    const readSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    // One thread in this process (the main thread: V8's default heap, unlike `millrace replay
    // --threads 1`, which rebuilds on a worker), then the rebuild `millrace replay` runs: one thread per core.
    const processor = new WorkflowProcessor(store, store, p2pPolicy(), { now: () => new Date('2026-04-01T00:00:00Z') });
    started = process.hrtime.bigint();
    const single = await processor.rebuild();
    const singleSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const oneThreadRssMiB = process.resourceUsage().maxRSS / 1024;
    await store.close();
    // What a user runs: the built CLI, in a process of its own.
    const cli = spawnSync(process.execPath, [join(ROOT, 'bin', 'millrace.js'), 'replay', '--json', '--store', `sqlite:${path}`, '--manifest', join(ROOT, 'examples', 'millrace.yaml')], {
      encoding: 'utf8',
    });
    if (cli.status !== 0) throw new Error(`millrace replay failed: ${cli.stderr}`);
    const parallel = JSON.parse(cli.stdout) as { events: number; seconds: number; threads: number; maxRssMiB: number };
    const replayed = parallel.events;
    const replaySeconds = parallel.seconds;
    const check = new SqliteStore(path);
    const linesStored = (await check.listLines({}, 1)).items.length;
    await check.close();
    process.stdout.write(
      `${JSON.stringify({
        events: replayed,
        rawRead: { events: read, seconds: readSeconds, eventsPerSecond: read / readSeconds },
        replay: { seconds: replaySeconds, eventsPerSecond: replayed / replaySeconds, threads: parallel.threads, maxRssMiB: parallel.maxRssMiB },
        replayOneThread: { events: single, seconds: singleSeconds, eventsPerSecond: single / singleSeconds, maxRssMiB: oneThreadRssMiB },
        linesStored: linesStored > 0,
      })}\n`,
    );
  }
} finally {
  // Closing twice is harmless: the build closed it already.
  await store.close();
}
