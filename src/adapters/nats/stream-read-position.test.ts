// Where a durable consumer created again starts: after every message the hub has handled of the
// same stream, never past one it has not (naked, delivered before the reading, or delivered where
// the hub did not read it).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConsumerProgress } from './stream-read-position.js';
import { StreamReadPosition } from './stream-read-position.js';

const CREATED = '2026-11-30T08:00:00.000000001Z';

/** A consumer's progress as JetStream reports it: ack floor, last delivered, unacknowledged. */
function progress(ackFloor: number, deliveredStream: number, deliveredConsumer: number, pending: number): ConsumerProgress {
  return {
    ack_floor: { stream_seq: ackFloor, consumer_seq: 0, last_active: 0 },
    delivered: { stream_seq: deliveredStream, consumer_seq: deliveredConsumer, last_active: 0 },
    num_ack_pending: pending,
  };
}

const fresh = (): StreamReadPosition => StreamReadPosition.reading(CREATED, progress(0, 0, 0, 0), undefined);

describe('where a JetStream consumer created again starts', () => {
  it('starts after the last message handled, with the gaps a subject filter leaves', () => {
    const position = fresh();
    assert.equal(position.resumeAt(), 1);
    position.handled(2, 1);
    position.handled(5, 2);
    position.handled(9, 3);
    assert.equal(position.resumeAt(), 10);
  });

  it('starts at a naked message until a copy of it is handled', () => {
    const position = fresh();
    position.handled(1, 1);
    position.notHandled(2, 2);
    position.handled(3, 3);
    assert.equal(position.resumeAt(), 2);
    position.handled(2, 4);
    assert.equal(position.resumeAt(), 4);
  });

  it('starts at the ack floor while messages delivered before the reading are unacknowledged, until each is handled', () => {
    // An earlier run got 2 and 3 and stopped before acknowledging them.
    const position = StreamReadPosition.reading(CREATED, progress(1, 3, 3, 2), undefined);
    position.handled(4, 4);
    assert.equal(position.resumeAt(), 2);
    position.handled(3, 5);
    assert.equal(position.resumeAt(), 2, 'message 2 is still out');
    position.handled(2, 6);
    assert.equal(position.resumeAt(), 5);
  });

  it('does not pass a delivery the hub did not see (a pull left by a stopped run)', () => {
    const position = fresh();
    position.handled(1, 1);
    position.handled(3, 3);
    position.handled(4, 4);
    assert.equal(position.resumeAt(), 2);
  });

  it('carries what it knew of the same stream into the next reading, and nothing of another stream', () => {
    const before = fresh();
    for (let seq = 1; seq <= 5; seq += 1) before.handled(seq, seq);
    // The consumer created again from 6 reports nothing acknowledged yet.
    const again = StreamReadPosition.reading(CREATED, progress(0, 5, 0, 0), before);
    assert.equal(again.resumeAt(), 6);
    const other = StreamReadPosition.reading('2026-11-30T09:00:00.000000001Z', progress(0, 0, 0, 0), before);
    assert.equal(other.resumeAt(), 1);
  });
});
