// The plant workflows and master data alignment through the HTTP door, on the real SQLite
// adapter: inventory, production order and transfer views with their object-level scope, the
// inventory KPI, and local codes mapped at intake or held in quarantine until master data maps
// them (then retried when the hub starts with the mapping).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteStore } from '../bootstrap/index.js';
import type { TestHub } from '../../test/support/hub.js';
import { callHub, EXAMPLE_MANIFEST, startTestHub } from '../../test/support/hub.js';

const CSV_FIXTURES = new URL('../../test/fixtures/csv/', import.meta.url);

const SAMPLE = readFileSync(new URL('../../examples/p2i-rehearsal.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { source: string; time: string });

/** The example manifest with more cross-references for wms-p02 (and `extra` item codes). */
function manifestWith(dir: string, extraItems = ''): string {
  const example = readFileSync(EXAMPLE_MANIFEST, 'utf8');
  const path = join(dir, `millrace-${extraItems === '' ? 'a' : 'b'}.yaml`);
  const text = example.replace('    wms-p02: { "MX-10023": ITM-10023 }', `    wms-p02: { "MX-10023": ITM-10023${extraItems} }\n  plantCodes:\n    wms-p02: { "WERK-2": P02 }\n  unitCodes:\n    wms-p02: { "ST": EA }`);
  assert.notEqual(text, example);
  writeFileSync(path, text);
  return path;
}

function movement(id: string, data: Record<string, unknown>) {
  return { specversion: '1.0', id, source: '/systems/wms-p02', type: 'inventory.movement', time: '2026-03-02T09:00:00Z', data: { movementId: id, reason: 'adjustment', ...data } };
}

describe('plant workflows over HTTP', () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub();
    for (const event of SAMPLE) {
      const system = event.source.replace('/systems/', 'system:');
      const answer = await callHub(t, 'POST', '/v1/events', t.keys.get(system)!, event);
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
    }
    await t.hub.settle();
  });
  after(() => t.close());
  const operator = () => t.keys.get('operator:ap-lead')!;

  it("shows a plant's inventory: book positions in converted units, transfers in transit, accuracy against the snapshot", async () => {
    const answer = await callHub(t, 'GET', '/v1/inventory/P01', operator());
    assert.equal(answer.status, 200);
    const positions = answer.body.positions as { itemId: string; quantity: string; uom: string }[];
    // 1000 EA opening - 16 BOX of 12 - 8 EA - 128 EA issued - 2 BOX shipped to P02.
    const components = positions.find((p) => p.itemId === 'ITM-10023');
    assert.deepEqual(components && [components.quantity, components.uom], ['648', 'EA']);
    assert.equal((answer.body.accuracy as { accuracyPercent: string }).accuracyPercent, '66.67');
    const outbound = (answer.body.inTransit as { outbound: { transferId: string; quantity: string }[] }).outbound;
    assert.deepEqual(outbound.map((l) => [l.transferId, l.quantity]), [['TR-2026-0031', '2'], ['TR-2026-0032', '2']]);
  });

  it('shows a production order with its quantities, backflush, postings and timeline', async () => {
    const answer = await callHub(t, 'GET', '/v1/workflows/production/MO-P01-000452', operator());
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.quantities, { ordered: '40', completed: '40', scrapped: '1', received: '39' });
    const timeline = answer.body.timeline as { type: string }[];
    assert.ok(timeline.some((e) => e.type === 'production.completed') && timeline.some((e) => e.type === 'inventory.movement') && timeline.some((e) => e.type === 'finance.posting'));
  });

  it('shows a transfer with what is in transit', async () => {
    const answer = await callHub(t, 'GET', '/v1/workflows/transfer/TR-2026-0031', operator());
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.items, [{ itemId: 'ITM-50010', uom: 'EA', shipped: '20', received: '18', inTransit: '2' }]);
  });

  it("answers 404 to a partner and to another plant's system, and shows a plant's system its own plant", async () => {
    assert.equal((await callHub(t, 'GET', '/v1/inventory/P01', t.keys.get('partner:sup-0042')!)).status, 404);
    assert.equal((await callHub(t, 'GET', '/v1/workflows/production/MO-P01-000452', t.keys.get('partner:sup-0042')!)).status, 404);
    assert.equal((await callHub(t, 'GET', '/v1/inventory/P01', t.keys.get('system:wms-p02')!)).status, 404);
    assert.equal((await callHub(t, 'GET', '/v1/inventory/P01', t.keys.get('system:wms-p01')!)).status, 200);
    // A transfer is seen from both ends.
    assert.equal((await callHub(t, 'GET', '/v1/workflows/transfer/TR-2026-0031', t.keys.get('system:wms-p02')!)).status, 200);
    assert.equal((await callHub(t, 'GET', '/v1/workflows/production/MO-NOPE', operator())).status, 404);
  });

  // Before, a plant's system saw another plant's order (BOM, quantities, postings) once it had posted
  // a movement naming it, and that movement counted as the other plant's stock.
  it("does not show a P01 order to P02's system that posts a movement naming it, nor count P02's stock for it", async () => {
    const wms2 = t.keys.get('system:wms-p02')!;
    const order = 'MO-P01-000452';
    const before = await callHub(t, 'GET', `/v1/workflows/production/${order}`, operator());
    const sent = await callHub(t, 'POST', '/v1/events', wms2, movement('MV-P02-ISSUE-1', { plant: 'P02', itemId: 'ITM-10023', quantity: '-5', uom: 'EA', reason: 'issue', reference: order }));
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    await t.hub.settle();
    assert.equal((await callHub(t, 'GET', `/v1/workflows/production/${order}`, wms2)).status, 404);
    const after = await callHub(t, 'GET', `/v1/workflows/production/${order}`, operator());
    assert.deepEqual(after.body.components, before.body.components, "P02's issue is not an issue of P01's order");
  });

  it('lists plant exceptions in GET /v1/exceptions with owners and a link to their workflow, and reports inventory accuracy in the KPIs', async () => {
    // The sample's deadlines lie in the past of the hub's clock: the scheduler fires them on its next tick.
    let items: { owner: string; workflow: string; links: { workflow?: string } }[] = [];
    for (let round = 0; round < 300 && items.length < 2; round += 1) {
      items = (await callHub(t, 'GET', '/v1/exceptions?code=transfer_quantity_mismatch', operator())).body.items as typeof items;
      if (items.length < 2) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(items.map((e) => [e.owner, e.workflow, e.links.workflow]), [
      ['inventory-control', 'transfer', '/v1/workflows/transfer/TR-2026-0031'],
      ['inventory-control', 'transfer', '/v1/workflows/transfer/TR-2026-0031'],
    ]);
    const kpis = await callHub(t, 'GET', '/v1/kpis', operator());
    assert.equal(kpis.status, 200);
    const accuracy = (kpis.body.inventory as { accuracy: { plant: string; accuracyPercent?: string }[] }).accuracy;
    assert.deepEqual(accuracy.map((a) => [a.plant, a.accuracyPercent]), [['P01', '66.67'], ['P02', undefined]]);
  });
});

describe('master data alignment at intake', () => {
  let dir: string;
  let store: SqliteStore;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-mdg-'));
    store = new SqliteStore(join(dir, 'millrace.db'));
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('maps local item, plant and unit codes; keeps the event as sent with the mapping; a resend as sent is a duplicate', async () => {
    const t = await startTestHub({ manifestPath: manifestWith(dir), store });
    try {
      const key = t.keys.get('system:wms-p02')!;
      const sent = movement('MV-LOCAL-1', { plant: 'WERK-2', itemId: 'MX-10023', quantity: '3.5', uom: 'ST' });
      const first = await callHub(t, 'POST', '/v1/events', key, sent);
      assert.equal(first.status, 202);
      assert.equal((first.body.accepted as unknown[]).length, 1);
      const stored = await t.store.find('/systems/wms-p02', 'MV-LOCAL-1');
      assert.equal((stored?.event.data as { itemId: string }).itemId, 'MX-10023', 'the log keeps what was sent');
      assert.deepEqual(stored?.event.millracealigned, [
        { pointer: '/data/plant', kind: 'plant', from: 'WERK-2', to: 'P02' },
        { pointer: '/data/itemId', kind: 'item', from: 'MX-10023', to: 'ITM-10023' },
        { pointer: '/data/uom', kind: 'unit', from: 'ST', to: 'EA' },
      ]);
      const again = await callHub(t, 'POST', '/v1/events', key, sent);
      assert.equal((again.body.duplicates as unknown[]).length, 1);
      await t.hub.settle();
      const inventory = await callHub(t, 'GET', '/v1/inventory/P02', t.keys.get('operator:ap-lead')!);
      const positions = inventory.body.positions as { itemId: string; quantity: string; uom: string }[];
      assert.deepEqual(positions.map((p) => [p.itemId, p.quantity, p.uom]), [['ITM-10023', '3.5', 'EA']], 'the workflows read the canonical codes');
    } finally {
      await t.close();
    }
  });

  it('holds an event with an unmapped code in quarantine with a master_data_gap exception, and lets it in when the hub starts with the mapping', async () => {
    const t = await startTestHub({ manifestPath: manifestWith(dir), store });
    const operator = t.keys.get('operator:ap-lead')!;
    let quarantineId: string;
    try {
      const key = t.keys.get('system:wms-p02')!;
      const answer = await callHub(t, 'POST', '/v1/events', key, movement('MV-LOCAL-2', { plant: 'P02', itemId: 'MX-77777', quantity: '12.250', uom: 'EA' }));
      assert.equal(answer.status, 202);
      const held = answer.body.quarantined as { id: string; quarantineId: string; gaps: { kind: string; code: string; table: string }[] }[];
      assert.equal(held.length, 1);
      assert.deepEqual(held[0]?.gaps.map((g) => [g.kind, g.code, g.table]), [['item', 'MX-77777', 'masterData.itemCodes.wms-p02']]);
      quarantineId = held[0].quarantineId;
      assert.equal(await t.store.find('/systems/wms-p02', 'MV-LOCAL-2'), undefined, 'not in the log yet');
      await t.hub.settle();
      const exceptions = await callHub(t, 'GET', '/v1/exceptions?code=master_data_gap', operator);
      const [exception] = exceptions.body.items as { owner: string; status: string; workflow: string }[];
      assert.deepEqual(exception && [exception.owner, exception.status, exception.workflow], ['master-data', 'open', 'intake']);
      // A retry by hand before the mapping exists: still held.
      const retry = await callHub(t, 'POST', `/v1/quarantine/${quarantineId}/retry`, operator, {});
      assert.equal((retry.body as { status: string }).status, 'held');
    } finally {
      await t.close();
    }
    const restarted = await startTestHub({ manifestPath: manifestWith(dir, ', "MX-77777": ITM-40077'), store });
    try {
      const stored = await restarted.store.find('/systems/wms-p02', 'MV-LOCAL-2');
      assert.deepEqual(stored?.event.millracealigned, [{ pointer: '/data/itemId', kind: 'item', from: 'MX-77777', to: 'ITM-40077' }]);
      const entry = await callHub(restarted, 'GET', `/v1/quarantine/${quarantineId}`, operator);
      assert.equal((entry.body as { status: string }).status, 'accepted');
      await restarted.hub.settle();
      const exceptions = await callHub(restarted, 'GET', '/v1/exceptions?code=master_data_gap', operator);
      assert.deepEqual((exceptions.body.items as { status: string }[]).map((e) => e.status), ['resolved']);
    } finally {
      await restarted.close();
    }
  });

  it('holds the rows of a CSV file whose plant code is unmapped, listed in the file report with their lines', async () => {
    const t = await startTestHub({ manifestPath: csvManifestWithUnmappedPlant(dir) });
    try {
      const response = await sendMovements(t);
      const report = response.json<{ accepted: unknown[]; quarantined: { quarantineId: string; lines: number[]; problems: { code: string; column?: string; value?: string }[] }[] }>();
      assert.equal(response.statusCode, 207);
      assert.equal(report.accepted.length, 0);
      // Rows the CSV mapping refuses itself (an unknown item code) stay CSV entries; the others wait for the plant mapping.
      const held = report.quarantined.filter((q) => q.problems.some((p) => p.code === 'master_data_gap'));
      assert.ok(held.length > 0);
      for (const entry of held) assert.deepEqual(entry.problems.map((p) => [p.code, p.value]), [['master_data_gap', 'WERK-2']]);
      const entry = await callHub(t, 'GET', `/v1/quarantine/${held[0]!.quarantineId}`, t.keys.get('operator:ap-lead')!);
      assert.equal((entry.body as { channel: string }).channel, 'master-data');
    } finally {
      await t.close();
    }
  });

  // Each resend held the event once more: a file resent twice left three master-data entries per row.
  it('counts a resend of an event still held for master data on its entry, over the events API and in a CSV file', async () => {
    const t = await startTestHub({ manifestPath: csvManifestWithUnmappedPlant(dir) });
    const operator = t.keys.get('operator:ap-lead')!;
    const heldIds = async () => ((await callHub(t, 'GET', '/v1/quarantine?channel=master-data&status=held', operator)).body.items as { id: string }[]).map((e) => e.id).sort();
    try {
      const event = movement('MV-LOCAL-9', { plant: 'WERK-2', itemId: 'MX-10023', quantity: '1', uom: 'ST' });
      const answers = [];
      for (let n = 0; n < 3; n += 1) answers.push(await callHub(t, 'POST', '/v1/events', t.keys.get('system:wms-p02')!, event));
      const ids = answers.map((answer) => (answer.body.quarantined as { quarantineId: string }[])[0]?.quarantineId);
      assert.deepEqual([answers.map((a) => a.status), new Set(ids).size], [[202, 202, 202], 1]);
      assert.deepEqual(await heldIds(), ids.slice(0, 1));
      const entry = await callHub(t, 'GET', `/v1/quarantine/${ids[0] ?? ''}`, operator);
      assert.deepEqual([entry.body.resends, (entry.body.attempts as { by: string }[]).map((a) => a.by)], [2, ['/systems/wms-p02', '/systems/wms-p02']]);
      const sendFile = async () => (await sendMovements(t)).json<{ quarantined: { quarantineId: string; problems: { code: string }[] }[] }>().quarantined;
      const first = await sendFile();
      const again = await sendFile();
      assert.deepEqual(again.map((q) => q.quarantineId), first.map((q) => q.quarantineId), 'the resent file points to the same entries');
      const gapped = first.filter((q) => q.problems.some((p) => p.code === 'master_data_gap')).map((q) => q.quarantineId);
      assert.equal(gapped.length, 2);
      assert.deepEqual(await heldIds(), [...ids.slice(0, 1), ...gapped].sort());
    } finally {
      await t.close();
    }
  });
});

/** The CSV fixture manifest with wms-p02-movements sending plant WERK-2, which master data does not map. */
function csvManifestWithUnmappedPlant(dir: string): string {
  const manifest = readFileSync(new URL('millrace.yaml', CSV_FIXTURES), 'utf8');
  const movements = "  - id: wms-p02-movements\n    source: wms-p02\n    eventType: inventory.movement\n";
  const start = manifest.indexOf(movements);
  assert.ok(start > 0);
  const variant = manifest.slice(0, start) + manifest.slice(start).replace('      plant: { value: P02 }', '      plant: { value: WERK-2 }');
  const path = join(dir, 'csv-millrace.yaml');
  writeFileSync(path, variant.replace('  supplierCodes:\n    wms-p02: { "PROV-42": SUP-0042 }', '  supplierCodes:\n    wms-p02: { "PROV-42": SUP-0042 }\n  plantCodes:\n    wms-p02: { "WERK-9": P02 }'));
  return path;
}

function sendMovements(t: TestHub) {
  return t.hub.http.inject({
    method: 'POST',
    url: '/v1/inbound/csv/wms-p02-movements',
    headers: { authorization: `Bearer ${t.keys.get('system:wms-p02')!}`, 'content-type': 'text/csv; charset=windows-1252' },
    payload: readFileSync(new URL('wms-p02-movements-1252.csv', CSV_FIXTURES)),
  });
}
