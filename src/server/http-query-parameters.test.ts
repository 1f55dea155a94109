// Query parameters a route does not take, and parameters given twice: refused with 400 naming
// them, never dropped. A filter with a typo (?state=open for ?status=open) used to answer every
// item, unfiltered, as if the filter held.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestHub } from '../../test/support/hub.js';
import { DELIVERY_STATUSES, EDGE_EXCEPTION_CODES, P2P_EXCEPTION_CODES, P2P_STAGES, PLANT_EXCEPTION_CODES } from '../core/index.js';
import { QUARANTINE_CHANNELS } from '../adapters/http/csv-routes.js';
import { MASTER_DATA_CHANNEL } from '../app/index.js';
import { callHub, startTestHub } from '../../test/support/hub.js';

describe('query parameters', () => {
  let t: TestHub;
  const operator = () => t.keys.get('operator:ap-lead')!;

  before(async () => {
    t = await startTestHub();
  });
  after(() => t.close());

  it('refuses a parameter the route does not take, naming it and the ones it takes', async () => {
    const cases = [
      ['/v1/exceptions?state=open', 'querystring/state is not a parameter of GET /v1/exceptions; it takes owner, code, status, supplier, po, limit, after'],
      ['/v1/workflows/p2p?supplierId=SUP-0042', 'querystring/supplierId is not a parameter of GET /v1/workflows/p2p; it takes stage, supplier, plant, limit, after'],
      ['/v1/kpis?day=3', 'querystring/day is not a parameter of GET /v1/kpis; it takes from, to, days, window'],
      ['/v1/kpis/series?hours=3', 'querystring/hours is not a parameter of GET /v1/kpis/series; it takes days'],
      ['/v1/integrations/health?days=3', 'querystring/days is not a parameter of GET /v1/integrations/health; it takes hours'],
      ['/v1/lineage?po=4500012345', 'querystring/po is not a parameter of GET /v1/lineage; it takes correlation, source, id'],
      ['/v1/stuck?limit=3', 'querystring/limit is not a parameter of GET /v1/stuck; it takes oldest'],
      ['/v1/governance/coverage?plant=P01', 'querystring/plant is not a parameter of GET /v1/governance/coverage; it takes none'],
      ['/v1/workflows/p2p/4500012345?line=10', 'querystring/line is not a parameter of GET /v1/workflows/p2p/:poNumber; it takes none'],
    ] as const;
    for (const [url, detail] of cases) {
      const answer = await callHub(t, 'GET', url, operator());
      assert.deepEqual([answer.status, answer.body.code, answer.body.detail], [400, 'invalid_request', detail], url);
    }
  });

  it('refuses a parameter given twice, instead of calling it the wrong type', async () => {
    const answer = await callHub(t, 'GET', '/v1/kpis?days=3&days=4', operator());
    assert.deepEqual([answer.status, answer.body.code, answer.body.detail], [400, 'invalid_request', 'querystring/days is given 2 times; give it once']);
    const lineage = await callHub(t, 'GET', '/v1/lineage?correlation=A&correlation=B', operator());
    assert.deepEqual([lineage.status, lineage.body.detail], [400, 'querystring/correlation is given 2 times; give it once']);
  });

  it('refuses an empty or blank value, naming the parameter, instead of filtering on it', async () => {
    // `?supplier=` (an unset template variable) answered 200 with an empty page, as if no line
    // had a supplier; `/v1/lineage?correlation=` was refused, in the validator's words.
    const cases = [
      ['/v1/workflows/p2p?supplier=', 'querystring/supplier is empty; leave it out to list all, or give a value'],
      ['/v1/workflows/p2p?plant=%20', 'querystring/plant is blank (white space only); leave it out to list all, or give a value'],
      ['/v1/workflows/p2p?stage=', 'querystring/stage is empty; leave it out to list all, or give a value'],
      ['/v1/exceptions?po=', 'querystring/po is empty; leave it out to list all, or give a value'],
      ['/v1/exceptions?owner=%20', 'querystring/owner is blank (white space only); leave it out to list all, or give a value'],
      ['/v1/exceptions?code=%09', 'querystring/code is blank (white space only); leave it out to list all, or give a value'],
      ['/v1/exceptions?supplier=', 'querystring/supplier is empty; leave it out to list all, or give a value'],
      ['/v1/exceptions?status=', 'querystring/status is empty; leave it out to list all, or give a value'],
      ['/v1/quarantine?channel=', 'querystring/channel is empty; leave it out to list all, or give a value'],
      ['/v1/quarantine?source=%C2%A0', 'querystring/source is blank (white space only); leave it out to list all, or give a value'],
      ['/v1/deliveries?subscription=', 'querystring/subscription is empty; leave it out to list all, or give a value'],
      ['/v1/exceptions?after=', 'querystring/after is empty; leave it out for the first page, or give the `next` of the page before'],
      ['/v1/exceptions?limit=', 'querystring/limit is empty; leave it out for its default, 50, or give a value'],
      ['/v1/lineage?correlation=', 'querystring/correlation is empty; leave it out, or give a value'],
      ['/v1/lineage?source=%20&id=1', 'querystring/source is blank (white space only); leave it out, or give a value'],
      ['/v1/kpis?from=', 'querystring/from is empty; leave it out, or give a value'],
      ['/v1/kpis?window=', 'querystring/window is empty; leave it out, or give a value'],
      ['/v1/kpis?days=', 'querystring/days is empty; leave it out, or give a value'],
      ['/v1/stuck?oldest=', 'querystring/oldest is empty; leave it out for its default, 5, or give a value'],
    ] as const;
    for (const [url, detail] of cases) {
      const answer = await callHub(t, 'GET', url, operator());
      assert.deepEqual([answer.status, answer.body.code, answer.body.detail], [400, 'invalid_request', detail], url);
    }
    // A value with white space around it is a value: still taken.
    assert.equal((await callHub(t, 'GET', '/v1/exceptions?owner=%20ap', operator())).status, 200);
  });

  it('names the allowed values when it refuses a value of an enumerated parameter', async () => {
    const cases = [
      ['/v1/exceptions?status=nope', 'querystring/status must be one of open, resolved, not "nope"'],
      ['/v1/workflows/p2p?stage=x', `querystring/stage must be one of ${P2P_STAGES.join(', ')}, not "x"`],
      ['/v1/deliveries?status=Dead', `querystring/status must be one of ${DELIVERY_STATUSES.join(', ')}, not "Dead"`],
      ['/v1/quarantine?status=open', 'querystring/status must be one of held, accepted, reprocessed, discarded, not "open"'],
      [`/v1/exceptions?status=${'o'.repeat(100)}`, `querystring/status must be one of open, resolved, not "${'o'.repeat(80)}… (100 characters)"`],
    ] as const;
    for (const [url, detail] of cases) {
      const answer = await callHub(t, 'GET', url, operator());
      assert.deepEqual([answer.status, answer.body.code, answer.body.detail], [400, 'invalid_request', detail], url);
    }
    assert.equal((await callHub(t, 'GET', '/v1/deliveries?status=dead', operator())).status, 200);
  });

  it('refuses an exception code or quarantine channel no workflow or channel has, naming the ones there are, instead of an empty page', async () => {
    // `?code=late_confirmaton` answered 200 {"items": []}: "no exceptions", which the user believed.
    const codes = [...new Set([...P2P_EXCEPTION_CODES, ...PLANT_EXCEPTION_CODES, ...EDGE_EXCEPTION_CODES])];
    const cases = [
      ['/v1/exceptions?code=late_confirmaton', `querystring/code must be one of ${codes.join(', ')}, not "late_confirmaton"`],
      ['/v1/exceptions?code=Late_Confirmation&status=open', `querystring/code must be one of ${codes.join(', ')}, not "Late_Confirmation"`],
      ['/v1/quarantine?channel=cvs', `querystring/channel must be one of csv, x12, mqtt, nats, ${MASTER_DATA_CHANNEL}, not "cvs"`],
    ] as const;
    for (const [url, detail] of cases) {
      const answer = await callHub(t, 'GET', url, operator());
      assert.deepEqual([answer.status, answer.body.code, answer.body.detail], [400, 'invalid_request', detail], url);
    }
    for (const code of codes) assert.equal((await callHub(t, 'GET', `/v1/exceptions?code=${code}`, operator())).status, 200, code);
    for (const channel of ['csv', 'x12', 'mqtt', 'nats', MASTER_DATA_CHANNEL]) assert.equal((await callHub(t, 'GET', `/v1/quarantine?channel=${channel}`, operator())).status, 200, channel);
  });

  it('lists every channel that quarantines among the values of ?channel=', () => {
    // The list is the route's; the channels name themselves: one added without the list would be unlistable.
    const listed: ReadonlySet<string> = new Set(QUARANTINE_CHANNELS);
    for (const name of [t.hub.csv.name, 'x12', t.hub.edge.mqtt.name, t.hub.edge.nats.name, MASTER_DATA_CHANNEL]) assert.ok(listed.has(name), name);
  });

  it('documents that 400 in /openapi.json for every /v1/ route that refuses parameters', async () => {
    // A client generated from the document did not know that GET /v1/workflows/p2p/{poNumber},
    // /v1/exceptions/{id}, /v1/me and the other routes without query filters may answer 400.
    const doc = (await t.hub.http.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>> }>();
    const undocumented: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      if (!path.startsWith('/v1/') || path === '/v1/events') continue;
      for (const [method, operation] of Object.entries(operations)) {
        if (operation.responses?.['400']?.content?.['application/problem+json'] === undefined) undocumented.push(`${method.toUpperCase()} ${path}`);
      }
    }
    assert.deepEqual(undocumented, []);
    assert.equal((await callHub(t, 'GET', '/v1/me?x=1', operator())).status, 400);
  });

  it('documents the 429 of a rate-limited key in /openapi.json for every route that asks for a key', async () => {
    // The example manifest gives partners a rateLimit, and every request with a key counts
    // against it (README "Governance at the door"): the reads too, not only the intake.
    const doc = (await t.hub.http.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, { security?: unknown[]; responses?: Record<string, unknown> }>> }>();
    const undocumented: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (operation.security !== undefined && operation.responses?.['429'] === undefined) undocumented.push(`${method.toUpperCase()} ${path}`);
      }
    }
    assert.deepEqual(undocumented, []);
  });

  it('still answers the parameters a route takes, and asks for a key before it looks at them', async () => {
    assert.equal((await callHub(t, 'GET', '/v1/exceptions?status=open&limit=5', operator())).status, 200);
    assert.equal((await callHub(t, 'GET', '/v1/kpis?window=24h', operator())).status, 200);
    assert.equal((await callHub(t, 'GET', '/v1/governance/coverage', operator())).status, 200);
    assert.equal((await callHub(t, 'GET', '/v1/exceptions?state=open', 'mr_not_a_key')).status, 401);
  });
});
