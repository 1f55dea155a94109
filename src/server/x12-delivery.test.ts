// X12 out: a po.released to a supplier whose subscription says x12 goes to its endpoint as an
// 850, with control numbers that never repeat, and reads back to the PO the ERP released.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { callHub, exampleWithSubscriptions, startTestHub } from '../../test/support/hub.js';
import type { TestHub } from '../../test/support/hub.js';
import { startReceiver } from '../../test/support/webhook-receiver.js';
import type { WebhookReceiver } from '../../test/support/webhook-receiver.js';
import type { X12Directory } from '../core/index.js';
import { readX12Events } from '../core/index.js';

/** The example manifest with its x12 subscription pointed at the test's receiver, and no other. */
function manifestFor(dir: string, url: string): string {
  return exampleWithSubscriptions(dir, `
subscriptions:
  - id: sup-0107-orders
    subscriber: sup-0107
    types: [po.released]
    filter: { supplierId: SUP-0107 }
    channel: { kind: x12, url: "${url}" }
    delivery: { maxAttempts: 2, initialBackoff: 1s, timeout: 2s }
`);
}

const released = (poNumber: string, supplierId: string) => ({
  specversion: '1.0' as const,
  id: `erp-${poNumber}`,
  source: '/systems/erp-core',
  type: 'po.released',
  time: new Date().toISOString(),
  data: {
    poNumber,
    supplierId,
    buyerPlant: 'P01',
    currency: 'USD',
    lines: [
      { line: 10, itemId: 'ITM-10023', quantity: '500', uom: 'EA', unitPrice: '12.5000', needBy: '2026-12-16' },
      { line: 20, itemId: 'ITM-20031', quantity: '40', uom: 'EA', unitPrice: '0.4200', needBy: '2026-12-18' },
    ],
  },
});

describe('X12 delivery of purchase orders', () => {
  let dir: string;
  let receiver: WebhookReceiver;
  let t: TestHub;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-x12-out-'));
    receiver = await startReceiver();
    t = await startTestHub({ manifestPath: manifestFor(dir, receiver.url), flags: { deliveries: 'on' }, hubOptions: { deliveryMode: 'manual' } });
  });
  after(async () => {
    await t.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends each of Northern Fasteners' POs as an 850 that reads back to the PO, with a new control number each, and nothing of other suppliers'", async () => {
    const erp = t.keys.get('system:erp-core')!;
    for (const event of [released('4500031001', 'SUP-0107'), released('4500031002', 'SUP-0042'), released('4500031003', 'SUP-0107')]) {
      assert.equal((await callHub(t, 'POST', '/v1/events', erp, event)).status, 202);
    }
    await t.hub.deliveries!.runOnce();
    assert.equal(receiver.received.length, 2, 'SUP-0042 has no x12 subscription');
    assert.ok(receiver.received.every((r) => r.contentType === 'application/edi-x12'));
    // Read back as if the hub's 850 came from the buyer's ERP.
    const hub = t.hub.manifest.hub.x12!;
    const directory: X12Directory = {
      party: (q, id) => (q === hub.qualifier && id === hub.id ? { kind: 'system', id: 'erp-core', source: '/systems/erp-core', supplierId: undefined } : undefined),
      receiver: () => undefined,
      itemId: () => undefined,
      supplierId: () => undefined,
    };
    const readings = receiver.received.map((r) => readX12Events(r.body, directory));
    const orders = readings.map((reading) => reading.interchanges[0]?.groups[0]?.sets[0]?.event?.data as { poNumber: string; lines: { line: number; quantity: string; unitPrice: string }[] });
    assert.deepEqual(orders.map((o) => o.poNumber), ['4500031001', '4500031003']);
    assert.deepEqual(orders[0]?.lines.map((l) => [l.line, l.quantity, l.unitPrice]), [[10, '500', '12.5000'], [20, '40', '0.4200']]);
    const controls = readings.map((reading) => Number(reading.interchanges[0]?.interchange.controlNumber));
    assert.ok(controls[1]! > controls[0]!, `control numbers ${controls.join(', ')} increase`);
    const delivered = await callHub(t, 'GET', '/v1/deliveries?status=delivered', t.keys.get('viewer:plant-manager')!);
    assert.equal((delivered.body.items as unknown[]).length, 2);
    // The PO's lineage shows where its release went.
    const lineage = await callHub(t, 'GET', '/v1/lineage?correlation=4500031001', t.keys.get('viewer:plant-manager')!);
    const release = (lineage.body.messages as { id: string; deliveries?: { subscription: string; status: string; attempts: number; deliveredAt?: string }[] }[]).find((m) => m.id === 'erp-4500031001');
    assert.deepEqual(release?.deliveries?.map((d) => [d.subscription, d.status, d.attempts, d.deliveredAt !== undefined]), [['sup-0107-orders', 'delivered', 1, true]]);
  });
});
