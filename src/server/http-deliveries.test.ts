// The delivery routes of a running hub: listing, retry, replay (dry run and real), who may
// do what, their problem+json answers; and a hub that refuses to start without its secrets.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteStore, verifySignature } from '../adapters/index.js';
import { callHub, exampleWithSubscriptions, startTestHub, webhookSubscriptions } from '../../test/support/hub.js';
import type { TestHub } from '../../test/support/hub.js';
import { startReceiver } from '../../test/support/webhook-receiver.js';
import type { WebhookReceiver } from '../../test/support/webhook-receiver.js';

const SECRET = 'shh-it-is-a-test';

/** The example manifest with one webhook subscription to the test's receiver in place of its own. */
function manifestFor(dir: string, url: string): string {
  return exampleWithSubscriptions(dir, webhookSubscriptions({ id: 'plant-receipts', types: ['goods.received'], url, secret: 'test-hook', delivery: 'maxAttempts: 1, initialBackoff: 1s, timeout: 2s' }));
}

const receipt = (id: string, correlationid: string) => ({
  specversion: '1.0' as const,
  id,
  source: '/systems/wms-p01',
  type: 'goods.received',
  time: new Date().toISOString(),
  correlationid,
  data: { receiptId: id, plant: 'P01', lines: [{ poNumber: 'PO-9', line: 1, quantity: '1', uom: 'EA' }] },
});

describe('delivery routes', () => {
  let dir: string;
  let receiver: WebhookReceiver;
  let t: TestHub;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-http-dlv-'));
    receiver = await startReceiver();
    t = await startTestHub({ manifestPath: manifestFor(dir, receiver.url), flags: { deliveries: 'on' }, env: { MILLRACE_SECRET_TEST_HOOK: SECRET }, hubOptions: { deliveryMode: 'manual' } });
  });
  after(async () => {
    await t.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const operator = () => t.keys.get('operator:ap-lead')!;
  const viewer = () => t.keys.get('viewer:plant-manager')!;

  it('lists deliveries by status, retries a dead one and replays a workflow to its subscriber', async () => {
    const runner = t.hub.deliveries!;
    receiver.mode = 'fail';
    await t.store.appendBatches([[receipt('gr-1', 'PO-9/1'), receipt('gr-2', 'PO-9/1')]], new Date().toISOString());
    await runner.runOnce();

    const dead = await callHub(t, 'GET', '/v1/deliveries?status=dead', viewer());
    assert.equal(dead.status, 200);
    const items = dead.body.items as { deliveryId: string; eventId: string; attempts: number; lastError: string }[];
    assert.deepEqual(items.map((d) => d.eventId), ['gr-1']);
    assert.match(items[0]!.lastError, /HTTP 500/);
    const blocked = await callHub(t, 'GET', '/v1/deliveries?status=blocked&subscription=plant-receipts', viewer());
    assert.deepEqual((blocked.body.items as { eventId: string }[]).map((d) => d.eventId), ['gr-2']);

    const byViewer = await callHub(t, 'POST', `/v1/deliveries/${items[0]!.deliveryId}/retry`, viewer());
    assert.equal(byViewer.status, 403);
    assert.equal(byViewer.body.code, 'forbidden_action');
    const ofBlocked = await callHub(t, 'POST', '/v1/deliveries/plant-receipts.2/retry', operator());
    assert.equal(ofBlocked.status, 409);
    assert.equal(ofBlocked.body.code, 'delivery_not_retryable');

    receiver.mode = 'ok';
    const retried = await callHub(t, 'POST', `/v1/deliveries/${items[0]!.deliveryId}/retry`, operator());
    assert.equal(retried.status, 200);
    assert.equal(retried.body.status, 'pending');
    await runner.runOnce();
    assert.deepEqual(receiver.received.filter((r) => r.deliveryId !== '').slice(-2).map((r) => r.id), ['gr-1', 'gr-2']);
    const last = receiver.received[receiver.received.length - 1]!;
    assert.ok(verifySignature(last.signature!, last.body, SECRET, Math.floor(Date.now() / 1000)));
    const again = await callHub(t, 'POST', `/v1/deliveries/${items[0]!.deliveryId}/retry`, operator());
    assert.equal(again.status, 409);

    const dry = await callHub(t, 'POST', '/v1/replay', operator(), { subscription: 'plant-receipts', correlationId: 'PO-9/1', dryRun: true });
    assert.equal(dry.status, 200);
    assert.equal(dry.body.count, 2);
    const sent = receiver.received.length;
    const replay = await callHub(t, 'POST', '/v1/replay', operator(), { subscription: 'plant-receipts', fromSequence: 1 });
    assert.equal(replay.status, 202);
    assert.deepEqual((replay.body.deliveries as { deliveryId: string }[]).map((d) => d.deliveryId).filter((id) => id.endsWith('.r1')).length, 2);
    await runner.runOnce();
    assert.deepEqual(receiver.received.slice(sent).map((r) => r.id), ['gr-1', 'gr-2']);

    const one = await callHub(t, 'GET', '/v1/deliveries/plant-receipts.1.r1', viewer());
    assert.equal(one.body.status, 'delivered');
  });

  it('replays an event earlier than its key\'s dead delivery, then retries that one: both go, the replay queued behind the dead one', async () => {
    const runner = t.hub.deliveries!;
    receiver.mode = 'ok';
    await t.store.appendBatches([[receipt('gr-3', 'PO-9/3')]], new Date().toISOString());
    await runner.runOnce();
    receiver.mode = 'fail';
    await t.store.appendBatches([[receipt('gr-4', 'PO-9/3')]], new Date().toISOString());
    await runner.runOnce();
    const dead = (await callHub(t, 'GET', '/v1/deliveries?status=dead', viewer())).body.items as { deliveryId: string; eventId: string; sequence: number }[];
    assert.deepEqual(dead.map((d) => d.eventId), ['gr-4']);

    receiver.mode = 'ok';
    const sent = receiver.received.length;
    const replay = await callHub(t, 'POST', '/v1/replay', operator(), { subscription: 'plant-receipts', correlationId: 'PO-9/3', toSequence: dead[0]!.sequence - 1 });
    assert.equal(replay.status, 202);
    assert.equal(replay.body.count, 1);
    const retried = await callHub(t, 'POST', `/v1/deliveries/${dead[0]!.deliveryId}/retry`, operator());
    assert.equal(retried.status, 200);
    await runner.runOnce();
    assert.deepEqual(receiver.received.slice(sent).map((r) => r.id), ['gr-4', 'gr-3'], 'the retried delivery, then the replay made after it: the key is not stuck');
  });

  it('retries every dead delivery of a subscription in one request (operator role), keeps each key\'s order, and answers bad input with problem+json', async () => {
    const runner = t.hub.deliveries!;
    receiver.mode = 'fail';
    await t.store.appendBatches([[receipt('gr-5', 'PO-9/5'), receipt('gr-6', 'PO-9/6'), receipt('gr-7', 'PO-9/5')]], new Date().toISOString());
    await runner.runOnce();
    const dead = (await callHub(t, 'GET', '/v1/deliveries?status=dead', viewer())).body.items as { deliveryId: string; eventId: string }[];
    assert.deepEqual(dead.map((d) => d.eventId), ['gr-6', 'gr-5']);
    const path = '/v1/subscriptions/plant-receipts/retry';

    const byViewer = await callHub(t, 'POST', path, viewer(), {});
    assert.deepEqual([byViewer.status, byViewer.body.code], [403, 'forbidden_action']);
    for (const [url, body, status, code, detail] of [
      [path, { status: 'delivered' }, 400, 'invalid_request', /status/],
      [path, { from: 'yesterday' }, 400, 'invalid_request', /from must be an RFC 3339 date-time/],
      [path, { from: '2026-03-02T10:00:00Z', to: '2026-03-02T09:00:00Z' }, 400, 'invalid_request', /to .* is not after from/],
      [path, { dryrun: true }, 400, 'invalid_request', /body\/dryrun is not a field/],
      [path, [], 400, 'invalid_request', /body/],
      ['/v1/subscriptions/nobody/retry', {}, 422, 'unknown_subscription', /nobody/],
      ['/v1/subscriptions/%20/retry', {}, 400, 'invalid_request', /params\/subscription is blank/],
    ] as const) {
      const answer = await callHub(t, 'POST', url, operator(), body);
      assert.deepEqual([answer.status, answer.body.code], [status, code], `${url} ${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`);
      assert.match(String(answer.headers['content-type']), /^application\/problem\+json/);
      assert.match(String(answer.body.detail), detail, JSON.stringify(answer.body));
    }
    const byGet = await t.hub.http.inject({ method: 'GET', url: path });
    assert.deepEqual([byGet.statusCode, byGet.headers.allow], [405, 'POST']);

    const dry = await callHub(t, 'POST', path, operator(), { dryRun: true });
    assert.deepEqual([dry.status, dry.body.count, dry.body.dryRun, dry.body.status], [200, 2, true, 'dead']);
    receiver.mode = 'ok';
    const sent = receiver.received.length;
    // No body at all: every dead delivery of the subscription.
    const retried = await callHub(t, 'POST', path, operator());
    assert.deepEqual([retried.status, retried.body.count, (retried.body.deliveries as { eventId: string; status: string }[]).map((d) => [d.eventId, d.status])], [200, 2, [['gr-5', 'pending'], ['gr-6', 'pending']]]);
    const again = await callHub(t, 'POST', path, operator());
    assert.deepEqual([again.status, again.body.count], [200, 0], 'the same request again requeues nothing');
    await runner.runOnce();
    const got = receiver.received.slice(sent).map((r) => r.id);
    assert.deepEqual(got.filter((id) => id !== 'gr-6'), ['gr-5', 'gr-7'], 'gr-7 after gr-5, its key\'s dead head');
    assert.deepEqual(got.sort(), ['gr-5', 'gr-6', 'gr-7']);

    const doc = (await t.hub.http.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }>> }>();
    const operation = doc.paths['/v1/subscriptions/{subscription}/retry']?.post;
    assert.deepEqual(Object.keys(operation?.requestBody?.content['application/json']?.schema.properties ?? {}).sort(), ['dryRun', 'from', 'status', 'to']);
  });

  it('answers with problem+json codes for what it cannot do', async () => {
    const unknown = await callHub(t, 'POST', '/v1/replay', operator(), { subscription: 'nobody', fromSequence: 1 });
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.code, 'unknown_subscription');
    const vague = await callHub(t, 'POST', '/v1/replay', operator(), { subscription: 'plant-receipts' });
    assert.equal(vague.status, 400);
    // A misspelt field is refused, not dropped: "dryrun" would otherwise make a real replay.
    const typo = await callHub(t, 'POST', '/v1/replay', operator(), { subscription: 'plant-receipts', fromSequence: 1, dryrun: true });
    assert.deepEqual([typo.status, typo.body.code, typo.body.detail], [400, 'invalid_request', 'body/dryrun is not a field of POST /v1/replay: it takes subscription, fromSequence, toSequence, correlationId, dryRun']);
    assert.deepEqual((await callHub(t, 'GET', '/v1/deliveries?status=pending', viewer())).body.items, [], 'nothing was replayed');
    const missing = await callHub(t, 'POST', '/v1/deliveries/nope/retry', operator());
    assert.equal(missing.status, 404);
    // A retry takes no fields: one sent (a client's idea of a forced retry) is refused, not dropped (docs/adr/0070).
    const forced = await callHub(t, 'POST', '/v1/deliveries/nope/retry', operator(), { force: true });
    assert.deepEqual([forced.status, forced.body.code, forced.body.detail], [400, 'invalid_request', 'body/force is not a field of POST /v1/deliveries/:id/retry: it takes no fields (send no body, or {})']);
    assert.equal((await callHub(t, 'POST', '/v1/deliveries/nope/retry', operator(), {})).status, 404, '{} is a retry as no body is');
    const partner = await callHub(t, 'GET', '/v1/deliveries', t.keys.get('partner:sup-0107')!);
    assert.equal(partner.status, 403, "a partner does not see other subscribers' deliveries");
    const badStatus = await callHub(t, 'GET', '/v1/deliveries?status=lost', operator());
    assert.equal(badStatus.status, 400);
  });
});

describe('a replay of a range the log does not reach yet', () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub();
  });
  after(() => t.close());

  it('replays nothing, rather than blaming a toSequence the caller never gave', async () => {
    // With no toSequence, the range ran to the log's head: on an empty log, or from past it,
    // the answer was 400 "toSequence 0 is before fromSequence 1".
    const operator = t.keys.get('operator:ap-lead')!;
    for (const body of [
      { subscription: 'erp-inventory', correlationId: '4500012345', dryRun: true },
      { subscription: 'erp-inventory', fromSequence: 999_999, dryRun: true },
      { subscription: 'erp-inventory', fromSequence: 999_999 },
    ]) {
      const answer = await callHub(t, 'POST', '/v1/replay', operator, body);
      assert.deepEqual([answer.status, answer.body.count, answer.body.deliveries], [body.dryRun === true ? 200 : 202, 0, []], JSON.stringify(body));
    }
    const backwards = await callHub(t, 'POST', '/v1/replay', operator, { subscription: 'erp-inventory', fromSequence: 5, toSequence: 2 });
    assert.deepEqual([backwards.status, backwards.body.detail], [400, 'toSequence 2 is before fromSequence 5']);
  });
});

describe('a manifest that drops its last subscription', () => {
  it('still withdraws what that subscription had queued, so it is not sent if the subscription comes back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-http-last-'));
    const receiver = await startReceiver();
    const store = new SqliteStore(':memory:');
    try {
      receiver.mode = 'fail';
      const first = await startTestHub({ store, manifestPath: manifestFor(dir, receiver.url), flags: { deliveries: 'on' }, env: { MILLRACE_SECRET_TEST_HOOK: SECRET }, hubOptions: { deliveryMode: 'manual' } });
      await store.appendBatches([[receipt('gr-1', 'PO-7/1')]], new Date().toISOString());
      await first.hub.deliveries!.runOnce();
      await first.close();
      assert.equal((await store.deliveries.getDelivery('plant-receipts.1'))?.status, 'dead');

      const without = await startTestHub({ store, manifestPath: exampleWithSubscriptions(dir, 'subscriptions: []'), flags: { deliveries: 'on' }, hubOptions: { deliveryMode: 'manual' } });
      assert.ok(without.hub.deliveries, 'a runner, though the manifest declares no subscription');
      await without.hub.deliveries.runOnce();
      await without.close();
      const withdrawn = await store.deliveries.getDelivery('plant-receipts.1');
      assert.deepEqual([withdrawn?.status, withdrawn?.lastError], ['withdrawn', 'withdrawn, never sent: subscription plant-receipts is not in the manifest any more']);
    } finally {
      await store.close();
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the delivery pool, from the configuration', () => {
  it('keeps at most MILLRACE_DELIVERY_PER_SUBSCRIPTION deliveries of one subscription in flight', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-http-pool-'));
    const slow = await startReceiver();
    const fast = await startReceiver();
    slow.mode = 'hang';
    const hook = (id: string, url: string) => ({ id, types: ['goods.received'], url, delivery: 'timeout: 10s' });
    const manifestPath = exampleWithSubscriptions(dir, webhookSubscriptions(hook('slow-erp', slow.url), hook('fast-wms', fast.url)));
    const t = await startTestHub({ manifestPath, flags: { deliveries: 'on' }, env: { MILLRACE_DELIVERY_PER_SUBSCRIPTION: '1' }, hubOptions: { deliveryMode: 'manual' } });
    try {
      const runner = t.hub.deliveries!;
      // Three keys: the default (4 per subscription) would hold all three open at the slow receiver.
      await t.store.appendBatches([[receipt('gr-1', 'PO-8/1'), receipt('gr-2', 'PO-8/2'), receipt('gr-3', 'PO-8/3')]], new Date().toISOString());
      const round = runner.runOnce();
      // The fast subscriber gets its three one after the other, each in the one slot it has.
      await fast.waitFor(3);
      assert.deepEqual(slow.received.map((r) => r.id), ['gr-1'], 'one request of the slow subscription at a time');
      slow.mode = 'ok';
      slow.release();
      await round;
      assert.deepEqual(slow.received.map((r) => r.id), ['gr-1', 'gr-2', 'gr-3']);
    } finally {
      await t.close();
      await slow.close();
      await fast.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('delivery secrets', () => {
  it('refuses to start a hub whose webhook names a secret the environment does not give, naming the variable', async () => {
    await assert.rejects(startTestHub({ flags: { deliveries: 'on' } }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'invalid_config');
      assert.match(error.message, /subscriptions\[id=erp-inventory\]\.channel\.secret names "erp-webhook": set MILLRACE_SECRET_ERP_WEBHOOK/);
      return true;
    });
  });
});
