import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { CloudEvent } from '../../core/index.js';
import { startCheckpointer } from './checkpointer.js';
import { SqliteStore } from './sqlite-store.js';

/** A goods receipt of about 1 KB, so that a known number of them fills a known number of WAL pages. */
function receipt(n: number): CloudEvent {
  return {
    specversion: '1.0',
    id: `gr-${n}`,
    source: '/systems/wms-p01',
    type: 'goods.received',
    time: '2026-11-28T08:00:00Z',
    correlationid: `PO-${4_500_000_000 + Math.floor(n / 4)}`,
    data: { receiptId: `GR-${n}`, plant: 'P01', note: 'x'.repeat(800), lines: [{ poNumber: String(4_500_000_000 + Math.floor(n / 4)), line: 10, quantity: '5', uom: 'EA' }] },
  };
}

describe('background checkpoints', () => {
  it('rewind the WAL under steady intake, so commits reuse its blocks instead of growing the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-checkpoint-'));
    const path = join(dir, 'millrace.db');
    // The connections leave checkpoints to the thread (their own threshold is 400 MB), as in `serve`.
    const store = new SqliteStore(path, { checkpointsElsewhere: true });
    // 256 frames: a 1 MB WAL is rewound; checked every 20 ms.
    const checkpointer = startCheckpointer(path, 20, 256);
    try {
      let largestWal = 0;
      // About 12 MB of events in 400 commits, with the event loop free between them as in a hub.
      for (let group = 0; group < 400; group += 1) {
        const events = Array.from({ length: 30 }, (_, index) => receipt(group * 30 + index));
        await store.appendBatches(events.map((event) => [event]), '2026-11-28T08:00:01Z');
        largestWal = Math.max(largestWal, statSync(`${path}-wal`).size);
        // Every tenth group the loop rests longer than one tick of the thread, as a hub's loop
        // rests between bursts: on a slow machine the thread got too few ticks otherwise (6.5 MB).
        await sleep(group % 10 === 9 ? 25 : 1);
      }
      assert.equal(await store.headSequence(), 12_000, 'every event is in the log');
      // Without the rewind the WAL holds every page written (over 12 MB). With it, it stays near
      // the threshold plus what a few ticks commit; the bound is loose for a slow machine.
      assert.ok(largestWal < 8 * 1024 * 1024, `the WAL grew to ${(largestWal / 1024 / 1024).toFixed(1)} MB`);
    } finally {
      await checkpointer.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
