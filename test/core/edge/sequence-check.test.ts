import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MessageStanding, PublisherPosition } from '../../../src/core/edge/sequence-check.js';
import { advancePosition, judgeSequence } from '../../../src/core/edge/sequence-check.js';

/** Publisher L1 last sent 11, which became log event 40; it has restarted once before. */
const at11: PublisherPosition = { last: 11, logSequence: 40, epoch: 1 };
const fresh = (logSequence: number): MessageStanding => ({ kind: 'new', logSequence });
const inLog = (logSequence: number): MessageStanding => ({ kind: 'in_log', logSequence });
const quarantined: MessageStanding = { kind: 'quarantined' };

describe('per-publisher sequence numbers', () => {
  it('takes the first number ever heard from a publisher as its baseline, whatever it is', () => {
    assert.deepEqual(judgeSequence(undefined, 7, fresh(3)), { kind: 'first' });
    assert.deepEqual(advancePosition(undefined, 7, { kind: 'first' }, fresh(3)), { last: 7, logSequence: 3, epoch: 0 });
    assert.deepEqual(advancePosition(undefined, 7, { kind: 'first' }, quarantined), { last: 7, logSequence: 0, epoch: 0 });
  });

  it('accepts the next number, new, redelivered before it was recorded, or quarantined', () => {
    for (const standing of [fresh(41), inLog(41), quarantined]) assert.deepEqual(judgeSequence(at11, 12, standing), { kind: 'next' });
    assert.deepEqual(advancePosition(at11, 12, { kind: 'next' }, fresh(41)), { last: 12, logSequence: 41, epoch: 1 });
    // A quarantined message keeps the highest log sequence recorded so far.
    assert.deepEqual(advancePosition(at11, 12, { kind: 'next' }, quarantined), { last: 12, logSequence: 40, epoch: 1 });
  });

  it('reports the numbers skipped as a gap, also when the message itself is a redelivery or in quarantine', () => {
    for (const standing of [fresh(41), inLog(41), quarantined]) assert.deepEqual(judgeSequence(at11, 15, standing), { kind: 'gap', missingFrom: 12, missingTo: 14 });
    assert.deepEqual(judgeSequence(at11, 13, fresh(41)), { kind: 'gap', missingFrom: 12, missingTo: 12 });
    assert.deepEqual(advancePosition(at11, 15, { kind: 'gap', missingFrom: 12, missingTo: 14 }, fresh(41)), { last: 15, logSequence: 41, epoch: 1 });
  });

  it('takes a redelivery of a message recorded before as a repeat, never a reset or a gap', () => {
    assert.deepEqual(judgeSequence(at11, 11, inLog(40)), { kind: 'repeat' }, 'the message in flight at a crash');
    assert.deepEqual(judgeSequence(at11, 8, inLog(37)), { kind: 'repeat' }, 'an older message sent again');
    assert.deepEqual(judgeSequence(at11, 11, quarantined), { kind: 'repeat' }, 'the last message, quarantined again');
    assert.equal(advancePosition(at11, 11, { kind: 'repeat' }, inLog(40)), at11, 'the position stays');
  });

  it('reports a publisher that counts again from the start with new messages as a reset, in a new epoch', () => {
    assert.deepEqual(judgeSequence(at11, 1, fresh(41)), { kind: 'reset', previous: 11 });
    assert.deepEqual(judgeSequence(at11, 11, fresh(41)), { kind: 'reset', previous: 11 }, 'a new message under the last number');
    assert.deepEqual(judgeSequence(at11, 0, quarantined), { kind: 'reset', previous: 11 }, 'a quarantined message below the last number');
    assert.deepEqual(advancePosition(at11, 1, { kind: 'reset', previous: 11 }, fresh(41)), { last: 1, logSequence: 41, epoch: 2 });
  });

  it('judges a message committed but never recorded (a crash between the two) as a new one, so its reset is not lost', () => {
    // The log holds message 1 at sequence 41, above the recorded 40: the crash fell after its
    // commit and before its position and exception were written.
    assert.deepEqual(judgeSequence(at11, 1, inLog(41)), { kind: 'reset', previous: 11 });
  });

  it('goes on counting after a reset: the next number is next, a skip is a gap', () => {
    const afterReset = advancePosition(at11, 1, { kind: 'reset', previous: 11 }, fresh(41));
    assert.deepEqual(judgeSequence(afterReset, 2, fresh(42)), { kind: 'next' });
    assert.deepEqual(judgeSequence(afterReset, 4, fresh(42)), { kind: 'gap', missingFrom: 2, missingTo: 3 });
    // Messages from before the restart, sent again, are still repeats.
    assert.deepEqual(judgeSequence(afterReset, 1, inLog(30)), { kind: 'repeat' });
  });
});
