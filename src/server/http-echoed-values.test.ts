// Values a caller sent, echoed in problem details: shortened to their first 80 characters and
// their length wherever the read API repeats them, the request's URL (`instance`, an unknown
// route's detail) to 256. A 404 for a 10,000-character correlation repeated all of it, twice.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestHub } from '../../test/support/hub.js';
import { callHub, startTestHub } from '../../test/support/hub.js';

const LONG = 'X'.repeat(10_000);
/** What a 10,000-character value is shown as. */
const SHOWN = `${'X'.repeat(80)}… (10000 characters)`;

describe('values echoed in problem details', () => {
  let t: TestHub;
  const operator = () => t.keys.get('operator:ap-lead')!;

  before(async () => {
    t = await startTestHub();
  });
  after(() => t.close());

  it('are shortened to their first 80 characters and their length', async () => {
    const cases = [
      [`/v1/lineage?correlation=${LONG}`, 404, `querystring/correlation: no purchase order or PO line ${SHOWN}`],
      [`/v1/lineage?source=${LONG}&id=${LONG}`, 404, `no workflow for ${SHOWN} ${SHOWN}`],
      [`/v1/exceptions?after=${LONG}`, 400, `after "${SHOWN}" is not a cursor of this listing: pass the \`next\` of the page before`],
      [`/v1/workflows/p2p?after=${LONG}`, 400, `after "${SHOWN}" is not a cursor of this listing: pass the \`next\` of the page before`],
      [`/v1/quarantine?after=${LONG}`, 400, `after "${SHOWN}" is not a cursor of this listing: pass the \`next\` of the page before`],
      [`/v1/workflows/p2p?limit=${LONG}`, 400, `querystring/limit must be a whole number in decimal digits, 1 to 500, not "${SHOWN}"`],
      [`/v1/kpis?from=${LONG}`, 400, `from must be an RFC 3339 time, not "${SHOWN}"`],
      [`/v1/kpis?window=${LONG}`, 400, `window must be a duration such as 7d, 24h or 90m, up to 366d, not "${SHOWN}"`],
      [`/v1/exceptions?${LONG}=1`, 400, `querystring/${SHOWN} is not a parameter of GET /v1/exceptions; it takes owner, code, status, supplier, po, limit, after`],
      [`/v1/no-such-route?q=${LONG}`, 404, `no route GET /v1/no-such-route?q=${'X'.repeat(256 - '/v1/no-such-route?q='.length)}… (${10_000 + '/v1/no-such-route?q='.length} characters)`],
    ] as const;
    for (const [url, status, detail] of cases) {
      const answer = await callHub(t, 'GET', url, operator());
      assert.deepEqual([answer.status, answer.body.detail], [status, detail], url.slice(0, 60));
      assert.equal(answer.body.instance, `${url.slice(0, 256)}… (${url.length} characters)`, url.slice(0, 60));
    }
  });

  it('shortens an id in a path as it does a query value', async () => {
    // The router refuses a segment longer than 100 characters; one of 81 to 100 reaches the route.
    const po = 'P'.repeat(100);
    const answer = await callHub(t, 'GET', `/v1/workflows/p2p/${po}`, operator());
    assert.deepEqual([answer.status, answer.body.detail], [404, `no purchase order ${'P'.repeat(80)}… (100 characters)`]);
  });

  it('shortens the ids and names the use cases repeat in their refusals', async () => {
    // "no delivery <id>" and "no quarantine entry <id>" came from the app layer whole.
    const id = 'D'.repeat(100);
    const shown = `${'D'.repeat(80)}… (100 characters)`;
    const cases = [
      ['GET', `/v1/deliveries/${id}`, undefined, 404, `no delivery ${shown}`],
      ['POST', `/v1/deliveries/${id}/retry`, undefined, 404, `no delivery ${shown}`],
      ['GET', `/v1/quarantine/${id}`, undefined, 404, `no quarantine entry ${shown}`],
      ['POST', `/v1/quarantine/${id}/retry`, undefined, 404, `no quarantine entry ${shown}`],
      ['POST', `/v1/quarantine/${id}/discard`, { reason: 'a test' }, 404, `no quarantine entry ${shown}`],
      ['POST', '/v1/replay', { subscription: LONG, fromSequence: 1 }, 422, `the manifest declares no subscription ${SHOWN}`],
    ] as const;
    for (const [method, url, body, status, detail] of cases) {
      const answer = await callHub(t, method, url, operator(), body);
      assert.deepEqual([answer.status, answer.body.detail], [status, detail], `${method} ${url.slice(0, 40)}`);
    }
    // A CSV mapping the manifest does not have, named in the path of the file's intake.
    const csv = await t.hub.http.inject({ method: 'POST', url: `/v1/inbound/csv/${id}`, headers: { authorization: `Bearer ${t.keys.get('system:wms-p02')!}`, 'content-type': 'text/csv' }, payload: 'a,b\n1,2\n' });
    assert.deepEqual([csv.statusCode, csv.json<{ detail: string }>().detail], [404, `no CSV mapping ${shown} in the manifest`]);
  });

  it('leaves values of 80 characters or fewer whole, and counts characters, not UTF-16 units', async () => {
    const po = 'P'.repeat(80);
    const whole = await callHub(t, 'GET', `/v1/workflows/p2p/${po}`, operator());
    assert.deepEqual([whole.status, whole.body.detail, whole.body.instance], [404, `no purchase order ${po}`, `/v1/workflows/p2p/${po}`]);
    // 81 characters of which 50 are outside the BMP: cut between characters, never inside a surrogate pair.
    const wide = `${'𝄞'.repeat(50)}${'a'.repeat(31)}`;
    const answer = await callHub(t, 'GET', `/v1/lineage?correlation=${encodeURIComponent(wide)}`, operator());
    assert.equal(answer.body.detail, `querystring/correlation: no purchase order or PO line ${'𝄞'.repeat(50)}${'a'.repeat(30)}… (81 characters)`);
  });
});
