// Numbers in a request that are not finite: Fastify's validator coerces "Infinity" and "1e999"
// into numbers that pass `integer`, `minimum` and `maximum` (ajv#2212); the hub answers 400.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestHub } from '../../test/support/hub.js';
import { callHub, startTestHub } from '../../test/support/hub.js';

describe('numbers that are not finite', () => {
  let t: TestHub;
  const operator = () => t.keys.get('operator:ap-lead')!;

  before(async () => {
    t = await startTestHub();
  });
  after(() => t.close());

  it('refuses them in a query with 400 naming the parameter, as the validator names its own refusals', async () => {
    const cases = [
      ['/v1/workflows/p2p?limit=Infinity', 'querystring/limit'],
      ['/v1/exceptions?limit=-Infinity', 'querystring/limit'],
      ['/v1/workflows/p2p?limit=1e999', 'querystring/limit'],
      ['/v1/kpis?days=Infinity', 'querystring/days'],
      ['/v1/kpis/series?days=Infinity', 'querystring/days'],
      ['/v1/integrations/health?hours=1e999', 'querystring/hours'],
      ['/v1/stuck?oldest=Infinity', 'querystring/oldest'],
      ['/v1/quarantine?limit=Infinity', 'querystring/limit'],
    ] as const;
    for (const [url, name] of cases) {
      const answer = await callHub(t, 'GET', url, operator());
      assert.deepEqual([answer.status, answer.body.code], [400, 'invalid_request'], `${url}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.detail, `${name} must be a finite number`, url);
    }
  });

  it('still takes the finite numbers it took, and still refuses out-of-range ones as the validator does', async () => {
    assert.equal((await callHub(t, 'GET', '/v1/workflows/p2p?limit=1e1', operator())).status, 200);
    assert.equal((await callHub(t, 'GET', '/v1/integrations/health?hours=48', operator())).status, 200);
    const big = await callHub(t, 'GET', '/v1/workflows/p2p?limit=1e300', operator());
    assert.deepEqual([big.status, big.body.detail], [400, 'querystring/limit must be <= 500']);
  });

  it('refuses a string that coerces to Infinity in a JSON body', async () => {
    const answer = await callHub(t, 'POST', '/v1/replay', operator(), { subscription: 'erp-inventory', fromSequence: 'Infinity' });
    assert.deepEqual([answer.status, answer.body.code, answer.body.detail], [400, 'invalid_request', 'body/fromSequence must be a finite number']);
  });
});
