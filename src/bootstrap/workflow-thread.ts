// The workflows' own thread: it reads the log and the projections through a connection of its
// own and does the CPU work (routing, evolve, decide, serializing states), so that HTTP intake
// keeps the main thread. Every write (a step's derived events, states and cursor; deadline
// breaches) goes to the main thread, which owns the store's writes: SQLite gets one writer, and
// nobody waits on its file lock.
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { loadTracing } from '../adapters/index.js';
import { DeadlineScheduler, WorkflowProcessor, WorkflowRunner } from '../app/index.js';
import type { CloudEvent, P2PPolicySettings, PlantPolicySettings, ReaderPlan } from '../core/index.js';
import { EventUpcaster, p2pPolicy, plantPolicy, SHIPPED_UPCASTERS } from '../core/index.js';
import type { BatchOutcome, WorkflowStep } from '../ports/index.js';
import { openStore } from './open-store.js';
import { systemClock } from './system-clock.js';
import { keepTickShape } from './tick-shape.js';
import { LIVE_WORKFLOW_BATCH_SIZE } from './workflow-settings.js';

export interface WorkflowThreadData {
  readonly store: string;
  readonly tickMs: number;
  readonly settings: P2PPolicySettings;
  readonly plantSettings: PlantPolicySettings;
  readonly readers: ReaderPlan;
  /** The hub's OTLP endpoint ('' for none): this thread exports its processing spans itself. */
  readonly otlpEndpoint: string;
  readonly logLevel: string;
}

/** From the main thread. */
export type WorkflowThreadMessage =
  | { readonly type: 'kick' }
  | { readonly type: 'stop' }
  | { readonly type: 'done'; readonly id: number; readonly outcome?: BatchOutcome }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };

/** To the main thread. */
export type WorkflowThreadReport =
  | { readonly type: 'ready' }
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'stopped' }
  | { readonly type: 'step'; readonly id: number; readonly step: WorkflowStep }
  | { readonly type: 'append'; readonly id: number; readonly events: readonly CloudEvent[] };

const port = parentPort;
if (port === null) throw new Error('workflow-thread.ts runs as a worker thread');
// This thread's own nextTick, kept off V8's slow path as the main thread's (docs/adr/0074).
keepTickShape();
const data = workerData as WorkflowThreadData;
const report = (message: WorkflowThreadReport) => port.postMessage(message);

/** Requests to the main thread, answered by id. */
const waiting = new Map<number, { resolve: (outcome: BatchOutcome | undefined) => void; reject: (error: Error) => void }>();
let nextId = 1;
function ask(message: (id: number) => WorkflowThreadReport): Promise<BatchOutcome | undefined> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    report(message(id));
  });
}

const store = await openStore(data.store, 'workflows');
// Its own provider: spans continue the traces stored with the events, whichever thread made them.
const tracing = data.otlpEndpoint === '' ? undefined : (await loadTracing()).startTracing({ otlpEndpoint: data.otlpEndpoint });
const plant = plantPolicy(data.plantSettings);
const processor = new WorkflowProcessor(store, store, p2pPolicy(data.settings), systemClock, {
  batchSize: LIVE_WORKFLOW_BATCH_SIZE,
  plantPolicy: plant,
  logger: pino({ level: data.logLevel }),
  ...(tracing === undefined ? {} : { tracer: tracing.tracer }),
  commitStep: (step) => ask((id) => ({ type: 'step', id, step })),
  upcaster: new EventUpcaster(SHIPPED_UPCASTERS, data.readers),
});
const appender = {
  submit: async (events: readonly CloudEvent[]): Promise<BatchOutcome> => {
    const outcome = await ask((id) => ({ type: 'append', id, events }));
    if (outcome === undefined) throw new Error('the main thread answered an append without an outcome');
    return outcome;
  },
};
const runner = new WorkflowRunner(store, processor, new DeadlineScheduler(store, appender, systemClock, plant), {
  tickMs: data.tickMs,
  onError: (error) => report({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
});
port.on('message', (message: WorkflowThreadMessage) => {
  switch (message.type) {
    case 'kick':
      runner.kick();
      break;
    case 'done':
      waiting.get(message.id)?.resolve(message.outcome);
      waiting.delete(message.id);
      break;
    case 'failed':
      waiting.get(message.id)?.reject(new Error(message.message));
      waiting.delete(message.id);
      break;
    case 'stop':
      void runner
        .stop()
        .then(() => tracing?.shutdown())
        .then(() => store.close())
        .then(() => report({ type: 'stopped' }));
      break;
  }
});
runner.start();
report({ type: 'ready' });
