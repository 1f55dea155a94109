// Threads of the package start with the data and heap limits they are given, from the
// TypeScript sources (through tsx) as from compiled JavaScript.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import { spawnThread } from './threads.js';

/** Not V8's default (48 MiB on 64-bit Node 20: three 16 MiB semi-spaces). */
const YOUNG_MIB = 96;
const TS_MODULE = new URL('../../../test/fixtures/threads/report-limits.ts', import.meta.url);
// The same report as compiled JavaScript would give it: a module that is not a .ts file.
const JS_MODULE = new URL(
  `data:text/javascript,${encodeURIComponent("import { parentPort, resourceLimits, workerData } from 'node:worker_threads'; parentPort.postMessage({ workerData, resourceLimits });")}`,
);

async function report(worker: Worker): Promise<{ workerData: unknown; resourceLimits: ResourceLimits }> {
  const [message] = (await once(worker, 'message')) as [{ workerData: unknown; resourceLimits: ResourceLimits }];
  await once(worker, 'exit');
  return message;
}

describe('spawnThread', () => {
  for (const [kind, module] of [
    ['TypeScript', TS_MODULE],
    ['JavaScript', JS_MODULE],
  ] as const) {
    it(`gives a ${kind} thread its data and the young generation it is asked for`, async () => {
      const seen = await report(spawnThread(module, { part: 1 }, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MIB } }));
      assert.deepEqual(seen.workerData, { part: 1 });
      assert.equal(seen.resourceLimits.maxYoungGenerationSizeMb, YOUNG_MIB);
    });

    it(`leaves a ${kind} thread the limits of a plain worker when none are given`, async () => {
      const seen = await report(spawnThread(module, { part: 2 }));
      const plain = await report(new Worker(JS_MODULE, { workerData: { part: 2 } }));
      assert.deepEqual(seen, plain);
      assert.notEqual(seen.resourceLimits.maxYoungGenerationSizeMb, YOUNG_MIB);
    });
  }
});
