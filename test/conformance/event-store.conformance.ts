// The event log's promises, run against every adapter (memory, SQLite, PostgreSQL).
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { CloudEvent } from '../../src/core/index.js';
import type { AppendedEvent, BatchOutcome, EventStore } from '../../src/ports/index.js';
import { withFixture } from './fixture-case.js';

export interface StoreHandle {
  readonly store: EventStore;
  /** Closes the store and opens it again on the same data (durable stores only). */
  readonly reopen?: () => Promise<EventStore>;
  readonly cleanup: () => Promise<void>;
}

/** Makes a fresh, empty store; resolves undefined when the test was skipped (service absent). */
export type StoreFactory = (t: TestContext) => Promise<StoreHandle | undefined>;

const RECEIVED = '2026-03-02T13:20:00.000Z';

export function receipt(id: string, overrides: Partial<CloudEvent> = {}, quantity = '500'): CloudEvent {
  return {
    specversion: '1.0',
    id,
    source: '/systems/wms-p01',
    type: 'goods.received',
    time: '2026-03-02T13:15:00+01:00',
    correlationid: 'PO-4500012345/10',
    data: { receiptId: `GR-${id}`, plant: 'P01', lines: [{ poNumber: 'PO-4500012345', line: 10, quantity, uom: 'EA' }] },
    ...overrides,
  };
}

function appended(outcome: BatchOutcome | undefined): readonly AppendedEvent[] {
  if (outcome?.kind !== 'appended') assert.fail(`expected the batch to be appended, got ${JSON.stringify(outcome)}`);
  return outcome.events;
}

/** The same event with its keys, at every level, in reverse order. */
function reversedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => reversedKeys(item)) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversedKeys(v)])) as T;
}

function withoutCorrelation(event: CloudEvent): CloudEvent {
  const { correlationid: _ignored, ...rest } = event;
  return rest;
}

function withStore(t: TestContext, factory: StoreFactory, run: (handle: StoreHandle) => Promise<void>): Promise<void> {
  return withFixture(t, factory, run);
}

export function describeEventStore(name: string, factory: StoreFactory, options: { durable: boolean }): void {
  describe(`${name} event store`, () => {
    it('gives each new event the next global sequence number, starting at 1', (t) =>
      withStore(t, factory, async ({ store }) => {
        assert.equal(await store.headSequence(), 0);
        const [first] = await store.appendBatches([[receipt('a'), receipt('b')]], RECEIVED);
        assert.deepEqual(appended(first).map((e) => [e.id, e.status, e.sequence]), [
          ['a', 'accepted', 1],
          ['b', 'accepted', 2],
        ]);
        const [second] = await store.appendBatches([[receipt('c')]], RECEIVED);
        assert.deepEqual(appended(second).map((e) => e.sequence), [3]);
        assert.equal(await store.headSequence(), 3);
      }));

    it('reads events by sequence range in order, with the receipt time the hub recorded', (t) =>
      withStore(t, factory, async ({ store }) => {
        await store.appendBatches([[receipt('a'), receipt('b'), receipt('c'), receipt('d')]], RECEIVED);
        const range = await store.readFrom(1, 2);
        assert.deepEqual(range.map((s) => [s.sequence, s.event.id]), [
          [2, 'b'],
          [3, 'c'],
        ]);
        assert.equal(range[0]?.receivedTime, RECEIVED);
        assert.deepEqual(range[0]?.event, receipt('b'));
        assert.deepEqual(await store.readFrom(4, 10), []);
      }));

    it('reads every event of one correlation id, and only those, in sequence order', (t) =>
      withStore(t, factory, async ({ store }) => {
        await store.appendBatches(
          [[receipt('a'), receipt('b', { correlationid: 'PO-4500099999/20' }), receipt('c'), withoutCorrelation(receipt('d'))]],
          RECEIVED,
        );
        const chain = await store.readByCorrelation('PO-4500012345/10');
        assert.deepEqual(chain.map((s) => s.event.id), ['a', 'c']);
        assert.deepEqual((await store.readByCorrelation('PO-4500099999/20')).map((s) => s.event.id), ['b']);
        assert.deepEqual(await store.readByCorrelation('PO-none'), []);
      }));

    it('answers a resend with the same body as a duplicate of the first copy and stores no new row', (t) =>
      withStore(t, factory, async ({ store }) => {
        await store.appendBatches([[receipt('a')]], RECEIVED);
        // Same content with keys in another order: still the same body.
        const reordered = reversedKeys(receipt('a'));
        assert.notEqual(JSON.stringify(reordered), JSON.stringify(receipt('a')));
        const [outcome] = await store.appendBatches([[reordered]], '2026-03-02T14:00:00.000Z');
        assert.deepEqual(appended(outcome), [{ source: '/systems/wms-p01', id: 'a', status: 'duplicate', sequence: 1 }]);
        assert.equal(await store.headSequence(), 1);
        assert.equal((await store.readFrom(0, 10))[0]?.receivedTime, RECEIVED, 'the first receipt time is kept');
      }));

    it('ignores hub-set attributes (receivedtime, sequence) when comparing bodies', (t) =>
      withStore(t, factory, async ({ store }) => {
        await store.appendBatches([[receipt('a')]], RECEIVED);
        const [outcome] = await store.appendBatches([[receipt('a', { receivedtime: '2026-01-01T00:00:00Z', sequence: '77' })]], RECEIVED);
        assert.equal(appended(outcome)[0]?.status, 'duplicate');
      }));

    it('takes a retry with another trace context (traceparent, tracestate) as a duplicate, keeping the first', (t) =>
      withStore(t, factory, async ({ store }) => {
        const first = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
        await store.appendBatches([[receipt('a', { traceparent: first })]], RECEIVED);
        const [retry] = await store.appendBatches([[receipt('a', { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=1' })]], RECEIVED);
        assert.equal(appended(retry)[0]?.status, 'duplicate');
        const [bare] = await store.appendBatches([[receipt('a')]], RECEIVED);
        assert.equal(appended(bare)[0]?.status, 'duplicate');
        assert.equal((await store.find('/systems/wms-p01', 'a'))?.event.traceparent, first);
      }));

    it('rejects the same source and id with a different body as a conflict and stores nothing of that batch', (t) =>
      withStore(t, factory, async ({ store }) => {
        await store.appendBatches([[receipt('a')]], RECEIVED);
        const [outcome] = await store.appendBatches([[receipt('new-1'), receipt('a', {}, '450'), receipt('new-2')]], RECEIVED);
        assert.deepEqual(outcome, { kind: 'conflict', conflicts: [{ source: '/systems/wms-p01', id: 'a', index: 1, existingSequence: 1 }] });
        assert.equal(await store.headSequence(), 1);
        assert.equal(await store.find('/systems/wms-p01', 'new-1'), undefined);
        assert.equal((await store.find('/systems/wms-p01', 'a'))?.event.data.lines instanceof Array, true);
        assert.deepEqual((await store.find('/systems/wms-p01', 'a'))?.event, receipt('a'), 'the stored event is not overwritten');
      }));

    it('treats the same id from another source as another event', (t) =>
      withStore(t, factory, async ({ store }) => {
        const [outcome] = await store.appendBatches([[receipt('a'), receipt('a', { source: '/systems/wms-p02' })]], RECEIVED);
        assert.deepEqual(appended(outcome).map((e) => e.status), ['accepted', 'accepted']);
        assert.equal(await store.headSequence(), 2);
      }));

    it('stores an event repeated inside one batch once, and refuses a batch that repeats an id with another body', (t) =>
      withStore(t, factory, async ({ store }) => {
        const [same] = await store.appendBatches([[receipt('a'), receipt('b'), receipt('a')]], RECEIVED);
        assert.deepEqual(appended(same).map((e) => [e.id, e.status, e.sequence]), [
          ['a', 'accepted', 1],
          ['b', 'accepted', 2],
          ['a', 'duplicate', 1],
        ]);
        const [clash] = await store.appendBatches([[receipt('x'), receipt('x', {}, '1')]], RECEIVED);
        assert.deepEqual(clash, { kind: 'conflict', conflicts: [{ source: '/systems/wms-p01', id: 'x', index: 1 }] });
        assert.equal(await store.headSequence(), 2);
      }));

    it('commits several batches together while keeping each one all-or-nothing on its own', (t) =>
      withStore(t, factory, async ({ store }) => {
        await store.appendBatches([[receipt('a')]], RECEIVED);
        const outcomes = await store.appendBatches(
          [[receipt('b')], [receipt('c'), receipt('a', {}, '9')], [receipt('d'), receipt('b')]],
          RECEIVED,
        );
        assert.deepEqual(appended(outcomes[0]).map((e) => [e.id, e.status, e.sequence]), [['b', 'accepted', 2]]);
        assert.equal(outcomes[1]?.kind, 'conflict');
        assert.deepEqual(appended(outcomes[2]).map((e) => [e.id, e.status, e.sequence]), [
          ['d', 'accepted', 3],
          ['b', 'duplicate', 2],
        ]);
        assert.deepEqual((await store.readFrom(0, 10)).map((s) => s.event.id), ['a', 'b', 'd']);
      }));

    it('finds an event by source and id', (t) =>
      withStore(t, factory, async ({ store }) => {
        await store.appendBatches([[receipt('a'), receipt('b')]], RECEIVED);
        const found = await store.find('/systems/wms-p01', 'b');
        assert.equal(found?.sequence, 2);
        assert.deepEqual(found?.event, receipt('b'));
        assert.equal(await store.find('/systems/wms-p02', 'b'), undefined);
      }));

    it('keeps decimal strings, unicode and nested data exactly as sent', (t) =>
      withStore(t, factory, async ({ store }) => {
        const event = receipt('u', { subject: 'Wareneingang Lager Süd — 東京', data: { receiptId: 'GR-Ü', plant: 'P01', lines: [{ poNumber: 'PO-1', line: 1, quantity: '0.10000', uom: 'KG' }] } });
        await store.appendBatches([[event]], RECEIVED);
        assert.deepEqual((await store.find(event.source, event.id))?.event, event);
      }));

    if (!options.durable) return;
    it('keeps every committed event, with its sequence, after the store is closed and opened again', async (t) => {
      const handle = await factory(t);
      if (handle === undefined) return;
      try {
        if (handle.reopen === undefined) assert.fail('a durable store can be reopened');
        await handle.store.appendBatches([[receipt('a'), receipt('b')]], RECEIVED);
        const reopened = await handle.reopen();
        assert.deepEqual((await reopened.readFrom(0, 10)).map((s) => [s.sequence, s.event.id]), [
          [1, 'a'],
          [2, 'b'],
        ]);
        const [again] = await reopened.appendBatches([[receipt('a'), receipt('c')]], RECEIVED);
        assert.deepEqual(appended(again).map((e) => [e.id, e.status, e.sequence]), [
          ['a', 'duplicate', 1],
          ['c', 'accepted', 3],
        ]);
      } finally {
        await handle.cleanup();
      }
    });
  });
}
