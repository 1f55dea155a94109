// Several hubs on one PostgreSQL database run one manifest, so one MQTT client id: the broker
// keeps one session under it and hands it to whichever client connected last. Against the real
// Mosquitto and PostgreSQL, two hubs in process, each with its own store connection, as two
// `millrace serve` on one schema would be.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import mqtt from 'mqtt';
import { PostgresStore } from '../adapters/postgres/postgres-store.js';
import { startTestHub } from '../../test/support/hub.js';
import type { TestHub } from '../../test/support/hub.js';
import { dropSchema, MQTT_URL, needMqtt, needPostgres, POSTGRES_URL, uniqueSchema } from '../../test/support/services.js';
import { eventually } from '../../test/support/eventually.js';
import { endMqttSession, mqttTestManifest } from '../../test/support/mqtt-manifest.js';

const MESSAGES = 60;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('MQTT on several hubs sharing one PostgreSQL database', () => {
  it('has one hub hold the session at a time, and a line numbered 1..60 raises no sequence gap or reset', async (t) => {
    if (!(await needMqtt(t)) || !(await needPostgres(t))) return;
    const { run, dir, clientId, topic, manifestPath } = mqttTestManifest('millrace-mqtt-hubs-');
    const schema = uniqueSchema('mr_mqtt_hubs');
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('schema', schema);
    const stores = [await PostgresStore.open({ url: url.toString() }), await PostgresStore.open({ url: url.toString() })];
    const plc = await mqtt.connectAsync(MQTT_URL, { protocolVersion: 5, clientId: `plc-${run}`, reconnectPeriod: 0 });
    const hubs: TestHub[] = [];
    t.after(async () => {
      await Promise.all(hubs.map((hub) => hub.close()));
      await plc.endAsync();
      await endMqttSession(clientId);
      await Promise.all(stores.map((store) => store.close()));
      await dropSchema(schema);
      rmSync(dir, { recursive: true, force: true });
    });
    for (const store of stores) hubs.push(await startTestHub({ store, manifestPath, flags: { store: url.toString() } }));
    const [first, second] = stores as [PostgresStore, PostgresStore];
    const gauges = () =>
      Promise.all(hubs.map(async (hub) => new RegExp(`^millrace_edge_connected\\{channel="mqtt",id="${clientId}"\\} (\\d)$`, 'm').exec((await hub.hub.http.inject({ method: 'GET', url: '/metrics' })).body)?.[1]));
    const inLog = async (seq: number) => (await first.find('/systems/mes-p01', `mes-p01-completions/L1/${seq}`)) !== undefined;

    // A session at the broker before the line publishes: message 1 is sent until a hub has it.
    await eventually('message 1 in the log', async () => {
      await plc.publishAsync(topic, JSON.stringify({ seq: 1, order: 'PRD-1', good: '10', scrap: '0', ts: '2026-03-02T13:15:00+01:00' }), { qos: 1 });
      await pause(200);
      return (await inLog(1)) ? true : undefined;
    });
    // The line publishes over a few seconds, long enough for a hub that lost the session to take it back.
    for (let seq = 2; seq <= MESSAGES; seq += 1) {
      await plc.publishAsync(topic, JSON.stringify({ seq, order: `PRD-${seq}`, good: '10', scrap: '0', ts: '2026-03-02T13:15:00+01:00' }), { qos: 1 });
      await pause(60);
      const now = await gauges();
      // Before: both hubs connected under the one client id, taking the session from each other.
      assert.notDeepEqual(now, ['1', '1'], `after message ${seq}, both hubs say they hold the session`);
    }
    await eventually(`messages 1..${MESSAGES} in the log`, async () => ((await inLog(MESSAGES)) ? true : undefined));
    for (let seq = 1; seq <= MESSAGES; seq += 1) assert.ok(await inLog(seq), `message ${seq} in the log`);
    const breaches = (await second.readFrom(0, 10_000)).filter((s) => s.event.type === 'exception.raised' && s.event.data.workflow === 'intake');
    // Before: a hub that got the session back judged the next number against its own last one,
    // not the other hub's: a false sequence_gap for the messages the other hub had taken.
    assert.deepEqual(
      breaches.map((s) => `${String(s.event.data.code)}: ${String(s.event.data.message)}`),
      [],
    );
    const connected = await gauges();
    assert.deepEqual([...connected].sort(), ['0', '1'], `one hub holds the session, the other waits: ${connected.join(', ')}`);

    // The hub holding the session stops: the other takes it over, and the line goes on from there.
    const holder = connected.indexOf('1');
    await hubs[holder]?.close();
    hubs.splice(holder, 1);
    for (let seq = MESSAGES + 1; seq <= 2 * MESSAGES; seq += 1) {
      await plc.publishAsync(topic, JSON.stringify({ seq, order: `PRD-${seq}`, good: '10', scrap: '0', ts: '2026-03-02T13:15:00+01:00' }), { qos: 1 });
    }
    await eventually(`messages up to ${2 * MESSAGES} in the log`, async () => ((await inLog(2 * MESSAGES)) ? true : undefined));
    for (let seq = MESSAGES + 1; seq <= 2 * MESSAGES; seq += 1) assert.ok(await inLog(seq), `message ${seq} in the log`);
    const after = (await second.readFrom(0, 10_000)).filter((s) => s.event.type === 'exception.raised' && s.event.data.workflow === 'intake');
    assert.deepEqual(after.map((s) => String(s.event.data.message)), []);
    assert.deepEqual(await gauges(), ['1'], 'the other hub holds the session');
  });
});
