// The idempotent append's decisions, shared by every store: which events of a batch are new,
// duplicates of the log or repeats inside the batch, and which sequence each one answers with.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CloudEvent } from '../../../src/core/envelope.js';
import { rememberArrival } from '../../../src/core/envelope.js';
import { placePlanned, planBatch, storedBody, type KnownEvent } from '../../../src/core/log/append-plan.js';

const event = (id: string, subject = 'GR-1'): CloudEvent =>
  ({ specversion: '1.0', id, source: '/systems/wms-p01', type: 'goods.received', time: '2026-03-02T10:00:00Z', subject, data: { receiptId: subject } });

describe('planning and placing an append', () => {
  const stored = new Map<string, KnownEvent>([['/systems/wms-p01\u0000old', { body: JSON.stringify(event('old')), sequence: 7 }]]);

  it('places only new events, in order; a duplicate answers with the stored sequence, a repeat with its first occurrence', () => {
    const plan = planBatch([event('a'), event('old'), event('b'), event('a')], (key) => stored.get(key));
    assert.ok(plan.ok);
    const placed: string[] = [];
    let next = 10;
    const sequences = placePlanned(plan.events, (item) => {
      placed.push(item.event.id);
      return next++;
    });
    assert.deepEqual(placed, ['a', 'b']);
    assert.deepEqual(sequences, [10, 7, 11, 10]);
  });

  it('plans a conflict, and nothing to place, when a known key comes with another body', () => {
    const plan = planBatch([event('c'), event('old', 'GR-changed')], (key) => stored.get(key));
    assert.deepEqual(plan, { ok: false, conflicts: [{ source: '/systems/wms-p01', id: 'old', index: 1, existingSequence: 7 }] });
  });

  it('stores an event as the text it arrived as, unseen by keys and JSON; a copy with the hub marks is serialized anew', () => {
    const text = '{ "specversion": "1.0", "id": "t-1", "source": "/systems/wms-p01", "type": "goods.received", "time": "2026-03-02T10:00:00Z", "data": {"receiptId": "GR-1"} }';
    const parsed = rememberArrival(JSON.parse(text) as CloudEvent, text);
    assert.equal(storedBody(parsed), text);
    assert.deepEqual(Object.keys(parsed), ['specversion', 'id', 'source', 'type', 'time', 'data']);
    assert.equal(JSON.stringify(parsed), JSON.stringify(JSON.parse(text)));
    const marked = { ...parsed, millracelagbreach: 'received 2h after its time' };
    assert.deepEqual(JSON.parse(storedBody(marked)), { ...(JSON.parse(text) as object), millracelagbreach: 'received 2h after its time' });
  });
});
