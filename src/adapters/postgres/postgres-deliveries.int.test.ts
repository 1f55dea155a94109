// The outbox's two writers of one key on PostgreSQL (READ COMMITTED): the leader enqueueing a
// new delivery, and an operator's retry of the key's dead delivery, which releases the blocked
// followers. Each case drives the two transactions through the store in a fixed interleaving,
// using a third connection whose locks hold one of them at a chosen point; the case waits on
// pg_blocking_pids, never on time.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { DeliveryStore, NewDelivery } from '../../ports/index.js';
import { dropSchema, needPostgres, POSTGRES_URL, uniqueSchema } from '../../../test/support/services.js';
import { PostgresStore } from './postgres-store.js';

const NOW = '2026-03-02T10:00:00.000Z';

const delivery = (sequence: number, key: string): NewDelivery => ({ subscription: 'erp', sequence, key, eventType: 'goods.received', eventId: `gr-${sequence}` });

interface Fixture {
  readonly store: DeliveryStore;
  /** A connection of the test's own, in the store's schema. */
  readonly holder: pg.Client;
  cleanup(): Promise<void>;
}

async function open(t: TestContext): Promise<Fixture | undefined> {
  if (!(await needPostgres(t))) return undefined;
  const schema = uniqueSchema('mr_dlvrace');
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  const store = await PostgresStore.open({ url: url.toString() });
  const holder = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
  await holder.connect();
  return {
    store: store.deliveries,
    holder,
    cleanup: async () => {
      await holder.end();
      await store.close();
      await dropSchema(schema);
    },
  };
}

/** erp.1 (key A) dead, erp.2 (key A) blocked behind it; the cursor at 2. */
async function deadHead(store: DeliveryStore): Promise<void> {
  await store.startDeliveryCursors(['erp'], 0);
  await store.enqueueDeliveries([delivery(1, 'A'), delivery(2, 'A')], [{ subscription: 'erp', from: 0, upTo: 2 }], NOW);
  await store.updateDelivery({ deliveryId: 'erp.1', status: 'dead', attempts: 3, nextAttemptAt: NOW, lastError: 'HTTP 500' });
  assert.equal((await store.getDelivery('erp.2'))?.status, 'blocked');
}

/** Tracks whether a promise has settled, without losing its rejection. */
function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  const settle = (): void => {
    done = true;
  };
  promise.then(settle, settle);
  return { promise, settled: () => done };
}

/** Runs `run` on a fresh schema (skipped without PostgreSQL); the holder's open transaction, if any, is rolled back after. */
async function withFixture(t: TestContext, run: (fixture: Fixture) => Promise<void>): Promise<void> {
  const fixture = await open(t);
  if (fixture === undefined) return;
  try {
    await run(fixture);
  } finally {
    await fixture.holder.query('ROLLBACK').catch(() => undefined);
    await fixture.cleanup();
  }
}

/** The statuses of the key's deliveries, by id. */
async function statuses(store: DeliveryStore, ids: readonly string[]): Promise<Record<string, string | undefined>> {
  return Object.fromEntries(await Promise.all(ids.map(async (id) => [id, (await store.getDelivery(id))?.status] as const)));
}

/** Waits until `settled` or until `depth` backends are blocked in a chain that ends at the holder. */
async function untilSettledOrWaiting(holder: pg.Client, depth: 1 | 2, settled: () => boolean): Promise<void> {
  const sql =
    depth === 1
      ? 'SELECT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE pg_backend_pid() = ANY(pg_blocking_pids(a.pid))) AS waiting'
      : 'SELECT EXISTS (SELECT 1 FROM pg_stat_activity a, pg_stat_activity b WHERE pg_backend_pid() = ANY(pg_blocking_pids(b.pid)) AND b.pid = ANY(pg_blocking_pids(a.pid))) AS waiting';
  for (;;) {
    if (settled()) return;
    // The holder is inside a transaction, which would otherwise keep its first view of the backends.
    await holder.query('SELECT pg_stat_clear_snapshot()');
    if ((await holder.query<{ waiting: boolean }>(sql)).rows[0]?.waiting === true) return;
    await sleep(5);
  }
}

describe('PostgreSQL outbox: a new delivery and the retry of its key\'s dead head, interleaved', () => {
  it('a delivery enqueued (not yet committed) while the dead head is retried is released with the other followers', (t) =>
    withFixture(t, async ({ store, holder }) => {
      await deadHead(store);
      // The holder's uncommitted erp.4 makes the enqueue wait on its second insert, after it
      // inserted erp.3 (key A), seeing the dead head, as blocked.
      await holder.query('BEGIN');
      await holder.query(
        "INSERT INTO deliveries (delivery_id, subscription, seq, generation, dkey, event_type, event_id, status, attempts, next_at, created_at, place) VALUES ('erp.4', 'erp', 4, 0, 'B', 'goods.received', 'gr-4', 'pending', 0, $1, $1, 1)",
        [NOW],
      );
      const enqueue = track(store.enqueueDeliveries([delivery(3, 'A'), delivery(4, 'B')], [{ subscription: 'erp', from: 2, upTo: 4 }], NOW));
      await untilSettledOrWaiting(holder, 1, enqueue.settled);
      assert.equal(enqueue.settled(), false, 'the enqueue waits on the held erp.4');
      // The operator's retry of erp.1: it either completes now or waits for the enqueue.
      const retry = track(store.updateDelivery({ deliveryId: 'erp.1', status: 'pending', attempts: 0, nextAttemptAt: NOW }));
      await untilSettledOrWaiting(holder, 2, retry.settled);
      await holder.query('ROLLBACK');
      assert.equal(await enqueue.promise, true);
      await retry.promise;
      // erp.3 is not left blocked behind a head that is pending again.
      assert.deepEqual(await statuses(store, ['erp.1', 'erp.2', 'erp.3']), { 'erp.1': 'pending', 'erp.2': 'pending', 'erp.3': 'pending' });
    }));

  it('a delivery enqueued while the retry is still releasing the followers is stored pending', (t) =>
    withFixture(t, async ({ store, holder }) => {
      await deadHead(store);
      // The holder's row lock on erp.2 stops the retry in its release of the followers, after it
      // made erp.1 pending (not yet committed).
      await holder.query('BEGIN');
      await holder.query("SELECT 1 FROM deliveries WHERE delivery_id = 'erp.2' FOR UPDATE");
      const retry = track(store.updateDelivery({ deliveryId: 'erp.1', status: 'pending', attempts: 0, nextAttemptAt: NOW }));
      await untilSettledOrWaiting(holder, 1, retry.settled);
      assert.equal(retry.settled(), false, 'the retry waits on the held erp.2');
      // The enqueue of erp.3 (key A): it either completes now or waits for the retry.
      const enqueue = track(store.enqueueDeliveries([delivery(3, 'A')], [{ subscription: 'erp', from: 2, upTo: 3 }], NOW));
      await untilSettledOrWaiting(holder, 2, enqueue.settled);
      await holder.query('COMMIT');
      await retry.promise;
      assert.equal(await enqueue.promise, true);
      // erp.3 is not stored blocked behind a head that is pending again.
      assert.deepEqual(await statuses(store, ['erp.1', 'erp.2', 'erp.3']), { 'erp.1': 'pending', 'erp.2': 'pending', 'erp.3': 'pending' });
    }));
});

describe('PostgreSQL outbox: rows an older version left', () => {
  it('the retry of a dead head releases a replay of an earlier event stored blocked behind it', (t) =>
    withFixture(t, async ({ store, holder }) => {
      await store.startDeliveryCursors(['erp'], 0);
      await store.enqueueDeliveries([delivery(1, 'A'), delivery(2, 'A')], [{ subscription: 'erp', from: 0, upTo: 2 }], NOW);
      await store.updateDelivery({ deliveryId: 'erp.1', status: 'delivered', attempts: 1, nextAttemptAt: NOW, deliveredAt: NOW });
      await store.updateDelivery({ deliveryId: 'erp.2', status: 'dead', attempts: 3, nextAttemptAt: NOW, lastError: 'HTTP 500' });
      // Before the rule that a delivery is blocked only behind a dead one before it, a replay of
      // event 1 was stored blocked (the key had a dead delivery), ahead of erp.2 in the key's order
      // (then sequence, generation: the place the upgrade gives it, before erp.2's).
      await holder.query(
        "INSERT INTO deliveries (delivery_id, subscription, seq, generation, dkey, event_type, event_id, status, attempts, next_at, created_at, place) VALUES ('erp.1.r1', 'erp', 1, 1, 'A', 'goods.received', 'gr-1', 'blocked', 0, $1, $1, 0)",
        [NOW],
      );
      await store.updateDelivery({ deliveryId: 'erp.2', status: 'pending', attempts: 0, nextAttemptAt: NOW });
      assert.equal((await store.getDelivery('erp.1.r1'))?.status, 'pending');
      assert.deepEqual((await store.dueDeliveries(NOW, 10)).map((d) => d.deliveryId), ['erp.1.r1'], 'the replay goes first, then erp.2: the key is not stuck');
    }));
});

describe('PostgreSQL outbox: hubs on two schemas of one database', () => {
  it('a writer of a key in one schema does not wait for a writer of the same key in the other', (t) =>
    withFixture(t, async ({ store, holder }) => {
      const other = uniqueSchema('mr_dlvrace');
      const url = new URL(POSTGRES_URL);
      url.searchParams.set('schema', other);
      const neighbour = await PostgresStore.open({ url: url.toString() });
      try {
        await deadHead(store);
        // The retry of erp.1 takes key A's lock, then waits on the holder's row lock on erp.2.
        await holder.query('BEGIN');
        await holder.query("SELECT 1 FROM deliveries WHERE delivery_id = 'erp.2' FOR UPDATE");
        const retry = track(store.updateDelivery({ deliveryId: 'erp.1', status: 'pending', attempts: 0, nextAttemptAt: NOW }));
        await untilSettledOrWaiting(holder, 1, retry.settled);
        assert.equal(retry.settled(), false, 'the retry holds key A and waits on the held erp.2');
        // The other schema's hub enqueues a delivery of a key with the same subscription and name.
        await neighbour.deliveries.startDeliveryCursors(['erp'], 0);
        const enqueue = track(neighbour.deliveries.enqueueDeliveries([delivery(1, 'A')], [{ subscription: 'erp', from: 0, upTo: 1 }], NOW));
        await untilSettledOrWaiting(holder, 2, enqueue.settled);
        const settled = enqueue.settled();
        await holder.query('COMMIT');
        await retry.promise;
        assert.equal(await enqueue.promise, true);
        assert.equal(settled, true, 'the other schema\'s enqueue did not wait for this schema\'s retry');
      } finally {
        await neighbour.close();
        await dropSchema(other);
      }
    }));
});
