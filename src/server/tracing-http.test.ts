// One trace from an HTTP intake through processing to a webhook delivery: the caller's
// traceparent is the parent of the intake span, the intake span's context is stored with the
// event, the processing span continues it and stamps what it derives, and the delivery span,
// run later from the outbox, continues that and hands its own context to the receiver.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { exampleWithSubscriptions, startTestHub, webhookSubscriptions } from '../../test/support/hub.js';
import type { TestHub } from '../../test/support/hub.js';
import { startReceiver } from '../../test/support/webhook-receiver.js';
import type { WebhookReceiver } from '../../test/support/webhook-receiver.js';

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

const release = (id: string, poNumber: string) => ({
  specversion: '1.0',
  id,
  source: '/systems/erp-core',
  type: 'po.released',
  time: new Date().toISOString(),
  correlationid: `PO-${poNumber}`,
  data: {
    poNumber,
    supplierId: 'SUP-0042',
    buyerPlant: 'P01',
    currency: 'USD',
    lines: [{ line: 10, itemId: 'ITM-10023', quantity: '500', uom: 'EA', unitPrice: '0.4200', needBy: '2026-12-16' }],
  },
});

describe('traces', () => {
  let dir: string;
  let receiver: WebhookReceiver;
  let exporter: InMemorySpanExporter;
  let t: TestHub;
  let url: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-traces-'));
    receiver = await startReceiver();
    exporter = new InMemorySpanExporter();
    const manifestPath = exampleWithSubscriptions(dir, webhookSubscriptions({ id: 'procurement-deadlines', types: ['sla.started'], url: receiver.url }));
    t = await startTestHub({ manifestPath, flags: { deliveries: 'on' }, hubOptions: { deliveryMode: 'manual', spanExporter: exporter } });
    url = await t.hub.http.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await t.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (body: unknown, traceparent?: string) =>
    fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.keys.get('system:erp-core')!}`, 'content-type': 'application/cloudevents+json', ...(traceparent === undefined ? {} : { traceparent }) },
      body: JSON.stringify(body),
    });

  const named = (name: string): ReadableSpan => {
    const found = exporter.getFinishedSpans().filter((s) => s.name === name);
    assert.equal(found.length, 1, `one span ${name}, got ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
    return found[0]!;
  };

  it('follows a PO release from the HTTP door through the workflow to the subscriber in one trace', async () => {
    assert.equal(t.hub.http.intakeLane, undefined, 'a traced hub takes events through the route, whose hooks make the spans');
    exporter.reset();
    const answer = await post(release('rel-trace-1', '4500077001'), `00-${CALLER_TRACE}-${CALLER_SPAN}-01`);
    assert.equal(answer.status, 202);
    await t.hub.settle();
    await t.hub.deliveries!.runOnce();
    await receiver.waitFor(1);

    const intake = named('POST /v1/events');
    const processing = named('millrace.process po.released');
    const delivery = named('millrace.deliver procurement-deadlines');
    for (const span of [intake, processing, delivery]) assert.equal(span.spanContext().traceId, CALLER_TRACE, `${span.name} is in the caller's trace`);
    assert.equal(intake.parentSpanContext?.spanId, CALLER_SPAN, 'the intake span is a child of the caller');
    assert.equal(processing.parentSpanContext?.spanId, intake.spanContext().spanId, 'processing continues the intake span stored with the event');
    assert.equal(delivery.parentSpanContext?.spanId, processing.spanContext().spanId, 'the delivery continues the processing span stored with the derived event');
    assert.equal(intake.attributes['millrace.events.accepted'], 1);
    assert.equal(processing.attributes['cloudevents.event_id'], 'rel-trace-1');
    assert.equal(delivery.attributes['millrace.delivery_status'], 'delivered');

    const received = receiver.received.at(-1)!;
    assert.equal(received.traceparent, `00-${CALLER_TRACE}-${delivery.spanContext().spanId}-01`, 'the receiver sees the delivery span of that trace');
    const delivered = JSON.parse(received.body) as { type: string; causationid: string; traceparent: string };
    assert.equal(delivered.type, 'sla.started');
    assert.equal(delivered.causationid, 'rel-trace-1');
    assert.equal(delivered.traceparent, `00-${CALLER_TRACE}-${processing.spanContext().spanId}-01`, 'the derived event carries its processing span (CloudEvents distributed tracing)');
    const stored = await t.store.find('/systems/erp-core', 'rel-trace-1');
    assert.equal(stored?.event.traceparent, `00-${CALLER_TRACE}-${intake.spanContext().spanId}-01`, 'the event is stored with its intake span');
  });

  it('takes a retry that comes with a new traceparent as a duplicate, keeping the first trace context', async () => {
    const event = release('rel-trace-2', '4500077002');
    const first = await post(event, `00-${CALLER_TRACE}-${CALLER_SPAN}-01`);
    assert.equal(first.status, 202);
    const before = await t.store.find('/systems/erp-core', 'rel-trace-2');

    const retry = await post(event, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    assert.equal(retry.status, 202);
    const receipt = (await retry.json()) as { accepted: unknown[]; duplicates: { id: string }[] };
    assert.deepEqual(receipt.accepted, []);
    assert.deepEqual(receipt.duplicates.map((d) => d.id), ['rel-trace-2']);

    // The sender's own attribute differs too (a client that stamps events itself): still a duplicate.
    const stamped = await post({ ...event, traceparent: '00-11111111111111111111111111111111-2222222222222222-01' });
    assert.equal(stamped.status, 202);
    assert.deepEqual(((await stamped.json()) as { duplicates: { id: string }[] }).duplicates.map((d) => d.id), ['rel-trace-2']);

    const after = await t.store.find('/systems/erp-core', 'rel-trace-2');
    assert.equal(after?.sequence, before?.sequence);
    assert.equal(after?.event.traceparent, before?.event.traceparent, 'the stored trace context is the first one');
  });

  it('starts a trace of its own when the caller sends a malformed traceparent, and still takes the event', async () => {
    exporter.reset();
    const answer = await post(release('rel-trace-4', '4500077004'), '00-not-a-trace-01');
    assert.equal(answer.status, 202);
    const intake = named('POST /v1/events');
    assert.equal(intake.parentSpanContext, undefined);
    assert.match(intake.spanContext().traceId, /^[0-9a-f]{32}$/);
    const stored = await t.store.find('/systems/erp-core', 'rel-trace-4');
    assert.equal(stored?.event.traceparent, `00-${intake.spanContext().traceId}-${intake.spanContext().spanId}-01`);
  });

  it('still answers 409 when a resend changes the body, whatever its trace context', async () => {
    const event = release('rel-trace-3', '4500077003');
    assert.equal((await post(event)).status, 202);
    const changed = { ...event, data: { ...event.data, currency: 'EUR' } };
    const conflict = await post(changed, `00-${CALLER_TRACE}-${CALLER_SPAN}-01`);
    assert.equal(conflict.status, 409);
    assert.equal(((await conflict.json()) as { code: string }).code, 'event_conflict');
  });
});
