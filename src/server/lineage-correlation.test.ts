// GET /v1/lineage?correlation=: a PO number or a line key `PO/LINE` of a line the PO has, as
// the hub writes line keys (the line as a whole number, 10 not 010). Anything else is not found:
// `4500000001/abc` and `4500000001/` answered the whole PO's lineage, because the PO part was
// looked up whenever the value as given was not a PO.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Lineage } from '../app/index.js';
import type { TestHub } from '../../test/support/hub.js';
import { callHub, startTestHub } from '../../test/support/hub.js';

function release(poNumber: string, lines: readonly number[]) {
  return {
    specversion: '1.0',
    id: `rel-${poNumber}`,
    source: '/systems/erp-core',
    type: 'po.released',
    time: new Date().toISOString(),
    data: {
      poNumber,
      supplierId: 'SUP-0042',
      buyerPlant: 'P01',
      currency: 'USD',
      lines: lines.map((line) => ({ line, itemId: 'ITM-1', quantity: '5', uom: 'EA', unitPrice: '1.00', needBy: '2026-12-31' })),
    },
  };
}

describe('lineage by correlation', () => {
  let t: TestHub;
  const lineage = (correlation: string) => callHub(t, 'GET', `/v1/lineage?correlation=${encodeURIComponent(correlation)}`, t.keys.get('viewer:plant-manager')!);
  before(async () => {
    t = await startTestHub();
    const erp = t.keys.get('system:erp-core')!;
    assert.equal((await callHub(t, 'POST', '/v1/events', erp, release('4500000001', [10, 20]))).status, 202);
    // A PO number may hold a slash (the contracts' identifier allows it): its lineage is its own.
    assert.equal((await callHub(t, 'POST', '/v1/events', erp, release('4500000002/B', [10]))).status, 202);
    await t.hub.settle();
  });
  after(() => t.close());

  it("answers a PO's lineage by its number and by the key of one of its lines", async () => {
    for (const correlation of ['4500000001', '4500000001/10', '4500000001/20']) {
      const answer = await lineage(correlation);
      assert.equal(answer.status, 200, correlation);
      const body = answer.body as unknown as Lineage;
      assert.equal(body.poNumber, '4500000001', correlation);
      assert.deepEqual(body.lines.map((l) => l.key), ['4500000001/10', '4500000001/20'], correlation);
    }
    const slashed = await lineage('4500000002/B');
    assert.deepEqual([slashed.status, slashed.body.poNumber], [200, '4500000002/B']);
    assert.deepEqual([(await lineage('4500000002/B/10')).body.poNumber], ['4500000002/B']);
  });

  it('does not answer a PO for a line it does not have, or for a value that is no line key', async () => {
    for (const correlation of ['4500000001/abc', '4500000001/', '4500000001/30', '4500000001/010', '4500000001/+10', '4500000001/10.0', '4500000001/10/', '4500000002']) {
      const answer = await lineage(correlation);
      assert.equal(answer.status, 404, `${correlation}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.headers['content-type'], 'application/problem+json; charset=utf-8', correlation);
      assert.equal(answer.body.code, 'not_found', correlation);
      assert.equal(answer.body.detail, `querystring/correlation: no purchase order or PO line ${correlation}`, correlation);
    }
  });
});

// `correlation` and `source`/`id` name the workflow in two ways that may disagree. The hub took
// `source` and `id` and dropped `correlation` without a word: another PO's lineage answered, or a
// 404 saying the PO named by `correlation` does not exist when it does (ADR 0039).
describe('lineage asked by correlation and by event at once', () => {
  let t: TestHub;
  const viewer = () => t.keys.get('viewer:plant-manager')!;
  before(async () => {
    t = await startTestHub();
    const erp = t.keys.get('system:erp-core')!;
    assert.equal((await callHub(t, 'POST', '/v1/events', erp, release('4500000001', [10]))).status, 202);
    assert.equal((await callHub(t, 'POST', '/v1/events', erp, release('4500000003', [10]))).status, 202);
    await t.hub.settle();
  });
  after(() => t.close());

  it('refuses correlation given with source or id, naming them, instead of answering one of them', async () => {
    const event = `source=${encodeURIComponent('/systems/erp-core')}&id=rel-4500000003`;
    for (const query of [`correlation=4500000001&${event}`, 'correlation=4500000001&source=%2Fsystems%2Ferp-core', 'correlation=4500000001&id=rel-4500000003', `correlation=4500000001&source=%2Fsystems%2Ferp-core&id=nope`]) {
      const answer = await callHub(t, 'GET', `/v1/lineage?${query}`, viewer());
      assert.equal(answer.status, 400, `${query}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.headers['content-type'], 'application/problem+json; charset=utf-8', query);
      assert.equal(answer.body.code, 'invalid_request', query);
      assert.match(String(answer.body.detail), /^give \?correlation=.* or \?source=.*&id=.*, not both/, query);
    }
    const both = await callHub(t, 'GET', `/v1/lineage?correlation=4500000001&${event}`, viewer());
    assert.deepEqual(both.body.parameters, ['correlation', 'source', 'id']);
    // Each way alone still answers its own PO.
    assert.equal((await callHub(t, 'GET', '/v1/lineage?correlation=4500000001', viewer())).body.poNumber, '4500000001');
    assert.equal((await callHub(t, 'GET', `/v1/lineage?${event}`, viewer())).body.poNumber, '4500000003');
  });
});
