// The lean log (bench/lean-log.ts) that the intake benchmark's lean floor appends to makes the
// same decisions as the hub's stores, or the floor's figure would be for less work than it claims.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { storedEvents } from '../../bench/contenders.js';
import { goodsReceived } from '../../bench/goods-received.js';
import { LeanLog } from '../../bench/lean-log.js';
import type { CloudEvent } from '../../src/core/index.js';

const event = (id: string, subject = 'GR-1') => ({ ...goodsReceived(id, 'GR-P01-2026-0000001', '4500000001'), subject }) as unknown as CloudEvent;
const NOW = '2026-11-29T00:00:00.000Z';

describe('the lean log of the intake benchmark', () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-lean-log-'));
  const path = join(dir, 'lean.db');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stores new events once, shares a repeat within a batch, and stores nothing of a batch with a conflict', async () => {
    const log = new LeanLog(path);
    const [first, second] = await log.appendBatches([[event('a'), event('b'), event('a')], [event('c')]], NOW);
    assert.deepEqual(first, {
      kind: 'appended',
      events: [
        { source: '/systems/wms-p01', id: 'a', status: 'accepted', sequence: 1 },
        { source: '/systems/wms-p01', id: 'b', status: 'accepted', sequence: 2 },
        { source: '/systems/wms-p01', id: 'a', status: 'duplicate', sequence: 1 },
      ],
    });
    assert.deepEqual(second, { kind: 'appended', events: [{ source: '/systems/wms-p01', id: 'c', status: 'accepted', sequence: 3 }] });
    const [conflict] = await log.appendBatches([[event('d'), event('b', 'GR-changed')]], NOW);
    assert.equal(conflict?.kind, 'conflict');
    await log.close();
    assert.equal(storedEvents(path), 3);
  });

  it('knows what it stored after it is opened again', async () => {
    const log = new LeanLog(path);
    const [resent] = await log.appendBatches([[event('c'), event('e')]], NOW);
    assert.deepEqual(resent, {
      kind: 'appended',
      events: [
        { source: '/systems/wms-p01', id: 'c', status: 'duplicate', sequence: 3 },
        { source: '/systems/wms-p01', id: 'e', status: 'accepted', sequence: 4 },
      ],
    });
    const [changed] = await log.appendBatches([[event('a', 'GR-changed')]], NOW);
    assert.equal(changed?.kind, 'conflict');
    await log.close();
    assert.equal(storedEvents(path), 4);
  });

  it('commits the batches submitted in one turn together, each answered on its own', async () => {
    const log = new LeanLog(path);
    const [first, conflict, repeat] = await Promise.all([log.submit([event('f')]), log.submit([event('g'), event('a', 'GR-changed')]), log.submit([event('f')])]);
    assert.deepEqual(first, { kind: 'appended', events: [{ source: '/systems/wms-p01', id: 'f', status: 'accepted', sequence: 5 }] });
    assert.equal(conflict?.kind, 'conflict');
    assert.deepEqual(repeat, { kind: 'appended', events: [{ source: '/systems/wms-p01', id: 'f', status: 'duplicate', sequence: 5 }] });
    await log.close();
    assert.equal(storedEvents(path), 5);
  });
});
