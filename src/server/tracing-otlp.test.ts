// Tracing as `serve` runs it: configured with an OTLP/HTTP endpoint, the workflows on their own
// thread. A real local collector receives the intake span from the main thread and the
// processing span from the workflow thread, in the caller's trace.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createHub, issueKey, loadSetup, systemClock } from '../bootstrap/index.js';
import type { Hub } from '../bootstrap/index.js';
import { EXAMPLE_MANIFEST } from '../../test/support/hub.js';

interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
}

/** OTLP/JSON ids are hex; accept base64 too, in case a serializer sends bytes. */
const hex = (id: string) => (/^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex'));

const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';

describe('traces exported over OTLP/HTTP', () => {
  let dir: string;
  const spans: OtlpSpan[] = [];
  const paths: string[] = [];
  const services: string[] = [];
  const collector = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      paths.push(request.url ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: { resource?: { attributes?: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
      };
      for (const resource of body.resourceSpans) {
        services.push(resource.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '(none)');
        for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  let hub: Hub;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-otlp-'));
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    // From the environment, as an operator would set it.
    const setup = loadSetup({ manifestPath: EXAMPLE_MANIFEST, store: `sqlite:${join(dir, 'millrace.db')}`, credentialCacheMs: 0, deliveries: 'off' }, { MILLRACE_OTLP_ENDPOINT: endpoint });
    assert.equal(setup.config.otlpEndpoint, endpoint);
    hub = await createHub(setup.config, setup.manifest, setup.contracts, { workflowMode: 'thread', logger: false });
  });
  after(async () => {
    await new Promise<void>((resolve) => collector.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the intake span and the workflow thread processing span of one trace to the collector', async () => {
    const key = (await issueKey(hub.store, { kind: 'system', id: 'erp-core' }, systemClock)).key;
    const event = {
      specversion: '1.0',
      id: 'rel-otlp-1',
      source: '/systems/erp-core',
      type: 'po.released',
      time: new Date().toISOString(),
      data: { poNumber: '4500099001', supplierId: 'SUP-0042', buyerPlant: 'P01', currency: 'USD', lines: [{ line: 10, itemId: 'ITM-1', quantity: '5', uom: 'EA', unitPrice: '1.00', needBy: '2026-12-01' }] },
    };
    const answer = await hub.http.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/cloudevents+json', traceparent: `00-${CALLER_TRACE}-b7ad6b7169203331-01` },
      payload: JSON.stringify(event),
    });
    assert.equal(answer.statusCode, 202);
    await hub.settle();
    // Closing flushes both providers: the main thread's and the workflow thread's.
    await hub.close();

    assert.ok(paths.every((path) => path === '/v1/traces'), paths.join(', '));
    // Both threads' spans say which service they belong to, as a trace backend groups them.
    assert.deepEqual([...new Set(services)], ['millrace']);
    const intake = spans.find((s) => s.name === 'POST /v1/events');
    const processing = spans.find((s) => s.name === 'millrace.process po.released');
    assert.ok(intake !== undefined && processing !== undefined, `spans received: ${spans.map((s) => s.name).join(', ')}`);
    assert.equal(hex(intake.traceId), CALLER_TRACE);
    assert.equal(hex(processing.traceId), CALLER_TRACE);
    assert.equal(hex(processing.parentSpanId ?? ''), hex(intake.spanId));
  });
});
