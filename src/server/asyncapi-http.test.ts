// GET /asyncapi.json as an integration team's tooling fetches it from a running hub: public like
// /openapi.json, and the same catalogue `millrace contracts asyncapi` prints for that manifest.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asyncApiOf, loadSetup } from '../bootstrap/index.js';
import type { AsyncApiDocument } from '../core/index.js';
import { EXAMPLE_MANIFEST, startTestHub, type TestHub } from '../../test/support/hub.js';

describe('HTTP: GET /asyncapi.json', () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub();
  });
  after(() => t.close());

  it('serves the event catalogue of the running manifest and contracts without a credential', async () => {
    const response = await t.hub.http.inject({ method: 'GET', url: '/asyncapi.json' });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const doc = response.json<AsyncApiDocument>();
    assert.equal(doc.asyncapi, '3.0.0');
    assert.equal(doc.info.title, 'Example Components Inc.: Millrace event catalogue');
    assert.equal(doc.channels['po.released']?.address, 'po.released');
    assert.equal(doc.operations['erp-core.publishes.po.released']?.action, 'receive');
    assert.equal(doc.operations['sup-0107-orders.delivers.po.released']?.action, 'send');
    const setup = loadSetup({ manifestPath: EXAMPLE_MANIFEST }, {});
    assert.deepEqual(doc, JSON.parse(JSON.stringify(asyncApiOf(setup.manifest, setup.contracts))));
  });

  it('answers a credential like /openapi.json does: it is not needed, and a wrong one does not matter', async () => {
    const withBadKey = await t.hub.http.inject({ method: 'GET', url: '/asyncapi.json', headers: { authorization: 'Bearer mr_nope_nope' } });
    assert.equal(withBadKey.statusCode, 200);
    const openapi = await t.hub.http.inject({ method: 'GET', url: '/openapi.json', headers: { authorization: 'Bearer mr_nope_nope' } });
    assert.equal(openapi.statusCode, 200);
  });

  it('is not listed as an API route in /openapi.json', async () => {
    const openapi = (await t.hub.http.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, unknown> }>();
    assert.equal(openapi.paths['/asyncapi.json'], undefined);
    assert.equal(openapi.paths['/openapi.json'], undefined);
  });
});
