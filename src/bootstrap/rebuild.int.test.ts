// A rebuild on several threads gives, byte for byte, the projections live processing built.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DeadlineScheduler, GroupCommitter, WorkflowProcessor } from '../app/index.js';
import { addMs, p2pPolicy } from '../core/index.js';
import { openStore } from './open-store.js';
import { rebuildWorkflows } from './rebuild.js';
import { p2pTraffic } from '../../test/support/p2p-traffic.js';
import { dumpWorkflows } from '../../test/support/workflow-dump.js';

describe('multi-threaded rebuild', () => {
  it('rebuilds on two threads the projections live processing built, byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-rebuild-'));
    const url = `sqlite:${join(dir, 'millrace.db')}`;
    try {
      const store = await openStore(url);
      const clock = { current: '2026-03-02T06:00:00.000Z', now() { return new Date(this.current); } };
      const committer = new GroupCommitter(store, clock);
      const processor = new WorkflowProcessor(store, store, p2pPolicy(), clock, { batchSize: 64 });
      const scheduler = new DeadlineScheduler(store, committer, clock);
      const events = p2pTraffic({ lines: 120, seed: 5, spacingMinutes: 30 });
      for (let i = 0; i < events.length; i += 20) {
        const group = events.slice(i, i + 20);
        clock.current = new Date(group[group.length - 1]!.time).toISOString();
        await scheduler.fireDue();
        await Promise.all(group.map((event) => committer.submit([event])));
        await processor.catchUp();
      }
      clock.current = addMs(clock.current, 10 * 86_400_000);
      await scheduler.fireDue();
      await processor.catchUp();
      const live = await dumpWorkflows(store);
      assert.ok((await store.listExceptions({}, 1)).items.length > 0, 'the traffic raised exceptions');
      await store.close();

      const result = await rebuildWorkflows(url, {}, 2);
      assert.equal(result.threads, 2);
      const reopened = await openStore(url);
      try {
        assert.equal(result.events, await reopened.headSequence());
        assert.deepEqual(await dumpWorkflows(reopened), live);
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
