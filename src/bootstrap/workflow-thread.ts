// The workflows' own thread: processor, deadline scheduler and runner on a store connection of
// their own, so that HTTP intake keeps the main thread (and, on a machine with a core to spare,
// its core). The main thread kicks it after each commit; it answers with errors and "stopped".
import { parentPort, workerData } from 'node:worker_threads';
import { DeadlineScheduler, GroupCommitter, WorkflowProcessor, WorkflowRunner } from '../app/index.js';
import type { P2PPolicySettings } from '../core/index.js';
import { p2pPolicy } from '../core/index.js';
import { openStore } from './open-store.js';
import { systemClock } from './system-clock.js';

export interface WorkflowThreadData {
  readonly store: string;
  readonly tickMs: number;
  readonly settings: P2PPolicySettings;
}

export type WorkflowThreadMessage = { readonly type: 'kick' } | { readonly type: 'stop' };
export type WorkflowThreadReport = { readonly type: 'ready' } | { readonly type: 'error'; readonly message: string } | { readonly type: 'stopped' };

const port = parentPort;
if (port === null) throw new Error('workflow-thread.ts runs as a worker thread');
const data = workerData as WorkflowThreadData;
const report = (message: WorkflowThreadReport) => port.postMessage(message);

const store = await openStore(data.store);
const committer = new GroupCommitter(store, systemClock);
// Small steps: a step holds the store's write lock, which intake on the main thread waits for.
const processor = new WorkflowProcessor(store, store, p2pPolicy(data.settings), systemClock, { batchSize: 100 });
const runner = new WorkflowRunner(store, processor, new DeadlineScheduler(store, committer, systemClock), {
  tickMs: data.tickMs,
  onError: (error) => report({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
});
port.on('message', (message: WorkflowThreadMessage) => {
  if (message.type === 'kick') runner.kick();
  else {
    void runner
      .stop()
      .then(() => store.close())
      .then(() => report({ type: 'stopped' }));
  }
});
runner.start();
report({ type: 'ready' });
