// GET /metrics as Prometheus scrapes it: parsed with a text-format parser, the figures match
// what the hub was sent and what its workflows hold.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { callHub, startTestHub, type TestHub } from '../../test/support/hub.js';
import type { CloudEvent } from '../core/index.js';

function released(id: string, poNumber: string): CloudEvent {
  return {
    specversion: '1.0',
    id,
    source: '/systems/erp-core',
    type: 'po.released',
    time: new Date().toISOString(),
    data: {
      poNumber,
      supplierId: 'SUP-0042',
      buyerPlant: 'P01',
      currency: 'USD',
      lines: [10, 20].map((line) => ({ line, itemId: 'ITM-10023', quantity: '5', uom: 'EA', unitPrice: '1.00', needBy: '2026-12-20' })),
    },
  };
}

describe('GET /metrics', () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub({ flags: { workflowTickMs: 3_600_000 } });
    const erp = t.keys.get('system:erp-core')!;
    const first = released('m-1', '4500090001');
    assert.equal((await callHub(t, 'POST', '/v1/events', erp, [first, released('m-2', '4500090002')])).status, 202);
    assert.equal((await callHub(t, 'POST', '/v1/events', erp, first)).status, 202); // a resend
    assert.equal((await callHub(t, 'POST', '/v1/events', t.keys.get('system:wms-p01')!, { ...released('m-3', '4500090003'), source: '/systems/wms-p01' })).status, 403);
    assert.equal((await callHub(t, 'POST', '/v1/events', erp, { ...released('m-4', '4500090004'), data: {} })).status, 422);
    await t.store.quarantines.quarantine([{ channel: 'x12', source: '/partners/sup-0107', receivedTime: new Date().toISOString(), raw: new TextEncoder().encode('ISA*...'), reason: { code: 'forbidden_object', message: 'x', problems: [] }, context: {} }]);
    await t.hub.settle();
  });
  after(() => t.close());

  const scrape = async () => {
    const response = await t.hub.http.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    return Object.assign(parsePrometheusTextFormat(response.body), { text: response.body });
  };
  const value = (families: Awaited<ReturnType<typeof scrape>>, name: string, labels: Record<string, string>) =>
    families
      .find((f) => f.name === name)
      ?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value;

  it('counts events by source, type and outcome, and requests by outcome with their latency', async () => {
    const families = await scrape();
    assert.equal(value(families, 'millrace_intake_events_total', { source: '/systems/erp-core', type: 'po.released', outcome: 'accepted' }), '2');
    assert.equal(value(families, 'millrace_intake_events_total', { source: '/systems/erp-core', type: 'po.released', outcome: 'duplicate' }), '1');
    assert.equal(value(families, 'millrace_intake_requests_total', { outcome: 'accepted' }), '2');
    assert.equal(value(families, 'millrace_intake_requests_total', { outcome: 'forbidden_event_type' }), '1');
    assert.equal(value(families, 'millrace_intake_requests_total', { outcome: 'contract_violation' }), '1');
    assert.equal(families.find((f) => f.name === 'millrace_intake_request_duration_seconds')?.type, 'HISTOGRAM');
    // The parser folds a labelled histogram's series together: read count and sum from the text.
    assert.match(families.text, /^millrace_intake_request_duration_seconds_count\{outcome="accepted"\} 2$/m);
    const sum = Number(/^millrace_intake_request_duration_seconds_sum\{outcome="accepted"\} (\S+)$/m.exec(families.text)?.[1]);
    assert.ok(sum > 0, `the two requests took some time: ${sum}`);
  });

  it('shows the workflow lines per stage and plant, events per source and the governance shares', async () => {
    const families = await scrape();
    assert.equal(value(families, 'millrace_workflow_lines', { stage: 'released', plant: 'P01' }), '4');
    assert.equal(value(families, 'millrace_source_events', { source: '/systems/erp-core' }), '2');
    assert.equal(value(families, 'millrace_governance_share', { of: 'flows' }), '1');
    // A file the X12 channel could not take sits in quarantine, and is counted.
    assert.equal(value(families, 'millrace_quarantine_entries', { channel: 'x12', status: 'held' }), '1');
    assert.ok(families.some((f) => f.name === 'millrace_process_resident_memory_bytes'));
  });

  it("shows the workflows' backlog (none once settled), the worst lag per source and the delivery latency histogram", async () => {
    const families = await scrape();
    assert.equal(value(families, 'millrace_workflow_backlog_events', {}), '0');
    // Both releases were sent as they happened: a lag of well under a minute.
    assert.ok(Number(value(families, 'millrace_source_worst_lag_seconds', { source: '/systems/erp-core' })) < 60);
    assert.equal(families.find((f) => f.name === 'millrace_delivery_attempt_duration_seconds')?.type, 'HISTOGRAM');
  });
});

// Before, /metrics answered anyone who could reach the port, and its labels name the sources
// (systems, partners), plants and teams. A deployment can now ask for an operator key
// (`metricsAuth: operator`); without it the scrape stays open, as for the demo (docs/adr/0070).
describe('GET /metrics with metricsAuth operator', () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub({ flags: { metricsAuth: 'operator' } });
  });
  after(() => t.close());
  const get = (key?: string) => t.hub.http.inject({ method: 'GET', url: '/metrics', headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });

  it('answers an operator key, either role', async () => {
    for (const key of ['operator:ap-lead', 'viewer:plant-manager']) {
      const response = await get(t.keys.get(key));
      assert.equal(response.statusCode, 200, key);
      assert.match(response.body, /millrace_store_up 1/);
    }
  });

  it('refuses a request without a key (401) and a system or partner key (403), as problem+json', async () => {
    const none = await get();
    assert.deepEqual([none.statusCode, none.headers['content-type'], none.json<{ code: string }>().code], [401, 'application/problem+json; charset=utf-8', 'unauthenticated']);
    for (const key of ['system:erp-core', 'partner:sup-0042']) {
      const refused = await get(t.keys.get(key));
      assert.deepEqual([refused.statusCode, refused.json<{ code: string }>().code], [403, 'forbidden_action'], key);
      assert.doesNotMatch(refused.body, /millrace_/);
    }
  });
});
