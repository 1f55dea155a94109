// A rebuild on one thread or several gives, byte for byte, the projections live processing built.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DeadlineScheduler, GroupCommitter, WorkflowProcessor } from '../app/index.js';
import { addMs, p2pPolicy, plantPolicy } from '../core/index.js';
import { openStore } from './open-store.js';
import { rebuildWorkflows } from './rebuild.js';
import { p2pTraffic } from '../../test/support/p2p-traffic.js';
import { PLANT_TRAFFIC_SETTINGS, plantTraffic } from '../../test/support/plant-traffic.js';
import { dumpWorkflows } from '../../test/support/workflow-dump.js';

describe('rebuild on worker threads', () => {
  it('rebuilds on one thread and on two the projections live processing built (P2P lines and plant workflows), byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-rebuild-'));
    const url = `sqlite:${join(dir, 'millrace.db')}`;
    try {
      const store = await openStore(url);
      const clock = { current: '2026-03-02T06:00:00.000Z', now() { return new Date(this.current); } };
      const committer = new GroupCommitter(store, clock);
      const plant = plantPolicy(PLANT_TRAFFIC_SETTINGS);
      const processor = new WorkflowProcessor(store, store, p2pPolicy(), clock, { batchSize: 64, plantPolicy: plant });
      const scheduler = new DeadlineScheduler(store, committer, clock, plant);
      const events = [...p2pTraffic({ lines: 120, seed: 5, spacingMinutes: 30 }), ...plantTraffic({ orders: 30, transfers: 8, seed: 5 })].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
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
      assert.ok((await store.listExceptions({ code: 'inventory_not_updated' }, 1)).items.length > 0, 'the plant traffic raised exceptions');
      await store.close();

      // Each rebuild resets the projections first: the second also shows that rebuilding over rebuilt projections gives the same bytes.
      for (const threads of [1, 2]) {
        const result = await rebuildWorkflows(url, {}, threads, undefined, PLANT_TRAFFIC_SETTINGS);
        assert.equal(result.threads, threads);
        const reopened = await openStore(url);
        try {
          assert.equal(result.events, await reopened.headSequence());
          assert.deepEqual(await dumpWorkflows(reopened), live, `rebuilt on ${threads} thread(s)`);
        } finally {
          await reopened.close();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
