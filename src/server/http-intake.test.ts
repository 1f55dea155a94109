// POST /v1/events as a partner or plant system experiences it: every answer, including each
// error status with its problem+json body, through both doors: Fastify's route (injected) and
// the intake lane in front of it (over a socket; src/adapters/http/intake-lane.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { postOverSocket, startTestHub, type TestHub } from '../../test/support/hub.js';
import { SqliteStore } from '../bootstrap/index.js';
import type { CloudEvent } from '../core/index.js';
import type { BatchOutcome, WorkflowStep } from '../ports/index.js';
import { EVENT_MEDIA_TYPES } from '../adapters/http/problem.js';

/** The SQLite store, noting the event ids of each transaction's batches (appendBatches or commitGroup). */
class GroupCountingStore extends SqliteStore {
  readonly groups: string[][][] = [];

  override appendBatches(batches: readonly (readonly CloudEvent[])[], receivedTime: string): Promise<BatchOutcome[]> {
    this.groups.push(batches.map((batch) => batch.map((event) => event.id)));
    return super.appendBatches(batches, receivedTime);
  }

  override commitGroup(batches: readonly (readonly CloudEvent[])[], receivedTime: string, steps: readonly WorkflowStep[]): ReturnType<SqliteStore['commitGroup']> {
    this.groups.push(batches.map((batch) => batch.map((event) => event.id)));
    return super.commitGroup(batches, receivedTime, steps);
  }
}

interface RawAnswer {
  readonly status: number;
  readonly head: string;
  readonly body: string;
}

/** One answer read off a socket (status, head with its line ends, body by Content-Length). */
function answerOn(socket: Socket): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = received.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1]);
      if (received.length < end + 4 + length) return;
      socket.off('data', onData);
      resolve({ status: Number(head.slice(9, 12)), head: `${head}\r\n`, body: received.subarray(end + 4, end + 4 + length).toString('utf8') });
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/**
 * POSTs the bodies on connections of their own, written all at once: the hub, in this process,
 * reads them in one turn. Each connection first carries a request of its own, answered before,
 * so that the hub has taken every connection in first: the first requests of new connections
 * came in turns of their own.
 */
async function postAllAtOnce(url: URL, key: string, bodies: readonly string[]): Promise<RawAnswer[]> {
  const sockets = await Promise.all(
    bodies.map(
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(Number(url.port), url.hostname, () => resolve(socket));
          socket.once('error', reject);
        }),
    ),
  );
  const send = (socket: Socket, body: string) =>
    socket.write(`POST /v1/events HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/cloudevents+json\r\nauthorization: Bearer ${key}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  try {
    const warm = sockets.map((socket) => answerOn(socket));
    sockets.forEach((socket, index) => send(socket, JSON.stringify(released(`warm-${index}-${randomUUID()}`))));
    assert.deepEqual((await Promise.all(warm)).map((answer) => answer.status), sockets.map(() => 202));
    const answers = sockets.map((socket) => answerOn(socket));
    sockets.forEach((socket, index) => send(socket, bodies[index] ?? ''));
    return await Promise.all(answers);
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}

function released(id: string, overrides: Record<string, unknown> = {}): CloudEvent {
  return {
    specversion: '1.0',
    id,
    source: '/systems/erp-core',
    type: 'po.released',
    time: '2026-03-02T08:15:00-05:00',
    correlationid: 'PO-4500012345',
    data: {
      poNumber: '4500012345',
      supplierId: 'SUP-0042',
      buyerPlant: 'P01',
      currency: 'USD',
      lines: [{ line: 10, itemId: 'ITM-10023', quantity: '500', uom: 'EA', unitPrice: '12.5000', needBy: '2026-03-16' }],
    },
    ...overrides,
  };
}

/** An answer as the tests read it, from either door; `lane`: the intake lane answered it. */
interface Answer {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly body: string;
  json<T = Record<string, unknown>>(): T;
  readonly lane: boolean;
}

function answer(statusCode: number, headers: Answer['headers'], body: string, lane: boolean): Answer {
  return { statusCode, headers, body, json: <T>() => JSON.parse(body) as T, lane };
}

function assertProblem(response: Pick<Answer, 'statusCode' | 'headers' | 'body' | 'json'>, status: number, code: string): Record<string, unknown> {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = response.json<Record<string, unknown>>();
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.equal(body.type, `https://millrace.dev/problems/${code.replaceAll('_', '-')}`);
  assert.equal(typeof body.title, 'string');
  assert.ok(typeof body.detail === 'string' && body.detail.length > 0, 'a detail the caller can act on');
  return body;
}

for (const door of ['route', 'lane'] as const) describe(`HTTP intake: POST /v1/events (${door})`, () => {
  let t: TestHub;
  let url: URL;
  const post = async (key: string | undefined, body: unknown, contentType = 'application/cloudevents+json'): Promise<Answer> => {
    const headers = { 'content-type': contentType, ...(key === undefined ? {} : { authorization: `Bearer ${key}` }) };
    const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    if (door === 'route') {
      const response = await t.hub.http.inject({ method: 'POST', url: '/v1/events', headers, payload });
      return answer(response.statusCode, response.headers, response.body, false);
    }
    const before = t.hub.http.intakeLane?.requestsAnswered ?? 0;
    const response = await postOverSocket(url, '/v1/events', headers, payload);
    const lane = (t.hub.http.intakeLane?.requestsAnswered ?? 0) > before;
    // The lane takes a bare event media type within the body limit, and leaves the rest to the route.
    const lanes = (EVENT_MEDIA_TYPES as readonly string[]).includes(contentType) && Buffer.byteLength(payload) <= 64 * 1024;
    assert.equal(lane, lanes, `${contentType}, ${Buffer.byteLength(payload)} bytes: ${lanes ? 'the lane' : 'the route'} should answer`);
    return answer(response.statusCode, response.headers, response.body, lane);
  };
  const erp = () => t.keys.get('system:erp-core')!;

  before(async () => {
    t = await startTestHub({ flags: { bodyLimit: '64KB' } });
    url = new URL(await t.hub.http.listen({ host: '127.0.0.1', port: 0 }));
  });
  after(() => t.close());

  it('answers 202 with the accepted id once the event is in the log', async () => {
    const response = await post(erp(), released('po-1'));
    assert.equal(response.statusCode, 202, response.body);
    const body = response.json<{ accepted: { id: string; sequence: number }[]; duplicates: unknown[] }>();
    assert.deepEqual(body.accepted.map((e) => e.id), ['po-1']);
    assert.deepEqual(body.duplicates, []);
    const stored = await t.store.find('/systems/erp-core', 'po-1');
    assert.equal(stored?.sequence, body.accepted[0]?.sequence);
    // Stored as sent, plus the hub's mark: its time is months before it arrived, past erp-core's maxLag.
    const { millracelagbreach, ...asSent } = stored?.event ?? ({} as Record<string, unknown>);
    assert.deepEqual(asSent, released('po-1'));
    assert.match(String(millracelagbreach), /^received \d+d.* after its time; systems\[id=erp-core\]\.maxLag\.default is 15m$/);
  });

  it('takes an event timed at a leap second (RFC 3339 allows :60), marking its lag like any other', async () => {
    // The contract accepts 23:59:60; JavaScript's Date.parse does not, and the lag check must not fail on it.
    const leap = released('po-leap', { time: '2016-12-31T23:59:60Z' });
    const response = await post(erp(), leap);
    assert.equal(response.statusCode, 202, response.body);
    const stored = await t.store.find('/systems/erp-core', 'po-leap');
    assert.equal(stored?.event.time, '2016-12-31T23:59:60Z');
    assert.match(String(stored?.event.millracelagbreach), /^received \d+d.* after its time; systems\[id=erp-core\]\.maxLag\.default is 15m$/);
  });

  it('accepts a batch as application/cloudevents-batch+json and as a plain JSON array', async () => {
    const batch = await post(erp(), [released('po-2'), released('po-3')], 'application/cloudevents-batch+json');
    assert.equal(batch.statusCode, 202, batch.body);
    assert.deepEqual(batch.json<{ accepted: { id: string }[] }>().accepted.map((e) => e.id), ['po-2', 'po-3']);
    const plain = await post(erp(), [released('po-4')], 'application/json; charset=utf-8');
    assert.equal(plain.statusCode, 202, plain.body);
    const single = await post(erp(), released('po-5'), 'application/json');
    assert.equal(single.statusCode, 202, single.body);
  });

  it('answers a resend with 202 and lists it as a duplicate, storing nothing twice', async () => {
    const head = await t.store.headSequence();
    const response = await post(erp(), [released('po-1'), released('po-6')], 'application/cloudevents-batch+json');
    assert.equal(response.statusCode, 202);
    const body = response.json<{ accepted: { id: string }[]; duplicates: { id: string }[] }>();
    assert.deepEqual(body.accepted.map((e) => e.id), ['po-6']);
    assert.deepEqual(body.duplicates.map((e) => e.id), ['po-1']);
    assert.equal(await t.store.headSequence(), head + 1);
  });

  it('400 malformed_json for a body that is not JSON, with the parser position', async () => {
    const body = assertProblem(await post(erp(), '{"specversion": "1.0", "id": '), 400, 'malformed_json');
    assert.match(String(body.detail), /not valid JSON/);
  });

  it('400 malformed_json for a body that is not valid UTF-8', async () => {
    const body = assertProblem(await post(erp(), Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 400, 'malformed_json');
    assert.match(String(body.detail), /UTF-8/);
  });

  it('400 malformed_json for a prototype-poisoning key, written out or \\u-escaped, and nothing is stored', async () => {
    const head = await t.store.headSequence();
    const event = JSON.stringify(released('po-poison'));
    const poisoned = [
      event.replace('{', '{"__proto__": {"admin": true}, '),
      event.replace('{', '{"\\u005f_proto__": {"admin": true}, '),
      event.replace('"data": {', '"data": {"constructor": {"prototype": {"admin": true}}, ').replace('"data":{', '"data":{"constructor":{"prototype":{"admin":true}},'),
    ];
    for (const body of poisoned) {
      assert.notEqual(body, event);
      const problem = assertProblem(await post(erp(), body), 400, 'malformed_json');
      assert.match(String(problem.detail), /prototype|constructor|__proto__/i);
    }
    // The same event without the key goes in: the check refuses the key, not the words.
    const plain = JSON.parse(event) as Record<string, unknown>;
    assert.equal((await post(erp(), { ...plain, subject: 'constructor of the line' })).statusCode, 202);
    assert.equal(await t.store.headSequence(), head + 1);
  });

  it('400 malformed_json for an empty body, and 400 invalid_request for an array sent as a single event', async () => {
    assertProblem(await post(erp(), ''), 400, 'malformed_json');
    assertProblem(await post(erp(), [released('po-7')], 'application/cloudevents+json'), 400, 'invalid_request');
    assertProblem(await post(erp(), released('po-7'), 'application/cloudevents-batch+json'), 400, 'invalid_request');
  });

  it('401 unauthenticated without a key, with a wrong key and with a revoked key', async () => {
    const missing = await post(undefined, released('po-8'));
    assertProblem(missing, 401, 'unauthenticated');
    assert.equal(missing.headers['www-authenticate'], 'Bearer realm="millrace"');
    assertProblem(await post('mr_000000000000_' + 'A'.repeat(43), released('po-8')), 401, 'unauthenticated');
    assertProblem(await post('not-a-key', released('po-8')), 401, 'unauthenticated');
    const key = t.keys.get('system:wms-p02')!;
    const keyId = key.split('_')[1]!;
    await t.store.revokeCredential(keyId, new Date().toISOString());
    assertProblem(await post(key, released('po-8', { source: '/systems/wms-p02' })), 401, 'unauthenticated');
    assert.equal(await t.store.find('/systems/erp-core', 'po-8'), undefined);
  });

  it('403 forbidden_source when the event claims another system as its source', async () => {
    const body = assertProblem(await post(t.keys.get('system:wms-p01'), released('po-9')), 403, 'forbidden_source');
    const denials = body.denials as { pointer: string; rule: string }[];
    assert.equal(denials[0]?.pointer, '/source');
    assert.match(denials[0].rule, /publishes only with source \/systems\/wms-p01/);
  });

  it('403 forbidden_event_type, naming the manifest rule, when the system may not publish the type', async () => {
    const event = released('inv-1', { source: '/systems/wms-p01' });
    const body = assertProblem(await post(t.keys.get('system:wms-p01'), event), 403, 'forbidden_event_type');
    const denials = body.denials as { pointer: string; rule: string }[];
    assert.deepEqual(denials.map((d) => d.pointer), ['/type']);
    assert.equal(denials[0]?.rule, 'systems[id=wms-p01].publishes does not list po.released');
  });

  it('409 event_conflict for the same source and id with a different body, keeping the first', async () => {
    const changed = released('po-1', { data: { ...released('po-1').data, currency: 'EUR' } });
    const body = assertProblem(await post(erp(), changed), 409, 'event_conflict');
    assert.deepEqual(body.conflicts, [{ pointer: '', source: '/systems/erp-core', id: 'po-1', existingSequence: 1 }]);
    assert.equal((await t.store.find('/systems/erp-core', 'po-1'))?.event.data.currency, 'USD');
  });

  it('413 payload_too_large over the configured body limit, saying the limit', async () => {
    const many = Array.from({ length: 200 }, (_, i) => released(`big-${i}`));
    const body = assertProblem(await post(erp(), many, 'application/cloudevents-batch+json'), 413, 'payload_too_large');
    assert.equal(body.limitBytes, 64 * 1024);
    assert.equal(await t.store.find('/systems/erp-core', 'big-0'), undefined);
  });

  if (door === 'route')
    it('reads a body sent in chunks over a socket, a character split between them, and refuses a chunked body over the limit', async () => {
      // Chunked transfer encoding: no content-length, the body arrives in pieces.
      const send = (chunks: readonly Buffer[]) =>
        new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
          const req = request({ host: url.hostname, port: url.port, path: '/v1/events', method: 'POST', headers: { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${erp()}` } }, (res) => {
            const parts: Buffer[] = [];
            res.on('data', (part: Buffer) => parts.push(part));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown> }));
          });
          req.on('error', reject);
          for (const chunk of chunks) req.write(chunk);
          req.end();
        });
      const text = Buffer.from(JSON.stringify([released('chunk-1', { subject: 'Lieferung für P01' }), released('chunk-2')]));
      // Cut inside the two bytes of "ü", then in pieces of 700 bytes.
      const cut = text.indexOf(Buffer.from('ü')) + 1;
      const pieces = [text.subarray(0, cut), ...Array.from({ length: Math.ceil((text.length - cut) / 700) }, (_, i) => text.subarray(cut + i * 700, cut + (i + 1) * 700))];
      const accepted = await send(pieces);
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      assert.equal((await t.store.find('/systems/erp-core', 'chunk-1'))?.event.subject, 'Lieferung für P01');
      const big = Buffer.from(JSON.stringify(Array.from({ length: 200 }, (_, i) => released(`chunked-big-${i}`))));
      const refused = await send(Array.from({ length: Math.ceil(big.length / 8192) }, (_, i) => big.subarray(i * 8192, (i + 1) * 8192)));
      assert.equal(refused.status, 413);
      assert.equal(refused.body.code, 'payload_too_large');
      assert.equal(await t.store.find('/systems/erp-core', 'chunked-big-0'), undefined);
    });

  it('415 unsupported_media_type for XML or text, listing the accepted types', async () => {
    const body = assertProblem(await post(erp(), '<po/>', 'application/xml'), 415, 'unsupported_media_type');
    assert.deepEqual(body.accepted, ['application/cloudevents+json', 'application/cloudevents-batch+json', 'application/json']);
    assertProblem(await post(erp(), 'hello', 'text/plain'), 415, 'unsupported_media_type');
  });

  it('422 contract_violation listing every failing JSON pointer, and nothing of the batch stored', async () => {
    const bad = released('bad-2');
    const data = structuredClone(bad.data) as { lines: Record<string, unknown>[]; currency: string };
    data.currency = 'usd';
    data.lines[0]!.quantity = 500;
    data.lines[0]!.promiseDate = '2026-03-10';
    const response = await post(erp(), [released('good-1'), { ...bad, data }, released('bad-3', { time: '2026-03-02 08:15' })], 'application/cloudevents-batch+json');
    const body = assertProblem(response, 422, 'contract_violation');
    const pointers = [...new Set((body.violations as { pointer: string }[]).map((v) => v.pointer))].sort();
    assert.deepEqual(pointers, ['/1/data/currency', '/1/data/lines/0', '/1/data/lines/0/quantity', '/2/time']);
    assert.equal(await t.store.find('/systems/erp-core', 'good-1'), undefined, 'a batch is all-or-nothing');
  });

  it('422 contract_violation for a lone surrogate in a string (I-JSON), single or in a batch, and nothing stored; an escaped pair is taken', async () => {
    // JSON.stringify writes a lone surrogate as a \u escape, as a sender's library would.
    const single = assertProblem(await post(erp(), JSON.stringify(released('lone-\ud800'))), 422, 'contract_violation');
    assert.deepEqual((single.violations as { pointer: string; keyword: string }[]).map((v) => [v.pointer, v.keyword]), [['/id', 'unicode']]);
    const batch = assertProblem(await post(erp(), JSON.stringify([released('fine-1'), released('lone-2', { subject: 'PO \udfff' })]), 'application/cloudevents-batch+json'), 422, 'contract_violation');
    assert.deepEqual((batch.violations as { pointer: string }[]).map((v) => v.pointer), ['/1/subject']);
    for (const id of ['lone-\ud800', 'fine-1', 'lone-2']) assert.equal(await t.store.find('/systems/erp-core', id), undefined, id);
    const pair = JSON.stringify(released('pair-\u{1F600}')).replace('\u{1F600}', '\\ud83d\\ude00');
    assert.ok(pair.includes('\\ud83d\\ude00'));
    assert.equal((await post(erp(), pair)).statusCode, 202);
    assert.equal((await t.store.find('/systems/erp-core', 'pair-\u{1F600}'))?.event.id, 'pair-\u{1F600}');
  });

  it('422 contract_violation at lines/N/rejectedQuantity for a receipt line that rejects more than it received, and nothing stored', async () => {
    const receipt = (id: string, rejectedQuantity: string): CloudEvent => ({
      specversion: '1.0',
      id,
      source: '/systems/wms-p01',
      type: 'goods.received',
      time: '2026-03-03T08:15:00-05:00',
      data: { receiptId: id, plant: 'P01', lines: [{ poNumber: '4500012345', line: 10, quantity: '40', uom: 'EA', rejectedQuantity }] },
    });
    const body = assertProblem(await post(t.keys.get('system:wms-p01'), receipt('gr-over-rejected', '45')), 422, 'contract_violation');
    assert.deepEqual(body.violations, [{ pointer: '/data/lines/0/rejectedQuantity', message: "must not be more than the line's quantity (45 rejected of 40 received)", keyword: 'rejectedWithinQuantity' }]);
    assert.equal(await t.store.find('/systems/wms-p01', 'gr-over-rejected'), undefined);
    assert.equal((await post(t.keys.get('system:wms-p01'), receipt('gr-all-rejected', '40'))).statusCode, 202);
  });

  it('422 unknown_event_type for a type without a contract', async () => {
    const grants = await post(erp(), released('x-1', { type: 'po.approved' }));
    // The manifest cannot grant an unknown type, so authority answers first.
    assertProblem(grants, 403, 'forbidden_event_type');
    const body = assertProblem(await post(erp(), released('x-2', { dataversion: 9 })), 422, 'unknown_event_type');
    assert.deepEqual((body.violations as { pointer: string }[]).map((v) => v.pointer), ['/dataversion']);
  });

  it('422 empty_batch for an empty array', async () => {
    assertProblem(await post(erp(), [], 'application/cloudevents-batch+json'), 422, 'empty_batch');
  });

  if (door === 'lane')
    it('lane: counts its answers in /metrics as the route does, and leaves a request with a query string to the route', async () => {
      const metric = async (outcome: string) => {
        const text = (await t.hub.http.inject({ method: 'GET', url: '/metrics' })).body;
        return Number(new RegExp(`^millrace_intake_requests_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      };
      const [accepted, malformed] = [await metric('accepted'), await metric('malformed_json')];
      assert.equal((await post(erp(), released('lane-1'))).statusCode, 202);
      assertProblem(await post(erp(), '{"id": '), 400, 'malformed_json');
      assert.deepEqual([await metric('accepted'), await metric('malformed_json')], [accepted + 1, malformed + 1]);
      const lane = t.hub.http.intakeLane!;
      const answered = lane.requestsAnswered;
      const routed = await postOverSocket(url, '/v1/events?via=route', { 'content-type': 'application/cloudevents+json', authorization: `Bearer ${erp()}` }, JSON.stringify(released('lane-2')));
      assert.equal(routed.statusCode, 202, routed.body);
      assert.equal(lane.requestsAnswered, answered);
      assert.ok(await t.store.find('/systems/erp-core', 'lane-2'));
    });

  if (door === 'lane')
    it('lane: answers as the route does over the same socket, headers and body, but for the instance', async () => {
      const key = erp();
      await post(key, released('same-1'));
      const requests: [string, Record<string, string>, string][] = [
        ['a 202 duplicate', { authorization: `Bearer ${key}` }, JSON.stringify(released('same-1'))],
        ['malformed JSON', { authorization: `Bearer ${key}` }, '{"id": '],
        ['no key', {}, JSON.stringify(released('same-2'))],
        ['another source', { authorization: `Bearer ${key}` }, JSON.stringify(released('same-3', { source: '/systems/wms-p01' }))],
        ['a conflict', { authorization: `Bearer ${key}` }, JSON.stringify(released('same-1', { subject: 'changed' }))],
        ['a contract violation', { authorization: `Bearer ${key}` }, JSON.stringify(released('same-4', { time: 'yesterday' }))],
      ];
      const lane = t.hub.http.intakeLane!;
      for (const [what, auth, payload] of requests) {
        const headers = { 'content-type': 'application/cloudevents+json', ...auth };
        const answered = lane.requestsAnswered;
        const viaLane = await postOverSocket(url, '/v1/events', headers, payload);
        assert.equal(lane.requestsAnswered, answered + 1, `${what}: the lane answered`);
        const viaRoute = await postOverSocket(url, '/v1/events?door=route', headers, payload);
        assert.equal(lane.requestsAnswered, answered + 1, `${what}: the route answered`);
        const { date: _laneDate, 'content-length': _laneLength, ...laneHeaders } = viaLane.headers;
        const { date: _routeDate, 'content-length': _routeLength, ...routeHeaders } = viaRoute.headers;
        assert.equal(viaLane.statusCode, viaRoute.statusCode, what);
        assert.deepEqual(laneHeaders, routeHeaders, what);
        assert.equal(viaLane.body, viaRoute.body.replace('"instance":"/v1/events?door=route"', '"instance":"/v1/events"'), what);
      }
    });

  if (door === 'lane')
    it('lane: a failure after the 202 is logged and leaves the answer, the event and the server standing', async () => {
      const handling = (t.hub.http.intakeLane as unknown as { options: { handling: { recordAccepted: (...args: unknown[]) => void } } }).options.handling;
      const recordAccepted = handling.recordAccepted;
      handling.recordAccepted = () => {
        throw new Error('bookkeeping failed');
      };
      try {
        const response = await post(erp(), released('after-1'));
        assert.equal(response.statusCode, 202, response.body);
        assert.ok(await t.store.find('/systems/erp-core', 'after-1'));
      } finally {
        handling.recordAccepted = recordAccepted;
      }
      assert.equal((await post(erp(), released('after-2'))).statusCode, 202);
    });

  if (door === 'lane')
    it('lane: requests arriving in one turn share one commit, each answered its own way, a bad one refusing nothing else', async () => {
      const store = new GroupCountingStore(':memory:');
      // Keys remembered, as a hub does by default: a key checked anew is hashed on the thread pool, in no particular turn.
      const own = await startTestHub({ store, flags: { credentialCacheMs: 60_000 } });
      try {
        const hubUrl = new URL(await own.hub.http.listen({ host: '127.0.0.1', port: 0 }));
        const key = own.keys.get('system:erp-core')!;
        const good = Array.from({ length: 6 }, (_, i) => JSON.stringify(released(`turn-${i}`)));
        const bodies = [...good.slice(0, 3), '{"id": ', JSON.stringify(released('turn-bad', { time: 'yesterday' })), ...good.slice(3)];
        const answers = await postAllAtOnce(hubUrl, key, bodies);
        assert.deepEqual(
          answers.map((a) => a.status),
          [202, 202, 202, 400, 422, 202, 202, 202],
          answers.map((a) => a.body).join('\n'),
        );
        assert.match(answers[3]!.head, /\r\nconnection: close\r\n/i);
        assert.match(answers[4]!.body, /"pointer":"\/time"/);
        const turn = store.groups.find((group) => group.some((ids) => ids.includes('turn-0')));
        assert.deepEqual(turn, ['turn-0', 'turn-1', 'turn-2', 'turn-3', 'turn-4', 'turn-5'].map((id) => [id]));
        for (const [index, answer] of answers.entries()) {
          if (answer.status === 202) assert.deepEqual((JSON.parse(answer.body) as { accepted: { id: string }[] }).accepted.map((a) => a.id), [(JSON.parse(bodies[index]!) as { id: string }).id]);
        }
        assert.equal(await store.find('/systems/erp-core', 'turn-bad'), undefined);
      } finally {
        await own.close();
        await store.close();
      }
    });

  if (door === 'route')
    it('404 not_found as problem+json for an unknown route', async () => {
      assertProblem(await t.hub.http.inject({ method: 'GET', url: '/v1/nothing' }), 404, 'not_found');
    });

  if (door === 'route')
    it('answers /healthz and /readyz', async () => {
      assert.deepEqual((await t.hub.http.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
      assert.deepEqual((await t.hub.http.inject({ method: 'GET', url: '/readyz' })).json(), { status: 'ready' });
    });

  if (door === 'route')
    it('serves /openapi.json as a valid OpenAPI 3.1 document describing the intake and its errors', async () => {
      const response = await t.hub.http.inject({ method: 'GET', url: '/openapi.json' });
      assert.equal(response.statusCode, 200);
      const doc = response.json<{ openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }>();
      assert.equal(doc.openapi, '3.1.0');
      const validator = new Validator();
      const result = await validator.validate(doc);
      assert.equal(result.valid, true, JSON.stringify(result.errors));
      assert.equal(validator.version, '3.1');
      const responses = Object.keys(doc.paths['/v1/events']?.post?.responses ?? {}).sort();
      assert.deepEqual(responses, ['202', '400', '401', '403', '409', '413', '415', '422', '429', '503']);
    });
});
