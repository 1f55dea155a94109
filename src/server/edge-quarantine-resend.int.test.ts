// The same bad message sent again and again over MQTT (an edge device retrying) or NATS (a plant
// republishing, a JetStream redelivery) while its first copy is held in the quarantine: one entry,
// counting the resends (ADR 0029), not one entry per copy. Against the real Mosquitto and
// nats-server, with the hub's broker clients running, on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { after, describe } from 'node:test';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import mqtt from 'mqtt';
import type { QuarantineView } from '../app/index.js';
import { callHub, EXAMPLE_MANIFEST, onBothStores } from '../../test/support/hub.js';
import type { TestHub } from '../../test/support/hub.js';
import { MQTT_URL, NATS_URL, needMqtt, needNats } from '../../test/support/services.js';
import { eventually } from '../../test/support/eventually.js';

const FRAGMENT = fileURLToPath(new URL('../../examples/millrace-edge.yaml', import.meta.url));
const GOODS_RECEIVED = fileURLToPath(new URL('../../contracts/receiving/goods.received/examples/v1.valid.with-rejection.json', import.meta.url));
const SENDINGS = 4;

const run = `${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), 'millrace-edge-resend-'));
const clientId = `millrace-test-${run}`;
const topic = `plants/P01/mes/L1/completed-${run}`;
const stream = `MR_RESEND_${run}`;
const subjects = `mr.${run}.events.>`;
const manifestPath = join(dir, 'millrace.yaml');
writeFileSync(
  manifestPath,
  `${readFileSync(EXAMPLE_MANIFEST, 'utf8')}\n${readFileSync(FRAGMENT, 'utf8')
    .replace('url: mqtt://127.0.0.1:1883', `url: ${MQTT_URL}`)
    .replace('plants/P01/mes/+/completed', `plants/P01/mes/+/completed-${run}`)
    .replace('clientId: millrace-hub-na', `clientId: ${clientId}`)
    .replace('url: nats://127.0.0.1:4222', `url: ${NATS_URL}`)
    .replace('stream: PLANT_P02', `stream: ${stream}`)
    .replace('durable: millrace-hub', `durable: hub_${run}`)
    .replace('filterSubject: plant.p02.events.>', `filterSubject: ${subjects}`)}`,
);
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  // The hub's persistent session goes with the test.
  const session = await mqtt.connectAsync(MQTT_URL, { protocolVersion: 5, clientId, clean: true, reconnectPeriod: 0, properties: { sessionExpiryInterval: 0 } }).catch(() => undefined);
  await session?.endAsync();
});

const completion = (seq: number, extra: Record<string, unknown> = {}) => JSON.stringify({ seq, order: `PRD-${seq}`, good: '10', scrap: '0', ts: '2026-03-02T13:15:00+01:00', ...extra });

async function held(t: TestHub, channel: string): Promise<QuarantineView[]> {
  const listed = await callHub(t, 'GET', `/v1/quarantine?channel=${channel}`, t.keys.get('operator:ap-lead') ?? '');
  return listed.body.items as QuarantineView[];
}

/** Mosquitto and nats-server, asked by each case: a case without them is skipped with the reason (failed under CI=true), never shown as passed. */
const brokers = async (t: TestContext) => (await needMqtt(t)) && (await needNats(t));

describe('a bad edge message sent again while it is held', () => {
  onBothStores(`is one quarantine entry counting ${SENDINGS - 1} resends, over MQTT and over NATS`, async (t) => {
    const nats = await connect({ servers: NATS_URL });
    const manager = await jetstreamManager(nats);
    // The hub looks for the stream every second until it is there; each case gets a stream of its own.
    await manager.streams.add({ name: stream, subjects: [subjects] });
    const plc = await mqtt.connectAsync(MQTT_URL, { protocolVersion: 5, clientId: `plc-${run}`, reconnectPeriod: 0 });
    try {
      await t.hub.edge.mqttSubscriber?.ready();
      // No good quantity: the mapping cannot read it. The device sends it again and again, then moves on.
      for (let i = 0; i < SENDINGS; i++) await plc.publishAsync(topic, completion(1, { good: undefined }), { qos: 1 });
      await plc.publishAsync(topic, completion(2), { qos: 1 });
      // wms-p02 may not publish invoices: the door refuses it, each time it is published.
      const js = jetstream(nats);
      const invoice = JSON.stringify({ specversion: '1.0', id: `inv-${run}`, source: '/systems/wms-p02', type: 'invoice.received', time: '2026-03-02T13:15:00Z', data: {} });
      for (let i = 0; i < SENDINGS; i++) await js.publish(`mr.${run}.events.invoices`, invoice);
      const receipt = JSON.parse(readFileSync(GOODS_RECEIVED, 'utf8')) as Record<string, unknown>;
      const good = { ...receipt, id: `gr-${run}`, source: '/systems/wms-p02', plant: 'P02', data: { ...(receipt.data as Record<string, unknown>), plant: 'P02' } };
      await js.publish(`mr.${run}.events.receipts`, JSON.stringify(good));

      // Each channel takes its messages in order: once the good one is in, the bad ones were handled.
      await eventually('MQTT message 2 in the log', async () => ((await t.store.find('/systems/mes-p01', 'mes-p01-completions/L1/2')) === undefined ? undefined : true));
      await eventually('the NATS receipt in the log', async () => ((await t.store.find('/systems/wms-p02', `gr-${run}`)) === undefined ? undefined : true));

      // Before: one held entry per sending on each channel.
      for (const channel of ['mqtt', 'nats']) {
        const entries = await held(t, channel);
        assert.deepEqual(
          entries.map((e) => [e.status, e.resends]),
          [['held', SENDINGS - 1]],
          `${channel}: ${entries.map((e) => `${e.id} ${e.status} resends ${e.resends}`).join('; ')}`,
        );
        assert.equal(entries[0]?.attempts.filter((a) => a.action === 'resend').length, SENDINGS - 1);
      }
      const [mqttEntry] = await held(t, 'mqtt');
      assert.equal(mqttEntry?.name, topic);
      // The device's repeats are neither a gap nor a reset.
      const breaches = (await t.store.readFrom(0, 1000)).filter((s) => s.event.type === 'exception.raised');
      assert.deepEqual(breaches.map((s) => s.event.data.code), []);
    } finally {
      await plc.endAsync();
      await manager.streams.delete(stream).catch(() => undefined);
      await nats.close();
    }
  }, { manifestPath, needs: brokers });
});
