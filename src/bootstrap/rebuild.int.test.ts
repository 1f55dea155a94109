// A rebuild on one thread or several gives, byte for byte, the projections live processing built.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DeadlineScheduler, GroupCommitter, WorkflowProcessor } from '../app/index.js';
import { addMs, billingDocumentKey, p2pPolicy, partitionOf, plantPolicy } from '../core/index.js';
import { openStore } from './open-store.js';
import { rebuildWorkflows } from './rebuild.js';
import { PO, receivedOnTwoLines, T0 } from '../../test/support/p2p-scenario.js';
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
  it('catches on two threads a copy of an invoice billing a line of another partition than the original, as live processing did', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-rebuild-'));
    const url = `sqlite:${join(dir, 'millrace.db')}`;
    try {
      // Line 10 falls in one partition of two, line 20 in the other: each thread must know the original.
      assert.notEqual(partitionOf(`${PO}/10`, 2), partitionOf(`${PO}/20`, 2));
      const story = receivedOnTwoLines();
      const original = story.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
      story.invoice('INV-1', [{ line: 20, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1-rekeyed' });
      const store = await openStore(url);
      const clock = { now: () => new Date(T0) };
      for (const stored of story.log.filter((s) => s.event.source !== '/millrace')) await new GroupCommitter(store, clock).submit([stored.event]);
      await new WorkflowProcessor(store, store, p2pPolicy(), clock).catchUp();
      const live = await dumpWorkflows(store);
      const documentKey = billingDocumentKey(original.event) ?? '';
      const links = await store.linkedSequences([documentKey]);
      assert.deepEqual((await store.listExceptions({ code: 'duplicate_invoice' }, 10)).items.map((e) => e.line), [20]);
      await store.close();

      const result = await rebuildWorkflows(url, {}, 2);
      assert.equal(result.threads, 2);
      const reopened = await openStore(url);
      try {
        assert.deepEqual(await dumpWorkflows(reopened), live);
        assert.deepEqual(await reopened.linkedSequences([documentKey]), links);
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
