// Who reads what over HTTP (ADR 0055), on SQLite and PostgreSQL: two suppliers' POs at two
// plants, a price variance on each, an inventory mismatch at each plant; then every read route
// asked with keys that should see part of it, all of it or none of it. Another party's object
// is answered exactly like one that does not exist, so ids cannot be probed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { issueKey, systemClock } from '../bootstrap/index.js';
import type { TestHub } from '../../test/support/hub.js';
import { callHub, exampleWithSubscriptions, onBothStores, startTestHub, webhookSubscriptions } from '../../test/support/hub.js';
import { startReceiver } from '../../test/support/webhook-receiver.js';

const PO_A = '4500000001';
const PO_B = '4500000002';
const PO_NONE = '4500000099';
/** Before any deadline of the story falls due: its exceptions are the four it raises at once. */
const CLOCK = { clock: { now: () => new Date('2026-03-02T09:00:00Z') } };

function event(id: string, source: string, type: string, time: string, data: Record<string, unknown>) {
  return { specversion: '1.0', id, source, type, time, data };
}

/** PO A to SUP-0042 for P01 and PO B to SUP-0107 for P02, received and invoiced above price; a count short at each plant. */
async function story(t: TestHub): Promise<void> {
  const send = async (key: string, body: unknown) => {
    const answer = await callHub(t, 'POST', '/v1/events', t.keys.get(key)!, body);
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
  };
  for (const [po, supplierId, plant] of [
    [PO_A, 'SUP-0042', 'P01'],
    [PO_B, 'SUP-0107', 'P02'],
  ] as const) {
    const wms = `wms-${plant.toLowerCase()}`;
    await send(
      'system:erp-core',
      event(`po-${po}`, '/systems/erp-core', 'po.released', '2026-03-02T08:00:00Z', {
        poNumber: po,
        supplierId,
        buyerPlant: plant,
        currency: 'USD',
        lines: [{ line: 10, itemId: 'ITM-10023', quantity: '100', uom: 'EA', unitPrice: '10.00', needBy: '2026-03-16' }],
      }),
    );
    await send(`system:${wms}`, event(`gr-${po}`, `/systems/${wms}`, 'goods.received', '2026-03-04T07:30:00Z', { receiptId: `GR-${po}`, plant, lines: [{ poNumber: po, line: 10, quantity: '100', uom: 'EA' }] }));
    await send(
      'system:ap-automation',
      event(`inv-${po}`, '/systems/ap-automation', 'invoice.received', '2026-03-05T10:00:00Z', {
        invoiceNumber: `INV-${po}`,
        supplierId,
        currency: 'USD',
        invoiceDate: '2026-03-05',
        lines: [{ poNumber: po, line: 10, quantity: '100', uom: 'EA', unitPrice: '11.00' }],
        totalAmount: '1100.00',
      }),
    );
    await send(`system:${wms}`, event(`mv-${plant}`, `/systems/${wms}`, 'inventory.movement', '2026-03-02T06:00:00Z', { movementId: `ADJ-${plant}`, plant, itemId: 'ITM-50010', quantity: '100', uom: 'EA', reason: 'adjustment' }));
    await send(`system:${wms}`, event(`count-${plant}`, `/systems/${wms}`, 'inventory.snapshot', '2026-03-03T18:00:00Z', { plant, asOf: '2026-03-03T18:00:00Z', positions: [{ itemId: 'ITM-50010', quantity: '70', uom: 'EA' }] }));
  }
  await t.hub.settle();
}

type Exception = { exceptionId: string; code: string; plant?: string; supplierId?: string; poNumber?: string };

async function exceptionsAs(t: TestHub, key: string, query = ''): Promise<Exception[]> {
  const answer = await callHub(t, 'GET', `/v1/exceptions${query}`, key);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.items as Exception[];
}

/** The operator's view of the story's exceptions: a price variance per PO and an inventory mismatch per plant. */
async function storyExceptions(t: TestHub): Promise<Record<string, Exception>> {
  const all = await exceptionsAs(t, t.keys.get('operator:ap-lead')!);
  const find = (code: string, plant: string) => {
    const found = all.find((e) => e.code === code && e.plant === plant);
    assert.ok(found, `${code} at ${plant} in ${JSON.stringify(all)}`);
    return found;
  };
  return { varianceA: find('price_variance', 'P01'), varianceB: find('price_variance', 'P02'), countP01: find('inventory_mismatch', 'P01'), countP02: find('inventory_mismatch', 'P02') };
}

/** The status and the problem's detail with the id asked for taken out: another party's object reads like a missing one. */
async function notFound(t: TestHub, url: string, key: string, id: string): Promise<string> {
  const answer = await callHub(t, 'GET', url, key);
  assert.equal(answer.status, 404, `${url}: ${JSON.stringify(answer.body)}`);
  return String(answer.body.detail).replace(id, '<id>');
}

describe('read scope per key', () => {
  onBothStores('a key of a system the manifest does not declare (any more) reads nothing', async (t) => {
    await story(t);
    const exceptions = await storyExceptions(t);
    // A key made while the manifest declared mes-p09: the store keeps it after the system is removed.
    const removed = (await issueKey(t.store, { kind: 'system', id: 'mes-p09' }, systemClock)).key;
    const operator = t.keys.get('operator:ap-lead')!;
    assert.equal((await callHub(t, 'GET', `/v1/workflows/p2p/${PO_A}`, operator)).status, 200);
    assert.equal((await callHub(t, 'GET', '/v1/inventory/P01', operator)).status, 200);

    assert.equal(await notFound(t, `/v1/workflows/p2p/${PO_A}`, removed, PO_A), await notFound(t, `/v1/workflows/p2p/${PO_NONE}`, removed, PO_NONE));
    assert.equal(await notFound(t, `/v1/lineage?correlation=${PO_B}`, removed, PO_B), await notFound(t, `/v1/lineage?correlation=${PO_NONE}`, removed, PO_NONE));
    await notFound(t, `/v1/lineage?source=%2Fsystems%2Fwms-p02&id=gr-${PO_B}`, removed, '');
    await notFound(t, `/v1/exceptions/${exceptions.varianceA!.exceptionId}`, removed, '');
    await notFound(t, `/v1/exceptions/${exceptions.countP02!.exceptionId}`, removed, '');
    await notFound(t, '/v1/inventory/P01', removed, '');
    const lines = await callHub(t, 'GET', '/v1/workflows/p2p', removed);
    assert.deepEqual([lines.status, lines.body.items], [200, []]);
    assert.deepEqual(await exceptionsAs(t, removed), []);
    // Its intake was already refused: the manifest grants it nothing.
    const sent = await callHub(t, 'POST', '/v1/events', removed, event('mv-x', '/systems/mes-p09', 'inventory.movement', '2026-03-02T06:00:00Z', { movementId: 'X', plant: 'P01', itemId: 'ITM-50010', quantity: '1', uom: 'EA', reason: 'adjustment' }));
    assert.equal(sent.status, 403);
  }, CLOCK);

  // Before, such a key still read what its system had left in the quarantine and its files as
  // received (ADR 0055 kept them readable by source): a removed system reads nothing.
  onBothStores("a key of a system the manifest does not declare reads none of its quarantine entries or files", async (t) => {
    const removed = (await issueKey(t.store, { kind: 'system', id: 'mes-p09' }, systemClock)).key;
    const raw = new TextEncoder().encode('orderId,plant\nPRD-1,P09\n');
    const [held] = await t.store.quarantines.quarantine([
      { channel: 'csv', source: '/systems/mes-p09', receivedTime: '2026-03-02T08:00:00Z', raw, name: 'orders.csv', reason: { code: 'csv_invalid', message: 'x', problems: [] }, context: {} },
    ]);
    const file = await t.store.inboundMessages.keepInbound({ channel: 'csv', source: '/systems/mes-p09', receivedTime: '2026-03-02T08:00:00Z', name: 'orders.csv', mediaType: 'text/csv', sha256: 'ab'.repeat(32), raw, parts: [] });
    const operator = t.keys.get('operator:ap-lead')!;
    assert.equal((await callHub(t, 'GET', `/v1/quarantine/${held!.id}`, operator)).status, 200);
    assert.equal((await t.hub.http.inject({ method: 'GET', url: `/v1/inbound/messages/${file}`, headers: { authorization: `Bearer ${operator}` } })).statusCode, 200);

    assert.equal(await notFound(t, `/v1/quarantine/${held!.id}`, removed, held!.id), await notFound(t, '/v1/quarantine/q-999999', removed, 'q-999999'));
    for (const query of ['', '?source=%2Fsystems%2Fmes-p09']) {
      const listed = await callHub(t, 'GET', `/v1/quarantine${query}`, removed);
      assert.deepEqual([listed.status, listed.body.items], [200, []], query);
    }
    const fetched = await t.hub.http.inject({ method: 'GET', url: `/v1/inbound/messages/${file}`, headers: { authorization: `Bearer ${removed}` } });
    assert.equal(fetched.statusCode, 404);
  }, CLOCK);

  // Before, a system tied to a plant saw its own plant's inventory, orders and transfers only, but
  // every plant's POs (prices, suppliers), their lineage and every exception, the other plant's
  // inventory mismatch included.
  onBothStores("a system tied to a plant reads its plant's POs, lineage and exceptions, and nothing of another plant's", async (t) => {
    await story(t);
    const { varianceA, varianceB, countP01, countP02 } = await storyExceptions(t);
    const wms1 = t.keys.get('system:wms-p01')!;
    const wms2 = t.keys.get('system:wms-p02')!;

    assert.equal((await callHub(t, 'GET', `/v1/workflows/p2p/${PO_A}`, wms1)).status, 200);
    assert.equal((await callHub(t, 'GET', `/v1/lineage?correlation=${PO_A}`, wms1)).status, 200);
    assert.equal(await notFound(t, `/v1/workflows/p2p/${PO_B}`, wms1, PO_B), await notFound(t, `/v1/workflows/p2p/${PO_NONE}`, wms1, PO_NONE));
    assert.equal(await notFound(t, `/v1/lineage?correlation=${PO_B}`, wms1, PO_B), await notFound(t, `/v1/lineage?correlation=${PO_NONE}`, wms1, PO_NONE));
    assert.equal(await notFound(t, `/v1/lineage?correlation=${PO_B}/10`, wms1, PO_B), await notFound(t, `/v1/lineage?correlation=${PO_NONE}/10`, wms1, PO_NONE));
    // By an event of PO B: the other plant's receipt, and the invoice.
    await notFound(t, `/v1/lineage?source=%2Fsystems%2Fwms-p02&id=gr-${PO_B}`, wms1, '');
    await notFound(t, `/v1/lineage?source=%2Fsystems%2Fap-automation&id=inv-${PO_B}`, wms1, '');

    const lines = await callHub(t, 'GET', '/v1/workflows/p2p', wms1);
    assert.deepEqual((lines.body.items as { poNumber: string }[]).map((l) => l.poNumber), [PO_A]);
    for (const query of ['?plant=P02', '?supplier=SUP-0107']) {
      const other = await callHub(t, 'GET', `/v1/workflows/p2p${query}`, wms1);
      assert.deepEqual([other.status, other.body.items], [200, []], query);
    }

    const ids = (items: Exception[]) => items.map((e) => e.exceptionId).sort();
    assert.deepEqual(ids(await exceptionsAs(t, wms1)), ids([varianceA!, countP01!]));
    assert.deepEqual(ids(await exceptionsAs(t, wms2)), ids([varianceB!, countP02!]));
    assert.deepEqual(await exceptionsAs(t, wms1, `?po=${PO_B}`), []);
    assert.deepEqual(await exceptionsAs(t, wms1, '?supplier=SUP-0107'), []);
    assert.equal((await callHub(t, 'GET', `/v1/exceptions/${countP01!.exceptionId}`, wms1)).status, 200);
    for (const other of [varianceB!, countP02!]) {
      assert.equal(await notFound(t, `/v1/exceptions/${other.exceptionId}`, wms1, other.exceptionId), await notFound(t, '/v1/exceptions/EXC-999-0-0', wms1, 'EXC-999-0-0'));
    }
    // Resolving is for operators; one the key cannot see is not found, as it is for a partner.
    assert.equal((await callHub(t, 'POST', `/v1/exceptions/${varianceB!.exceptionId}/resolve`, wms1, { reason: 'x' })).status, 404);
    assert.equal((await callHub(t, 'POST', `/v1/exceptions/${varianceA!.exceptionId}/resolve`, wms1, { reason: 'x' })).status, 403);

    // A system without a plant (the ERP) reads every plant's.
    const erp = t.keys.get('system:erp-core')!;
    assert.equal((await callHub(t, 'GET', `/v1/workflows/p2p/${PO_B}`, erp)).status, 200);
    assert.deepEqual(ids(await exceptionsAs(t, erp)), ids([varianceA!, varianceB!, countP01!, countP02!]));
  }, CLOCK);
});

// Before, a lineage showed every key the deliveries of its messages: a supplier reading its own
// PO's lineage read the ERP's webhook address and its failures ("HTTP 500 from
// https://erp.internal/..."), which GET /v1/deliveries keeps to operator keys and /asyncapi.json
// leaves out. (The filter is in the use case: one store shows it.)
describe('deliveries in a lineage', () => {
  it('are shown to operator keys only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-read-scope-'));
    const receiver = await startReceiver();
    const hook = `${receiver.url}/erp-internal/receipts`;
    const manifestPath = exampleWithSubscriptions(
      dir,
      webhookSubscriptions({ id: 'erp-receipts', types: ['goods.received'], url: hook, secret: 'erp-hook', delivery: 'maxAttempts: 1, initialBackoff: 1s, timeout: 2s' }),
    );
    const t = await startTestHub({ manifestPath, flags: { deliveries: 'on' }, env: { MILLRACE_SECRET_ERP_HOOK: 'shh' }, hubOptions: { deliveryMode: 'manual', ...CLOCK } });
    try {
      await story(t);
      receiver.mode = 'fail';
      await t.hub.deliveries!.runOnce();
      type Lineage = { messages: { id: string; deliveries?: { subscription: string; lastError?: string }[] }[] };
      const receiptOf = async (key: string) => {
        const answer = await callHub(t, 'GET', `/v1/lineage?correlation=${PO_A}`, key);
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        return (answer.body as unknown as Lineage).messages.find((m) => m.id === `gr-${PO_A}`)!;
      };
      for (const operator of ['operator:ap-lead', 'viewer:plant-manager']) {
        const seen = await receiptOf(t.keys.get(operator)!);
        assert.deepEqual(seen.deliveries?.map((d) => d.subscription), ['erp-receipts'], operator);
        assert.ok(seen.deliveries[0]?.lastError?.startsWith(`HTTP 500 from ${hook}`), JSON.stringify(seen.deliveries));
      }
      for (const other of ['partner:sup-0042', 'system:wms-p01', 'system:erp-core']) {
        const seen = await receiptOf(t.keys.get(other)!);
        assert.equal(seen.deliveries, undefined, `${other}: ${JSON.stringify(seen.deliveries)}`);
        assert.doesNotMatch(JSON.stringify(seen), /erp-internal/, other);
      }
    } finally {
      await t.close();
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Before, a supplier reading its own PO read every document billed against it: AP automation
// captured an invoice of SUP-0107 against SUP-0042's PO, and SUP-0042 read it on the PO's line
// (number, quantity, price), in the timeline and the lineage, and in the supplier_mismatch
// exception it raised ("invoice INV-7 is from supplier SUP-0107 ...").
describe("another supplier's documents on a supplier's PO", () => {
  onBothStores('are not shown to the PO\'s supplier; the buyer\'s documents and its own are', async (t) => {
    await story(t);
    const ap = t.keys.get('system:ap-automation')!;
    const other = await callHub(
      t,
      'POST',
      '/v1/events',
      ap,
      event('inv-other', '/systems/ap-automation', 'invoice.received', '2026-03-05T11:00:00Z', {
        invoiceNumber: 'INV-7',
        supplierId: 'SUP-0107',
        currency: 'USD',
        invoiceDate: '2026-03-05',
        lines: [{ poNumber: PO_A, line: 10, quantity: '5', uom: 'EA', unitPrice: '10.00' }],
        totalAmount: '50.00',
      }),
    );
    assert.equal(other.status, 202, JSON.stringify(other.body));
    await t.hub.settle();
    const operator = t.keys.get('operator:ap-lead')!;
    const partner = t.keys.get('partner:sup-0042')!;
    const leak = /SUP-0107|INV-7|inv-other/;

    // The operator sees the invoice on the PO, and the exception it raised.
    const seen = await callHub(t, 'GET', `/v1/workflows/p2p/${PO_A}`, operator);
    assert.match(JSON.stringify(seen.body), /INV-7/);
    const mismatch = (await exceptionsAs(t, operator)).find((e) => e.code === 'supplier_mismatch');
    assert.ok(mismatch, 'the operator sees the supplier_mismatch');

    const po = await callHub(t, 'GET', `/v1/workflows/p2p/${PO_A}`, partner);
    assert.equal(po.status, 200);
    assert.doesNotMatch(JSON.stringify(po.body), leak);
    const [line] = po.body.lines as { invoices: { invoiceNumber: string }[]; openExceptions: { code: string }[]; quantities: Record<string, string> }[];
    assert.deepEqual(line!.invoices.map((i) => i.invoiceNumber), [`INV-${PO_A}`], 'its own invoice stays');
    assert.equal(line!.quantities.stopped, '100', 'its own invoice, stopped by its price variance; not 105');
    assert.ok(!line!.openExceptions.some((e) => e.code === 'supplier_mismatch'));
    const listed = await callHub(t, 'GET', '/v1/workflows/p2p', partner);
    assert.doesNotMatch(JSON.stringify(listed.body), leak);

    const lineage = await callHub(t, 'GET', `/v1/lineage?correlation=${PO_A}`, partner);
    assert.equal(lineage.status, 200);
    assert.doesNotMatch(JSON.stringify(lineage.body), leak);
    const types = (lineage.body.messages as { type: string; source: string }[]).map((m) => m.type);
    assert.ok(types.includes('po.released') && types.includes('goods.received') && types.includes('invoice.received'), types.join());
    assert.equal(
      await notFound(t, '/v1/lineage?source=%2Fsystems%2Fap-automation&id=inv-other', partner, 'inv-other'),
      await notFound(t, '/v1/lineage?source=%2Fsystems%2Fap-automation&id=inv-none', partner, 'inv-none'),
    );

    assert.doesNotMatch(JSON.stringify(await exceptionsAs(t, partner)), leak);
    assert.equal(await notFound(t, `/v1/exceptions/${mismatch.exceptionId}`, partner, mismatch.exceptionId), await notFound(t, '/v1/exceptions/EXC-999-0-0', partner, 'EXC-999-0-0'));
  }, CLOCK);
});

// Before, the exceptions listing was narrowed to the supplier's own after the page was read: on
// a PO where AP automation had billed other suppliers' invoices, a supplier's page of 2 held 0 or
// 1 of its exceptions while `next` went on, and the last page could be empty.
describe("a supplier's exceptions listing among other suppliers' exceptions on its PO", () => {
  onBothStores('gives full pages until the last, and no next on the last', async (t) => {
    await story(t);
    const ap = t.keys.get('system:ap-automation')!;
    const invoice = async (n: number, supplierId: string, unitPrice: string) => {
      const sent = await callHub(
        t,
        'POST',
        '/v1/events',
        ap,
        event(`inv-${supplierId}-${n}`, '/systems/ap-automation', 'invoice.received', `2026-03-05T11:${String(n).padStart(2, '0')}:00Z`, {
          invoiceNumber: `INV-${supplierId}-${n}`,
          supplierId,
          currency: 'USD',
          invoiceDate: '2026-03-05',
          lines: [{ poNumber: PO_A, line: 10, quantity: '1', uom: 'EA', unitPrice }],
          totalAmount: unitPrice,
        }),
      );
      assert.equal(sent.status, 202, JSON.stringify(sent.body));
    };
    // Its own invoices above price (a price variance each), two of SUP-0107's between each (a supplier mismatch each).
    for (let n = 1; n <= 10; n++) await invoice(n, n % 3 === 1 ? 'SUP-0042' : 'SUP-0107', n % 3 === 1 ? '11.00' : '10.00');
    await t.hub.settle();
    const operator = t.keys.get('operator:ap-lead')!;
    assert.equal((await exceptionsAs(t, operator, `?po=${PO_A}&code=supplier_mismatch`)).length, 6);
    const own = (await exceptionsAs(t, operator, `?po=${PO_A}&code=price_variance`)).map((e) => e.exceptionId);
    assert.equal(own.length, 5, 'the story\'s variance and four of its own invoices');

    const partner = t.keys.get('partner:sup-0042')!;
    const pages: string[][] = [];
    let after: string | undefined;
    do {
      const answer = await callHub(t, 'GET', `/v1/exceptions?limit=2${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`, partner);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      pages.push((answer.body.items as Exception[]).map((e) => e.exceptionId));
      after = answer.body.next as string | undefined;
      assert.ok(pages.length <= 5, `paging goes on: ${JSON.stringify(pages)}`);
    } while (after !== undefined);
    assert.deepEqual(pages.map((p) => p.length), [2, 2, 1], JSON.stringify(pages));
    assert.deepEqual(pages.flat(), own, 'its own, newest first, each once');
  }, CLOCK);
});

// Before, a master data gap at intake was raised to no plant: wms-p02's own unmapped item code
// at P02 was an exception no plant's system could read (wms-p02 got a 404 for it), though it
// was about P02's stock and its own codes.
describe('master data gaps', () => {
  onBothStores("are raised to the plant of the held event, and read by that plant's systems only", async (t) => {
    const wms2 = t.keys.get('system:wms-p02')!;
    const sent = await callHub(t, 'POST', '/v1/events', wms2, event('mv-gap', '/systems/wms-p02', 'inventory.movement', '2026-03-02T06:00:00Z', { movementId: 'ADJ-GAP', plant: 'P02', itemId: 'MX-99999', quantity: '5', uom: 'EA', reason: 'adjustment' }));
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    await t.hub.settle();
    const [gap] = await exceptionsAs(t, t.keys.get('operator:ap-lead')!, '?code=master_data_gap');
    assert.ok(gap, 'the operator sees the gap');
    assert.equal(gap.plant, 'P02');

    assert.deepEqual((await exceptionsAs(t, wms2, '?code=master_data_gap')).map((e) => e.exceptionId), [gap.exceptionId]);
    assert.equal((await callHub(t, 'GET', `/v1/exceptions/${encodeURIComponent(gap.exceptionId)}`, wms2)).status, 200);
    const wms1 = t.keys.get('system:wms-p01')!;
    assert.deepEqual(await exceptionsAs(t, wms1, '?code=master_data_gap'), []);
    assert.equal(await notFound(t, `/v1/exceptions/${encodeURIComponent(gap.exceptionId)}`, wms1, gap.exceptionId), await notFound(t, '/v1/exceptions/EXC-999-0-0', wms1, 'EXC-999-0-0'));
    assert.equal((await exceptionsAs(t, t.keys.get('system:erp-core')!, '?code=master_data_gap')).length, 1);
  }, CLOCK);
});
