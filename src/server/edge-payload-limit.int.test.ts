// Edge messages larger than the hub takes (the edge payload limit, by default the HTTP body
// limit): refused visibly, in the quarantine as payload_too_large with the first bytes and the
// full size, counted on /metrics, never taken into the log, never kept whole. Against the real
// Mosquitto and nats-server, with the hub's broker clients running, in process on SQLite.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import mqtt from 'mqtt';
import type { QuarantineView } from '../app/index.js';
import { callHub, startTestHub } from '../../test/support/hub.js';
import type { TestHub } from '../../test/support/hub.js';
import { MQTT_URL, NATS_URL, needMqtt, needNats } from '../../test/support/services.js';
import { eventually } from '../../test/support/eventually.js';
import { endMqttSession, mqttTestManifest } from '../../test/support/mqtt-manifest.js';

/** What the quarantine keeps of a message over the limit. */
const KEPT = 4096;
const MIB = 1024 * 1024;

async function held(t: TestHub, channel: string): Promise<QuarantineView[]> {
  const listed = await callHub(t, 'GET', `/v1/quarantine?channel=${channel}`, t.keys.get('operator:ap-lead') ?? '');
  return (listed.body.items as QuarantineView[]).reverse();
}

async function tooLargeCount(t: TestHub, channel: string): Promise<string | undefined> {
  const text = (await t.hub.http.inject({ method: 'GET', url: '/metrics' })).body;
  return new RegExp(`^millrace_edge_payloads_too_large_total\\{channel="${channel}"\\} (\\d+)$`, 'm').exec(text)?.[1];
}

describe('an edge message over the payload limit', () => {
  it('over MQTT (the default limit, 5 MiB like an HTTP body): kept in quarantine as payload_too_large with its first bytes and its size, not in the log; a resend folds, another message does not', async (t) => {
    if (!(await needMqtt(t))) return;
    const { run, dir, clientId, topic, manifestPath } = mqttTestManifest('millrace-payload-limit-');
    const hub = await startTestHub({ manifestPath });
    const plc = await mqtt.connectAsync(MQTT_URL, { protocolVersion: 5, clientId: `plc-${run}`, reconnectPeriod: 0 });
    t.after(async () => {
      await hub.close();
      await plc.endAsync();
      await endMqttSession(clientId);
      rmSync(dir, { recursive: true, force: true });
    });
    await hub.hub.edge.mqttSubscriber?.ready();
    // A completion the mapping can read, padded to 6 MiB (a device that attaches a picture, say).
    const big = (pad: string) => {
      const head = `{"seq":1,"order":"PRD-1","good":"10","scrap":"0","ts":"2026-03-02T13:15:00+01:00","pad":"`;
      return `${head}${'x'.repeat(6 * MIB - head.length - pad.length - 2)}${pad}"}`;
    };
    const first = big('A');
    await plc.publishAsync(topic, first, { qos: 1 });
    await plc.publishAsync(topic, first, { qos: 1 });
    // Same first bytes, same size, another end: another message, not a resend of the first.
    await plc.publishAsync(topic, big('B'), { qos: 1 });
    await plc.publishAsync(topic, JSON.stringify({ seq: 2, order: 'PRD-2', good: '10', scrap: '0', ts: '2026-03-02T13:16:00+01:00' }), { qos: 1 });
    await eventually('message 2 in the log', async () => ((await hub.store.find('/systems/mes-p01', 'mes-p01-completions/L1/2')) === undefined ? undefined : true));

    // Before: message 1 went into the log whole (6 MiB in one event) and nothing said so.
    assert.ok((await hub.store.find('/systems/mes-p01', 'mes-p01-completions/L1/1')) === undefined, 'the oversize message is not in the log');
    const entries = await held(hub, 'mqtt');
    assert.deepEqual(
      entries.map((e) => [e.reason.code, e.rawBytes, e.resends, e.context.payloadBytes, e.name]),
      [
        ['payload_too_large', KEPT, 1, 6 * MIB, topic],
        ['payload_too_large', KEPT, 0, 6 * MIB, topic],
      ],
    );
    const [entry] = entries;
    assert.equal(Buffer.from(entry?.rawBase64 ?? '', 'base64').toString('utf8'), first.slice(0, KEPT), 'the first bytes, as received');
    assert.match(entry?.reason.message ?? '', /6291456 bytes.*limit of 5242880 bytes.*first 4096 bytes/);
    assert.equal(await tooLargeCount(hub, 'mqtt'), '3');

    // The rest of the bytes are gone: a retry says so, rather than failing on the cut JSON.
    const retry = await callHub(hub, 'POST', `/v1/quarantine/${entry?.id ?? ''}/retry`, hub.keys.get('operator:ap-lead') ?? '');
    const attempt = (retry.body as QuarantineView).attempts.at(-1);
    assert.deepEqual([(retry.body as QuarantineView).status, attempt?.outcome, attempt?.reason?.code], ['held', 'still_failing', 'payload_too_large']);
    assert.match(attempt?.reason?.message ?? '', /only the first 4096 of the message's 6291456 bytes were kept/);
  });

  it('over NATS (a limit set lower, MILLRACE_EDGE_PAYLOAD_LIMIT): kept in quarantine as payload_too_large, the next message goes in', async (t) => {
    if (!(await needNats(t))) return;
    const { run, dir, manifestPath } = mqttTestManifest('millrace-payload-limit-');
    const stream = `MR_LIMIT_${run}`;
    const subjects = `mr.${run}.events.>`;
    // The example's NATS consumer, on a stream of this run; no MQTT.
    writeFileSync(
      manifestPath,
      readFileSync(manifestPath, 'utf8').replace(/\nmqtt:[\s\S]*$/, '\n') +
        `nats:\n  url: ${NATS_URL}\n  consumers:\n    - { id: wms-p02-events, stream: ${stream}, durable: hub_${run}, filterSubject: "${subjects}", source: wms-p02 }\n`,
    );
    const nats = await connect({ servers: NATS_URL });
    const manager = await jetstreamManager(nats);
    await manager.streams.add({ name: stream, subjects: [subjects] });
    const hub = await startTestHub({ manifestPath, env: { MILLRACE_EDGE_PAYLOAD_LIMIT: '64KB' } });
    t.after(async () => {
      await hub.close();
      await manager.streams.delete(stream).catch(() => undefined);
      await nats.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const receipt = JSON.parse(readFileSync(new URL('../../contracts/receiving/goods.received/examples/v1.valid.with-rejection.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const event = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({ ...receipt, id, source: '/systems/wms-p02', plant: 'P02', data: { ...(receipt.data as Record<string, unknown>), plant: 'P02' }, ...extra });
    const js = jetstream(nats);
    const large = event(`gr-large-${run}`, { note: 'x'.repeat(100_000) });
    await js.publish(`mr.${run}.events.receipts`, large);
    await js.publish(`mr.${run}.events.receipts`, event(`gr-${run}`));
    await eventually('the small receipt in the log', async () => ((await hub.store.find('/systems/wms-p02', `gr-${run}`)) === undefined ? undefined : true));

    assert.ok((await hub.store.find('/systems/wms-p02', `gr-large-${run}`)) === undefined, 'the oversize message is not in the log');
    const entries = await held(hub, 'nats');
    assert.deepEqual(
      entries.map((e) => [e.reason.code, e.rawBytes, e.context.payloadBytes]),
      [['payload_too_large', KEPT, Buffer.byteLength(large)]],
    );
    assert.equal(await tooLargeCount(hub, 'nats'), '1');
  });
});
