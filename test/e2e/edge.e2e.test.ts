// MES over MQTT and NATS JetStream at the edge, against the real Mosquitto and nats-server and
// a real `millrace serve` process: messages sent while the hub is stopped arrive once it is
// back, a SIGKILL loses nothing and stores nothing twice, a sequence gap becomes an exception
// (and a metric) and is published to NATS, and what cannot be mapped is kept in quarantine.
// Each test has its own client id, topics, streams and consumer, and removes them after.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamManager } from '@nats-io/jetstream';
import { connect as connectNats } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { openStore } from '../../src/bootstrap/index.js';
import type { CloudEvent, StoredEvent } from '../../src/core/index.js';
import { runCli, startServe, type ServerProcess } from '../support/cli.js';
import { exampleWithSubscriptions } from '../support/hub.js';
import { dropSchema, MQTT_URL, NATS_URL, needMqtt, needNats, needPostgres, POSTGRES_URL, uniqueSchema } from '../support/services.js';

const FRAGMENT = fileURLToPath(new URL('../../examples/millrace-edge.yaml', import.meta.url));
const COMPLETIONS = 'mes-p01-completions';

/** One test's world: a data folder, a manifest with its own topics, session, streams and consumer. */
interface Edge {
  readonly run: string;
  readonly dir: string;
  readonly manifest: string;
  readonly store: string;
  readonly clientId: string;
  /** The topic a line controller publishes its completions on. */
  topicOf(line: string): string;
  readonly inStream: string;
  readonly inSubject: string;
  readonly outSubject: string;
  serve(env?: NodeJS.ProcessEnv): Promise<ServerProcess>;
}

function edgeWorld(subscriptions = 'subscriptions: []'): Edge {
  const run = `${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), 'millrace-edge-'));
  const clientId = `millrace-test-${run}`;
  const inStream = `MR_IN_${run}`;
  const inSubject = `mr.${run}.in`;
  const outSubject = `mr.${run}.out`;
  const fragment = readFileSync(FRAGMENT, 'utf8')
    .replace('url: mqtt://127.0.0.1:1883', `url: ${MQTT_URL}`)
    .replace('url: nats://127.0.0.1:4222', `url: ${NATS_URL}`)
    .replace('plants/P01/mes/+/completed', `plants/P01/mes/+/completed-${run}`)
    .replace('clientId: millrace-hub-na', `clientId: ${clientId}`)
    .replace('stream: PLANT_P02', `stream: ${inStream}`)
    .replace('filterSubject: plant.p02.events.>', `filterSubject: ${inSubject}.>`)
    .replace('durable: millrace-hub', `durable: hub_${run}`)
    .replace('ackWait: 30s', 'ackWait: 2s');
  const manifest = exampleWithSubscriptions(dir, subscriptions.replaceAll('{OUT}', outSubject));
  writeFileSync(manifest, `${readFileSync(manifest, 'utf8')}\n${fragment}`);
  const store = `sqlite:${join(dir, 'millrace.db')}`;
  return {
    run,
    dir,
    manifest,
    store,
    clientId,
    topicOf: (line) => `plants/P01/mes/${line}/completed-${run}`,
    inStream,
    inSubject,
    outSubject,
    serve: (env = {}) => startServe(['--manifest', manifest, '--store', store, '--log-level', 'warn'], { env }),
  };
}

/** What a line controller sends: its message counter, the order and the counts. */
function completion(seq: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ seq, order: `PRD-${seq}`, good: '118.5', scrap: '2', unit: 'ST', ts: '2026-03-02T13:15:00+01:00', ...extra });
}

async function publisher(run: string): Promise<MqttClient> {
  return mqtt.connectAsync(MQTT_URL, { protocolVersion: 5, clientId: `plc-${run}`, reconnectPeriod: 0 });
}

/**
 * Publishes a line's first message until the hub has it: the hub subscribes in the background
 * after it starts, and a message published before its session exists is not kept for it. The
 * copies are duplicates of one event (same publisher and sequence number).
 */
async function firstMessage(plc: MqttClient, world: Edge, line: string): Promise<void> {
  await eventually(`message 1 of ${line} in the log`, async () => {
    await plc.publishAsync(world.topicOf(line), completion(1), { qos: 1 });
    for (let i = 0; i < 10; i += 1) {
      if (idsFrom(await logOf(world.store), '/systems/mes-p01').has(`${COMPLETIONS}/${line}/1`)) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return undefined;
  });
}

/**
 * The scene of an MQTT test: an edge hub serving, a PLC publisher, and message 1 of `line`
 * through (so the hub's session exists at the broker). Undefined, after saying why, without MQTT.
 */
async function mqttScene(t: TestContext, line: string): Promise<{ world: Edge; plc: MqttClient; hub: ServerProcess } | undefined> {
  if (!(await needMqtt(t))) return undefined;
  const world = edgeWorld();
  cleanup(t, world);
  const plc = await publisher(world.run);
  t.after(() => plc.endAsync());
  const hub = await world.serve();
  await firstMessage(plc, world, line);
  return { world, plc, hub };
}

/**
 * Publishes messages `from`..`to` of `line` at QoS 1 and kills the hub (SIGKILL) once at least
 * `committed` messages of the source are in the log; resolves when the publisher has sent them
 * all (to the broker, which keeps them for the hub's session). Returns the count at the kill.
 */
async function killUnderLoad(hub: ServerProcess, plc: MqttClient, world: Edge, line: string, from: number, to: number, committed: number): Promise<number> {
  const publishing = (async () => {
    for (let seq = from; seq <= to; seq += 1) await plc.publishAsync(world.topicOf(line), completion(seq), { qos: 1 });
  })();
  const seen = await eventually(`${committed} messages committed`, async () => {
    const n = idsFrom(await logOf(world.store), '/systems/mes-p01').size;
    return n >= committed ? n : undefined;
  });
  hub.child.kill('SIGKILL');
  await hub.exited;
  await publishing;
  return seen;
}

/** The log once every one of `expected` (message ids of the MES source) is in it. */
function logWithAll(world: Edge, expected: readonly string[]): Promise<StoredEvent[]> {
  return eventually(`all ${expected.length} messages in the log`, async () => {
    const events = await logOf(world.store);
    const ids = idsFrom(events, '/systems/mes-p01');
    return expected.every((id) => ids.has(id)) ? events : undefined;
  });
}

/** The exceptions intake raised (sequence gaps and resets), in log order. */
function intakeBreaches(log: readonly StoredEvent[]): CloudEvent[] {
  return log.filter((s) => s.event.type === 'exception.raised' && s.event.data.workflow === 'intake').map((s) => s.event);
}

/** Removes the hub's persistent session from the broker (a clean start with no expiry). */
async function dropSession(clientId: string): Promise<void> {
  const client = await mqtt.connectAsync(MQTT_URL, { protocolVersion: 5, clientId, clean: true, reconnectPeriod: 0, properties: { sessionExpiryInterval: 0 } });
  await client.endAsync();
}

/** The log as it is now, read beside the running hub. */
async function logOf(store: string): Promise<StoredEvent[]> {
  const log = await openStore(store, 'reader');
  try {
    return await log.readFrom(0, 1_000_000);
  } finally {
    await log.close();
  }
}

/** Polls until `check` holds; fails with `what` after a minute (a liveness bound, not a timing check). */
async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let waited = 0; waited < 60_000; waited += 50) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting: ${what}`);
}

function idsFrom(events: readonly StoredEvent[], source: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { event } of events) if (event.source === source) counts.set(event.id, (counts.get(event.id) ?? 0) + 1);
  return counts;
}

function completionIds(line: string, from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => `${COMPLETIONS}/${line}/${from + i}`);
}

async function stop(server: ServerProcess): Promise<void> {
  server.child.kill('SIGTERM');
  await server.exited;
}

async function withNats<T>(work: (connection: NatsConnection, manager: JetStreamManager) => Promise<T>): Promise<T> {
  const connection = await connectNats({ servers: NATS_URL });
  try {
    return await work(connection, await jetstreamManager(connection));
  } finally {
    await connection.close();
  }
}

function cleanup(t: TestContext, world: Edge, streams: readonly string[] = []): void {
  t.after(async () => {
    await dropSession(world.clientId).catch(() => undefined);
    if (streams.length > 0) await withNats(async (_, manager) => Promise.all(streams.map((s) => manager.streams.delete(s).catch(() => false)))).catch(() => undefined);
    rmSync(world.dir, { recursive: true, force: true });
  });
}

describe('MES over MQTT', () => {
  it('takes the messages published while the hub was stopped once it is back, each exactly once', async (t) => {
    const scene = await mqttScene(t, 'L1');
    if (scene === undefined) return;
    const { world, plc } = scene;
    // The first message proved the hub's session and subscription exist at the broker.
    await stop(scene.hub);

    for (let seq = 2; seq <= 11; seq += 1) await plc.publishAsync(world.topicOf('L1'), completion(seq), { qos: 1 });
    const before = idsFrom(await logOf(world.store), '/systems/mes-p01');
    assert.equal(before.size, 1, 'nothing arrives while the hub is stopped');

    const hub = await world.serve();
    try {
      const expected = completionIds('L1', 1, 11);
      const log = await logWithAll(world, expected);
      const ids = idsFrom(log, '/systems/mes-p01');
      assert.deepEqual([...ids.keys()].sort(), [...expected].sort());
      assert.ok([...ids.values()].every((n) => n === 1), 'each message stored once');
      const event = log.find((s) => s.event.id === `${COMPLETIONS}/L1/7`)?.event as CloudEvent;
      assert.deepEqual(event.data, { productionOrder: 'PRD-7', plant: 'P01', goodQuantity: '118.5', scrapQuantity: '2', uom: 'EA', completedAt: '2026-03-02T13:15:00+01:00' });
      assert.equal(event.type, 'production.completed');
      assert.equal(intakeBreaches(log).length, 0, 'no sequence breach: nothing was missing');
      // A publisher at QoS 0 has no redelivery, but what arrives is taken all the same.
      await plc.publishAsync(world.topicOf('L1'), completion(12), { qos: 0 });
      await eventually('the QoS 0 message in the log', async () => (idsFrom(await logOf(world.store), '/systems/mes-p01').has(`${COMPLETIONS}/L1/12`) ? true : undefined));
    } finally {
      await stop(hub);
    }
  });

  it('loses nothing and stores nothing twice when the hub is killed (SIGKILL) under load', async (t) => {
    const scene = await mqttScene(t, 'L2');
    if (scene === undefined) return;
    const { world, plc } = scene;

    const total = 301;
    const seenAtKill = await killUnderLoad(scene.hub, plc, world, 'L2', 2, total, 40);
    const afterKill = idsFrom(await logOf(world.store), '/systems/mes-p01').size;
    assert.ok(afterKill < total, `the hub was killed before it had taken everything (${afterKill} of ${total}; ${seenAtKill} seen at the kill)`);
    t.diagnostic(`SIGKILL with ${afterKill} of ${total} messages committed`);

    const hub = await world.serve();
    try {
      const expected = completionIds('L2', 1, total);
      const log = await logWithAll(world, expected);
      const ids = idsFrom(log, '/systems/mes-p01');
      assert.equal(ids.size, total);
      assert.deepEqual([...ids.entries()].filter(([, n]) => n !== 1), [], 'no message stored twice');
      assert.deepEqual(log.map((s) => s.sequence), Array.from({ length: log.length }, (_, i) => i + 1), 'log sequences without gaps');
      assert.equal(intakeBreaches(log).length, 0, 'a redelivery after the crash is not a sequence breach');
    } finally {
      await stop(hub);
    }
  });

  it('reports numbers skipped while the hub was stopped as one gap, and no false gap or reset after a SIGKILL', async (t) => {
    const scene = await mqttScene(t, 'L5');
    if (scene === undefined) return;
    const { world, plc } = scene;
    let hub = scene.hub;
    for (const seq of [2, 3]) await plc.publishAsync(world.topicOf('L5'), completion(seq), { qos: 1 });
    await eventually('messages 1 to 3 in the log', async () => {
      const ids = idsFrom(await logOf(world.store), '/systems/mes-p01');
      return completionIds('L5', 1, 3).every((id) => ids.has(id)) ? true : undefined;
    });
    await stop(hub);

    // Message 4 never reaches the broker; 5 and 6 wait in the hub's session while it is down.
    for (const seq of [5, 6]) await plc.publishAsync(world.topicOf('L5'), completion(seq), { qos: 1 });
    hub = await world.serve();
    try {
      const log = await eventually('message 6 and the gap in the log', async () => {
        const events = await logOf(world.store);
        return idsFrom(events, '/systems/mes-p01').has(`${COMPLETIONS}/L5/6`) && intakeBreaches(events).length > 0 ? events : undefined;
      });
      const [gap, ...others] = intakeBreaches(log);
      assert.deepEqual(others, [], 'the gap is raised once');
      assert.equal(gap?.data.code, 'sequence_gap');
      assert.deepEqual(gap?.data.details, { source: '/systems/mes-p01', topic: world.topicOf('L5'), binding: COMPLETIONS, publisher: 'L5', received: 5, missingFrom: 4, missingTo: 4, missing: 1 });
      assert.deepEqual(gap?.data.evidence, [`${COMPLETIONS}/L5/5`]);
    } finally {
      await stop(hub);
    }

    // Killed under load: what was in flight is sent again to the restarted hub, which judges it
    // against the positions it recorded; nothing is missing, so nothing more is raised.
    hub = await world.serve();
    const total = 200;
    // 30 more than the 5 already in the log.
    await killUnderLoad(hub, plc, world, 'L5', 7, total, 35);
    t.diagnostic(`SIGKILL with ${idsFrom(await logOf(world.store), '/systems/mes-p01').size} of ${total - 1} messages committed`);
    hub = await world.serve();
    try {
      const log = await logWithAll(world, [...completionIds('L5', 1, 3), ...completionIds('L5', 5, total)]);
      assert.deepEqual([...idsFrom(log, '/systems/mes-p01').entries()].filter(([, n]) => n !== 1), [], 'no message stored twice');
      assert.deepEqual(intakeBreaches(log).map((e) => [e.data.code, (e.data.details as { missing: number }).missing]), [['sequence_gap', 1]], 'the one gap, and no false gap or reset from the redeliveries');
    } finally {
      await stop(hub);
    }
  });

  it('reports a sequence gap as an exception to the data owner and a metric, publishes it to NATS, and quarantines what cannot be mapped', async (t) => {
    if (!(await needMqtt(t)) || !(await needNats(t))) return;
    const world = edgeWorld(
      [
        'subscriptions:',
        '  - id: p01-edge-bus',
        '    subscriber: mes-p01',
        '    types: [exception.raised]',
        '    filter: { plant: P01 }',
        '    channel: { kind: nats, subject: "{OUT}.{type}.{plant}" }',
      ].join('\n'),
    );
    const outStream = `MR_OUT_${world.run}`;
    cleanup(t, world, [outStream, world.inStream]);
    await withNats((_, manager) => manager.streams.add({ name: outStream, subjects: [`${world.outSubject}.>`] }));
    const keyRun = runCli(['keys', 'add', '--operator', 'edge-ops', '--role', 'viewer', '--json', '--manifest', world.manifest, '--store', world.store]);
    assert.equal(keyRun.status, 0, keyRun.stderr);
    const { key } = JSON.parse(keyRun.stdout) as { key: string };
    const plc = await publisher(world.run);
    t.after(() => plc.endAsync());
    const hub = await world.serve({ MILLRACE_DELIVERIES: 'on' });
    try {
      const get = async (path: string) => (await fetch(`${hub.url}${path}`, { headers: { authorization: `Bearer ${key}` } })).json() as Promise<Record<string, unknown>>;
      await firstMessage(plc, world, 'L7');
      for (const seq of [2, 5]) await plc.publishAsync(world.topicOf('L7'), completion(seq), { qos: 1 });
      const gap = await eventually('a sequence_gap exception in the log', async () => (await logOf(world.store)).find((s) => s.event.type === 'exception.raised' && s.event.data.code === 'sequence_gap')?.event);
      assert.equal(gap.source, '/millrace');
      assert.equal(gap.data.owner, 'production-planning', "the production domain's owner team");
      assert.equal(gap.data.workflow, 'intake');
      assert.deepEqual(gap.data.evidence, [`${COMPLETIONS}/L7/5`]);
      assert.deepEqual(gap.data.details, { source: '/systems/mes-p01', topic: world.topicOf('L7'), binding: COMPLETIONS, publisher: 'L7', received: 5, missingFrom: 3, missingTo: 4, missing: 2 });
      assert.match(String(gap.data.message), /messages 3 to 4 of publisher L7 never arrived/);

      const listed = await eventually('the exception listed for its owner', async () => {
        const body = await get('/v1/exceptions?code=sequence_gap');
        const items = body.items as { owner: string; status: string; code: string }[] | undefined;
        return items !== undefined && items.length === 1 ? items[0] : undefined;
      });
      assert.deepEqual([listed.owner, listed.status], ['production-planning', 'open']);

      const metrics = await (await fetch(`${hub.url}/metrics`)).text();
      assert.match(metrics, /millrace_source_sequence_breaches_total\{source="\/systems\/mes-p01",kind="gap"\} 1/);
      assert.match(metrics, /millrace_source_missing_messages_total\{source="\/systems\/mes-p01"\} 2/);

      // Published on NATS on the subject of its type and plant, with the delivery id as the message id.
      const published = await withNats(async (connection) => {
        const consumer = await jetstream(connection).consumers.get(outStream);
        const message = await eventually('the exception on the NATS subject', async () => (await consumer.next({ expires: 1000 })) ?? undefined);
        return { subject: message.subject, msgId: message.headers?.get('Nats-Msg-Id'), body: message.json<CloudEvent>() };
      });
      assert.equal(published.subject, `${world.outSubject}.exception.raised.P01`);
      assert.equal(published.body.id, gap.id);
      assert.ok(published.msgId !== undefined && published.msgId !== '', 'a message id for JetStream dedupe');

      // A payload that is not JSON, and one with a quantity that is not a decimal: kept, acked, never dropped.
      await plc.publishAsync(world.topicOf('L7'), 'ERR 42 sensor offline', { qos: 1 });
      await plc.publishAsync(world.topicOf('L7'), completion(6, { good: '1,2.3' }), { qos: 1 });
      const held = await eventually('two mqtt entries in quarantine', async () => {
        const items = (await get('/v1/quarantine?channel=mqtt')).items as { reason: { code: string }; source: string; name: string; status: string }[] | undefined;
        return items !== undefined && items.length === 2 ? items : undefined;
      });
      assert.deepEqual(held.map((e) => e.reason.code).sort(), ['not_decimal', 'payload_not_json']);
      assert.ok(held.every((e) => e.source === '/systems/mes-p01' && e.name === world.topicOf('L7') && e.status === 'held'));
      // Message 6 was received (only not mappable): no new gap.
      await plc.publishAsync(world.topicOf('L7'), completion(7), { qos: 1 });
      await eventually('message 7 in the log', async () => (idsFrom(await logOf(world.store), '/systems/mes-p01').has(`${COMPLETIONS}/L7/7`) ? true : undefined));
      assert.equal(intakeBreaches(await logOf(world.store)).length, 1);
    } finally {
      await stop(hub);
    }
  });
});

/** A goods receipt of plant P02's warehouse, as its NATS stream carries it. */
function receipt(n: number): CloudEvent {
  return {
    specversion: '1.0',
    id: `gr-p02-${n}`,
    source: '/systems/wms-p02',
    type: 'goods.received',
    time: '2026-03-02T13:15:00-06:00',
    data: { receiptId: `GR-P02-${n}`, plant: 'P02', lines: [{ poNumber: `PO-77${n}`, line: 1, quantity: '12.500', uom: 'EA' }] },
  };
}

describe('NATS JetStream bridge', () => {
  it('takes what was published before the hub started, quarantines a bad event, and loses nothing to a SIGKILL', async (t) => {
    if (!(await needNats(t))) return;
    const world = edgeWorld();
    cleanup(t, world, [world.inStream]);
    const publish = (from: number, to: number, connection: NatsConnection) => {
      const js = jetstream(connection);
      return (async () => {
        for (let n = from; n <= to; n += 1) await js.publish(`${world.inSubject}.receipts`, JSON.stringify(receipt(n)));
      })();
    };
    await withNats(async (connection, manager) => {
      await manager.streams.add({ name: world.inStream, subjects: [`${world.inSubject}.>`] });
      await publish(1, 20, connection);
      // Breaks its contract (a float quantity): kept in quarantine, acked.
      await jetstream(connection).publish(`${world.inSubject}.receipts`, JSON.stringify({ ...receipt(0), id: 'gr-p02-bad', data: { ...receipt(0).data, lines: [{ poNumber: 'PO-1', line: 1, quantity: 12.5, uom: 'EA' }] } }));
    });
    const source = '/systems/wms-p02';
    let hub = await world.serve();
    await eventually('the 20 receipts in the log', async () => (idsFrom(await logOf(world.store), source).size === 20 ? true : undefined));

    const total = 320;
    const seenAtKill = await withNats(async (connection) => {
      const publishing = publish(21, total, connection);
      const seen = await eventually('40 more receipts committed', async () => {
        const n = idsFrom(await logOf(world.store), source).size;
        return n >= 60 ? n : undefined;
      });
      hub.child.kill('SIGKILL');
      await hub.exited;
      await publishing;
      return seen;
    });
    const afterKill = idsFrom(await logOf(world.store), source).size;
    assert.ok(afterKill < total, `the hub was killed before it had taken everything (${afterKill} of ${total}; ${seenAtKill} seen at the kill)`);

    hub = await world.serve();
    try {
      const log = await eventually(`all ${total} receipts in the log`, async () => {
        const events = await logOf(world.store);
        return idsFrom(events, source).size === total ? events : undefined;
      });
      const ids = idsFrom(log, source);
      assert.deepEqual([...ids.entries()].filter(([, n]) => n !== 1), [], 'no event stored twice');
      assert.ok(!ids.has('gr-p02-bad'));
      // Everything acked after its commit: nothing left pending or waiting for an ack.
      const info = await eventually('the consumer drained', () =>
        withNats(async (_, manager) => {
          const consumer = await manager.consumers.info(world.inStream, `hub_${world.run}`);
          return consumer.num_pending === 0 && consumer.num_ack_pending === 0 ? consumer : undefined;
        }),
      );
      assert.equal(info.config.ack_policy, 'explicit');
      const store = await openStore(world.store, 'reader');
      try {
        const entries = (await store.quarantines.listQuarantine({ channel: 'nats' }, 10)).items;
        assert.equal(entries.length, 1);
        assert.equal(entries[0]?.reason.code, 'contract_violation');
        assert.equal(entries[0]?.source, source);
      } finally {
        await store.close();
      }
    } finally {
      await stop(hub);
    }
  });
});

describe('NATS JetStream on several hubs sharing one PostgreSQL database', () => {
  it('has one hub read the durable consumer, another take over when it is killed (SIGKILL), and every message in the log once, none skipped', async (t) => {
    if (!(await needNats(t)) || !(await needPostgres(t))) return;
    const world = edgeWorld();
    cleanup(t, world, [world.inStream]);
    // NATS only (MQTT on several hubs: src/server/edge-mqtt-several-hubs.int.test.ts).
    writeFileSync(world.manifest, readFileSync(world.manifest, 'utf8').replace(/\nmqtt:\n[\s\S]*?\n(?=# A plant that runs NATS)/, '\n'));
    const schema = uniqueSchema('mr_edge_hubs');
    t.after(() => dropSchema(schema));
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('schema', schema);
    const store = url.toString();
    const source = '/systems/wms-p02';
    const publish = (from: number, to: number) =>
      withNats(async (connection) => {
        for (let n = from; n <= to; n += 1) await jetstream(connection).publish(`${world.inSubject}.receipts`, JSON.stringify(receipt(n)));
      });
    /** The log once it holds receipts 1..`total`; each must be there exactly once. */
    const allOnce = async (total: number) => {
      const ids = await eventually(`receipts 1..${total} in the log`, async () => {
        const found = idsFrom(await openStore(store, 'reader').then(async (log) => log.readFrom(0, 1_000_000).finally(() => log.close())), source);
        return Array.from({ length: total }, (_, i) => `gr-p02-${i + 1}`).every((id) => found.has(id)) ? found : undefined;
      });
      assert.deepEqual([...ids.entries()].filter(([, n]) => n !== 1), [], 'no receipt stored twice');
      assert.equal(ids.size, total, 'no receipt but those published');
    };
    const gauge = async (hub: ServerProcess) => {
      const text = await (await fetch(`${hub.url}/metrics`)).text();
      return new RegExp(`^millrace_edge_connected\\{channel="nats",id="wms-p02-events"\\} (\\d)$`, 'm').exec(text)?.[1];
    };

    await withNats((_, manager) => manager.streams.add({ name: world.inStream, subjects: [`${world.inSubject}.>`] }));
    const serve = () => startServe(['--manifest', world.manifest, '--store', store, '--log-level', 'warn']);
    const hubs = [await serve(), await serve()];
    t.after(() => Promise.all(hubs.filter((hub) => hub.child.exitCode === null && hub.child.signalCode === null).map(stop)));
    await publish(1, 40);
    await allOnce(40);
    // Before: both hubs read the consumer (both gauges 1), sharing one read position.
    const reading = await eventually('a hub reading the consumer', async () => {
      const gauges = await Promise.all(hubs.map(gauge));
      return gauges.includes('1') ? gauges : undefined;
    });
    assert.deepEqual([...reading].sort(), ['0', '1'], `one hub reads the consumer, the other waits: ${reading.join(', ')}`);
    const reader = hubs[reading.indexOf('1')] as ServerProcess;
    const other = hubs[reading.indexOf('0')] as ServerProcess;

    reader.child.kill('SIGKILL');
    await reader.exited;
    await publish(41, 80);
    await eventually('the other hub reading the consumer', async () => ((await gauge(other)) === '1' ? true : undefined));
    await allOnce(80);

    // The consumer is created again from the read position the hubs kept: nothing before it is skipped.
    await withNats((_, manager) => manager.consumers.delete(world.inStream, `hub_${world.run}`));
    await publish(81, 90);
    await allOnce(90);
  });
});

describe('the edge clients in /metrics', () => {
  it('says whether the hub reads from each broker: 0 while it retries, 1 once it is subscribed or reading its consumer', async (t) => {
    if (!(await needMqtt(t)) || !(await needNats(t))) return;
    // The plant's stream does not exist yet: the hub retries its consumer until it does.
    const world = edgeWorld();
    cleanup(t, world, [world.inStream]);
    const hub = await world.serve();
    try {
      const gauge = async (channel: string, id: string) => {
        const text = await (await fetch(`${hub.url}/metrics`)).text();
        return new RegExp(`^millrace_edge_connected\\{channel="${channel}",id="${id}"\\} (\\d)$`, 'm').exec(text)?.[1];
      };
      await eventually('the MQTT client subscribed', async () => ((await gauge('mqtt', world.clientId)) === '1' ? true : undefined));
      assert.equal(await gauge('nats', 'wms-p02-events'), '0', 'the consumer of a missing stream is not being read');
      await withNats((_, manager) => manager.streams.add({ name: world.inStream, subjects: [`${world.inSubject}.>`] }));
      await eventually('the NATS consumer read', async () => ((await gauge('nats', 'wms-p02-events')) === '1' ? true : undefined));
    } finally {
      await stop(hub);
    }
  });

  it('reports 0 for a broker that does not answer', async (t) => {
    const world = edgeWorld();
    cleanup(t, world);
    // Nothing listens on port 1: the MQTT client retries, and the hub serves all the same.
    writeFileSync(world.manifest, readFileSync(world.manifest, 'utf8').replace(`url: ${MQTT_URL}`, 'url: mqtt://127.0.0.1:1'));
    const hub = await world.serve();
    try {
      const text = await (await fetch(`${hub.url}/metrics`)).text();
      assert.match(text, new RegExp(`^millrace_edge_connected\\{channel="mqtt",id="${world.clientId}"\\} 0$`, 'm'));
    } finally {
      await stop(hub);
    }
  });
});
