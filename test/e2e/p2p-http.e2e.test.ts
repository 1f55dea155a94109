// Procure-to-pay through the HTTP API of a running hub, as the ERP, the supplier, the plant,
// AP automation and an AP lead each see it: release, confirm, ship, receive, invoice, match,
// postings to the cent; exceptions listed by owner and resolved by an operator.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CloudEvent } from '../../src/core/index.js';
import { callHub, startTestHub, type TestHub } from '../support/hub.js';

const PO = '4500077001';

function event(id: string, source: string, type: string, time: string, data: Record<string, unknown>): CloudEvent {
  return { specversion: '1.0', id, source, type, time, data };
}

interface Summary {
  line: number;
  stage: string;
  quantities: Record<string, string>;
  openGrir: string;
  invoices: { invoiceNumber: string; status: string; afterHold?: boolean }[];
  postings: { kind: string; amount: string; currency: string }[];
  openExceptions: { code: string; owner: string }[];
}

describe('procure-to-pay over HTTP', () => {
  let t: TestHub;
  const call = (method: 'GET' | 'POST', url: string, key: string, body?: unknown) => callHub(t, method, url, key, body);
  const send = async (key: string, body: CloudEvent | CloudEvent[]) => {
    const response = await call('POST', '/v1/events', t.keys.get(key)!, body);
    assert.equal(response.status, 202, JSON.stringify(response.body));
    // The hub processes after each commit; wait until the processor has caught up.
    await t.hub.processor.catchUp();
  };
  const po = async () => {
    const response = await call('GET', `/v1/workflows/p2p/${PO}`, t.keys.get('viewer:plant-manager')!);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body as { lines: Summary[]; timeline: { type: string; source: string }[] };
  };

  before(async () => {
    t = await startTestHub({ flags: { workflowTickMs: 3_600_000 } });
  });
  after(() => t.close());

  it('follows a two-line PO from release to posted, with postings to the cent', async () => {
    await send(
      'system:erp-core',
      event('erp-po-1', '/systems/erp-core', 'po.released', '2026-03-02T08:00:00Z', {
        poNumber: PO,
        supplierId: 'SUP-0042',
        buyerPlant: 'P01',
        currency: 'USD',
        lines: [
          { line: 10, itemId: 'ITM-10023', quantity: '500', uom: 'EA', unitPrice: '12.3456', needBy: '2026-03-16' },
          { line: 20, itemId: 'ITM-10057', quantity: '120', uom: 'EA', unitPrice: '0.4200', needBy: '2026-03-16' },
        ],
      }),
    );
    assert.deepEqual((await po()).lines.map((l) => l.stage), ['released', 'released']);

    await send(
      'partner:sup-0042',
      event('conf-1', '/partners/sup-0042', 'supplier.confirmation', '2026-03-02T11:00:00Z', {
        poNumber: PO,
        supplierId: 'SUP-0042',
        lines: [
          { line: 10, status: 'accepted' },
          { line: 20, status: 'accepted' },
        ],
      }),
    );
    await send(
      'partner:sup-0042',
      event('asn-1', '/partners/sup-0042', 'shipment.dispatched', '2026-03-04T09:00:00Z', {
        shipmentId: 'ASN-9001',
        supplierId: 'SUP-0042',
        shipToPlant: 'P01',
        eta: '2026-03-06T09:00:00Z',
        lines: [
          { poNumber: PO, line: 10, quantity: '500', uom: 'EA' },
          { poNumber: PO, line: 20, quantity: '120', uom: 'EA' },
        ],
      }),
    );
    // AP automation captures the invoice before the plant books the receipt: it is held.
    await send(
      'system:ap-automation',
      event('ap-inv-1', '/systems/ap-automation', 'invoice.received', '2026-03-05T10:00:00Z', {
        invoiceNumber: 'INV-2026-1001',
        supplierId: 'SUP-0042',
        currency: 'USD',
        invoiceDate: '2026-03-05',
        lines: [
          { poNumber: PO, line: 10, quantity: '500', uom: 'EA', unitPrice: '12.4567' },
          { poNumber: PO, line: 20, quantity: '120', uom: 'EA', unitPrice: '0.4200' },
        ],
        totalAmount: '6278.75',
      }),
    );
    let lines = (await po()).lines;
    assert.deepEqual(lines.map((l) => [l.stage, l.invoices[0]?.status]), [
      ['invoiced', 'held'],
      ['invoiced', 'held'],
    ]);

    await send(
      'system:wms-p01',
      event('gr-1', '/systems/wms-p01', 'goods.received', '2026-03-06T07:30:00Z', {
        receiptId: 'GR-5000123',
        plant: 'P01',
        shipmentId: 'ASN-9001',
        lines: [
          { poNumber: PO, line: 10, quantity: '500', uom: 'EA' },
          { poNumber: PO, line: 20, quantity: '120', uom: 'EA' },
        ],
      }),
    );
    const view = await po();
    lines = view.lines;
    assert.deepEqual(lines.map((l) => l.stage), ['posted', 'posted']);
    assert.deepEqual(lines.map((l) => l.invoices[0]?.afterHold), [true, true]);
    // Line 10: 500 x 12.3456 = 6172.80 accrued; invoice 500 x 12.4567 = 6228.35 (0.9% above, within 2%);
    // variance 6228.35 - 6172.80 = 55.55. Line 20: 120 x 0.42 = 50.40 both ways.
    assert.deepEqual(lines[0]?.postings.map((p) => [p.kind, p.amount, p.currency]), [
      ['grir_accrual', '6172.80', 'USD'],
      ['ap_liability', '6228.35', 'USD'],
      ['price_variance', '55.55', 'USD'],
    ]);
    assert.deepEqual(lines[1]?.postings.map((p) => [p.kind, p.amount]), [
      ['grir_accrual', '50.40'],
      ['ap_liability', '50.40'],
    ]);
    assert.deepEqual(lines.map((l) => l.openGrir), ['0.00', '0.00']);
    assert.deepEqual(lines[0]?.quantities, { ordered: '500', confirmed: '500', shipped: '500', received: '500', rejected: '0', invoiced: '500', matched: '500' });
    const types = view.timeline.map((e) => e.type);
    for (const type of ['po.released', 'supplier.confirmation', 'shipment.dispatched', 'receiving.expected', 'invoice.received', 'invoice.held', 'goods.received', 'invoice.matched', 'finance.posting']) {
      assert.ok(types.includes(type), `timeline shows ${type}`);
    }
  });

  it('lists lines by stage, supplier and plant, page by page', async () => {
    const key = t.keys.get('viewer:plant-manager')!;
    const first = await call('GET', '/v1/workflows/p2p?stage=posted&supplier=SUP-0042&plant=P01&limit=1', key);
    assert.equal(first.status, 200);
    const items = first.body.items as { key: string }[];
    assert.deepEqual(items.map((i) => i.key), [`${PO}/10`]);
    const second = await call('GET', `/v1/workflows/p2p?stage=posted&limit=1&after=${encodeURIComponent(String(first.body.next))}`, key);
    assert.deepEqual((second.body.items as { key: string }[]).map((i) => i.key), [`${PO}/20`]);
    assert.equal(second.body.next, undefined);
    const none = await call('GET', '/v1/workflows/p2p?stage=released', key);
    assert.deepEqual(none.body.items, []);
    const bad = await call('GET', '/v1/workflows/p2p?stage=shipped-ish', key);
    assert.equal(bad.status, 400);
  });

  it('routes a price variance to accounts payable, and an AP lead resolves it with a reason kept in the log', async () => {
    await send(
      'system:ap-automation',
      event('ap-inv-2', '/systems/ap-automation', 'invoice.received', '2026-03-07T10:00:00Z', {
        invoiceNumber: 'INV-2026-1002',
        supplierId: 'SUP-0042',
        currency: 'USD',
        invoiceDate: '2026-03-07',
        lines: [{ poNumber: PO, line: 20, quantity: '10', uom: 'EA', unitPrice: '0.5000' }],
        totalAmount: '5.00',
      }),
    );
    const viewer = t.keys.get('viewer:plant-manager')!;
    const list = await call('GET', '/v1/exceptions?owner=accounts-payable&status=open', viewer);
    const items = list.body.items as { exceptionId: string; code: string; owner: string; evidence: string[]; invoiceNumber: string; ageSeconds: number; links: { workflow: string } }[];
    const variance = items.find((e) => e.code === 'quantity_variance' || e.code === 'price_variance');
    assert.ok(variance !== undefined, JSON.stringify(items));
    assert.equal(variance.owner, 'accounts-payable');
    assert.equal(variance.invoiceNumber, 'INV-2026-1002');
    assert.ok(variance.evidence.includes('ap-inv-2'));
    assert.ok(Number.isInteger(variance.ageSeconds) && variance.ageSeconds >= 0);
    assert.equal(variance.links.workflow, `/v1/workflows/p2p/${PO}`);

    const denied = await call('POST', `/v1/exceptions/${variance.exceptionId}/resolve`, viewer, { reason: 'looks fine' });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.code, 'forbidden_action');
    const system = await call('POST', `/v1/exceptions/${variance.exceptionId}/resolve`, t.keys.get('system:erp-core')!, { reason: 'x' });
    assert.equal(system.status, 403);
    const empty = await call('POST', `/v1/exceptions/${variance.exceptionId}/resolve`, t.keys.get('operator:ap-lead')!, { reason: '' });
    assert.equal(empty.status, 400);

    const resolved = await call('POST', `/v1/exceptions/${variance.exceptionId}/resolve`, t.keys.get('operator:ap-lead')!, { reason: 'credit note CN-77 requested from supplier' });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    assert.equal(resolved.body.status, 'resolved');
    assert.equal(resolved.body.resolvedBy, 'operator:ap-lead');
    assert.equal(resolved.body.reason, 'credit note CN-77 requested from supplier');
    const again = await call('POST', `/v1/exceptions/${variance.exceptionId}/resolve`, t.keys.get('operator:ap-lead')!, { reason: 'again' });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'exception_already_resolved');
    const inLog = (await t.store.readFrom(0, 1000)).find((s) => s.event.type === 'exception.resolved' && s.event.data.exceptionId === variance.exceptionId);
    assert.equal(inLog?.event.data.resolution, 'manual');
    const open = await call('GET', '/v1/exceptions?owner=accounts-payable&status=open', viewer);
    assert.ok(!(open.body.items as { exceptionId: string }[]).some((e) => e.exceptionId === variance.exceptionId));
    assert.equal((await call('POST', '/v1/exceptions/EXC-nope/resolve', t.keys.get('operator:ap-lead')!, { reason: 'x' })).status, 404);
  });

  it("shows a supplier only its own purchase orders: another supplier's PO is not found", async () => {
    const own = await call('GET', `/v1/workflows/p2p/${PO}`, t.keys.get('partner:sup-0042')!);
    assert.equal(own.status, 200);
    const other = await call('GET', `/v1/workflows/p2p/${PO}`, t.keys.get('partner:sup-0107')!);
    assert.equal(other.status, 404);
    assert.equal(other.body.code, 'not_found');
    const listed = await call('GET', '/v1/workflows/p2p?supplier=SUP-0042', t.keys.get('partner:sup-0107')!);
    assert.deepEqual(listed.body.items, []);
    const exceptions = await call('GET', '/v1/exceptions', t.keys.get('partner:sup-0107')!);
    assert.deepEqual(exceptions.body.items, []);
  });

  it('shows a workflow\'s lineage: every message with its times and causes, and the steps still expected', async () => {
    const viewer = t.keys.get('viewer:plant-manager')!;
    // The PO followed above, end to end: nothing left to wait for.
    const done = await call('GET', `/v1/lineage?correlation=${PO}`, viewer);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const messages = done.body.messages as { id: string; type: string; derived: boolean; occurred: string; received: string; processed?: string; causationid?: string }[];
    const release = messages.find((m) => m.id === 'erp-po-1');
    assert.equal(release?.occurred, '2026-03-02T08:00:00Z');
    assert.ok(release?.processed !== undefined && release.processed >= release.received, 'the release led to derived events after it was received');
    const expected = messages.find((m) => m.type === 'receiving.expected');
    assert.equal(expected?.derived, true);
    assert.equal(expected?.causationid, 'asn-1');
    assert.ok((done.body.links as { from: string; to: string }[]).some((l) => l.from === 'asn-1' && l.to === expected?.id));
    // Line 10 is posted; line 20's second invoice had a variance resolved by hand (credit note
    // requested): it waits for a corrected invoice or the credit note.
    assert.deepEqual((done.body.lines as { stage: string }[]).map((l) => l.stage), ['posted', 'invoiced']);
    assert.deepEqual((done.body.gaps as { line: number; reason: string; since: string }[]).map((g) => [g.line, g.reason, g.since]), [[20, 'awaiting_match', '2026-03-07T10:00:00Z']]);

    // A PO released now and not confirmed yet: the hub expects the supplier's confirmation within 24 h.
    const now = new Date();
    await send('system:erp-core', event('erp-po-lin', '/systems/erp-core', 'po.released', now.toISOString(), {
      poNumber: '4500077099',
      supplierId: 'SUP-0042',
      buyerPlant: 'P01',
      currency: 'USD',
      lines: [{ line: 10, itemId: 'ITM-10023', quantity: '10', uom: 'EA', unitPrice: '1.00', needBy: '2026-12-30' }],
    }));
    const open = await call('GET', '/v1/lineage?source=/systems/erp-core&id=erp-po-lin', viewer);
    assert.equal(open.status, 200, JSON.stringify(open.body));
    assert.equal(open.body.poNumber, '4500077099');
    assert.equal(open.body.focus, (open.body.messages as { id: string; sequence: number }[]).find((m) => m.id === 'erp-po-lin')?.sequence);
    const gaps = open.body.gaps as { line: number; expected: string; due: string; overdue: boolean; owner: string; reason: string }[];
    assert.deepEqual(gaps.map((g) => [g.line, g.reason, g.expected, g.owner, g.overdue]), [[10, 'supplier_confirmation', 'the supplier confirms the line', 'procurement', false]]);
    assert.equal(Date.parse(gaps[0]!.due) - Date.parse(now.toISOString()), 24 * 3_600_000);
    // By line key too; a partner sees only its own supplier's; unknown ids and missing parameters are explained.
    assert.equal((await call('GET', '/v1/lineage?correlation=4500077099/10', viewer)).body.poNumber, '4500077099');
    assert.equal((await call('GET', '/v1/lineage?correlation=4500077099', t.keys.get('partner:sup-0042')!)).status, 200);
    assert.equal((await call('GET', '/v1/lineage?correlation=4500077099', t.keys.get('partner:sup-0107')!)).status, 404);
    assert.equal((await call('GET', '/v1/lineage?correlation=4599999999', viewer)).status, 404);
    assert.equal((await call('GET', '/v1/lineage?source=/systems/erp-core', viewer)).status, 400);
  });

  it('tells accounts payable of goods reversed after their invoice posted, and clears GR/IR with the credit memo AP automation sends', async () => {
    const other = '4500077002';
    const viewer = t.keys.get('viewer:plant-manager')!;
    const line = async () => ((await call('GET', `/v1/workflows/p2p/${other}`, viewer)).body as { lines: (Summary & { credits: { creditMemoNumber: string; status: string }[] })[] }).lines[0]!;
    const lines = [{ poNumber: other, line: 10, quantity: '100', uom: 'EA', unitPrice: '12.5000' }];
    await send('system:erp-core', event('erp-po-2', '/systems/erp-core', 'po.released', '2026-03-02T08:00:00Z', {
      poNumber: other,
      supplierId: 'SUP-0042',
      buyerPlant: 'P01',
      currency: 'USD',
      lines: [{ line: 10, itemId: 'ITM-10023', quantity: '100', uom: 'EA', unitPrice: '12.5000', needBy: '2026-03-16' }],
    }));
    await send('system:wms-p01', event('gr-2', '/systems/wms-p01', 'goods.received', '2026-03-06T07:30:00Z', { receiptId: 'GR-5000200', plant: 'P01', lines: [{ poNumber: other, line: 10, quantity: '100', uom: 'EA' }] }));
    await send('system:ap-automation', event('ap-inv-3', '/systems/ap-automation', 'invoice.received', '2026-03-07T10:00:00Z', {
      invoiceNumber: 'INV-2026-1003', supplierId: 'SUP-0042', currency: 'USD', invoiceDate: '2026-03-07', lines, totalAmount: '1250.00',
    }));
    assert.equal((await line()).stage, 'posted');
    await send('system:wms-p01', event('gr-2-rev', '/systems/wms-p01', 'goods.received', '2026-03-09T07:30:00Z', {
      receiptId: 'GR-5000201', plant: 'P01', lines: [{ poNumber: other, line: 10, quantity: '30', uom: 'EA', reversal: true }],
    }));
    let state = await line();
    assert.deepEqual([state.stage, state.openGrir, state.openExceptions.map((e) => [e.code, e.owner])], ['matched', '-375.00', [['receipt_reversed_after_match', 'accounts-payable']]]);
    const listed = await call('GET', `/v1/exceptions?code=receipt_reversed_after_match&po=${other}`, viewer);
    assert.match(String((listed.body.items as { message: string }[])[0]?.message), /until a credit memo from SUP-0042 takes them back or they are received again$/);

    // The supplier's own key may not send a credit memo in the example manifest: it comes through AP automation.
    const credit = { creditMemoNumber: 'CM-2026-0007', supplierId: 'SUP-0042', currency: 'USD', creditDate: '2026-03-10', invoiceNumber: 'INV-2026-1003', lines: [{ ...lines[0], quantity: '30' }], totalAmount: '375.00' };
    const refused = await call('POST', '/v1/events', t.keys.get('partner:sup-0042')!, event('cm-partner', '/partners/sup-0042', 'invoice.credited', '2026-03-10T09:00:00Z', credit));
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    await send('system:ap-automation', event('ap-cm-1', '/systems/ap-automation', 'invoice.credited', '2026-03-10T09:00:00Z', credit));
    state = await line();
    assert.deepEqual([state.openGrir, state.openExceptions, state.quantities.matched], ['0.00', [], '70']);
    assert.deepEqual(state.credits.map((c) => [c.creditMemoNumber, c.status]), [['CM-2026-0007', 'applied']]);
    assert.deepEqual(state.postings.slice(2).map((p) => [p.kind, p.amount]), [['reversal', '-375.00'], ['ap_liability', '-375.00']]);
  });

  it('applies a credit memo stopped with its invoice once the ERP revision that releases the invoice comes in', async () => {
    const other = '4500077003';
    const viewer = t.keys.get('viewer:plant-manager')!;
    const line = async () => ((await call('GET', `/v1/workflows/p2p/${other}`, viewer)).body as { lines: (Summary & { credits: { creditMemoNumber: string; status: string }[] })[] }).lines[0]!;
    const po = (quantity: string) => ({
      poNumber: other,
      supplierId: 'SUP-0042',
      buyerPlant: 'P01',
      currency: 'USD',
      lines: [{ line: 10, itemId: 'ITM-10023', quantity, uom: 'EA', unitPrice: '12.5000', needBy: '2026-03-16' }],
    });
    const billed = (quantity: string) => [{ poNumber: other, line: 10, quantity, uom: 'EA', unitPrice: '12.5000' }];
    await send('system:erp-core', event('erp-po-3', '/systems/erp-core', 'po.released', '2026-03-02T08:00:00Z', po('100')));
    await send('system:wms-p01', event('gr-3', '/systems/wms-p01', 'goods.received', '2026-03-06T07:30:00Z', { receiptId: 'GR-5000300', plant: 'P01', lines: [{ poNumber: other, line: 10, quantity: '120', uom: 'EA' }] }));
    await send('system:ap-automation', event('ap-inv-4', '/systems/ap-automation', 'invoice.received', '2026-03-07T10:00:00Z', {
      invoiceNumber: 'INV-2026-1004', supplierId: 'SUP-0042', currency: 'USD', invoiceDate: '2026-03-07', lines: billed('120'), totalAmount: '1500.00',
    }));
    await send('system:ap-automation', event('ap-cm-2', '/systems/ap-automation', 'invoice.credited', '2026-03-07T11:00:00Z', {
      creditMemoNumber: 'CM-2026-0008', supplierId: 'SUP-0042', currency: 'USD', creditDate: '2026-03-07', invoiceNumber: 'INV-2026-1004', lines: billed('20'), totalAmount: '250.00',
    }));
    let state = await line();
    assert.deepEqual(state.openExceptions.map((e) => e.code).sort(), ['credited_invoice_stopped', 'over_receipt', 'quantity_variance']);
    // The buyer agrees the 120 EA: the ERP's revision releases the invoice, and the credit memo with it.
    await send('system:erp-core', event('erp-po-3-r1', '/systems/erp-core', 'po.changed', '2026-03-08T08:00:00Z', { ...po('120'), revision: 1 }));
    state = await line();
    assert.deepEqual(state.credits.map((c) => [c.creditMemoNumber, c.status]), [['CM-2026-0008', 'applied']]);
    assert.deepEqual([state.openExceptions, state.openGrir, state.quantities.matched], [[], '250.00', '100']);
    assert.deepEqual(state.postings.slice(1).map((p) => [p.kind, p.amount]), [['ap_liability', '1500.00'], ['ap_liability', '-250.00']]);
  });
});
