// One part of a multi-threaded rebuild (rebuild.ts): replays the log into the lines of its
// partition through a connection of its own, then reports how far it got.
import { parentPort, workerData } from 'node:worker_threads';
import { WorkflowProcessor } from '../app/index.js';
import type { P2PPolicySettings, PlantPolicySettings, ReaderPlan } from '../core/index.js';
import { EventUpcaster, p2pPolicy, plantPolicy, SHIPPED_UPCASTERS } from '../core/index.js';
import { openStore } from './open-store.js';
import { systemClock } from './system-clock.js';

export interface RebuildThreadData {
  readonly store: string;
  readonly settings: P2PPolicySettings;
  readonly plantSettings?: PlantPolicySettings;
  readonly readers: ReaderPlan;
  readonly index: number;
  readonly count: number;
}

export type RebuildThreadReport = { readonly type: 'done'; readonly events: number; readonly upTo: number } | { readonly type: 'failed'; readonly message: string };

const port = parentPort;
if (port === null) throw new Error('rebuild-thread.ts runs as a worker thread');
const data = workerData as RebuildThreadData;
// The rebuild's own process holds the file (it started this thread): a part opens it beside.
const store = await openStore(data.store, 'rebuild-part');
try {
  let upTo = 0;
  const upcaster = new EventUpcaster(SHIPPED_UPCASTERS, data.readers);
  const events = await new WorkflowProcessor(store, store, p2pPolicy(data.settings), systemClock, { upcaster, plantPolicy: plantPolicy(data.plantSettings) }).rebuild((sequence) => (upTo = sequence), {
    index: data.index,
    count: data.count,
  });
  port.postMessage({ type: 'done', events, upTo } satisfies RebuildThreadReport);
} catch (error) {
  port.postMessage({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies RebuildThreadReport);
} finally {
  await store.close();
}
