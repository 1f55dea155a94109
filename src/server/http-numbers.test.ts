// Numbers in a request that are not plain: Fastify's validator coerces a query's "1e2", "0x10",
// " 5" and "Infinity" with Number() into numbers that pass `integer`, `minimum` and `maximum`
// (ajv#2212 for the last); the hub answers 400.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestHub } from '../../test/support/hub.js';
import { callHub, startTestHub } from '../../test/support/hub.js';

describe('numbers that are not plain decimal integers or not finite', () => {
  let t: TestHub;
  const operator = () => t.keys.get('operator:ap-lead')!;

  before(async () => {
    t = await startTestHub();
  });
  after(() => t.close());

  it('refuses an integer query parameter not written in plain decimal digits, naming it, its range and the value', async () => {
    // The validator coerced with Number(): 1e2, 0x10, " 5", 5.0, +5 and 0b11 were read as 100,
    // 16, 5, 5, 5 and 3, so a mistyped or machine-formatted limit answered a page of another size.
    const cases = [
      ['/v1/workflows/p2p?limit=1e2', 'querystring/limit', '1 to 500', '1e2'],
      ['/v1/workflows/p2p?limit=0x10', 'querystring/limit', '1 to 500', '0x10'],
      ['/v1/workflows/p2p?limit=%205', 'querystring/limit', '1 to 500', ' 5'],
      ['/v1/exceptions?limit=5.0', 'querystring/limit', '1 to 500', '5.0'],
      ['/v1/exceptions?limit=%2B5', 'querystring/limit', '1 to 500', '+5'],
      ['/v1/deliveries?limit=0b11', 'querystring/limit', '1 to 500', '0b11'],
      ['/v1/quarantine?limit=5%20', 'querystring/limit', '1 to 500', '5 '],
      ['/v1/workflows/p2p?limit=Infinity', 'querystring/limit', '1 to 500', 'Infinity'],
      ['/v1/exceptions?limit=-Infinity', 'querystring/limit', '1 to 500', '-Infinity'],
      ['/v1/workflows/p2p?limit=1e999', 'querystring/limit', '1 to 500', '1e999'],
      ['/v1/kpis?days=1e1', 'querystring/days', '1 to 366', '1e1'],
      ['/v1/kpis/series?days=5.0', 'querystring/days', '1 to 90', '5.0'],
      ['/v1/integrations/health?hours=%2024', 'querystring/hours', '1 to 720', ' 24'],
      ['/v1/stuck?oldest=0x5', 'querystring/oldest', '0 to 100', '0x5'],
      ['/v1/stuck?oldest=Infinity', 'querystring/oldest', '0 to 100', 'Infinity'],
    ] as const;
    for (const [url, name, range, value] of cases) {
      const answer = await callHub(t, 'GET', url, operator());
      assert.deepEqual(
        [answer.status, answer.body.code, answer.body.detail],
        [400, 'invalid_request', `${name} must be a whole number in decimal digits, ${range}, not "${value}"`],
        url,
      );
    }
  });

  it('still takes decimal digits, and still refuses out-of-range ones as the validator does', async () => {
    assert.equal((await callHub(t, 'GET', '/v1/workflows/p2p?limit=10', operator())).status, 200);
    assert.equal((await callHub(t, 'GET', '/v1/workflows/p2p?limit=010', operator())).status, 200);
    assert.equal((await callHub(t, 'GET', '/v1/integrations/health?hours=48', operator())).status, 200);
    assert.equal((await callHub(t, 'GET', '/v1/stuck?oldest=0', operator())).status, 200);
    const big = await callHub(t, 'GET', '/v1/workflows/p2p?limit=501', operator());
    assert.deepEqual([big.status, big.body.detail], [400, 'querystring/limit must be <= 500']);
    const huge = await callHub(t, 'GET', `/v1/workflows/p2p?limit=1${'0'.repeat(400)}`, operator());
    assert.deepEqual([huge.status, huge.body.detail], [400, 'querystring/limit must be <= 500']);
    const negative = await callHub(t, 'GET', '/v1/exceptions?limit=-1', operator());
    assert.deepEqual([negative.status, negative.body.detail], [400, 'querystring/limit must be >= 1']);
  });

  it('refuses a string that coerces to Infinity in a JSON body', async () => {
    const answer = await callHub(t, 'POST', '/v1/replay', operator(), { subscription: 'erp-inventory', fromSequence: 'Infinity' });
    assert.deepEqual([answer.status, answer.body.code, answer.body.detail], [400, 'invalid_request', 'body/fromSequence must be a finite number']);
  });
});
