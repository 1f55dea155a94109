// MQTT and NATS messages the hub could not take, in the quarantine: listed by channel, retried
// through their channel after a mapping fix, and the door's refusal of a NATS event kept with
// its reason. In process, on the real SQLite adapter; the broker clients are not started (the
// end-to-end tests in test/e2e/edge.e2e.test.ts run them against the real brokers).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { QuarantineView } from '../app/index.js';
import { SqliteStore } from '../bootstrap/index.js';
import { callHub, EXAMPLE_MANIFEST, startTestHub } from '../../test/support/hub.js';

const FRAGMENT = fileURLToPath(new URL('../../examples/millrace-edge.yaml', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'millrace-edge-q-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The example manifest with the edge fragment; `fix` edits the fragment. */
function manifest(name: string, fix: (fragment: string) => string = (f) => f): string {
  const path = join(dir, name);
  writeFileSync(path, `${readFileSync(EXAMPLE_MANIFEST, 'utf8')}\n${fix(readFileSync(FRAGMENT, 'utf8'))}`);
  return path;
}

const TOPIC = 'plants/P01/mes/L4/completed';
const GOODS_RECEIVED = fileURLToPath(new URL('../../contracts/receiving/goods.received/examples/v1.valid.with-rejection.json', import.meta.url));
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('the quarantine of the edge channels', () => {
  it('keeps an MQTT message the mapping cannot read, and takes it on retry after the mapping is fixed', async () => {
    const store = new SqliteStore(':memory:');
    // The mapping reads the good quantity from a field the line controller does not send.
    const broken = await startTestHub({ store, manifestPath: manifest('broken.yaml', (f) => f.replace('{ field: good, type: decimal }', '{ field: goodQty, type: decimal }')), hubOptions: { edge: false } });
    const message = { seq: 9, order: 'PRD-9', good: '40', scrap: '0', ts: '2026-03-02T13:15:00+01:00' };
    const outcome = await broken.hub.edge.mqtt.receive(TOPIC, bytes(message));
    assert.equal(outcome.kind, 'quarantined');
    const operator = broken.keys.get('operator:ap-lead') ?? '';
    const listed = await callHub(broken, 'GET', '/v1/quarantine?channel=mqtt', operator);
    const [entry] = listed.body.items as QuarantineView[];
    assert.equal(entry?.reason.code, 'missing_value');
    assert.equal(entry?.reason.message, 'goodQty: no value for goodQuantity');
    assert.deepEqual([entry?.source, entry?.name, entry?.ref], ['/systems/mes-p01', TOPIC, 'mes-p01-completions']);
    const stillFailing = await callHub(broken, 'POST', `/v1/quarantine/${entry?.id ?? ''}/retry`, operator, {});
    assert.equal((stillFailing.body as unknown as QuarantineView).status, 'held');
    await broken.hub.close();

    const fixed = await startTestHub({ store, manifestPath: manifest('fixed.yaml'), hubOptions: { edge: false } });
    try {
      const retried = await callHub(fixed, 'POST', `/v1/quarantine/${entry?.id ?? ''}/retry`, fixed.keys.get('operator:ap-lead') ?? '', {});
      assert.equal(retried.status, 200, JSON.stringify(retried.body));
      const view = retried.body as unknown as QuarantineView;
      assert.equal(view.status, 'accepted');
      assert.equal(view.attempts.at(-1)?.accepted?.[0]?.id, 'mes-p01-completions/L4/9');
      const [stored] = (await store.readFrom(0, 100)).filter((s) => s.event.id === 'mes-p01-completions/L4/9');
      assert.equal(stored?.event.data.goodQuantity, '40');
      // The same message redelivered by the broker now is a duplicate, not a second event.
      assert.equal((await fixed.hub.edge.mqtt.receive(TOPIC, bytes(message))).kind, 'duplicate');
    } finally {
      await fixed.close();
      await store.close();
    }
  });

  it('keeps a NATS event the door refuses with the door reason, under the consumer it came from', async () => {
    const t = await startTestHub({ manifestPath: manifest('nats.yaml'), hubOptions: { edge: false } });
    try {
      // wms-p02 may not publish invoices.
      const invoice = { specversion: '1.0', id: 'inv-1', source: '/systems/wms-p02', type: 'invoice.received', time: '2026-03-02T13:15:00Z', data: {} };
      const outcome = await t.hub.edge.nats.receive('wms-p02-events', 'plant.p02.events.invoices', bytes(invoice));
      assert.equal(outcome.kind, 'quarantined');
      const listed = await callHub(t, 'GET', '/v1/quarantine?channel=nats', t.keys.get('operator:ap-lead') ?? '');
      const [entry] = listed.body.items as QuarantineView[];
      assert.deepEqual([entry?.reason.code, entry?.source, entry?.ref, entry?.name], ['forbidden_event_type', '/systems/wms-p02', 'wms-p02-events', 'plant.p02.events.invoices']);
      assert.match(entry?.reason.problems[0]?.message ?? '', /systems\[id=wms-p02\]\.publishes does not list invoice\.received/);
    } finally {
      await t.close();
    }
  });

  it('refuses a payload with a __proto__ or constructor.prototype key as not JSON on NATS and MQTT, as the HTTP door does', async () => {
    const t = await startTestHub({ manifestPath: manifest('poison.yaml'), hubOptions: { edge: false } });
    try {
      const receipt = JSON.stringify({ ...(JSON.parse(readFileSync(GOODS_RECEIVED, 'utf8')) as Record<string, unknown>), id: 'gr-poison', source: '/systems/wms-p02' });
      const completion = JSON.stringify({ seq: 11, order: 'PRD-11', good: '40', scrap: '0', ts: '2026-03-02T13:15:00+01:00' });
      const poison = (json: string) => [json.replace('{', '{"__proto__": {"admin": true}, '), json.replace('{', '{"\\u005f_proto__": {"admin": true}, '), json.replace('{', '{"constructor": {"prototype": {"admin": true}}, ')];
      const encode = (text: string) => new TextEncoder().encode(text);
      // Before, NATS handed the parsed object to the door: contract_violation ('unknown property "__proto__"',
      // '/constructor must be string'), and the MQTT mapping took the completion, ignoring the key.
      for (const payload of poison(receipt)) assert.equal((await t.hub.edge.nats.receive('wms-p02-events', 'plant.p02.events.receipts', encode(payload))).kind, 'quarantined');
      for (const payload of poison(completion)) assert.equal((await t.hub.edge.mqtt.receive(TOPIC, encode(payload))).kind, 'quarantined');
      const listed = await callHub(t, 'GET', '/v1/quarantine?limit=100', t.keys.get('operator:ap-lead') ?? '');
      const entries = listed.body.items as QuarantineView[];
      assert.equal(entries.length, 6);
      for (const entry of entries) {
        assert.equal(entry.reason.code, 'payload_not_json', `${entry.channel}: ${entry.reason.message}`);
        // The HTTP door's parser and its words: the same refusal on every channel.
        assert.match(entry.reason.message, /forbidden prototype property/);
      }
      const http = await t.hub.http.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${t.keys.get('system:wms-p02') ?? ''}`, 'content-type': 'application/json' }, payload: poison(receipt)[0] ?? '' });
      assert.equal(http.statusCode, 400);
      assert.equal(http.json<{ code: string }>().code, 'malformed_json');
      assert.match(http.json<{ detail: string }>().detail, /forbidden prototype property/);
      assert.equal((await t.store.readFrom(0, 1000)).filter((s) => s.event.id === 'gr-poison' || s.event.id === 'mes-p01-completions/L4/11').length, 0);
    } finally {
      await t.close();
    }
  });

  it('says an empty message is empty, on NATS and MQTT, as the HTTP door says of an empty body', async () => {
    const t = await startTestHub({ manifestPath: manifest('empty.yaml'), hubOptions: { edge: false } });
    try {
      // Before: "is not JSON: Unexpected end of JSON input".
      assert.equal((await t.hub.edge.nats.receive('wms-p02-events', 'plant.p02.events.receipts', new Uint8Array(0))).kind, 'quarantined');
      assert.equal((await t.hub.edge.mqtt.receive(TOPIC, new TextEncoder().encode(' \r\n'))).kind, 'quarantined');
      const listed = await callHub(t, 'GET', '/v1/quarantine', t.keys.get('operator:ap-lead') ?? '');
      const reasons = (listed.body.items as QuarantineView[]).map((e) => [e.channel, e.reason.code, e.reason.problems[0]?.message ?? '']).sort();
      assert.deepEqual(reasons, [
        ['mqtt', 'payload_not_json', `the payload on ${TOPIC} is empty: publish one JSON object per message`],
        ['nats', 'payload_not_json', 'the message on plant.p02.events.receipts is empty: publish one CloudEvent per message'],
      ]);
    } finally {
      await t.close();
    }
  });

  it('keeps a message that is not UTF-8, or holds a lone surrogate, instead of taking it altered', async () => {
    const t = await startTestHub({ manifestPath: manifest('unicode.yaml'), hubOptions: { edge: false } });
    try {
      // Before, both channels decoded bytes that are not UTF-8 to U+FFFD and went on with the altered text.
      // A Latin-1 byte (é) after the JSON: not UTF-8.
      const mqtt = await t.hub.edge.mqtt.receive(TOPIC, Uint8Array.from([...bytes({ seq: 10, order: 'PRD-10', good: '40', scrap: '0', ts: '2026-03-02T13:15:00+01:00' }), 0xe9]));
      const nats = await t.hub.edge.nats.receive('wms-p02-events', 'plant.p02.events.receipts', Uint8Array.from([0x7b, 0x22, 0xff, 0x22, 0x7d]));
      const receipt = JSON.parse(readFileSync(GOODS_RECEIVED, 'utf8')) as Record<string, unknown>;
      const lone = await t.hub.edge.nats.receive('wms-p02-events', 'plant.p02.events.receipts', bytes({ ...receipt, id: 'gr-\ud800', source: '/systems/wms-p02' }));
      assert.deepEqual([mqtt.kind, nats.kind, lone.kind], ['quarantined', 'quarantined', 'quarantined']);
      const listed = await callHub(t, 'GET', '/v1/quarantine', t.keys.get('operator:ap-lead') ?? '');
      const reasons = (listed.body.items as QuarantineView[]).map((e) => [e.channel, e.reason.code, e.reason.problems[0]?.message ?? '']).sort();
      assert.deepEqual(reasons, [
        ['mqtt', 'payload_not_json', `the payload on ${TOPIC} is not valid UTF-8`],
        ['nats', 'contract_violation', '/id is not well-formed Unicode: it holds a lone surrogate (I-JSON, RFC 7493; CloudEvents strings)'],
        ['nats', 'payload_not_json', 'the message on plant.p02.events.receipts is not valid UTF-8'],
      ]);
    } finally {
      await t.close();
    }
  });
});
