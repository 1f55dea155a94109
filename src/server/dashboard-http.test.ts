// The dashboard's files and the API it reads besides the workflow routes: who a key is, KPIs
// day by day, integration health. The page's files come from a fixed list (no path from the
// request reaches the disk) and every module the page imports is served.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callHub, startTestHub, type TestHub } from '../../test/support/hub.js';
import type { CloudEvent } from '../core/index.js';

function released(id: string, source: string, minutesAgo = 1): CloudEvent {
  return {
    specversion: '1.0',
    id,
    source,
    type: 'po.released',
    time: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    data: { poNumber: `PO-${id}`, supplierId: 'SUP-0042', buyerPlant: 'P01', currency: 'USD', lines: [{ line: 10, itemId: 'ITM-10023', quantity: '5', uom: 'EA', unitPrice: '1.00', needBy: '2026-12-20' }] },
  };
}

describe('the dashboard over HTTP', () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub({ flags: { workflowTickMs: 3_600_000 } });
  });
  after(() => t.close());
  const get = (url: string) => t.hub.http.inject({ method: 'GET', url });

  it('serves the page at / with a strict content security policy', async () => {
    const page = await get('/');
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'; /);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.match(page.body, /<script type="module" src="\/dashboard\/app\.js"><\/script>/);
  });

  it('serves every file the page links and every module those import, with its media type', async () => {
    const seen = new Set<string>();
    const queue = [...(await get('/')).body.matchAll(/(?:href|src)="(\/dashboard\/[^"]+)"/g)].map((m) => m[1]!);
    while (queue.length > 0) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const file = await get(path);
      assert.equal(file.statusCode, 200, path);
      const type = path.endsWith('.css') ? /^text\/css/ : path.endsWith('.svg') ? /^image\/svg\+xml/ : /^text\/javascript/;
      assert.match(String(file.headers['content-type']), type, path);
      if (path.endsWith('.js')) {
        for (const m of file.body.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)) queue.push(new URL(m[1]!, `http://hub${path}`).pathname);
      }
    }
    assert.ok(seen.has('/dashboard/vendor/uPlot.esm.js') && seen.has('/dashboard/views.js') && seen.has('/dashboard/favicon.svg'), [...seen].join(', '));
  });

  it('answers 404 not_found for anything off the list, however the path is spelled', async () => {
    for (const url of ['/dashboard/../package.json', '/dashboard/%2e%2e/package.json', '/dashboard/..%2fpackage.json', '/dashboard/vendor/../../package.json', '/dashboard/nothing.js', '/dashboard/']) {
      const response = await get(url);
      assert.equal(response.statusCode, 404, url);
      assert.equal(response.json<{ code: string }>().code, 'not_found', url);
    }
  });

  it('keeps the page out of the OpenAPI document and describes the new routes', async () => {
    const paths = Object.keys((await get('/openapi.json')).json<{ paths: Record<string, unknown> }>().paths);
    assert.ok(!paths.includes('/') && !paths.some((p) => p.startsWith('/dashboard')), paths.join(', '));
    for (const path of ['/v1/me', '/v1/kpis/series', '/v1/integrations/health']) assert.ok(paths.includes(path), path);
  });

  it('tells a key who it is, so the page knows whether to offer resolving', async () => {
    assert.deepEqual((await callHub(t, 'GET', '/v1/me', t.keys.get('viewer:plant-manager')!)).body, { kind: 'operator', id: 'plant-manager', role: 'viewer' });
    assert.deepEqual((await callHub(t, 'GET', '/v1/me', t.keys.get('operator:ap-lead')!)).body, { kind: 'operator', id: 'ap-lead', role: 'operator' });
    assert.deepEqual((await callHub(t, 'GET', '/v1/me', t.keys.get('system:erp-core')!)).body, { kind: 'system', id: 'erp-core' });
    assert.equal((await callHub(t, 'GET', '/v1/me', 'mr_nobody')).status, 401);
  });

  it('gives operator keys the KPIs day by day, and refuses other keys and bad windows', async () => {
    const series = await callHub(t, 'GET', '/v1/kpis/series?days=3', t.keys.get('viewer:plant-manager')!);
    assert.equal(series.status, 200);
    const days = series.body.days as { day: string }[];
    assert.equal(days.length, 3);
    assert.equal(days[2]?.day, new Date().toISOString().slice(0, 10));
    assert.equal((await callHub(t, 'GET', '/v1/kpis/series?days=0', t.keys.get('viewer:plant-manager')!)).status, 400);
    const refused = await callHub(t, 'GET', '/v1/kpis/series', t.keys.get('system:erp-core')!);
    assert.deepEqual([refused.status, refused.body.code], [403, 'forbidden_action']);
  });

  it('reports integration health: events and lag per source and channel, refusals at the door, quarantine', async () => {
    const erp = t.keys.get('system:erp-core')!;
    // Two accepted events (lags of about 1 and 30 minutes: the second breaks the ERP's 15m), one refused.
    assert.equal((await callHub(t, 'POST', '/v1/events', erp, released('h-1', '/systems/erp-core', 1))).status, 202);
    assert.equal((await callHub(t, 'POST', '/v1/events', erp, released('h-2', '/systems/erp-core', 30))).status, 202);
    assert.equal((await callHub(t, 'POST', '/v1/events', t.keys.get('system:wms-p01')!, released('h-3', '/systems/wms-p01'))).status, 403);
    await t.store.quarantines.quarantine([{ channel: 'x12', source: '/partners/sup-0107', receivedTime: new Date().toISOString(), raw: new TextEncoder().encode('ISA*...'), reason: { code: 'x12_syntax', message: 'x', problems: [] }, context: {} }]);
    await t.hub.settle();

    const health = await callHub(t, 'GET', '/v1/integrations/health?hours=1', t.keys.get('viewer:plant-manager')!);
    assert.equal(health.status, 200, JSON.stringify(health.body));
    type Row = { source: string; status: string; events: number; maxLagMinutes: number | null; channels: { channel: string; events: number; lagBreaches: number; refused: number; refusedByCode: Record<string, number>; held: number }[] };
    const sources = health.body.sources as Row[];
    const row = (source: string) => sources.find((s) => s.source === source)!;
    const erpRow = row('/systems/erp-core');
    assert.deepEqual([erpRow.status, erpRow.events, erpRow.maxLagMinutes], ['late', 2, 15]);
    assert.deepEqual(erpRow.channels.map((c) => [c.channel, c.events, c.lagBreaches]), [['api', 2, 1]]);
    const wms = row('/systems/wms-p01');
    assert.deepEqual([wms.status, wms.channels[0]?.channel, wms.channels[0]?.refusedByCode], ['failing', 'api', { forbidden_event_type: 1 }]);
    const supplier = row('/partners/sup-0107');
    assert.deepEqual([supplier.status, supplier.channels[0]?.channel, supplier.channels[0]?.held], ['failing', 'x12', 1]);
    assert.deepEqual(
      (health.body.subscribers as { subscription: string }[]).map((s) => s.subscription),
      ['erp-inventory', 'mes-orders', 'sup-0107-orders'],
    );

    for (const [key, status] of [
      ['system:erp-core', 403],
      ['partner:sup-0042', 403],
    ] as const) {
      assert.equal((await callHub(t, 'GET', '/v1/integrations/health', t.keys.get(key)!)).status, status, key);
    }
    assert.equal((await t.hub.http.inject({ method: 'GET', url: '/v1/integrations/health' })).statusCode, 401);
    assert.equal((await callHub(t, 'GET', '/v1/integrations/health?hours=0', t.keys.get('operator:ap-lead')!)).status, 400);
  });
});
