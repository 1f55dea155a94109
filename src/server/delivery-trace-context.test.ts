// The trace context a sender stamped on its event (the CloudEvents distributed tracing
// attributes), passed on to a webhook by a hub that does not trace itself: only as W3C Trace
// Context lets a vendor pass it on. A `tracestate` the contract takes as any string (a line
// break, 40,000 characters) must not make the event undeliverable.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { callHub, exampleWithSubscriptions, startTestHub, webhookSubscriptions } from '../../test/support/hub.js';
import type { TestHub } from '../../test/support/hub.js';
import { startReceiver } from '../../test/support/webhook-receiver.js';
import type { ReceivedDelivery, WebhookReceiver } from '../../test/support/webhook-receiver.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

const release = (id: string, poNumber: string, trace: Record<string, string>) => ({
  specversion: '1.0',
  id,
  source: '/systems/erp-core',
  type: 'po.released',
  time: new Date().toISOString(),
  ...trace,
  data: { poNumber, supplierId: 'SUP-0042', buyerPlant: 'P01', currency: 'USD', lines: [{ line: 10, itemId: 'ITM-10023', quantity: '5', uom: 'EA', unitPrice: '1.00', needBy: '2026-12-20' }] },
});

describe('trace context passed on to a webhook by a hub that does not trace', () => {
  let dir: string;
  let receiver: WebhookReceiver;
  let t: TestHub;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-trace-context-'));
    receiver = await startReceiver();
    const manifestPath = exampleWithSubscriptions(dir, webhookSubscriptions({ id: 'po-copy', types: ['po.released'], url: receiver.url }));
    t = await startTestHub({ manifestPath, flags: { deliveries: 'on' }, hubOptions: { deliveryMode: 'manual' } });
  });
  after(async () => {
    await t.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends the release, runs the deliveries once, and returns what the receiver got for it and the delivery's status. */
  const deliver = async (id: string, poNumber: string, trace: Record<string, string>): Promise<{ status: unknown; received: ReceivedDelivery | undefined }> => {
    assert.equal((await callHub(t, 'POST', '/v1/events', t.keys.get('system:erp-core')!, release(id, poNumber, trace))).status, 202);
    await t.hub.settle();
    await t.hub.deliveries!.runOnce();
    const listing = await callHub(t, 'GET', '/v1/deliveries?subscription=po-copy', t.keys.get('operator:ap-lead')!);
    const delivery = (listing.body.items as { eventId: string; status: string; lastError?: string }[]).find((d) => d.eventId === id);
    return { status: `${delivery?.status}${delivery?.lastError === undefined ? '' : `: ${delivery.lastError}`}`, received: receiver.received.find((r) => r.id === id) };
  };

  it('passes on a valid traceparent and tracestate as they came', async () => {
    const { status, received } = await deliver('tc-1', '4500081001', { traceparent: TRACEPARENT, tracestate: 'erp=core,millrace=p01' });
    assert.equal(status, 'delivered');
    assert.equal(received?.traceparent, TRACEPARENT);
    assert.equal(received?.tracestate, 'erp=core,millrace=p01');
  });

  it('delivers an event whose tracestate holds a line break, passing on its valid members only', async () => {
    const { status, received } = await deliver('tc-2', '4500081002', { traceparent: TRACEPARENT, tracestate: 'erp=core,x=1\r\nx-injected: yes' });
    assert.equal(status, 'delivered');
    assert.equal(received?.traceparent, TRACEPARENT);
    assert.equal(received?.tracestate, 'erp=core');
  });

  it('delivers an event whose tracestate is 40,000 characters, without it (W3C: at most 512)', async () => {
    const { status, received } = await deliver('tc-3', '4500081003', { traceparent: TRACEPARENT, tracestate: `big=${'x'.repeat(40_000)}` });
    assert.equal(status, 'delivered');
    assert.equal(received?.traceparent, TRACEPARENT);
    assert.equal(received?.tracestate, undefined);
  });

  it('passes on no trace context whose traceparent W3C calls invalid (an all-zero trace id, version ff)', async () => {
    for (const [id, po, traceparent] of [
      ['tc-4', '4500081004', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
      ['tc-5', '4500081005', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ] as const) {
      const { status, received } = await deliver(id, po, { traceparent, tracestate: 'erp=core' });
      assert.equal(status, 'delivered');
      assert.deepEqual([received?.traceparent, received?.tracestate], [undefined, undefined], traceparent);
      // The event itself is delivered as it was sent, its attributes included.
      assert.equal((JSON.parse(received!.body) as { traceparent: string }).traceparent, traceparent);
    }
  });
});
