// A path whose id is missing: `/v1/exceptions/` (an id left out, or a template variable left
// unset) answered 404 "no exception " with nothing after it, as if an exception called "" had been
// looked for and not found. It is a 400 naming the path parameter, on every route that takes one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestHub } from '../../test/support/hub.js';
import { callHub, startTestHub } from '../../test/support/hub.js';

describe('path parameters', () => {
  let t: TestHub;
  const operator = () => t.keys.get('operator:ap-lead')!;

  before(async () => {
    t = await startTestHub();
  });
  after(() => t.close());

  it('refuses an empty id in the path with 400 naming the parameter, and points a GET at the listing where there is one', async () => {
    const cases = [
      ['GET', '/v1/exceptions/', 'params/id is empty: GET /v1/exceptions/:id needs an id in the path; to list them, GET /v1/exceptions'],
      ['GET', '/v1/workflows/p2p/', 'params/poNumber is empty: GET /v1/workflows/p2p/:poNumber needs a poNumber in the path; to list them, GET /v1/workflows/p2p'],
      ['GET', '/v1/quarantine/', 'params/id is empty: GET /v1/quarantine/:id needs an id in the path; to list them, GET /v1/quarantine'],
      ['GET', '/v1/deliveries/', 'params/id is empty: GET /v1/deliveries/:id needs an id in the path; to list them, GET /v1/deliveries'],
      ['GET', '/v1/inventory/', 'params/plant is empty: GET /v1/inventory/:plant needs a plant in the path'],
      ['GET', '/v1/workflows/production/', 'params/order is empty: GET /v1/workflows/production/:order needs an order in the path'],
      ['GET', '/v1/workflows/transfer/', 'params/id is empty: GET /v1/workflows/transfer/:id needs an id in the path'],
      ['GET', '/v1/inbound/messages/', 'params/messageId is empty: GET /v1/inbound/messages/:messageId needs a messageId in the path'],
      ['POST', '/v1/exceptions//resolve', 'params/id is empty: POST /v1/exceptions/:id/resolve needs an id in the path'],
      ['POST', '/v1/quarantine//retry', 'params/id is empty: POST /v1/quarantine/:id/retry needs an id in the path'],
      ['POST', '/v1/quarantine//discard', 'params/id is empty: POST /v1/quarantine/:id/discard needs an id in the path'],
      ['POST', '/v1/deliveries//retry', 'params/id is empty: POST /v1/deliveries/:id/retry needs an id in the path'],
    ] as const;
    for (const [method, url, detail] of cases) {
      const answer = await callHub(t, method, url, operator(), method === 'POST' ? { reason: 'checked by hand' } : undefined);
      assert.deepEqual([answer.status, answer.body.code, answer.body.detail], [400, 'invalid_request', detail], `${method} ${url}`);
    }
  });

  it('refuses an id of white space only the same way', async () => {
    const answer = await callHub(t, 'GET', '/v1/exceptions/%20%20', operator());
    assert.deepEqual([answer.status, answer.body.detail], [400, 'params/id is blank (white space only): GET /v1/exceptions/:id needs an id in the path; to list them, GET /v1/exceptions']);
  });

  it('still answers 404 naming an id that is given and not known, and asks for a key first', async () => {
    const answer = await callHub(t, 'GET', '/v1/exceptions/EXC-nope', operator());
    assert.deepEqual([answer.status, answer.body.detail], [404, 'no exception EXC-nope']);
    assert.equal((await callHub(t, 'GET', '/v1/exceptions/', 'mr_not_a_key')).status, 401);
  });
});
