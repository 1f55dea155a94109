// The outbox port's promises, run against every adapter (SQLite, PostgreSQL).
import assert from 'node:assert/strict';
import { describe, type TestContext } from 'node:test';
import type { DeliveryStore, NewDelivery } from '../../src/ports/index.js';
import { fixtureCase } from './fixture-case.js';

export interface DeliveryStoreFixture {
  readonly store: DeliveryStore;
  cleanup(): Promise<void>;
}

const NOW = '2026-03-02T10:00:00.000Z';
const LATER = '2026-03-02T10:05:00.000Z';

const delivery = (sequence: number, key: string, subscription = 'erp'): NewDelivery => ({ subscription, sequence, key, eventType: 'goods.received', eventId: `gr-${sequence}` });

export function describeDeliveryStore(name: string, open: (t: TestContext) => Promise<DeliveryStoreFixture | undefined>): void {
  describe(`${name} delivery store (outbox)`, () => {
    const withFixture = fixtureCase(open);
    const withStore = (title: string, body: (store: DeliveryStore) => Promise<void>): void => withFixture(title, (fixture) => body(fixture.store));

    withStore('moves the cursor and stores the deliveries in one step, and refuses a cursor that moved meanwhile', async (store) => {
      await store.startDeliveryCursors(['erp', 'mes'], 0);
      await store.startDeliveryCursors(['erp'], 99);
      assert.deepEqual(await store.deliveryCursors(), new Map([['erp', 0], ['mes', 0]]));
      assert.equal(await store.enqueueDeliveries([delivery(1, 'A'), delivery(2, 'B')], [{ subscription: 'erp', from: 0, upTo: 5 }], NOW), true);
      assert.equal(await store.enqueueDeliveries([delivery(3, 'A')], [{ subscription: 'erp', from: 0, upTo: 6 }], NOW), false, 'stale cursor');
      assert.equal((await store.deliveryCursors()).get('erp'), 5);
      assert.equal(await store.getDelivery('erp.3'), undefined, 'nothing of the refused step');
      const first = await store.getDelivery('erp.1');
      assert.equal(first?.status, 'pending');
      assert.equal(first?.attempts, 0);
    });

    withStore('gives only the head of each key as due: a later event waits for the earlier one', async (store) => {
      await store.startDeliveryCursors(['erp'], 0);
      await store.enqueueDeliveries([delivery(1, 'A'), delivery(2, 'A'), delivery(3, 'B')], [{ subscription: 'erp', from: 0, upTo: 3 }], NOW);
      assert.deepEqual((await store.dueDeliveries(NOW, 10)).map((d) => d.deliveryId), ['erp.1', 'erp.3']);
      // A workflow's lineage asks for the deliveries of its events.
      assert.deepEqual((await store.deliveriesOf([3, 1, 99])).map((d) => [d.deliveryId, d.sequence]), [['erp.1', 1], ['erp.3', 3]]);
      assert.deepEqual(await store.deliveriesOf([]), []);
      await store.updateDelivery({ deliveryId: 'erp.1', status: 'retrying', attempts: 1, nextAttemptAt: LATER, lastAttemptAt: NOW, lastError: 'HTTP 500' });
      assert.deepEqual((await store.dueDeliveries(NOW, 10)).map((d) => d.deliveryId), ['erp.3'], 'the retrying head is not due and still holds its follower');
      assert.deepEqual((await store.dueDeliveries(LATER, 10)).map((d) => d.deliveryId), ['erp.1', 'erp.3']);
      await store.updateDelivery({ deliveryId: 'erp.1', status: 'delivered', attempts: 2, nextAttemptAt: LATER, lastAttemptAt: LATER, deliveredAt: LATER });
      assert.deepEqual((await store.dueDeliveries(LATER, 10)).map((d) => d.deliveryId), ['erp.2', 'erp.3']);
      const delivered = await store.getDelivery('erp.1');
      assert.equal(delivered?.lastError, 'HTTP 500', 'the last error is kept');
      assert.equal(delivered?.deliveredAt, LATER);
    });

    withStore('gives at most the limit of due heads of each subscription, earliest first: a backlog of one leaves the others their share', async (store) => {
      await store.startDeliveryCursors(['erp', 'mes'], 0);
      const erp = [1, 2, 3, 4].map((n) => delivery(n, `K${n}`));
      const mes = [5, 6, 7].map((n) => delivery(n, `K${n}`, 'mes'));
      await store.enqueueDeliveries([...erp, ...mes], [
        { subscription: 'erp', from: 0, upTo: 7 },
        { subscription: 'mes', from: 0, upTo: 7 },
      ], NOW);
      assert.deepEqual((await store.dueDeliveries(NOW, 2)).map((d) => d.deliveryId), ['erp.1', 'erp.2', 'mes.5', 'mes.6']);
      assert.deepEqual((await store.dueDeliveries(NOW, 10)).map((d) => d.deliveryId), ['erp.1', 'erp.2', 'erp.3', 'erp.4', 'mes.5', 'mes.6', 'mes.7']);
    });

    withStore('blocks the followers of a dead delivery, also ones enqueued later, until it is retried', async (store) => {
      await store.startDeliveryCursors(['erp'], 0);
      await store.enqueueDeliveries([delivery(1, 'A'), delivery(2, 'A')], [{ subscription: 'erp', from: 0, upTo: 2 }], NOW);
      await store.updateDelivery({ deliveryId: 'erp.1', status: 'dead', attempts: 3, nextAttemptAt: NOW, lastError: 'HTTP 500' });
      await store.enqueueDeliveries([delivery(3, 'A'), delivery(4, 'B')], [{ subscription: 'erp', from: 2, upTo: 4 }], NOW);
      assert.equal((await store.getDelivery('erp.2'))?.status, 'blocked');
      assert.equal((await store.getDelivery('erp.3'))?.status, 'blocked');
      assert.deepEqual((await store.dueDeliveries(NOW, 10)).map((d) => d.deliveryId), ['erp.4']);
      // The backlog as metrics count it: per subscription and status.
      assert.deepEqual(await store.deliveryCounts(), [
        { subscription: 'erp', status: 'blocked', count: 2 },
        { subscription: 'erp', status: 'dead', count: 1 },
        { subscription: 'erp', status: 'pending', count: 1 },
      ]);
      await store.updateDelivery({ deliveryId: 'erp.1', status: 'pending', attempts: 0, nextAttemptAt: NOW });
      assert.equal((await store.getDelivery('erp.2'))?.status, 'pending');
      assert.deepEqual((await store.dueDeliveries(NOW, 10)).map((d) => d.deliveryId), ['erp.1', 'erp.4']);
    });

    withStore('queues a replay behind what its key holds, a dead head included, and a retry releases it with the other followers', async (store) => {
      // Sends what is due, as the runner does, until nothing is; `dies` fail for good once.
      const drain = async (dies: string[] = []): Promise<string[]> => {
        const sent: string[] = [];
        for (let due = await store.dueDeliveries(NOW, 10); due.length > 0; due = await store.dueDeliveries(NOW, 10)) {
          for (const d of due) {
            sent.push(d.deliveryId);
            const dead = dies.includes(d.deliveryId);
            await store.updateDelivery({ deliveryId: d.deliveryId, status: dead ? 'dead' : 'delivered', attempts: 1, nextAttemptAt: NOW, lastAttemptAt: NOW, ...(dead ? { lastError: 'HTTP 400' } : { deliveredAt: NOW }) });
            if (dead) dies.splice(dies.indexOf(d.deliveryId), 1);
          }
        }
        return sent;
      };
      await store.startDeliveryCursors(['erp'], 0);
      await store.enqueueDeliveries([delivery(1, 'A'), delivery(2, 'A'), delivery(3, 'A')], [{ subscription: 'erp', from: 0, upTo: 3 }], NOW);
      assert.deepEqual(await drain(['erp.2']), ['erp.1', 'erp.2']);
      assert.equal((await store.getDelivery('erp.3'))?.status, 'blocked');
      // The operator replays event 1: a new delivery, queued behind the dead erp.2 and erp.3.
      const [replay] = await store.addReplays([delivery(1, 'A')], NOW);
      assert.equal(replay?.status, 'blocked');
      assert.deepEqual(await drain(), [], 'nothing of the key goes past its dead head');
      await store.updateDelivery({ deliveryId: 'erp.2', status: 'pending', attempts: 0, nextAttemptAt: NOW });
      assert.deepEqual(await drain(), ['erp.2', 'erp.3', 'erp.1.r1'], 'the retried head, then the key in queue order');
      // A replay that dies blocks what is queued after it, until it is retried.
      await store.addReplays([delivery(2, 'A')], NOW);
      await store.enqueueDeliveries([delivery(4, 'A')], [{ subscription: 'erp', from: 3, upTo: 4 }], NOW);
      assert.deepEqual(await drain(['erp.2.r1']), ['erp.2.r1']);
      assert.equal((await store.getDelivery('erp.4'))?.status, 'blocked');
      await store.updateDelivery({ deliveryId: 'erp.2.r1', status: 'pending', attempts: 0, nextAttemptAt: NOW });
      assert.deepEqual(await drain(), ['erp.2.r1', 'erp.4']);
      assert.deepEqual((await store.deliveryCounts()).map((c) => [c.status, c.count]), [['delivered', 6]], 'every delivery of the key was sent');
      assert.equal(await store.releaseStrandedDeliveries(), 0, 'nothing left to repair');
    });

    withStore('adds replays as new deliveries with their own ids, ordered after the original', async (store) => {
      await store.startDeliveryCursors(['erp'], 0);
      await store.enqueueDeliveries([delivery(1, 'A')], [{ subscription: 'erp', from: 0, upTo: 1 }], NOW);
      const [first] = await store.addReplays([delivery(1, 'A')], LATER);
      const [second] = await store.addReplays([delivery(1, 'A')], LATER);
      assert.equal(first?.deliveryId, 'erp.1.r1');
      assert.equal(second?.deliveryId, 'erp.1.r2');
      assert.deepEqual((await store.dueDeliveries(LATER, 10)).map((d) => d.deliveryId), ['erp.1'], 'the replay waits for the original');
    });

    withStore('withdraws deliveries not sent yet, keeps them listed, and lets their keys go on: a withdrawn dead head releases what it blocked', async (store) => {
      await store.startDeliveryCursors(['erp'], 0);
      await store.enqueueDeliveries([delivery(1, 'A'), delivery(2, 'A'), delivery(3, 'A'), delivery(4, 'B')], [{ subscription: 'erp', from: 0, upTo: 4 }], NOW);
      await store.updateDelivery({ deliveryId: 'erp.1', status: 'dead', attempts: 1, nextAttemptAt: NOW, lastError: 'HTTP 400' });
      assert.equal((await store.getDelivery('erp.3'))?.status, 'blocked');
      assert.equal(await store.withdrawDeliveries(['erp.1', 'erp.2', 'erp.99'], 'no longer receives it'), 2);
      assert.equal(await store.withdrawDeliveries(['erp.1'], 'again'), 0, 'a withdrawn delivery is withdrawn once');
      const withdrawn = await store.getDelivery('erp.1');
      assert.deepEqual([withdrawn?.status, withdrawn?.lastError], ['withdrawn', 'no longer receives it']);
      assert.deepEqual((await store.dueDeliveries(NOW, 10)).map((d) => d.deliveryId), ['erp.3', 'erp.4'], 'the key goes on with what is left of it');
      await store.updateDelivery({ deliveryId: 'erp.3', status: 'delivered', attempts: 1, nextAttemptAt: NOW, lastAttemptAt: NOW, deliveredAt: NOW });
      await store.enqueueDeliveries([delivery(5, 'A')], [{ subscription: 'erp', from: 4, upTo: 5 }], NOW);
      assert.deepEqual((await store.dueDeliveries(NOW, 10)).map((d) => d.deliveryId), ['erp.4', 'erp.5'], 'a new delivery of the key is its head');
      assert.equal(await store.withdrawDeliveries(['erp.3'], 'too late'), 0, 'a delivered one is not withdrawn');
      assert.deepEqual((await store.listDeliveries({ status: 'withdrawn' }, 10)).items.map((d) => d.deliveryId), ['erp.2', 'erp.1']);
    });

    withStore('keeps a removal mark and the rules with a cursor; a subscription back in the manifest moves up, never back', async (store) => {
      await store.startDeliveryCursors(['erp', 'mes'], 7);
      assert.deepEqual(await store.subscriptionPositions(), [
        { subscription: 'erp', upTo: 7 },
        { subscription: 'mes', upTo: 7 },
      ]);
      await store.recordSubscriptionRules('erp', '{"types":["goods.received"]}');
      await store.markSubscriptionRemoved('mes', 9);
      await store.markSubscriptionRemoved('mes', 12);
      assert.deepEqual(await store.subscriptionPositions(), [
        { subscription: 'erp', upTo: 7, rules: '{"types":["goods.received"]}' },
        { subscription: 'mes', upTo: 7, removedAt: 9 },
      ]);
      await store.resumeSubscription('mes', 12);
      await store.resumeSubscription('erp', 3);
      assert.deepEqual(await store.subscriptionPositions(), [
        { subscription: 'erp', upTo: 7, rules: '{"types":["goods.received"]}' },
        { subscription: 'mes', upTo: 12 },
      ]);
    });

    withStore('retries every selected delivery in steps of keys, each key released behind its head, and only those still in the status', async (store) => {
      await store.startDeliveryCursors(['erp'], 0);
      // More keys than one step takes, and a key with a follower.
      const keys = 1_100;
      const deliveries = Array.from({ length: keys }, (_, i) => delivery(i + 1, `K${i + 1}`));
      await store.enqueueDeliveries([...deliveries, delivery(keys + 1, 'K1')], [{ subscription: 'erp', from: 0, upTo: keys + 1 }], NOW);
      for (const d of deliveries) await store.updateDelivery({ deliveryId: `erp.${d.sequence}`, status: 'dead', attempts: 8, nextAttemptAt: NOW, lastError: 'HTTP 503' });
      assert.equal((await store.getDelivery(`erp.${keys + 1}`))?.status, 'blocked');
      assert.equal((await store.selectDeliveries({ subscription: 'erp', status: 'dead', from: LATER })).length, 0, 'queued before `from`');
      assert.equal((await store.selectDeliveries({ subscription: 'erp', status: 'dead', to: NOW })).length, 0, '`to` is exclusive');
      const retried = await store.retryDeliveries({ subscription: 'erp', status: 'dead' }, LATER);
      assert.equal(retried.length, keys);
      assert.deepEqual([retried[0]?.deliveryId, retried[0]?.status, retried[0]?.attempts, retried[0]?.nextAttemptAt], ['erp.1', 'pending', 0, LATER]);
      assert.equal((await store.getDelivery(`erp.${keys + 1}`))?.status, 'pending', 'released behind its head');
      assert.equal((await store.deliveryCounts()).find((c) => c.status === 'dead'), undefined);
      assert.deepEqual(await store.retryDeliveries({ subscription: 'erp', status: 'dead' }, LATER), [], 'nothing is dead any more');
      const due = await store.dueDeliveries(LATER, 2_000);
      assert.equal(due.length, keys, 'one head per key: the follower waits');
      assert.ok(!due.some((d) => d.deliveryId === `erp.${keys + 1}`));
    });

    withStore('lists deliveries newest first by status and subscription, in pages', async (store) => {
      await store.startDeliveryCursors(['erp', 'mes'], 0);
      await store.enqueueDeliveries(
        [1, 2, 3, 4, 5].flatMap((n) => [delivery(n, `K${n}`), delivery(n, `K${n}`, 'mes')]),
        [
          { subscription: 'erp', from: 0, upTo: 5 },
          { subscription: 'mes', from: 0, upTo: 5 },
        ],
        NOW,
      );
      await store.updateDelivery({ deliveryId: 'erp.2', status: 'dead', attempts: 8, nextAttemptAt: NOW, lastError: 'HTTP 500' });
      assert.deepEqual((await store.listDeliveries({ status: 'dead' }, 10)).items.map((d) => d.deliveryId), ['erp.2']);
      const seen: string[] = [];
      let after: string | undefined;
      do {
        const page = await store.listDeliveries({}, 3, after);
        seen.push(...page.items.map((d) => d.deliveryId));
        after = page.next;
      } while (after !== undefined);
      assert.deepEqual(seen, ['mes.5', 'erp.5', 'mes.4', 'erp.4', 'mes.3', 'erp.3', 'mes.2', 'erp.2', 'mes.1', 'erp.1']);
      assert.equal((await store.listDeliveries({ subscription: 'mes' }, 100)).items.length, 5);
    });
  });
}
