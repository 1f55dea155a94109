// Deliveries to a real local HTTP receiver that fails, times out and comes back, on a SQLite
// file and on PostgreSQL: nothing lost, no reorder per key, dead letter after the limit, an
// operator's retry and replays re-deliver, signatures verify; a crash between sending and
// recording re-sends the same delivery id, still in order.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { SqliteStore, verifySignature, WebhookChannel } from '../adapters/index.js';
import { PostgresStore } from '../adapters/postgres/postgres-store.js';
import type { CloudEvent, SubscriptionDeclaration } from '../core/index.js';
import type { Clock, DeliveryStore, EventStore, WorkflowStore } from '../ports/index.js';
import { dropSchema, needPostgres, POSTGRES_URL, uniqueSchema } from '../../test/support/services.js';
import type { ReceivedDelivery, WebhookReceiver } from '../../test/support/webhook-receiver.js';
import { startReceiver } from '../../test/support/webhook-receiver.js';
import { DeliveryOperations } from './delivery-operations.js';
import type { DeliveryRunnerOptions } from './delivery-runner.js';
import { DeliveryRunner } from './delivery-runner.js';

type Store = EventStore & WorkflowStore & { readonly deliveries: DeliveryStore };

interface OpenedStore {
  readonly store: Store;
  reopen(): Promise<Store>;
  cleanup(): Promise<void>;
  /** Runs statements on the store's database from another connection. */
  sql(statements: readonly string[]): Promise<void>;
}

interface StoreKind {
  readonly name: string;
  open(t: TestContext): Promise<OpenedStore | undefined>;
}

const kinds: StoreKind[] = [
  {
    name: 'SQLite',
    open: () => {
      const dir = mkdtempSync(join(tmpdir(), 'millrace-deliver-'));
      const path = join(dir, 'millrace.db');
      const sql = (statements: readonly string[]) => {
        const db = new Database(path);
        try {
          for (const statement of statements) db.exec(statement);
        } finally {
          db.close();
        }
        return Promise.resolve();
      };
      return Promise.resolve({ store: new SqliteStore(path), reopen: () => Promise.resolve(new SqliteStore(path)), cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })), sql });
    },
  },
  {
    name: 'PostgreSQL',
    open: async (t) => {
      if (!(await needPostgres(t))) return undefined;
      const schema = uniqueSchema('mr_deliver');
      const url = new URL(POSTGRES_URL);
      url.searchParams.set('schema', schema);
      const sql = async (statements: readonly string[]) => {
        const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
        await client.connect();
        try {
          for (const statement of statements) await client.query(statement);
        } finally {
          await client.end();
        }
      };
      return { store: await PostgresStore.open({ url: url.toString() }), reopen: () => PostgresStore.open({ url: url.toString() }), cleanup: () => dropSchema(schema), sql };
    },
  },
];

class ManualClock implements Clock {
  constructor(public current: number) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

const SECRET = 'whsec-test-value';
const OPERATOR = { kind: 'operator', id: 'ops', role: 'operator' } as const;

let counter = 0;
function receipt(id: string, correlationid?: string, plant = 'P01'): CloudEvent {
  counter += 1;
  return {
    specversion: '1.0',
    id,
    source: '/systems/wms-p01',
    type: 'goods.received',
    time: '2026-03-02T10:00:00Z',
    ...(correlationid === undefined ? {} : { correlationid }),
    ...(counter % 2 === 0 ? { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } : {}),
    data: { receiptId: id, plant, lines: [] },
  };
}

/** Event ids per correlation id, in the order the receiver got them. */
function perKey(received: readonly ReceivedDelivery[]): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const r of received) keys.set(r.correlationid ?? r.id, [...(keys.get(r.correlationid ?? r.id) ?? []), r.id]);
  return keys;
}

/** Each event id once, in first-arrival order. */
const distinct = (ids: readonly string[]) => [...new Set(ids)];

/** What a delivery case sets up other than the defaults. */
interface CaseOptions {
  /** When the clock starts; 2026-03-02 10:00 UTC unless given. */
  readonly start?: string;
  /** How many webhook receivers to start; one unless given. */
  readonly receivers?: number;
  /** The subscriptions, to the receivers' URLs; unless given, erp-receipts: goods.received to the first, unsigned. */
  readonly subscriptions?: (...urls: string[]) => SubscriptionDeclaration[];
  /** The webhook channel; unless given, one with no secret. */
  readonly channel?: WebhookChannel;
  /** Runner options over a 60 s tick and an onError that fails the test. */
  readonly runner?: Partial<DeliveryRunnerOptions>;
}

/**
 * A store of one kind, webhook receivers, a manual clock and a runner on them, as every case
 * starts; the runner is stopped, the receivers and the store closed when the test ends.
 */
class DeliveryCase {
  runner: DeliveryRunner;
  private storeOpen = true;

  private constructor(
    private readonly opened: OpenedStore,
    public store: Store,
    readonly receivers: readonly WebhookReceiver[],
    readonly clock: ManualClock,
    readonly subscriptions: readonly SubscriptionDeclaration[],
    private readonly channels: ReadonlyMap<'webhook', WebhookChannel>,
    private readonly options: DeliveryRunnerOptions,
  ) {
    this.runner = this.runnerOn();
  }

  /** The case on `kind`'s store; undefined when the test is skipped (no PostgreSQL). */
  static async open(t: TestContext, kind: StoreKind, options: CaseOptions = {}): Promise<DeliveryCase | undefined> {
    const opened = await kind.open(t);
    if (opened === undefined) return undefined;
    const receivers: WebhookReceiver[] = [];
    for (let i = 0; i < (options.receivers ?? 1); i += 1) receivers.push(await startReceiver());
    const urls = receivers.map((r) => r.url);
    const subscriptions = options.subscriptions?.(...urls) ?? [{ id: 'erp-receipts', subscriber: 'erp-core', types: ['goods.received'], channel: { kind: 'webhook', url: urls[0] ?? '' } }];
    const channels = new Map([['webhook' as const, options.channel ?? new WebhookChannel({ secrets: new Map(), userAgent: 't' })]]);
    const runnerOptions: DeliveryRunnerOptions = { tickMs: 60_000, onError: (e) => assert.fail(String(e)), ...options.runner };
    const clock = new ManualClock(Date.parse(options.start ?? '2026-03-02T10:00:00Z'));
    const c = new DeliveryCase(opened, opened.store, receivers, clock, subscriptions, channels, runnerOptions);
    t.after(() => c.close());
    return c;
  }

  /** The first receiver. */
  get receiver(): WebhookReceiver {
    return this.receivers[0]!;
  }

  /**
   * A new runner on the store with the case's subscriptions (or `subscriptions`, a manifest
   * changed between two starts), channel and options (the case's runner stays what it was).
   */
  runnerOn(subscriptions: readonly SubscriptionDeclaration[] = this.subscriptions, options: Partial<DeliveryRunnerOptions> = {}): DeliveryRunner {
    return new DeliveryRunner(this.store, this.store.deliveries, subscriptions, this.channels, this.clock, { ...this.options, ...options });
  }

  /**
   * A hard stop and a new start: the store closed under the runner (which is not stopped, as in a
   * crash), `meanwhile` done while it is closed, then the store opened again and a new runner
   * prepared on it.
   */
  async restart(meanwhile: () => Promise<void>, subscriptions: readonly SubscriptionDeclaration[] = this.subscriptions, options: Partial<DeliveryRunnerOptions> = {}): Promise<void> {
    await this.store.close();
    this.storeOpen = false;
    await meanwhile();
    this.store = await this.opened.reopen();
    this.storeOpen = true;
    this.runner = this.runnerOn(subscriptions, options);
    await this.runner.prepare();
  }

  /** Statements on the store's database, from another connection. */
  sql(statements: readonly string[]): Promise<void> {
    return this.opened.sql(statements);
  }

  private async close(): Promise<void> {
    await this.runner.stop();
    for (const receiver of this.receivers) await receiver.close();
    if (this.storeOpen) await this.store.close();
    await this.opened.cleanup();
  }
}

for (const kind of kinds) {
  describe(`deliveries to a webhook that fails, hangs and comes back (${kind.name})`, () => {
    it('loses nothing, keeps order per key, dead-letters after the limit, re-sends on retry and replay, and signs what it sends', async (t) => {
      const errors: unknown[] = [];
      const c = await DeliveryCase.open(t, kind, {
        subscriptions: (url) => [
          {
            id: 'plant-receipts',
            subscriber: 'erp-core',
            types: ['goods.received'],
            filter: { plant: 'P01' },
            channel: { kind: 'webhook', url, secret: 'test-hook' },
            delivery: { maxAttempts: 3, initialBackoff: '10s', maxBackoff: '40s', timeout: '400ms' },
          },
        ],
        channel: new WebhookChannel({ secrets: new Map([['test-hook', SECRET]]), userAgent: 'millrace/test' }),
        runner: { onError: (e) => errors.push(e), random: () => 0.5 },
      });
      if (c === undefined) return;
      const { receiver, clock, subscriptions } = c;
      const operations = () => new DeliveryOperations(c.store.deliveries, c.store, subscriptions, clock, () => undefined);
      await c.runner.prepare();
      const at = () => clock.now().toISOString();
      await c.store.appendBatches([[receipt('a1', 'PO-1/1'), receipt('b1', 'PO-2/1'), receipt('x1', 'PO-3/1', 'P02'), receipt('a2', 'PO-1/1'), receipt('u1')]], at());
      await c.store.appendBatches([[receipt('b2', 'PO-2/1'), receipt('a3', 'PO-1/1')]], at());

      // Down: only the head of each key is tried; its followers wait.
      receiver.mode = 'fail';
      await c.runner.runOnce();
      assert.deepEqual(receiver.received.map((r) => r.id).sort(), ['a1', 'b1', 'u1']);
      const retrying = await c.store.deliveries.listDeliveries({ status: 'retrying' }, 10);
      assert.equal(retrying.items.length, 3);
      assert.match(retrying.items[0]?.lastError ?? '', /HTTP 500/);

      // Not due yet: nothing is sent before the backoff ends.
      await c.runner.runOnce();
      assert.equal(receiver.received.length, 3);

      // Hanging: the attempt times out (a retryable failure).
      receiver.mode = 'hang';
      clock.advance(10_000);
      await c.runner.runOnce();
      assert.equal(receiver.received.length, 6);
      assert.match((await c.store.deliveries.getDelivery('plant-receipts.1'))?.lastError ?? '', /no answer .* within 400 ms/);
      assert.equal((await c.store.deliveries.getDelivery('plant-receipts.1'))?.attempts, 2);
      receiver.release();

      // Back: everything goes, each key in log order.
      receiver.mode = 'ok';
      clock.advance(20_000);
      await c.runner.runOnce();
      const keys = perKey(receiver.received);
      assert.deepEqual(distinct(keys.get('PO-1/1') ?? []), ['a1', 'a2', 'a3']);
      assert.deepEqual(distinct(keys.get('PO-2/1') ?? []), ['b1', 'b2']);
      assert.equal(keys.has('PO-3/1'), false, 'another plant is filtered out');
      const delivered = await c.store.deliveries.listDeliveries({ status: 'delivered' }, 100);
      assert.deepEqual(delivered.items.map((d) => d.eventId).sort(), ['a1', 'a2', 'a3', 'b1', 'b2', 'u1']);
      // Retries included, a key's requests never go back: once a2 arrived, a1 never comes again.
      const logOrder = ['a1', 'a2', 'a3', 'b1', 'b2'];
      for (const ids of keys.values()) {
        const positions = ids.map((id) => logOrder.indexOf(id));
        assert.deepEqual(positions, [...positions].sort((x, y) => x - y), `requests of one key in log order: ${ids.join(', ')}`);
      }

      // One delivery id across the attempts of an event; receivers dedupe on it.
      const a1 = receiver.received.filter((r) => r.id === 'a1');
      assert.equal(a1.length, 3);
      assert.deepEqual(distinct(a1.map((r) => r.deliveryId)), ['plant-receipts.1']);

      // Signatures verify with the documented recipe; a tampered body or an old timestamp does not.
      const nowSeconds = Math.floor(clock.now().getTime() / 1000);
      for (const r of receiver.received) {
        assert.equal(r.contentType, 'application/cloudevents+json');
        assert.ok(verifySignature(r.signature ?? '', r.body, SECRET, nowSeconds, 300), `signature of ${r.deliveryId}`);
      }
      const last = receiver.received[receiver.received.length - 1]!;
      assert.equal(verifySignature(last.signature ?? '', last.body.replace('P01', 'P09'), SECRET, nowSeconds), false, 'tampered body');
      assert.equal(verifySignature(last.signature ?? '', last.body, SECRET, nowSeconds + 600), false, 'replayed 10 minutes later');
      assert.equal(verifySignature(last.signature ?? '', last.body, 'another-secret', nowSeconds), false, 'wrong secret');
      const body = JSON.parse(last.body) as Record<string, unknown>;
      assert.equal(typeof body.sequence, 'number');
      assert.equal(typeof body.receivedtime, 'string');
      assert.ok(receiver.received.some((r) => r.traceparent === '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'), 'traceparent passed through');

      // Dead letter after maxAttempts; the key's followers wait (blocked), other keys go on.
      receiver.mode = 'fail';
      receiver.received.length = 0;
      await c.store.appendBatches([[receipt('c1', 'PO-4/1'), receipt('c2', 'PO-4/1')]], at());
      for (let attempt = 0; attempt < 3; attempt += 1) {
        await c.runner.runOnce();
        clock.advance(60_000);
      }
      const dead = await c.store.deliveries.listDeliveries({ status: 'dead' }, 10);
      assert.deepEqual(dead.items.map((d) => d.eventId), ['c1']);
      assert.equal(dead.items[0]?.attempts, 3);
      assert.match(dead.items[0]?.lastError ?? '', /attempt 3 of 3/);
      assert.deepEqual((await c.store.deliveries.listDeliveries({ status: 'blocked' }, 10)).items.map((d) => d.eventId), ['c2']);
      assert.deepEqual(distinct(receiver.received.map((r) => r.id)), ['c1'], 'c2 never sent ahead of c1');
      await c.runner.runOnce();
      assert.equal(receiver.received.length, 3, 'nothing more is tried once dead');
      await c.store.appendBatches([[receipt('c3', 'PO-4/1'), receipt('d1', 'PO-5/1')]], at());
      receiver.mode = 'ok';
      await c.runner.runOnce();
      assert.deepEqual(receiver.received.slice(3).map((r) => r.id), ['d1'], 'a new event of the dead key waits too');

      // The operator retries the dead head: it goes, then its followers, in order.
      const retried = await operations().retry(dead.items[0].deliveryId, OPERATOR);
      assert.equal(retried.status, 'pending');
      await c.runner.runOnce();
      assert.deepEqual(receiver.received.slice(4).map((r) => r.id), ['c1', 'c2', 'c3']);
      await assert.rejects(operations().retry(dead.items[0].deliveryId, OPERATOR), { code: 'delivery_not_retryable' });

      // Replay: a dry run says what would go and sends nothing; the real one re-sends with new ids.
      receiver.received.length = 0;
      const dry = await operations().replay({ subscription: 'plant-receipts', correlationId: 'PO-1/1', dryRun: true }, OPERATOR);
      assert.deepEqual(dry.deliveries.map((d) => d.id), ['a1', 'a2', 'a3']);
      await c.runner.runOnce();
      assert.equal(receiver.received.length, 0);
      const range = await operations().replay({ subscription: 'plant-receipts', fromSequence: 1, toSequence: 3, dryRun: true }, OPERATOR);
      assert.deepEqual(range.deliveries.map((d) => d.id), ['a1', 'b1'], 'x1 is another plant');
      const replay = await operations().replay({ subscription: 'plant-receipts', correlationId: 'PO-1/1' }, OPERATOR);
      assert.deepEqual(replay.deliveries.map((d) => d.deliveryId), ['plant-receipts.1.r1', 'plant-receipts.4.r1', 'plant-receipts.7.r1']);
      await c.runner.runOnce();
      assert.deepEqual(receiver.received.map((r) => [r.id, r.deliveryId]), [
        ['a1', 'plant-receipts.1.r1'],
        ['a2', 'plant-receipts.4.r1'],
        ['a3', 'plant-receipts.7.r1'],
      ]);

      // A crash after the receiver got an event but before the hub recorded it: the restarted
      // hub sends it again with the same delivery id, and its follower after it.
      receiver.received.length = 0;
      await c.store.appendBatches([[receipt('e1', 'PO-6/1'), receipt('e2', 'PO-6/1')]], at());
      receiver.mode = 'hang';
      const inFlight = c.runner.runOnce();
      await receiver.waitFor(1);
      await c.restart(async () => {
        receiver.release();
        await assert.rejects(inFlight);
      });
      receiver.mode = 'ok';
      await c.runner.runOnce();
      assert.deepEqual(receiver.received.map((r) => r.id), ['e1', 'e1', 'e2']);
      assert.equal(receiver.received[0]?.deliveryId, receiver.received[1]?.deliveryId);
      const all = await c.store.deliveries.listDeliveries({}, 100);
      assert.ok(all.items.every((d) => d.status === 'delivered'), JSON.stringify(all.items.filter((d) => d.status !== 'delivered')));
      assert.deepEqual(errors, []);
    });

    it("keeps a PO's documents in log order when the ERP sends them without a correlationid: a change or cancellation never overtakes a release being retried", async (t) => {
      const errors: unknown[] = [];
      const c = await DeliveryCase.open(t, kind, {
        subscriptions: (url) => [
          { id: 'supplier-portal', subscriber: 'sup-0107', types: ['po.released', 'po.changed', 'po.cancelled'], channel: { kind: 'webhook', url }, delivery: { initialBackoff: '10s', maxBackoff: '40s' } },
        ],
        runner: { onError: (e) => errors.push(e), random: () => 0.5 },
      });
      if (c === undefined) return;
      const { store, receiver, clock, runner } = c;
      await runner.prepare();
      const at = () => clock.now().toISOString();
      const po = (id: string, type: string, poNumber: string): CloudEvent => ({ specversion: '1.0', id, source: '/systems/erp-core', type, time: '2026-03-02T10:00:00Z', data: { poNumber } });
      await store.appendBatches([[po('rel-4711', 'po.released', '4711'), po('chg-4711', 'po.changed', '4711'), po('rel-4712', 'po.released', '4712'), po('cxl-4711', 'po.cancelled', '4711')]], at());
      // The portal is down for the first requests: only each PO's first document is tried.
      receiver.mode = 'fail';
      await runner.runOnce();
      assert.deepEqual(receiver.received.map((r) => r.id).sort(), ['rel-4711', 'rel-4712']);
      receiver.mode = 'ok';
      receiver.received.length = 0;
      clock.advance(10_000);
      await runner.runOnce();
      assert.deepEqual(perKey(receiver.received.map((r) => ({ ...r, correlationid: (JSON.parse(r.body) as { data: { poNumber: string } }).data.poNumber }))).get('4711'), ['rel-4711', 'chg-4711', 'cxl-4711']);
      assert.equal(receiver.received.length, 4);
      assert.deepEqual(errors, []);
    });

    it('sends a fast subscriber what is due while a slow one holds its requests open, each key still in log order', async (t) => {
      const subscriptionTo = (id: string, url: string): SubscriptionDeclaration => ({ id, subscriber: id, types: ['goods.received'], channel: { kind: 'webhook', url }, delivery: { timeout: '10s' } });
      const errors: unknown[] = [];
      const c = await DeliveryCase.open(t, kind, {
        receivers: 2,
        subscriptions: (slowUrl, fastUrl) => [subscriptionTo('slow-erp', slowUrl), subscriptionTo('fast-wms', fastUrl)],
        channel: new WebhookChannel({ secrets: new Map(), userAgent: 'millrace/test' }),
        runner: { onError: (e) => errors.push(e), concurrency: 4, perSubscription: 2 },
      });
      if (c === undefined) return;
      const { store, clock, runner } = c;
      const [slow, fast] = c.receivers as [WebhookReceiver, WebhookReceiver];
      // The slow receiver holds each request until the test releases it; the timeout (the
      // default 10 s) is reached only if the runner waits for it before serving the others.
      slow.mode = 'hang';
      await runner.prepare();
      runner.start();
      const at = () => clock.now().toISOString();
      await store.appendBatches([[receipt('k1', 'PO-1/1'), receipt('k2', 'PO-1/1'), receipt('m1', 'PO-2/1'), receipt('m2', 'PO-2/1'), receipt('u1'), receipt('u2')]], at());
      runner.kick();

      // All six reach the fast subscriber while the slow one's first requests are still open.
      // k2 is sent only once k1 is recorded delivered (heads only), so k2's arrival shows
      // that k1's delivery completed, not just that it was sent.
      await fast.waitFor(6);
      assert.equal(slow.held, 2, 'the slow receiver still holds its first two requests');
      assert.deepEqual(slow.received.map((r) => r.id), ['k1', 'm1'], 'a subscription has at most perSubscription deliveries in flight, the earliest heads');

      // A new event while the slow receiver still hangs goes to the fast one on the kick.
      await store.appendBatches([[receipt('k3', 'PO-1/1')]], at());
      runner.kick();
      await fast.waitFor(7);
      assert.equal(slow.held, 2);
      assert.equal(slow.received.length, 2, 'nothing more for the slow subscription while its slots are taken');
      const fastKeys = perKey(fast.received);
      assert.deepEqual(fastKeys.get('PO-1/1'), ['k1', 'k2', 'k3']);
      assert.deepEqual(fastKeys.get('PO-2/1'), ['m1', 'm2']);

      // The slow receiver answers: its deliveries go on, each key in log order, each event once.
      slow.mode = 'ok';
      slow.release();
      await slow.waitFor(7);
      await runner.runOnce();
      const slowKeys = perKey(slow.received);
      assert.deepEqual(slowKeys.get('PO-1/1'), ['k1', 'k2', 'k3']);
      assert.deepEqual(slowKeys.get('PO-2/1'), ['m1', 'm2']);
      assert.equal(slow.received.length, 7);
      assert.equal(fast.received.length, 7);
      const all = await store.deliveries.listDeliveries({}, 100);
      assert.equal(all.items.length, 14);
      assert.ok(all.items.every((d) => d.status === 'delivered' && d.attempts === 1), JSON.stringify(all.items.filter((d) => d.status !== 'delivered' || d.attempts !== 1)));
      assert.deepEqual(errors, []);
    });

    it('sends a replay after what its key already has queued, the delivery in flight included', async (t) => {
      const errors: unknown[] = [];
      const c = await DeliveryCase.open(t, kind, { runner: { onError: (e) => errors.push(e) } });
      if (c === undefined) return;
      const { store, receiver, clock, runner, subscriptions } = c;
      const operations = new DeliveryOperations(store.deliveries, store, subscriptions, clock, () => runner.kick());
      await runner.prepare();
      const at = () => clock.now().toISOString();
      await store.appendBatches([[receipt('k1', 'PO-1/1')]], at());
      await runner.runOnce();
      // k2 goes to a receiver that holds it; k3 waits behind it.
      receiver.mode = 'hang';
      runner.start();
      await store.appendBatches([[receipt('k2', 'PO-1/1'), receipt('k3', 'PO-1/1')]], at());
      runner.kick();
      await receiver.waitFor(2);
      // The operator replays k1 while k2 is in flight, then an event of another key comes in:
      // the next request is that event's, not the replay's.
      const replay = await operations.replay({ subscription: 'erp-receipts', correlationId: 'PO-1/1', toSequence: 1 }, OPERATOR);
      assert.deepEqual(replay.deliveries.map((d) => d.deliveryId), ['erp-receipts.1.r1']);
      await store.appendBatches([[receipt('u1')]], at());
      runner.kick();
      await receiver.waitFor(3);
      assert.deepEqual(receiver.received.map((r) => r.id), ['k1', 'k2', 'u1'], 'the replay is not sent while k2 is in flight');
      receiver.mode = 'ok';
      receiver.release();
      await receiver.waitFor(5);
      await runner.runOnce();
      assert.deepEqual(
        receiver.received.filter((r) => r.correlationid === 'PO-1/1').map((r) => r.deliveryId),
        ['erp-receipts.1', 'erp-receipts.2', 'erp-receipts.3', 'erp-receipts.1.r1'],
        'the replay goes after the deliveries its key had queued (k2 in flight, k3 pending)',
      );
      assert.ok((await store.deliveries.listDeliveries({}, 10)).items.every((d) => d.status === 'delivered'));
      assert.deepEqual(errors, []);
    });

    it('frees, when it starts, a key an older version left stuck: a blocked replay that no dead delivery precedes', async (t) => {
      const notes: { fields: object; message: string }[] = [];
      const logger = { debug: () => undefined, warn: () => undefined, error: () => undefined, info: (fields: object, message: string) => notes.push({ fields, message }) };
      const c = await DeliveryCase.open(t, kind, { runner: { logger } });
      if (c === undefined) return;
      const { receiver, clock } = c;
      await c.runner.prepare();
      const at = () => clock.now().toISOString();
      await c.store.appendBatches([[receipt('k1', 'PO-1/1')]], at());
      await c.runner.runOnce();
      await c.store.appendBatches([[receipt('k2', 'PO-1/1'), receipt('k3', 'PO-1/1')]], at());
      await c.runner.enqueue();
      // What a version before 2a19b2d left: k2 went dead, the operator replayed k1 (stored
      // blocked: its key had a dead delivery) and retried k2, whose release freed only k3. In
      // that version's order (sequence, generation) the replay comes before k2 and holds the key.
      // Its table had no place column (nor the head flag, ADR 0048).
      await c.restart(() =>
        c.sql([
          'DROP INDEX IF EXISTS deliveries_place',
          'DROP INDEX IF EXISTS deliveries_heads',
          'DROP INDEX IF EXISTS deliveries_key_head',
          'DROP INDEX IF EXISTS deliveries_key_dead',
          'DROP INDEX IF EXISTS deliveries_undelivered',
          'ALTER TABLE deliveries DROP COLUMN place',
          'ALTER TABLE deliveries DROP COLUMN head',
          // Nor did its cursors keep a removal mark or rules (ADR 0052).
          'ALTER TABLE delivery_cursors DROP COLUMN removed_at',
          'ALTER TABLE delivery_cursors DROP COLUMN rules',
          "INSERT INTO deliveries (delivery_id, subscription, seq, generation, dkey, event_type, event_id, status, attempts, next_at, created_at) VALUES ('erp-receipts.1.r1', 'erp-receipts', 1, 1, 'PO-1/1', 'goods.received', 'k1', 'blocked', 0, '2026-03-02T10:00:00.000Z', '2026-03-02T10:00:00.000Z')",
        ]),
      );
      await c.runner.runOnce();
      assert.deepEqual(receiver.received.map((r) => r.deliveryId), ['erp-receipts.1', 'erp-receipts.1.r1', 'erp-receipts.2', 'erp-receipts.3'], 'the key goes on, in the order the older version gave it');
      assert.ok((await c.store.deliveries.listDeliveries({}, 10)).items.every((d) => d.status === 'delivered'));
      assert.deepEqual(notes.filter((n) => n.message.startsWith('released blocked')).map((n) => n.fields), [{ released: 1 }], 'the repair is logged');
      // Nothing to repair the next time.
      await c.runnerOn().prepare();
      assert.equal(notes.filter((n) => n.message.startsWith('released blocked')).length, 1);
    });

    it('on stop, lets the deliveries in flight finish and records them, and leaves the rest in the outbox for the next start', async (t) => {
      const c = await DeliveryCase.open(t, kind, { runner: { perSubscription: 2 } });
      if (c === undefined) return;
      const { store, receiver, clock } = c;
      receiver.mode = 'hang';
      await c.runner.prepare();
      c.runner.start();
      await store.appendBatches([[receipt('s1'), receipt('s2'), receipt('s3')]], clock.now().toISOString());
      c.runner.kick();
      await receiver.waitFor(2);
      const stopping = c.runner.stop();
      receiver.mode = 'ok';
      receiver.release();
      await stopping;
      // s1 and s2 go at once on two connections: which arrives first is not the runner's to say.
      assert.deepEqual(receiver.received.map((r) => r.id).sort(), ['s1', 's2'], 'nothing new is sent once stopping');
      assert.deepEqual((await store.deliveries.listDeliveries({ status: 'delivered' }, 10)).items.map((d) => d.eventId).sort(), ['s1', 's2'], 'what was in flight is recorded');
      assert.equal((await store.deliveries.getDelivery('erp-receipts.3'))?.status, 'pending');
      c.runner = c.runnerOn();
      await c.runner.runOnce();
      assert.deepEqual(receiver.received.map((r) => r.id).sort(), ['s1', 's2', 's3']);
      assert.equal(receiver.received[2]?.id, 's3');
    });

    it('on stop while a pass is reading the outbox, starts no delivery from that pass; they wait in the outbox for the next start', async (t) => {
      const c = await DeliveryCase.open(t, kind);
      if (c === undefined) return;
      const { store, receiver, clock } = c;
      await c.runner.prepare();
      await store.appendBatches([[receipt('p1'), receipt('p2')]], clock.now().toISOString());
      c.runner.start();
      // The kick's pass begins at once and then waits on the store; stop comes before it reads
      // anything. (The same as a pass still reading the due deliveries when a delivery in flight
      // is recorded and stop has begun: its freed slot must not be filled.)
      c.runner.kick();
      await c.runner.stop();
      assert.deepEqual(receiver.received.map((r) => r.id), [], 'nothing is sent once stopping');
      assert.deepEqual((await store.deliveries.listDeliveries({ status: 'delivered' }, 10)).items, []);
      c.runner = c.runnerOn();
      await c.runner.runOnce();
      assert.deepEqual(receiver.received.map((r) => r.id).sort(), ['p1', 'p2'], 'the next start sends them');
    });

    it("retries a subscriber's dead letters in one request after its outage: each key in its queue order, and a second request requeues nothing", async (t) => {
      const c = await DeliveryCase.open(t, kind, {
        subscriptions: (url) => [{ id: 'erp-receipts', subscriber: 'erp-core', types: ['goods.received'], channel: { kind: 'webhook', url }, delivery: { maxAttempts: 1 } }],
      });
      if (c === undefined) return;
      const { store, receiver, clock, runner, subscriptions } = c;
      const operations = new DeliveryOperations(store.deliveries, store, subscriptions, clock, () => undefined);
      await runner.prepare();
      const at = () => clock.now().toISOString();
      // The ERP is down: the head of each key dies at its one attempt; what follows it waits.
      receiver.mode = 'fail';
      await store.appendBatches([[receipt('k1', 'PO-1/1'), receipt('k2', 'PO-1/1'), receipt('m1', 'PO-2/1'), receipt('u1'), receipt('n1', 'PO-3/1')]], at());
      await runner.runOnce();
      assert.deepEqual((await store.deliveries.listDeliveries({ status: 'dead' }, 10)).items.map((d) => d.eventId).sort(), ['k1', 'm1', 'n1', 'u1']);
      // A replay of k1 and a later event of its key queue behind the dead head.
      await operations.replay({ subscription: 'erp-receipts', correlationId: 'PO-1/1', toSequence: 1 }, OPERATOR);
      await store.appendBatches([[receipt('k3', 'PO-1/1')]], at());
      await runner.runOnce();
      // An hour into the outage, another key dies.
      clock.advance(3_600_000);
      const later = at();
      await store.appendBatches([[receipt('q1', 'PO-5/1')]], at());
      await runner.runOnce();
      assert.equal(receiver.received.length, 5, 'each head tried once, nothing behind them');

      // A time range: the dead deliveries queued from `later` on. A dry run changes nothing.
      const ranged = await operations.retryMany({ subscription: 'erp-receipts', from: later, dryRun: true }, OPERATOR);
      assert.deepEqual([ranged.count, ranged.deliveries.map((d) => d.deliveryId)], [1, ['erp-receipts.7']]);
      assert.equal((await store.deliveries.getDelivery('erp-receipts.7'))?.status, 'dead');
      const before = await operations.retryMany({ subscription: 'erp-receipts', to: later, dryRun: true }, OPERATOR);
      assert.deepEqual(before.deliveries.map((d) => d.deliveryId), ['erp-receipts.1', 'erp-receipts.3', 'erp-receipts.4', 'erp-receipts.5'], '`to` is exclusive');

      // The ERP is back: one request requeues every dead letter of the subscription.
      receiver.mode = 'ok';
      receiver.received.length = 0;
      const all = await operations.retryMany({ subscription: 'erp-receipts' }, OPERATOR);
      assert.equal(all.count, 5);
      assert.deepEqual(all.deliveries.map((d) => [d.deliveryId, d.status]), [1, 3, 4, 5, 7].map((n) => [`erp-receipts.${n}`, 'pending']));
      const again = await operations.retryMany({ subscription: 'erp-receipts' }, OPERATOR);
      assert.equal(again.count, 0, 'the same request again requeues nothing: none is dead any more');
      await runner.runOnce();
      assert.deepEqual(
        receiver.received.filter((r) => r.correlationid === 'PO-1/1').map((r) => r.deliveryId),
        ['erp-receipts.1', 'erp-receipts.2', 'erp-receipts.1.r1', 'erp-receipts.6'],
        'the key in its queue order, as after a single retry: the replay and the later event behind the retried head',
      );
      assert.deepEqual(receiver.received.map((r) => r.deliveryId).sort(), ['erp-receipts.1', 'erp-receipts.1.r1', 'erp-receipts.2', 'erp-receipts.3', 'erp-receipts.4', 'erp-receipts.5', 'erp-receipts.6', 'erp-receipts.7'], 'each once');
      assert.ok((await store.deliveries.listDeliveries({}, 20)).items.every((d) => d.status === 'delivered'));

      // Who may, and what is refused.
      await assert.rejects(operations.retryMany({ subscription: 'erp-receipts' }, { kind: 'operator', id: 'plant-manager', role: 'viewer' }), { code: 'forbidden_action' });
      await assert.rejects(operations.retryMany({ subscription: 'nobody' }, OPERATOR), { code: 'unknown_subscription' });
      await assert.rejects(operations.retryMany({ subscription: 'erp-receipts', from: '2026-02-30T00:00:00Z' }, OPERATOR), { code: 'invalid_request' });
      await assert.rejects(operations.retryMany({ subscription: 'erp-receipts', from: later, to: '2026-03-01T00:00:00Z' }, OPERATOR), { code: 'invalid_request' });
    });

    it('withdraws, when it starts with a narrowed subscription, the queued deliveries it no longer matches: never sent, shown withdrawn, their keys go on', async (t) => {
      const notes: { level: string; fields: object; message: string }[] = [];
      const note = (level: string) => (fields: object, message: string) => notes.push({ level, fields, message });
      const logger = { debug: () => undefined, error: note('error'), info: note('info'), warn: note('warn') };
      const wide = (url: string): SubscriptionDeclaration => ({ id: 'erp-receipts', subscriber: 'erp-core', types: ['goods.received', 'po.released'], channel: { kind: 'webhook', url }, delivery: { maxAttempts: 1 } });
      const c = await DeliveryCase.open(t, kind, { subscriptions: (url) => [wide(url)], runner: { logger } });
      if (c === undefined) return;
      const { receiver, clock } = c;
      const at = () => clock.now().toISOString();
      await c.runner.prepare();
      receiver.mode = 'fail';
      const release: CloudEvent = { specversion: '1.0', id: 'rel-4711', source: '/systems/erp-core', type: 'po.released', time: '2026-03-02T10:00:00Z', data: { poNumber: '4711', buyerPlant: 'P01' } };
      // Sequences 1-6: x1 (P02) and a1 (P01) of one key, b1 (P01), b2 (P02), b3 (P01) of another, a PO release.
      await c.store.appendBatches([[receipt('x1', 'PO-1/1', 'P02'), receipt('a1', 'PO-1/1'), receipt('b1', 'PO-2/1'), receipt('b2', 'PO-2/1', 'P02'), receipt('b3', 'PO-2/1'), release]], at());
      await c.runner.runOnce();
      assert.deepEqual((await c.store.deliveries.listDeliveries({ status: 'dead' }, 10)).items.map((d) => d.eventId), ['rel-4711', 'b1', 'x1']);
      // Sequence 7: queued, never tried.
      await c.store.appendBatches([[receipt('c1', 'PO-3/1', 'P02')]], at());
      await c.runner.enqueue();
      assert.equal((await c.store.deliveries.getDelivery('erp-receipts.7'))?.status, 'pending');

      // The manifest narrows the subscription to P01's receipts; the hub starts again.
      const narrowed: SubscriptionDeclaration = { ...wide(receiver.url), types: ['goods.received'], filter: { plant: 'P01' } };
      await c.restart(() => Promise.resolve(), [narrowed]);
      receiver.mode = 'ok';
      receiver.received.length = 0;
      await c.runner.runOnce();
      assert.deepEqual(receiver.received.map((r) => r.id), ['a1'], 'the P01 receipt that waited behind a withdrawn P02 one goes; nothing the subscription no longer receives');
      const withdrawn = (await c.store.deliveries.listDeliveries({ status: 'withdrawn' }, 10)).items;
      assert.deepEqual(withdrawn.map((d) => d.eventId), ['c1', 'rel-4711', 'b2', 'x1'], 'pending, dead and blocked alike; kept, not deleted');
      for (const d of withdrawn) assert.match(d.lastError ?? '', /no longer receives/);
      assert.equal((await c.store.deliveries.getDelivery('erp-receipts.3'))?.status, 'dead', 'a dead P01 receipt is still the subscription\'s: it stays dead');
      assert.equal((await c.store.deliveries.getDelivery('erp-receipts.5'))?.status, 'blocked');
      assert.deepEqual(notes.filter((n) => n.message.startsWith('withdrew')).map((n) => [n.level, n.fields]), [['warn', { subscription: 'erp-receipts', withdrawn: 4 }]]);

      // Retried, the dead P01 receipt goes, then the one of its key still matched; the withdrawn one never.
      const operations = new DeliveryOperations(c.store.deliveries, c.store, [narrowed], clock, () => undefined);
      await operations.retry('erp-receipts.3', OPERATOR);
      await c.runner.runOnce();
      assert.deepEqual(receiver.received.map((r) => r.id), ['a1', 'b1', 'b3']);
      await assert.rejects(operations.retry('erp-receipts.1', OPERATOR), { code: 'delivery_not_retryable', message: /withdrawn/ });
      // The next start with the same manifest has nothing to withdraw.
      await c.restart(() => Promise.resolve(), [narrowed]);
      await c.runner.runOnce();
      assert.equal(notes.filter((n) => n.message.startsWith('withdrew')).length, 1);
    });

    it('withdraws the queued deliveries of a subscription removed from the manifest; added again, it starts at the end of the log and says what it missed', async (t) => {
      const notes: { level: string; fields: object; message: string }[] = [];
      const note = (level: string) => (fields: object, message: string) => notes.push({ level, fields, message });
      const logger = { debug: () => undefined, error: note('error'), info: note('info'), warn: note('warn') };
      const c = await DeliveryCase.open(t, kind, {
        receivers: 2,
        subscriptions: (erpUrl, mesUrl) => [
          { id: 'erp-receipts', subscriber: 'erp-core', types: ['goods.received'], channel: { kind: 'webhook', url: erpUrl } },
          { id: 'mes-receipts', subscriber: 'mes-p01', types: ['goods.received'], channel: { kind: 'webhook', url: mesUrl } },
        ],
        runner: { logger },
      });
      if (c === undefined) return;
      const { clock } = c;
      const [erp, mes] = c.receivers as [WebhookReceiver, WebhookReceiver];
      const [erpSubscription, mesSubscription] = c.subscriptions as [SubscriptionDeclaration, SubscriptionDeclaration];
      const at = () => clock.now().toISOString();
      await c.runner.prepare();
      await c.store.appendBatches([[receipt('e1')]], at());
      await c.runner.runOnce();
      mes.mode = 'fail';
      await c.store.appendBatches([[receipt('e2')]], at());
      await c.runner.runOnce();
      assert.equal((await c.store.deliveries.getDelivery('mes-receipts.2'))?.status, 'retrying');
      await c.store.appendBatches([[receipt('e3')]], at());
      await c.runner.enqueue();

      // The manifest drops mes-receipts: its queued deliveries are withdrawn, its position kept.
      await c.restart(() => Promise.resolve(), [erpSubscription]);
      await c.runner.runOnce();
      for (const id of ['mes-receipts.2', 'mes-receipts.3']) {
        const d = await c.store.deliveries.getDelivery(id);
        assert.equal(d?.status, 'withdrawn', id);
        assert.match(d?.lastError ?? '', /not in the manifest/);
      }
      assert.deepEqual(notes.filter((n) => n.message.startsWith('subscription mes-receipts is not in the manifest')).map((n) => [n.level, n.fields]), [['warn', { subscription: 'mes-receipts', withdrawn: 2, position: 3 }]]);
      mes.mode = 'ok';
      await c.store.appendBatches([[receipt('e4'), receipt('e5')]], at());
      await c.runner.runOnce();
      assert.deepEqual(erp.received.map((r) => r.id).sort(), ['e1', 'e2', 'e3', 'e4', 'e5']);

      // Added again: it starts at the end of the log, like a new subscription, and the log names the gap.
      mes.received.length = 0;
      await c.restart(() => Promise.resolve(), [erpSubscription, mesSubscription]);
      await c.runner.runOnce();
      assert.deepEqual(mes.received.map((r) => r.id), [], 'nothing logged while it was out, nothing withdrawn');
      assert.deepEqual(notes.filter((n) => n.message.startsWith('subscription mes-receipts is back')).map((n) => [n.level, n.fields]), [['warn', { subscription: 'mes-receipts', missedFromSequence: 4, missedToSequence: 5 }]]);
      await c.store.appendBatches([[receipt('e6')]], at());
      await c.runner.runOnce();
      assert.deepEqual(mes.received.map((r) => r.id), ['e6']);
      // The gap, sent on purpose with the replay the log names.
      const operations = new DeliveryOperations(c.store.deliveries, c.store, c.subscriptions, clock, () => undefined);
      await operations.replay({ subscription: 'mes-receipts', fromSequence: 4, toSequence: 5 }, OPERATOR);
      await c.runner.runOnce();
      // Two keys go at once: their order between them is not the runner's to say.
      assert.deepEqual(mes.received.map((r) => r.id).sort(), ['e4', 'e5', 'e6']);
      // A third start finds nothing to say.
      const said = notes.length;
      await c.restart(() => Promise.resolve(), [erpSubscription, mesSubscription]);
      await c.runner.runOnce();
      assert.deepEqual(notes.slice(said).filter((n) => n.level === 'warn'), []);
    });

    it('holds deliveries during a maintenance window and sends them when it ends, without counting an attempt', async (t) => {
      const c = await DeliveryCase.open(t, kind, {
        // Sunday 2026-03-01 02:30 in Detroit (EST): inside the 02:00-04:00 window.
        start: '2026-03-01T07:30:00Z',
        subscriptions: (url) => [
          {
            id: 'erp-inventory',
            subscriber: 'erp-core',
            types: ['goods.received'],
            channel: { kind: 'webhook', url },
            maintenanceWindows: [{ days: ['sun'], from: '02:00', to: '04:00', timezone: 'America/Detroit' }],
          },
          // An X12 subscription, which this runner has no channel for.
          { id: 'sup-orders', subscriber: 'sup-0107', types: ['goods.received'], channel: { kind: 'x12' } },
        ],
      });
      if (c === undefined) return;
      const { store, receiver, clock, runner } = c;
      await runner.prepare();
      await store.appendBatches([[receipt('w1', 'PO-7/1')]], clock.now().toISOString());
      await runner.runOnce();
      assert.equal(receiver.received.length, 0);
      const waiting = await store.deliveries.getDelivery('erp-inventory.1');
      assert.equal(waiting?.status, 'waiting');
      assert.equal(waiting?.attempts, 0);
      assert.equal(waiting?.nextAttemptAt, '2026-03-01T09:00:00.000Z');
      // An X12 subscription: recorded and visibly waiting, not dropped.
      const x12 = await store.deliveries.getDelivery('sup-orders.1');
      assert.equal(x12?.status, 'waiting');
      assert.match(x12?.lastError ?? '', /no x12 channel/);
      clock.current = Date.parse('2026-03-01T09:00:00Z');
      await runner.runOnce();
      assert.deepEqual(receiver.received.map((r) => r.id), ['w1']);
      assert.equal(receiver.received[0]?.signature, undefined, 'no secret declared: unsigned');
      assert.equal((await store.deliveries.getDelivery('erp-inventory.1'))?.attempts, 1);
    });
  });
}
