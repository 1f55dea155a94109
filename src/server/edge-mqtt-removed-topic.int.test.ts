// A topic removed from the manifest while the hub's MQTT session (persistent: clean start off, a
// session expiry) stays at the broker: the session kept the subscription, so the hub went on
// receiving the removed topic for as long as it reconnected. Against the real Mosquitto, the hub
// restarted in process on one SQLite store.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import mqtt from 'mqtt';
import { SqliteStore } from '../bootstrap/index.js';
import { startTestHub } from '../../test/support/hub.js';
import { MQTT_URL, needMqtt } from '../../test/support/services.js';
import { eventually } from '../../test/support/eventually.js';
import { endMqttSession, mqttTestManifest } from '../../test/support/mqtt-manifest.js';

describe('an MQTT topic removed from the manifest', () => {
  it('is unsubscribed at the next start: what its publishers send afterwards no longer reaches the hub', async (t) => {
    if (!(await needMqtt(t))) return;
    const { run, dir, clientId, topic, manifestPath } = mqttTestManifest('millrace-removed-topic-');
    // A second topic, B: line L1's scrap bookings, mapped as completions under an id of its own.
    const onlyA = readFileSync(manifestPath, 'utf8');
    const declaration = /\n {4}- id: mes-p01-completions\n[\s\S]*?(?=\n\S|\n*$)/.exec(onlyA)?.[0];
    assert.ok(declaration !== undefined, 'the example declares the completions topic');
    const withB = onlyA.replace(declaration, `${declaration}${declaration.replace('id: mes-p01-completions', 'id: mes-p01-scrap').replace(`/completed-${run}`, `/scrap-${run}`)}`);
    const bothPath = join(dir, 'millrace-a-and-b.yaml');
    writeFileSync(bothPath, withB);
    const topicB = topic.replace(`/completed-${run}`, `/scrap-${run}`);

    const store = new SqliteStore(':memory:');
    const plc = await mqtt.connectAsync(MQTT_URL, { protocolVersion: 5, clientId: `plc-${run}`, reconnectPeriod: 0 });
    t.after(async () => {
      await plc.endAsync();
      await endMqttSession(clientId);
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const completion = (seq: number) => JSON.stringify({ seq, order: `PRD-${seq}`, good: '10', scrap: '0', ts: '2026-03-02T13:15:00+01:00' });
    const inLog = (id: string) => async () => ((await store.find('/systems/mes-p01', id)) === undefined ? undefined : true);
    const held = async () => (await store.quarantines.listQuarantine({ channel: 'mqtt' }, 10)).items.map((e) => [e.name, e.reason.code]);

    const first = await startTestHub({ store, manifestPath: bothPath });
    await first.hub.edge.mqttSubscriber?.ready();
    await plc.publishAsync(topicB, completion(1), { qos: 1 });
    await eventually('B 1 in the log', inLog('mes-p01-scrap/L1/1'));
    await first.close();

    // Published while the hub is down, B still subscribed in its session: the broker keeps it for
    // the hub, which receives it at its next start whatever the manifest says then.
    await plc.publishAsync(topicB, completion(2), { qos: 1 });

    // The board removes B; the hub starts again on the same session.
    const second = await startTestHub({ store, manifestPath });
    let secondOpen = true;
    try {
      await second.hub.edge.mqttSubscriber?.ready();
      await plc.publishAsync(topicB, completion(3), { qos: 1 });
      await plc.publishAsync(topic, completion(1), { qos: 1 });
      // The broker sends the session's messages in order: once A 1 is in, B 3 would have come before it.
      await eventually('A 1 in the log', inLog('mes-p01-completions/L1/1'));
      // Before: B 3 came too (the session still held the subscription) and sat in the quarantine as
      // mqtt_unmapped_topic, as every later message on B would, for as long as the hub reconnected.
      assert.deepEqual(await held(), [[topicB, 'mqtt_unmapped_topic']], 'only B 2, sent while B was subscribed, is kept (in quarantine)');

      // Once unsubscribed, a restart brings nothing of B either.
      await plc.publishAsync(topicB, completion(4), { qos: 1 });
      await second.close();
      secondOpen = false;
      const third = await startTestHub({ store, manifestPath });
      try {
        await third.hub.edge.mqttSubscriber?.ready();
        await plc.publishAsync(topic, completion(2), { qos: 1 });
        await eventually('A 2 in the log', inLog('mes-p01-completions/L1/2'));
        assert.equal((await held()).length, 1);
      } finally {
        await third.close();
      }
    } finally {
      if (secondOpen) await second.close();
    }
  });
});
