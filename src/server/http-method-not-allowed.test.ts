// A path the hub serves, asked with a method it does not take, is 405 method_not_allowed with
// an `Allow` header (RFC 9110 15.5.6), not 404 as if the path did not exist: `DELETE /v1/kpis`
// told the caller there were no KPIs. Paths the hub does not serve stay 404. docs/adr/0036.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { TestHub } from '../../test/support/hub.js';
import { callHub, postOverSocket, startTestHub } from '../../test/support/hub.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

function assertNotAllowed(response: LightMyRequestResponse, allow: string, what: string): void {
  assert.equal(response.statusCode, 405, `${what}: ${response.body}`);
  assert.equal(response.headers.allow, allow, what);
  assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', what);
  const body = response.json<{ code: string; status: number; detail: string }>();
  assert.deepEqual([body.code, body.status], ['method_not_allowed', 405], what);
  assert.equal(body.detail, `${what} is not served: the path takes ${allow}`, what);
}

describe('a method a path does not take', () => {
  let t: TestHub;
  const ask = (method: (typeof METHODS)[number] | 'HEAD' | 'OPTIONS', url: string, key?: string) =>
    t.hub.http.inject({ method, url, headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });
  before(async () => {
    t = await startTestHub();
  });
  after(() => t.close());

  it('answers 405 with the methods the path takes, for the calls a client gets wrong', async () => {
    const operator = t.keys.get('operator:ap-lead')!;
    assertNotAllowed(await ask('DELETE', '/v1/kpis', operator), 'GET, HEAD', 'DELETE /v1/kpis');
    assertNotAllowed(await ask('POST', '/v1/exceptions', operator), 'GET, HEAD', 'POST /v1/exceptions');
    assertNotAllowed(await ask('PUT', '/v1/workflows/p2p/4500000001', operator), 'GET, HEAD', 'PUT /v1/workflows/p2p/4500000001');
    assertNotAllowed(await ask('GET', '/v1/exceptions/EXC-1/resolve', operator), 'POST', 'GET /v1/exceptions/EXC-1/resolve');
    assertNotAllowed(await ask('GET', '/v1/events', operator), 'POST', 'GET /v1/events');
    assertNotAllowed(await ask('DELETE', '/v1/lineage?correlation=4500000001', operator), 'GET, HEAD', 'DELETE /v1/lineage');
    assertNotAllowed(await ask('POST', '/dashboard/app.js'), 'GET, HEAD', 'POST /dashboard/app.js');
  });

  it('answers 405 for every method of every documented path that the path does not take', async () => {
    const doc = (await ask('GET', '/openapi.json')).json<{ paths: Record<string, Record<string, unknown>> }>();
    const paths = Object.entries(doc.paths);
    assert.ok(paths.length > 20, `${paths.length} documented paths`);
    for (const [template, operations] of paths) {
      const url = template.replaceAll(/\{[^}]+\}/g, 'X-1');
      const taken = METHODS.filter((m) => Object.hasOwn(operations, m.toLowerCase()));
      const allow = taken.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', ');
      for (const method of METHODS.filter((m) => !taken.includes(m))) assertNotAllowed(await ask(method, url), allow, `${method} ${url.split('?')[0]}`);
    }
  });

  it('answers it before asking for a key: the methods of a path are public in /openapi.json', async () => {
    assertNotAllowed(await ask('DELETE', '/v1/kpis'), 'GET, HEAD', 'DELETE /v1/kpis');
    assertNotAllowed(await ask('DELETE', '/v1/kpis', 'not-a-key'), 'GET, HEAD', 'DELETE /v1/kpis');
    // The method the path takes still asks for the key first.
    assert.equal((await ask('GET', '/v1/kpis')).statusCode, 401);
  });

  it('keeps 404 not_found for paths the hub does not serve, whatever the method', async () => {
    for (const [method, url] of [
      ['DELETE', '/v1/nothing'],
      ['GET', '/v1/nothing'],
      ['POST', '/v1/kpis/nothing'],
      ['GET', '/dashboard/nothing.js'],
      ['GET', '/v1/workflows/p2p/4500000001/10'],
    ] as const) {
      const response = await ask(method, url, t.keys.get('operator:ap-lead'));
      assert.equal(response.statusCode, 404, `${method} ${url}: ${response.body}`);
      assert.equal(response.headers.allow, undefined, `${method} ${url}`);
      assert.equal(response.json<{ code: string }>().code, 'not_found', `${method} ${url}`);
    }
  });

  it('leaves the intake as it was: POST /v1/events by the route and by the lane', async () => {
    const event = (id: string) => ({
      specversion: '1.0',
      id,
      source: '/systems/erp-core',
      type: 'po.released',
      time: new Date().toISOString(),
      data: { poNumber: '4500000009', supplierId: 'SUP-0042', buyerPlant: 'P01', currency: 'USD', lines: [{ line: 10, itemId: 'ITM-1', quantity: '5', uom: 'EA', unitPrice: '1.00', needBy: '2026-12-31' }] },
    });
    const erp = t.keys.get('system:erp-core')!;
    assert.equal((await callHub(t, 'POST', '/v1/events', erp, event('via-route'))).status, 202);
    const url = new URL(await t.hub.http.listen({ host: '127.0.0.1', port: 0 }));
    const answered = t.hub.http.intakeLane?.requestsAnswered ?? 0;
    const lane = await postOverSocket(url, '/v1/events', { 'content-type': 'application/cloudevents+json', authorization: `Bearer ${erp}` }, JSON.stringify(event('via-lane')));
    assert.equal(lane.statusCode, 202, lane.body);
    assert.equal(t.hub.http.intakeLane?.requestsAnswered, answered + 1, 'the lane answered');
    const unauthenticated = await postOverSocket(url, '/v1/events', { 'content-type': 'application/cloudevents+json' }, JSON.stringify(event('no-key')));
    assert.equal(unauthenticated.statusCode, 401);
  });
});
