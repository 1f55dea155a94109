// Rebuilds every workflow projection from the log, on worker threads: each thread replays the
// whole log but applies it only to its partition of PO lines (a line's events stay in one
// partition, in order), so the work that dominates (evolving states) is split across cores.
// One thread is a worker too, for its larger young generation (REBUILD_YOUNG_GENERATION_MIB).
// Projections are reset first and the cursor says REBUILDING until all parts are done.
import { availableParallelism } from 'node:os';
import type { P2PPolicySettings, PlantPolicySettings, ReaderPlan } from '../core/index.js';
import { EMPTY_READER_PLAN, EventUpcaster, p2pPolicy, plantPolicy, SHIPPED_UPCASTERS } from '../core/index.js';
import { spawnThread } from '../adapters/index.js';
import { WorkflowProcessor } from '../app/index.js';
import { REBUILDING_CURSOR } from '../ports/index.js';
import { openStore } from './open-store.js';
import type { RebuildThreadData, RebuildThreadReport } from './rebuild-thread.js';
import { systemClock } from './system-clock.js';

/**
 * The young generation of each rebuild thread, in MiB (V8's default is 48: 16 MiB semi-spaces).
 * A rebuild reads the log 10,000 events at a time; with the default, a batch's parsed events
 * outlive the scavenges that run while it is applied, are promoted, and the old generation's
 * collections took 17% of each thread's time (a CPU profile of `millrace replay` on the
 * benchmark's 1,001,352-event log). 384 MiB (128 MiB semi-spaces) lets them die young; peak
 * memory stayed where the projections put it (docs/benchmarks.md, workflow section).
 */
export const REBUILD_YOUNG_GENERATION_MIB = 384;

export interface RebuildResult {
  readonly events: number;
  readonly threads: number;
  readonly seconds: number;
}

/**
 * The hub must not run meanwhile (stop it, or run `serve` later: a REBUILDING cursor makes it
 * rebuild itself). `readers` are the contracts' projections (`loadContracts(...).readers`).
 */
export async function rebuildWorkflows(
  storeUrl: string,
  settings: P2PPolicySettings,
  threads = Math.min(availableParallelism(), 4),
  readers: ReaderPlan = EMPTY_READER_PLAN,
  plantSettings: PlantPolicySettings = {},
): Promise<RebuildResult> {
  const started = performance.now();
  const store = await openStore(storeUrl, 'rebuild');
  try {
    // One thread is a thread too (a worker, not this one): only a worker can be given the
    // larger young generation. An in-memory store exists only in this connection.
    if (storeUrl === 'sqlite::memory:') {
      const events = await new WorkflowProcessor(store, store, p2pPolicy(settings), systemClock, { upcaster: new EventUpcaster(SHIPPED_UPCASTERS, readers), plantPolicy: plantPolicy(plantSettings) }).rebuild();
      return { events, threads: 1, seconds: (performance.now() - started) / 1000 };
    }
    await store.resetWorkflows();
    const mark = { derived: [], lines: [], exceptionEvents: [], links: [], receivedTime: systemClock.now().toISOString() };
    // From here until the end, a crash leaves a cursor that makes the next start rebuild.
    await store.commitWorkflowStep({ ...mark, upTo: REBUILDING_CURSOR });
    const count = Math.max(1, threads);
    const parts = await Promise.all(Array.from({ length: count }, (_, index) => runPart({ store: storeUrl, settings, plantSettings, readers, index, count })));
    const upTo = Math.min(...parts.map((part) => part.upTo));
    await store.commitWorkflowStep({ ...mark, upTo });
    return { events: parts[0]?.events ?? 0, threads: parts.length, seconds: (performance.now() - started) / 1000 };
  } finally {
    await store.close();
  }
}

function runPart(data: RebuildThreadData): Promise<{ events: number; upTo: number }> {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const worker = spawnThread(new URL(`./rebuild-thread.${extension}`, import.meta.url), data, { resourceLimits: { maxYoungGenerationSizeMb: REBUILD_YOUNG_GENERATION_MIB } });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (report: RebuildThreadReport) => {
      if (report.type === 'done') resolve(report);
      else reject(new Error(`rebuild part ${data.index}: ${report.message}`));
    });
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`rebuild part ${data.index} exited with ${code}`));
    });
  });
}
