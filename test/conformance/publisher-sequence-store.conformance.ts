// The PublisherSequenceStore contract, run against every adapter (SQLite, PostgreSQL): a
// publisher's position survives a restart, and a sequence exception is kept with the position
// that follows it or not at all.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { describe } from 'node:test';
import type { CloudEvent } from '../../src/core/index.js';
import type { EventStore, PublisherMark, PublisherSequenceStore } from '../../src/ports/index.js';
import { fixtureCase } from './fixture-case.js';

type SequenceStore = PublisherSequenceStore & EventStore;

export interface PublisherSequenceHandle {
  readonly store: SequenceStore;
  /** Closes the store and opens it again on the same data (a hub restart). */
  readonly reopen: () => Promise<SequenceStore>;
  readonly cleanup: () => Promise<void>;
}

const RECEIVED = '2026-03-02T12:15:03.000Z';

function mark(publisher: string, last: number, overrides: Partial<PublisherMark> = {}): PublisherMark {
  return { binding: 'mes-p01-completions', publisher, last, logSequence: 0, epoch: 0, ...overrides };
}

/** A gap exception as the MQTT intake raises it. */
function gapException(id: string, missing: number): CloudEvent {
  return {
    specversion: '1.0',
    id,
    source: '/millrace',
    type: 'exception.raised',
    time: '2026-03-02T12:15:03.000Z',
    correlationid: '/systems/mes-p01/L1',
    data: { exceptionId: id, code: 'sequence_gap', owner: 'production-planning', workflow: 'intake', severity: 'high', message: `${missing} message(s) never arrived`, evidence: ['mes-p01-completions/L1/5'], details: { missing } },
  };
}

export function describePublisherSequenceStore(name: string, open: (t: TestContext) => Promise<PublisherSequenceHandle | undefined>): void {
  describe(`${name} publisher sequence store`, () => {
    const withStore = fixtureCase(open);

    withStore('keeps the last position of each publisher of each mapping, across a restart', async (handle) => {
      assert.deepEqual(await handle.store.publisherMarks(), [], 'nothing recorded yet');
      await handle.store.recordPublisher(mark('L1', 3, { logSequence: 3 }), undefined, RECEIVED);
      await handle.store.recordPublisher(mark('L2', 500), undefined, RECEIVED);
      await handle.store.recordPublisher(mark('L1', 7, { binding: 'mes-p02-completions', logSequence: 9 }), undefined, RECEIVED);
      // The next message replaces the position; a reset goes back to a lower number in a new epoch.
      await handle.store.recordPublisher(mark('L1', 4, { logSequence: 10 }), undefined, RECEIVED);
      await handle.store.recordPublisher(mark('L2', 1, { logSequence: 11, epoch: 1 }), undefined, RECEIVED);
      const store = await handle.reopen();
      assert.deepEqual(await store.publisherMarks(), [
        mark('L1', 4, { logSequence: 10 }),
        mark('L2', 1, { logSequence: 11, epoch: 1 }),
        mark('L1', 7, { binding: 'mes-p02-completions', logSequence: 9 }),
      ]);
      assert.deepEqual(await store.publisherMarks('mes-p02-completions'), [mark('L1', 7, { binding: 'mes-p02-completions', logSequence: 9 })]);
      assert.deepEqual(await store.publisherMarks('no-such-mapping'), []);
      // Numbers as large as a counter of a long-lived PLC come back exactly.
      await store.recordPublisher(mark('L3', 2 ** 40, { logSequence: 2 ** 41 }), undefined, RECEIVED);
      assert.deepEqual((await store.publisherMarks()).find((m) => m.publisher === 'L3'), mark('L3', 2 ** 40, { logSequence: 2 ** 41 }));
    });

    withStore('appends a gap exception to the log together with the position after the gap', async (handle) => {
      const { store } = handle;
      await store.recordPublisher(mark('L1', 3, { logSequence: 3 }), undefined, RECEIVED);
      const head = await store.headSequence();
      await store.recordPublisher(mark('L1', 5, { logSequence: 4 }), gapException('gap-0001', 1), RECEIVED);
      const stored = await store.find('/millrace', 'gap-0001');
      assert.ok(stored !== undefined, 'the exception is in the log');
      assert.equal(stored.sequence, head + 1);
      assert.equal(stored.receivedTime, RECEIVED);
      assert.deepEqual(stored.event.data, gapException('gap-0001', 1).data);
      assert.deepEqual(await store.publisherMarks(), [mark('L1', 5, { logSequence: 4 })]);
      // Recording the same exception again (a retried call) stores it once.
      await store.recordPublisher(mark('L1', 5, { logSequence: 4 }), gapException('gap-0001', 1), RECEIVED);
      assert.equal((await store.readFrom(0, 100)).filter((s) => s.event.id === 'gap-0001').length, 1);
      assert.equal(await store.headSequence(), head + 1);
    });

    withStore('records neither the exception nor the position when the exception cannot be kept', async (handle) => {
      const { store } = handle;
      await store.recordPublisher(mark('L1', 5, { logSequence: 4 }), gapException('gap-0002', 1), RECEIVED);
      const head = await store.headSequence();
      // Another exception under the same id: refused, and the position stays where it was.
      await assert.rejects(store.recordPublisher(mark('L1', 9, { logSequence: 6 }), gapException('gap-0002', 3), RECEIVED), /clashes with another event/);
      assert.deepEqual(await store.publisherMarks(), [mark('L1', 5, { logSequence: 4 })]);
      assert.equal(await store.headSequence(), head);
    });
  });
}
