// Body fields the exception and quarantine routes do not take are refused naming the field, not
// dropped: `{"reason": "...", "reasn": ...}` or a field a client thought it could set
// (`assignee`, `force`) changed nothing and the request did something else (ADR 0065, as ADR
// 0052 did for the delivery routes).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { QuarantineView } from '../app/index.js';
import { SqliteStore } from '../bootstrap/index.js';
import type { TestHub } from '../../test/support/hub.js';
import { callHub, startTestHub } from '../../test/support/hub.js';
import { recordExampleHistory } from '../../test/support/p2p-history.js';

const CSV_MANIFEST = new URL('../../test/fixtures/csv/millrace.yaml', import.meta.url).pathname;

type OpenApi = { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; additionalProperties?: unknown } }> } }>> };

describe('POST /v1/exceptions/:id/resolve with a field it does not take', () => {
  let t: TestHub;
  let store: SqliteStore;
  before(async () => {
    store = new SqliteStore(':memory:');
    await recordExampleHistory(store);
    t = await startTestHub({ store });
  });
  after(async () => {
    await t.close();
    await store.close();
  });
  const operator = () => t.keys.get('operator:ap-lead')!;

  it('refuses it with 400 naming the field and the one it takes, and leaves the exception open', async () => {
    const open = await callHub(t, 'GET', '/v1/exceptions?status=open&limit=1', operator());
    const id = (open.body.items as { exceptionId: string }[])[0]!.exceptionId;
    const misspelt = await callHub(t, 'POST', `/v1/exceptions/${id}/resolve`, operator(), { reasn: 'credit note requested' });
    assert.deepEqual([misspelt.status, misspelt.body.code, misspelt.body.detail], [400, 'invalid_request', 'body/reasn is not a field of POST /v1/exceptions/:id/resolve: it takes reason']);
    const extra = await callHub(t, 'POST', `/v1/exceptions/${id}/resolve`, operator(), { reason: 'credit note requested', assignee: 'accounts-payable' });
    assert.deepEqual([extra.status, extra.body.detail], [400, 'body/assignee is not a field of POST /v1/exceptions/:id/resolve: it takes reason']);
    const still = await callHub(t, 'GET', `/v1/exceptions/${id}`, operator());
    assert.equal(still.body.status, 'open');
    assert.equal((await callHub(t, 'POST', `/v1/exceptions/${id}/resolve`, operator(), { reason: 'credit note requested' })).status, 200);
  });
});

describe('the quarantine routes with a field they do not take', () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub({ manifestPath: CSV_MANIFEST });
    const sent = await t.hub.http.inject({
      method: 'POST',
      url: '/v1/inbound/csv/wms-p02-receipts',
      headers: { authorization: `Bearer ${t.keys.get('system:wms-p02')!}`, 'content-type': 'text/csv' },
      payload: readFileSync(new URL('../../test/fixtures/csv/wms-p02-receipts-bad.csv', import.meta.url)),
    });
    assert.equal(sent.statusCode, 207);
  });
  after(() => t.close());
  const operator = () => t.keys.get('operator:ap-lead')!;

  it('refuses them with 400 naming the field, and leaves the entry held', async () => {
    const held = await callHub(t, 'GET', '/v1/quarantine?status=held&channel=csv', operator());
    const entry = (held.body.items as QuarantineView[])[0]!;
    const discard = await callHub(t, 'POST', `/v1/quarantine/${entry.id}/discard`, operator(), { reason: 'sent twice', notify: 'wms-team' });
    assert.deepEqual([discard.status, discard.body.code, discard.body.detail], [400, 'invalid_request', 'body/notify is not a field of POST /v1/quarantine/:id/discard: it takes reason']);
    const retry = await callHub(t, 'POST', `/v1/quarantine/${entry.id}/retry`, operator(), { mapping: 'wms-p02-receipts-v2' });
    assert.deepEqual([retry.status, retry.body.code, retry.body.detail], [400, 'invalid_request', 'body/mapping is not a field of POST /v1/quarantine/:id/retry: it takes no fields (send no body, or {})']);
    assert.equal((await callHub(t, 'GET', `/v1/quarantine/${entry.id}`, operator())).body.status, 'held');
    // A retry with no body, or an empty one, is still a retry.
    assert.notEqual((await callHub(t, 'POST', `/v1/quarantine/${entry.id}/retry`, operator(), {})).status, 400);
  });

  it('documents in /openapi.json that the bodies take no other field', async () => {
    const doc = (await t.hub.http.inject({ method: 'GET', url: '/openapi.json' })).json<OpenApi>();
    const bodyOf = (path: string) => doc.paths[path]?.post?.requestBody?.content['application/json']?.schema;
    assert.deepEqual([Object.keys(bodyOf('/v1/quarantine/{id}/discard')?.properties ?? {}), bodyOf('/v1/quarantine/{id}/discard')?.additionalProperties], [['reason'], false]);
    assert.deepEqual([Object.keys(bodyOf('/v1/exceptions/{id}/resolve')?.properties ?? {}), bodyOf('/v1/exceptions/{id}/resolve')?.additionalProperties], [['reason'], false]);
    assert.deepEqual([Object.keys(bodyOf('/v1/quarantine/{id}/retry')?.properties ?? {}), bodyOf('/v1/quarantine/{id}/retry')?.additionalProperties], [[], false]);
  });

  // Before, every body was marked required (the swagger plugin's rule), so a client generated
  // from /openapi.json had to send {} to a retry that takes no body (docs/adr/0070).
  it('documents in /openapi.json which bodies may be left out: the retries', async () => {
    const doc = (await t.hub.http.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, { requestBody?: { required?: boolean } }>> }>();
    const required = (path: string) => doc.paths[path]?.post?.requestBody?.required ?? false;
    assert.deepEqual(
      ['/v1/quarantine/{id}/retry', '/v1/deliveries/{id}/retry', '/v1/subscriptions/{subscription}/retry', '/v1/quarantine/{id}/discard', '/v1/exceptions/{id}/resolve', '/v1/replay'].map((path) => [path, required(path)]),
      [
        ['/v1/quarantine/{id}/retry', false],
        ['/v1/deliveries/{id}/retry', false],
        ['/v1/subscriptions/{subscription}/retry', false],
        ['/v1/quarantine/{id}/discard', true],
        ['/v1/exceptions/{id}/resolve', true],
        ['/v1/replay', true],
      ],
    );
    assert.ok(doc.paths['/v1/deliveries/{id}/retry']?.post?.requestBody, 'the delivery retry documents its (empty) body');
  });
});
