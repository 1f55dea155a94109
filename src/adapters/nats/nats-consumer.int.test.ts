// The JetStream intake client against the real nats-server: a durable consumer that goes away
// while the hub reads (an operator deletes it, the plant recreates its stream) is created again,
// after what the hub has read of the same stream and from the start of a new one; the messages
// published meanwhile are read, nothing is lost, and the loss of the consumer is logged. A hub
// that restarts on the same store (SQLite, PostgreSQL) and finds its consumer gone resumes too.
// Hubs sharing a PostgreSQL schema read a consumer one at a time, and one takes over from another.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import type { NatsConsumerDeclaration } from '../../core/index.js';
import type { StreamReadPositionStore } from '../../ports/index.js';
import { dropSchema, NATS_URL, needNats, needPostgres, POSTGRES_URL, uniqueSchema } from '../../../test/support/services.js';
import { PostgresStore } from '../postgres/postgres-store.js';
import { SqliteStore } from '../sqlite/sqlite-store.js';
import type { NatsEdgeIntake } from './nats-consumer.js';
import { NatsConsumers } from './nats-consumer.js';

/** What the intake kept, in order, with a way to wait for a payload; `refuse` fails a payload as a store failure would. */
function recordingIntake(consumer: NatsConsumerDeclaration | readonly NatsConsumerDeclaration[], refuse: (payload: string) => boolean = () => false) {
  const kept: string[] = [];
  const refused: string[] = [];
  const waiters: { done: () => boolean; resolve: () => void }[] = [];
  const until = (done: () => boolean) => new Promise<void>((resolve) => (done() ? resolve() : waiters.push({ done, resolve })));
  return {
    kept,
    arrived: (payload: string) => until(() => kept.includes(payload)),
    refusedOnce: (payload: string) => until(() => refused.includes(payload)),
    intake: {
      consumers: () => (Array.isArray(consumer) ? consumer : [consumer as NatsConsumerDeclaration]),
      receive: (_consumer: string, _subject: string, data: Uint8Array) => {
        const payload = new TextDecoder().decode(data);
        const refusing = refuse(payload);
        (refusing ? refused : kept).push(payload);
        for (const waiter of waiters.filter((w) => w.done())) waiter.resolve();
        return refusing ? Promise.reject(new Error(`store failure on ${payload}`)) : Promise.resolve({});
      },
    },
  };
}

/** A stream of its own for one test and the hub's declaration on it, deleted after the test. */
async function plantStream(t: TestContext) {
  const run = `${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
  const stream = `MR_CONSUMER_${run}`;
  const subject = `mr.${run}.in`;
  const connection = await connect({ servers: NATS_URL });
  const manager: JetStreamManager = await jetstreamManager(connection);
  const js: JetStreamClient = jetstream(connection);
  const filter = `${subject}.>`;
  const declaration: NatsConsumerDeclaration = { id: 'plant', stream, durable: `hub_${run}`, filterSubject: filter, source: 'wms-p02', ackWait: '2s' };
  const addStream = () => manager.streams.add({ name: stream, subjects: [filter] });
  t.after(async () => {
    await manager.streams.delete(stream).catch(() => undefined);
    await connection.close();
  });
  await addStream();
  return {
    manager,
    declaration,
    filter,
    addStream,
    /** The stream's subjects are `${subject}.>`; `publish` uses `${subject}.a`. */
    subject,
    publish: async (...payloads: string[]) => {
      for (const payload of payloads) await js.publish(`${subject}.a`, payload);
    },
    publishOn: async (leaf: string, ...payloads: string[]) => {
      for (const payload of payloads) await js.publish(`${subject}.${leaf}`, payload);
    },
  };
}

/** The hub's consumers reading through `intake`, stopped after the test, with what they logged. */
function hubReading(t: TestContext, intake: NatsEdgeIntake) {
  const problems: string[] = [];
  const notices: string[] = [];
  const consumers = new NatsConsumers(intake, { url: NATS_URL, retryMs: 100, onError: (error) => problems.push((error as Error).message), onNotice: (message) => notices.push(message) });
  t.after(() => consumers.stop());
  consumers.start();
  return { consumers, problems, notices };
}

/**
 * The hub's store, opened anew for each run of the hub (a restart), on SQLite (a file) or
 * PostgreSQL (a schema of its own); undefined when PostgreSQL is missing (skipped, failed under CI).
 */
async function hubStore(t: TestContext, kind: 'SQLite' | 'PostgreSQL'): Promise<(() => Promise<StreamReadPositionStore & { close(): Promise<void> }>) | undefined> {
  if (kind === 'SQLite') {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-nats-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    return () => Promise.resolve(new SqliteStore(join(dir, 'hub.db')));
  }
  if (!(await needPostgres(t))) return undefined;
  const schema = uniqueSchema('mr_nats');
  t.after(() => dropSchema(schema));
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return () => PostgresStore.open({ url: url.toString() });
}

/** One run of the hub's consumers on a store opened for it: `stop` stops them (writing their position) and closes the store. */
async function hubRun(open: () => Promise<StreamReadPositionStore & { close(): Promise<void> }>, intake: NatsEdgeIntake) {
  const store = await open();
  const notices: string[] = [];
  const consumers = new NatsConsumers(intake, { url: NATS_URL, retryMs: 100, onError: () => undefined, onNotice: (message) => notices.push(message), positions: store });
  consumers.start();
  return {
    notices,
    stop: async () => {
      await consumers.stop();
      await store.close();
    },
  };
}

/** A restart case: the real nats-server, a store of this kind, a plant stream (undefined: skipped, with the reason). */
async function restartCase(t: TestContext, kind: 'SQLite' | 'PostgreSQL') {
  if (!(await needNats(t))) return undefined;
  const open = await hubStore(t, kind);
  if (open === undefined) return undefined;
  return { open, plant: await plantStream(t) };
}

/** The hub started again on the same store, reading `consumer` into a fresh recording intake until the test ends. */
async function restarted(t: TestContext, open: () => Promise<StreamReadPositionStore & { close(): Promise<void> }>, consumer: NatsConsumerDeclaration) {
  const second = recordingIntake(consumer);
  const after = await hubRun(open, second.intake);
  t.after(() => after.stop());
  return { second, after };
}

/** Polls until `check` holds; fails with `what` after a minute (a liveness bound, not a timing check). */
async function eventually(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let waited = 0; waited < 60_000; waited += 50) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting: ${what}`);
}

/**
 * A hub's NATS intake on the PostgreSQL store `url` as the hub wires it on PostgreSQL: its read
 * position in the store, a lead per consumer; `readingNow` as its edge gauge says it.
 */
async function sharingHub(t: TestContext, url: string, consumer: NatsConsumerDeclaration) {
  const store = await PostgresStore.open({ url });
  const recording = recordingIntake(consumer);
  const state = { readingNow: false, everRead: false };
  const consumers = new NatsConsumers(recording.intake, {
    url: NATS_URL,
    retryMs: 100,
    onError: () => undefined,
    positions: store,
    leadOf: (c) => store.leadNamed(leadName(c)),
    onReading: (_, up) => {
      state.readingNow = up;
      state.everRead ||= up;
    },
  });
  t.after(async () => {
    await consumers.stop();
    await store.close();
  });
  consumers.start();
  return { ...recording, state };
}

const leadName = (consumer: Pick<NatsConsumerDeclaration, 'stream' | 'durable'>) => `nats-consumer:${consumer.stream}/${consumer.durable}`;

const numbered = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

describe('NATS JetStream consumers', () => {
  it('creates its durable consumer again when it is deleted, or its stream is recreated, and reads on', { timeout: 60_000 }, async (t) => {
    if (!(await needNats(t))) return;
    const plant = await plantStream(t);
    const { intake, arrived, kept } = recordingIntake(plant.declaration);
    const { problems } = hubReading(t, intake);
    await plant.publish('m1');
    await arrived('m1');

    // Before: consume() kept pulling from the missing consumer, silently, and m2 never came.
    await plant.manager.consumers.delete(plant.declaration.stream, plant.declaration.durable);
    await plant.publish('m2');
    await arrived('m2');
    assert.ok(problems.some((p) => /consumer (deleted|not found)/i.test(p)), `the loss is logged: ${problems.join('; ')}`);

    await plant.manager.streams.delete(plant.declaration.stream);
    await plant.addStream();
    await plant.publish('m3');
    await arrived('m3');
    // Each once: the consumer created again on the same stream starts after m1; on the new stream, at its start.
    assert.deepEqual(kept, ['m1', 'm2', 'm3']);
  });

  it('reads a consumer deleted on an intact stream on from the first message it had not kept: nothing read twice', { timeout: 60_000 }, async (t) => {
    if (!(await needNats(t))) return;
    const plant = await plantStream(t);
    const { intake, arrived, kept } = recordingIntake(plant.declaration);
    const { notices } = hubReading(t, intake);
    await plant.publish(...numbered('m', 1, 200));
    await arrived('m200');
    await plant.manager.consumers.delete(plant.declaration.stream, plant.declaration.durable);
    await plant.publish('m201');
    await arrived('m201');
    // Before: the new consumer delivered the stream from its start, 200 copies before m201.
    assert.deepEqual(kept, numbered('m', 1, 201));
    assert.ok(notices.some((n) => n.includes('again, from stream sequence 201')), notices.join('; '));
  });

  it('reads again a message the store failed on before its consumer was deleted', { timeout: 60_000 }, async (t) => {
    if (!(await needNats(t))) return;
    const plant = await plantStream(t);
    let failing = true;
    const { intake, arrived, refusedOnce, kept } = recordingIntake(plant.declaration, (payload) => failing && payload === 'm2');
    hubReading(t, intake);
    await plant.publish('m1', 'm2', 'm3');
    await Promise.all([refusedOnce('m2'), arrived('m3')]);
    await plant.manager.consumers.delete(plant.declaration.stream, plant.declaration.durable);
    failing = false;
    await plant.publish('m4');
    await arrived('m4');
    // The new consumer starts at m2, which comes before m4.
    assert.ok(kept.includes('m2'), `m2 is read: ${kept.join(', ')}`);
    assert.deepEqual(kept.filter((p) => p === 'm1'), ['m1'], 'm1 is not read again');
  });

  it('reads again the messages an earlier run got and did not acknowledge when the consumer is deleted before their redelivery', { timeout: 60_000 }, async (t) => {
    if (!(await needNats(t))) return;
    const plant = await plantStream(t);
    const { stream, durable } = plant.declaration;
    // The earlier run: it got m1..m3 and stopped after acknowledging m1 only; JetStream would
    // deliver m2 and m3 again after an hour.
    await plant.manager.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ack_wait: 3_600_000_000_000, filter_subject: plant.filter });
    await plant.publish('m1', 'm2', 'm3');
    const earlier = await connect({ servers: NATS_URL });
    t.after(() => earlier.close());
    for await (const message of await (await jetstream(earlier).consumers.get(stream, durable)).fetch({ max_messages: 3, expires: 5_000 })) {
      if (message.seq === 1) await message.ackAck();
      if (message.seq === 3) break;
    }
    const { intake, arrived, kept } = recordingIntake(plant.declaration);
    hubReading(t, intake);
    await plant.publish('m4');
    await arrived('m4');
    await plant.manager.consumers.delete(stream, durable);
    await plant.publish('m5');
    await arrived('m5');
    assert.ok(kept.includes('m2') && kept.includes('m3'), `m2 and m3 are read: ${kept.join(', ')}`);
    assert.ok(!kept.includes('m1'), 'm1, acknowledged, is not read again');
  });

  it('reads a stream added again under the same name from its start, though the hub had read further in the old one', { timeout: 60_000 }, async (t) => {
    if (!(await needNats(t))) return;
    const plant = await plantStream(t);
    const { intake, arrived, kept } = recordingIntake(plant.declaration);
    const { consumers, notices } = hubReading(t, intake);
    await plant.publish(...numbered('old', 1, 5));
    await arrived('old5');
    // The hub is stopped while the plant deletes its stream, adds it again and publishes: the
    // new stream's sequences 1..3 lie below the 6 the hub would resume at.
    await consumers.stop();
    await plant.manager.streams.delete(plant.declaration.stream);
    await plant.addStream();
    await plant.publish(...numbered('new', 1, 3));
    consumers.start();
    await plant.publish('new4');
    await arrived('new4');
    assert.deepEqual(kept, [...numbered('old', 1, 5), ...numbered('new', 1, 4)]);
    assert.ok(notices.some((n) => n.includes('not the stream the hub read')), notices.join('; '));
  });

  it('is read by one hub at a time among hubs on one PostgreSQL schema; when the reader loses its lead, it stops, and the hub taking over skips nothing', { timeout: 120_000 }, async (t) => {
    if (!(await needNats(t)) || !(await needPostgres(t))) return;
    const plant = await plantStream(t);
    const schema = uniqueSchema('mr_nats_lead');
    t.after(() => dropSchema(schema));
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('schema', schema);
    const first = await sharingHub(t, url.toString(), plant.declaration);
    await eventually('the first hub reading', () => first.state.readingNow);
    const second = await sharingHub(t, url.toString(), plant.declaration);
    await plant.publish(...numbered('m', 1, 20));
    await first.arrived('m20');
    // Before: the second hub read the consumer too, sharing the first one's read position.
    assert.deepEqual(first.kept, numbered('m', 1, 20));
    assert.equal(second.state.everRead, false, 'the second hub waits');

    // Another hub takes the lead while the first is alive: the first one's lead session is ended
    // under it (as a database restart or a network cut would), and a third process takes the lead.
    const thirdStore = await PostgresStore.open({ url: url.toString() });
    const third = thirdStore.leadNamed(leadName(plant.declaration));
    t.after(() => thirdStore.close());
    t.after(() => third.release());
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    t.after(() => admin.end());
    await eventually('the lead taken from the first hub', async () => {
      await admin.query(`SELECT pg_terminate_backend(holder_pid) FROM ${schema}.leads WHERE name = $1`, [leadName(plant.declaration)]);
      return third.tryLead();
    });
    await eventually('the first hub stopping its reading', () => !first.state.readingNow);
    await plant.publish(...numbered('m', 21, 30));

    // The third process stops: one of the two hubs takes the consumer over and reads on.
    await third.release();
    const keptByBoth = () => [...first.kept, ...second.kept];
    await eventually('m21..m30 kept', () => numbered('m', 21, 30).every((m) => keptByBoth().includes(m)));
    // The consumer is created again at the read position the hubs kept.
    await plant.manager.consumers.delete(plant.declaration.stream, plant.declaration.durable);
    await plant.publish(...numbered('m', 31, 35));
    await eventually('m31..m35 kept', () => numbered('m', 31, 35).every((m) => keptByBoth().includes(m)));
    assert.deepEqual([...keptByBoth()].sort(), numbered('m', 1, 35).sort(), 'every message once, none skipped');
    assert.equal([first, second].filter((hub) => hub.state.readingNow).length, 1, 'one hub reads');
  });

  for (const kind of ['SQLite', 'PostgreSQL'] as const) {
    it(`keeps a read position in the store (${kind}) that never goes back on the same stream, and is replaced for another`, async (t) => {
      const open = await hubStore(t, kind);
      if (open === undefined) return;
      const store = await open();
      try {
        const mark = { consumer: 'plant', stream: 'PLANT_P02', streamCreated: '2026-11-30T10:00:00.000000001Z', filterSubject: 'plant.p02.>', resumeAt: 51 };
        await store.recordStreamRead(mark);
        // A lower mark written late claims less than what is already recorded as kept.
        await store.recordStreamRead({ ...mark, resumeAt: 20 });
        assert.deepEqual(await store.streamReadMarks(), [mark]);
        const added = { ...mark, streamCreated: '2026-11-30T11:00:00Z', resumeAt: 3 };
        await store.recordStreamRead(added);
        assert.deepEqual(await store.streamReadMarks(), [added]);
      } finally {
        await store.close();
      }
    });

    it(`after a restart on the same store (${kind}), creates a consumer deleted while the hub was stopped after the messages it kept`, { timeout: 60_000 }, async (t) => {
      const restart = await restartCase(t, kind);
      if (restart === undefined) return;
      const { open, plant } = restart;
      const first = recordingIntake(plant.declaration);
      const before = await hubRun(open, first.intake);
      await plant.publish(...numbered('m', 1, 50));
      await first.arrived('m50');
      await before.stop();
      await plant.manager.consumers.delete(plant.declaration.stream, plant.declaration.durable);
      await plant.publish('m51');

      const { second, after } = await restarted(t, open, plant.declaration);
      await second.arrived('m51');
      // Before: the position died with the process and the new consumer delivered m1..m50 again.
      assert.deepEqual(second.kept, ['m51']);
      assert.ok(after.notices.some((n) => n.includes('again, from stream sequence 51')), after.notices.join('; '));
    });

    it(`after a restart on the same store (${kind}), still reads a message the store had failed on before the stop`, { timeout: 60_000 }, async (t) => {
      const restart = await restartCase(t, kind);
      if (restart === undefined) return;
      const { open, plant } = restart;
      const first = recordingIntake(plant.declaration, (payload) => payload === 'm3');
      const before = await hubRun(open, first.intake);
      await plant.publish(...numbered('m', 1, 5));
      await Promise.all([first.refusedOnce('m3'), first.arrived('m5')]);
      await before.stop();
      await plant.manager.consumers.delete(plant.declaration.stream, plant.declaration.durable);
      await plant.publish('m6');

      const { second } = await restarted(t, open, plant.declaration);
      await second.arrived('m6');
      // m3 was never kept: the position stays at it, and m4, m5 come again as copies the door absorbs.
      assert.deepEqual(second.kept, numbered('m', 3, 6));
    });

    it(`after a restart on the same store (${kind}) with a wider filter subject, reads the stream from its start: the kept mark says nothing of the messages the old filter left out`, { timeout: 60_000 }, async (t) => {
      const restart = await restartCase(t, kind);
      if (restart === undefined) return;
      const { open, plant } = restart;
      const narrow: NatsConsumerDeclaration = { ...plant.declaration, filterSubject: `${plant.subject}.a` };
      const first = recordingIntake(narrow);
      const before = await hubRun(open, first.intake);
      await plant.publish('a1');
      await plant.publishOn('b', 'b1');
      await plant.publish('a2');
      await plant.publishOn('b', 'b2');
      await plant.publish('a3');
      await first.arrived('a3');
      await before.stop();
      assert.deepEqual(first.kept, ['a1', 'a2', 'a3']);
      // The mark kept lies past b1 and b2, which the narrow filter never delivered.
      const kept = await open();
      assert.deepEqual((await kept.streamReadMarks()).map((m) => [m.filterSubject, m.resumeAt]), [[narrow.filterSubject, 6]]);
      await kept.close();
      // The manifest now declares the wider filter; its consumer is deleted (as a changed filter needs).
      await plant.manager.consumers.delete(plant.declaration.stream, plant.declaration.durable);
      await plant.publishOn('b', 'b3');

      const { second, after } = await restarted(t, open, plant.declaration);
      await second.arrived('b3');
      // Taking the mark would have started at sequence 6: b3 only, b1 and b2 never read. The a's
      // come again as copies the door absorbs.
      assert.deepEqual(second.kept, ['a1', 'b1', 'a2', 'b2', 'a3', 'b3']);
      assert.ok(after.notices.some((n) => n.endsWith(`created ${plant.declaration.stream}/${plant.declaration.durable} from the start of the stream`)), after.notices.join('; '));
    });

    it(`after a restart on the same store (${kind}) with the manifest's filter subject and ackWait changed, reads through the manifest's filter, not the one its consumer was created with`, { timeout: 60_000 }, async (t) => {
      const restart = await restartCase(t, kind);
      if (restart === undefined) return;
      const { open, plant } = restart;
      const narrow: NatsConsumerDeclaration = { ...plant.declaration, filterSubject: `${plant.subject}.a` };
      const first = recordingIntake(narrow);
      const before = await hubRun(open, first.intake);
      await plant.publish('a1');
      await plant.publishOn('b', 'b1');
      await plant.publish('a2');
      await first.arrived('a2');
      await before.stop();
      await plant.publishOn('b', 'b2');
      await plant.publish('a3');

      // The board widens the filter and shortens ackWait; nobody deletes the durable consumer.
      const wide: NatsConsumerDeclaration = { ...plant.declaration, ackWait: '1s' };
      const { second, after } = await restarted(t, open, wide);
      await second.arrived('a3');
      // Before: the consumer kept its narrow filter, b1 and b2 never came, and the read position
      // the hub wrote claimed them kept under the wide filter. Now it is created again from the
      // start of the stream (the a's come again as copies the door absorbs).
      assert.deepEqual(second.kept, ['a1', 'b1', 'a2', 'b2', 'a3']);
      const info = await plant.manager.consumers.info(wide.stream, wide.durable);
      assert.deepEqual([info.config.filter_subject, info.config.ack_wait], [wide.filterSubject, 1_000_000_000]);
      assert.ok(after.notices.some((n) => n.includes(`filter subject ${narrow.filterSubject ?? ''}`)), after.notices.join('; '));
    });

    it(`after a restart on the same store (${kind}) with consumers removed from the manifest, deletes the durable consumers it had created for them, and no other`, { timeout: 150_000 }, async (t) => {
      const restart = await restartCase(t, kind);
      if (restart === undefined) return;
      const { open, plant } = restart;
      const kept = plant.declaration;
      const removed: NatsConsumerDeclaration = { ...kept, id: 'plant-b', durable: `${kept.durable}_b` };
      const first = recordingIntake([kept, removed]);
      const before = await hubRun(open, first.intake);
      await plant.publish('a1');
      await eventually('a1 read by both consumers', () => first.kept.filter((p) => p === 'a1').length === 2);
      await before.stop();
      // A consumer the plant made itself, and one another hub (its own store) created for its manifest.
      const plantsOwn = `${kept.durable}_plant`;
      await plant.manager.consumers.add(kept.stream, { durable_name: plantsOwn, ack_policy: AckPolicy.Explicit });
      const elsewhere: NatsConsumerDeclaration = { ...kept, id: 'elsewhere', durable: `${kept.durable}_other` };
      const other = recordingIntake(elsewhere);
      const otherHub = new NatsConsumers(other.intake, { url: NATS_URL, retryMs: 100, onError: () => undefined });
      otherHub.start();
      await other.arrived('a1');
      await otherHub.stop();
      const durables = async () => {
        const names: string[] = [];
        for await (const info of plant.manager.consumers.list(kept.stream)) names.push(info.name);
        return names.sort();
      };

      // The board removes plant-b. Before, its consumer stayed on the server for good, holding
      // every message of the stream for a reader that never came back.
      const second = recordingIntake(kept);
      const after = await hubRun(open, second.intake);
      const stopped = { after: false };
      t.after(() => (stopped.after ? undefined : after.stop()));
      await plant.publish('a2');
      await second.arrived('a2');
      // The server has the consumer gone a moment before the hub's delete call returns and logs it: wait for both.
      const said = () => after.notices.some((n) => n.includes(`deleted ${kept.stream}/${removed.durable}`) && n.includes('plant-b'));
      await eventually(`${removed.durable} deleted, and said so`, async () => !(await durables()).includes(removed.durable) && said());
      assert.deepEqual(await durables(), [kept.durable, elsewhere.durable, plantsOwn].sort());
      assert.ok(said(), after.notices.join('; '));
      stopped.after = true;
      await after.stop();

      // The last one removed too (the manifest keeps nats: with no consumers).
      const none = await hubRun(open, recordingIntake([]).intake);
      t.after(() => none.stop());
      await eventually(`${kept.durable} deleted`, async () => !(await durables()).includes(kept.durable));
      assert.deepEqual(await durables(), [elsewhere.durable, plantsOwn].sort());
    });

    it(`after a restart on the same store (${kind}), reads a stream added again under the same name from its start`, { timeout: 60_000 }, async (t) => {
      const restart = await restartCase(t, kind);
      if (restart === undefined) return;
      const { open, plant } = restart;
      const first = recordingIntake(plant.declaration);
      const before = await hubRun(open, first.intake);
      await plant.publish(...numbered('old', 1, 5));
      await first.arrived('old5');
      await before.stop();
      // The new stream's sequences 1..3 lie below the 6 recorded for the old one.
      await plant.manager.streams.delete(plant.declaration.stream);
      await plant.addStream();
      await plant.publish(...numbered('new', 1, 3));

      const { second, after } = await restarted(t, open, plant.declaration);
      await plant.publish('new4');
      await second.arrived('new4');
      assert.deepEqual(second.kept, numbered('new', 1, 4));
      assert.ok(after.notices.some((n) => n.includes('not the stream the hub read')), after.notices.join('; '));
    });
  }
});
