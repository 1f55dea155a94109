// Child process of the workflow benchmark: a hub's workflow processor taking one million
// released, unconfirmed PO lines (all open) from the log, live, with the hub's own step size and
// page cache. Prints its figures as JSON, peak resident memory included, so the parent measures
// this process alone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/adapters/index.js';
import { WorkflowProcessor } from '../src/app/index.js';
import { LIVE_WORKFLOW_BATCH_SIZE, WORKFLOWS_PAGE_CACHE_MIB } from '../src/bootstrap/index.js';
import { p2pPolicy } from '../src/core/index.js';
import { buildOpenLinesLog } from './workflow-log.js';

const lines = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'millrace-open-lines-'));
try {
  const store = new SqliteStore(join(dir, 'millrace.db'), { cacheMiB: WORKFLOWS_PAGE_CACHE_MIB });
  await buildOpenLinesLog(store, lines);
  const processor = new WorkflowProcessor(store, store, p2pPolicy(), { now: () => new Date('2026-03-02T06:00:00Z') }, { batchSize: LIVE_WORKFLOW_BATCH_SIZE });
  const started = process.hrtime.bigint();
  const processed = await processor.catchUp();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const open = await store.listLines({ stage: 'released' }, 1);
  const head = await store.headSequence();
  await store.close();
  process.stdout.write(
    `${JSON.stringify({
      openLines: lines,
      processed,
      logEvents: head,
      seconds,
      eventsPerSecond: processed / seconds,
      someLineOpen: open.items.length === 1,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
      memory: Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, Math.round(v / 1048576)])),
    })}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
