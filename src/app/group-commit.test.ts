// Group commit: what one event-loop turn submits goes to the store in one transaction, one
// group is committed at a time, and the next group goes to the store before the previous one's
// submitters are answered.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryEventStore } from '../adapters/index.js';
import type { CloudEvent } from '../core/index.js';
import type { BatchOutcome, Clock, EventStore } from '../ports/index.js';
import { receipt } from '../../test/conformance/event-store.conformance.js';
import { GroupCommitter } from './group-commit.js';

const clock: Clock = { now: () => new Date('2026-03-02T12:00:00.000Z') };

/**
 * The in-memory store, with every transaction it is given written down (event ids per batch),
 * and a switch that holds transactions open until released, as a slow disk would.
 */
class RecordingStore {
  readonly transactions: string[][][] = [];
  readonly log: string[] = [];
  private held: (() => void)[] | undefined;
  private readonly store: EventStore = new MemoryEventStore();
  failNext = false;

  hold(): void {
    this.held = [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const resume of held) resume();
  }

  async appendBatches(batches: readonly (readonly CloudEvent[])[], receivedTime: string): Promise<BatchOutcome[]> {
    this.transactions.push(batches.map((batch) => batch.map((event) => event.id)));
    this.log.push(`commit ${batches.flat().map((event) => event.id).join(',')}`);
    if (this.held !== undefined) await new Promise<void>((resume) => this.held?.push(resume));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk full');
    }
    return this.store.appendBatches(batches, receivedTime);
  }
}

function committerOn(store: RecordingStore, maxEvents?: number): GroupCommitter {
  return new GroupCommitter(store, clock, maxEvents === undefined ? {} : { maxEvents });
}

/** A committer with a feeder that submits, one event each, the ids staged since it was last fed (as the intake lane does). */
function withFeeder(): { store: RecordingStore; committer: GroupCommitter; staged: string[]; fed: Promise<BatchOutcome>[] } {
  const store = new RecordingStore();
  const committer = committerOn(store);
  const staged: string[] = [];
  const fed: Promise<BatchOutcome>[] = [];
  committer.addFeeder(() => {
    if (staged.length > 0) store.log.push(`fed ${staged.join(',')}`);
    for (const id of staged.splice(0)) fed.push(committer.submit([receipt(id)]));
  });
  return { store, committer, staged, fed };
}

describe('GroupCommitter', () => {
  it('commits what one turn submits in one transaction, each submission getting its own outcome', async () => {
    const store = new RecordingStore();
    const committer = committerOn(store);
    const outcomes = await Promise.all([committer.submit([receipt('a')]), committer.submit([receipt('b'), receipt('c')]), committer.submit([receipt('a')])]);
    assert.deepEqual(store.transactions, [[['a'], ['b', 'c'], ['a']]]);
    assert.deepEqual(
      outcomes.map((outcome) => (outcome.kind === 'appended' ? outcome.events.map((e) => `${e.id}:${e.status}:${e.sequence}`) : outcome.kind)),
      [['a:accepted:1'], ['b:accepted:2', 'c:accepted:3'], ['a:duplicate:1']],
    );
  });

  it('gathers what arrives during a commit into the next one, handed to the store before the first is answered', async () => {
    const store = new RecordingStore();
    const committer = committerOn(store);
    store.hold();
    const first = committer.submit([receipt('a')]).then(() => store.log.push('answered a'));
    await new Promise((resolve) => setImmediate(resolve));
    const second = [committer.submit([receipt('b')]), committer.submit([receipt('c')])];
    assert.equal(committer.backlog, 2);
    store.release();
    await first;
    await Promise.all(second);
    assert.deepEqual(store.transactions, [[['a']], [['b'], ['c']]]);
    assert.deepEqual(store.log.slice(0, 3), ['commit a', 'commit b,c', 'answered a']);
  });

  it('rejects the submissions of a failed commit and commits the next group all the same', async () => {
    const store = new RecordingStore();
    const committer = committerOn(store);
    store.hold();
    store.failNext = true;
    const failed = committer.submit([receipt('a')]);
    await new Promise((resolve) => setImmediate(resolve));
    const next = committer.submit([receipt('b')]);
    store.release();
    await assert.rejects(failed, /disk full/);
    const outcome = await next;
    assert.equal(outcome.kind === 'appended' ? outcome.events[0]?.sequence : undefined, 1);
    assert.deepEqual(store.transactions, [[['a']], [['b']]]);
  });

  it('feeds a feeder just before it cuts a group, its submissions joining that group after the turn\'s others', async () => {
    const { store, committer, staged, fed } = withFeeder();
    staged.push('b', 'c');
    committer.wake();
    const direct = committer.submit([receipt('a')]);
    await direct;
    await Promise.all(fed);
    assert.deepEqual(store.transactions, [[['a'], ['b'], ['c']]]);
    assert.deepEqual(store.log, ['fed b,c', 'commit a,b,c']);
  });

  it('feeds a feeder woken while a commit is out in that turn, and commits what it submitted next', async () => {
    const { store, committer, staged, fed } = withFeeder();
    store.hold();
    const first = committer.submit([receipt('a')]);
    await new Promise((resolve) => setImmediate(resolve));
    staged.push('b');
    committer.wake();
    await new Promise((resolve) => setImmediate(resolve));
    // Checked and queued while the store still works on the first group.
    assert.deepEqual([store.log, committer.backlog], [['commit a', 'fed b'], 1]);
    store.release();
    await first;
    await Promise.all(fed);
    assert.deepEqual(store.transactions, [[['a']], [['b']]]);
  });

  it('cuts a group at maxEvents, never splitting a submission', async () => {
    const store = new RecordingStore();
    const committer = committerOn(store, 3);
    await Promise.all([committer.submit([receipt('a'), receipt('b')]), committer.submit([receipt('c'), receipt('d')]), committer.submit([receipt('e')])]);
    assert.deepEqual(store.transactions, [[['a', 'b']], [['c', 'd'], ['e']]]);
  });
});
