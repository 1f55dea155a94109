// A retained MQTT message (some MES publish with the retain flag, as a "last value") against the
// real Mosquitto: the hub takes it once, not again at each reconnect or restart of its
// persistent session. In process, on the real SQLite adapter, with the hub's MQTT client running.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import mqtt from 'mqtt';
import { SqliteStore } from '../bootstrap/index.js';
import { startTestHub } from '../../test/support/hub.js';
import { MQTT_URL, needMqtt } from '../../test/support/services.js';
import { eventually } from '../../test/support/eventually.js';
import { endMqttSession, mqttTestManifest } from '../../test/support/mqtt-manifest.js';

describe('retained MQTT messages', () => {
  it('are taken once, not again when the hub comes back to its session (no second quarantine entry, no false sequence reset)', async (t) => {
    if (!(await needMqtt(t))) return;
    const { run, dir, clientId, topic, manifestPath } = mqttTestManifest('millrace-retained-');
    const store = new SqliteStore(':memory:');
    const plc = await mqtt.connectAsync(MQTT_URL, { protocolVersion: 5, clientId: `plc-${run}`, reconnectPeriod: 0 });
    t.after(async () => {
      // The retained message and the hub's session go.
      await plc.publishAsync(topic, '', { qos: 1, retain: true });
      await plc.endAsync();
      await endMqttSession(clientId);
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const completion = (seq: number, extra: Record<string, unknown> = {}) => JSON.stringify({ seq, order: `PRD-${seq}`, good: '10', scrap: '0', ts: '2026-03-02T13:15:00+01:00', ...extra });
    const inLog = (seq: number) => async () => ((await store.find('/systems/mes-p01', `mes-p01-completions/L1/${seq}`)) === undefined ? undefined : true);
    const quarantined = async () => (await store.quarantines.listQuarantine({ channel: 'mqtt' }, 10)).items;

    const first = await startTestHub({ store, manifestPath });
    await first.hub.edge.mqttSubscriber?.ready();
    // Message 1 cannot be mapped (no good quantity) and is retained at the broker; 2 is not retained.
    await plc.publishAsync(topic, completion(1, { good: undefined }), { qos: 1, retain: true });
    await plc.publishAsync(topic, completion(2), { qos: 1 });
    await eventually('message 2 in the log', inLog(2));
    assert.equal((await quarantined()).length, 1);
    await first.close();

    // The hub comes back to its session. Before: the broker sent the retained message 1 again on
    // the new subscribe; it was quarantined a second time and raised a sequence_reset (1 after 2).
    const second = await startTestHub({ store, manifestPath });
    try {
      await second.hub.edge.mqttSubscriber?.ready();
      await plc.publishAsync(topic, completion(3), { qos: 1 });
      // The broker sends what the subscribe brings before what is published after it.
      await eventually('message 3 in the log', inLog(3));
      assert.equal((await quarantined()).length, 1, 'the retained message is in the quarantine once');
      const breaches = (await store.readFrom(0, 1000)).filter((s) => s.event.type === 'exception.raised');
      assert.deepEqual(breaches.map((s) => s.event.data.code), [], 'no sequence reset');
    } finally {
      await second.close();
    }
  });

  it('cleared by their publisher (an empty retained message) are no message for the quarantine', async (t) => {
    if (!(await needMqtt(t))) return;
    const { run, dir, clientId, topic, manifestPath } = mqttTestManifest('millrace-retained-');
    const store = new SqliteStore(':memory:');
    const plc = await mqtt.connectAsync(MQTT_URL, { protocolVersion: 5, clientId: `plc-${run}`, reconnectPeriod: 0 });
    const hub = await startTestHub({ store, manifestPath });
    t.after(async () => {
      await hub.close();
      await plc.endAsync();
      await endMqttSession(clientId);
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const completion = (seq: number) => JSON.stringify({ seq, order: `PRD-${seq}`, good: '10', scrap: '0', ts: '2026-03-02T13:15:00+01:00' });
    await hub.hub.edge.mqttSubscriber?.ready();
    await plc.publishAsync(topic, completion(1), { qos: 1, retain: true });
    // The MQTT way to delete a retained message: an empty payload with the retain flag. The broker
    // forwards it to the subscribers. Before: quarantined as payload_not_json, and no retry could
    // ever take it.
    await plc.publishAsync(topic, '', { qos: 1, retain: true });
    // An empty payload without the flag is a device sending nothing: kept, as before.
    await plc.publishAsync(topic, '', { qos: 1 });
    await plc.publishAsync(topic, completion(2), { qos: 1 });
    await eventually('message 2 in the log', async () => ((await store.find('/systems/mes-p01', `mes-p01-completions/L1/2`)) === undefined ? undefined : true));
    const held = (await store.quarantines.listQuarantine({ channel: 'mqtt' }, 10)).items;
    assert.deepEqual(held.map((e) => [e.reason.code, e.attempts.filter((a) => a.action === 'resend').length]), [['payload_not_json', 0]], 'one empty payload held: the one without the retain flag');
  });
});
