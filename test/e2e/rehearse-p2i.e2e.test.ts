// `millrace rehearse` on the production-to-inventory sample, through the built CLI: the plant
// workflows under the example manifest's plant section, master data and standard costs.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CloudEvent } from '../../src/core/index.js';
import { runCli } from '../support/cli.js';

const SAMPLE = 'examples/p2i-rehearsal.jsonl';

interface Report {
  accepted: number;
  rejected: unknown[];
  productionOrders: { productionOrder: string; stage: string; quantities?: { ordered: string; completed: string; scrapped: string; received: string }; components: { itemId: string; expected: string; issued: string }[] }[];
  inventory: { plant: string; accuracyPercent?: string; itemsCompared: number; itemsWithinTolerance: number }[];
  exceptions: { code: string; owner: string; status: string; message: string }[];
  derived: CloudEvent[];
}

describe('millrace rehearse: production to inventory', () => {
  it('follows each production order to its stock and postings, and raises each exception to its owner', () => {
    const result = runCli(['rehearse', '--events', SAMPLE, '--manifest', 'examples/millrace.yaml', '--until', '2026-03-05T00:00:00Z', '--json']);
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.equal(report.rejected.length, 0);
    const order = report.productionOrders.find((o) => o.productionOrder === 'MO-P01-000452');
    // Two partial completions (24 + 16 good, 1 scrapped); 24 + 15 in stock.
    assert.deepEqual(order?.quantities, { ordered: '40', completed: '40', scrapped: '1', received: '39' });
    // The backflush: 41 produced x 8 EA, issued as 16 BOX of 12 + 8 EA + 128 EA; 41 x 0.025 KG, issued as 625 G.
    assert.deepEqual(
      order?.components.map((c) => [c.itemId, c.expected, c.issued]),
      [
        ['ITM-10023', '328', '328'],
        ['ITM-40077', '1.025', '0.625'],
      ],
    );
    const raised = report.exceptions.map((e) => [e.code, e.owner]);
    for (const expected of [
      ['production_quantity_mismatch', 'production-planning'],
      ['backflush_mismatch', 'production-planning'],
      ['inventory_not_updated', 'inventory-control'],
      ['production_order_unknown', 'production-planning'],
      ['transfer_quantity_mismatch', 'inventory-control'],
      ['receipt_overdue', 'receiving-p02'],
      ['inventory_mismatch', 'inventory-control'],
    ]) {
      assert.ok(raised.some(([code, owner]) => code === expected[0] && owner === expected[1]), `${expected.join(' -> ')} in ${JSON.stringify(raised)}`);
    }
    // A transfer difference is raised to both plants.
    assert.equal(report.exceptions.filter((e) => e.code === 'transfer_quantity_mismatch').length, 2);
    assert.deepEqual(report.inventory.find((a) => a.plant === 'P01'), { plant: 'P01', asOf: '2026-03-03T18:00:00Z', itemsCompared: 3, itemsWithinTolerance: 2, itemsNotComparable: 0, accuracyPercent: '66.67' });
    const kinds = report.derived.filter((e) => e.type === 'finance.posting').map((e) => (e.data as { kind: string }).kind);
    assert.ok(kinds.includes('finished_goods_receipt') && kinds.includes('wip_issue') && kinds.includes('scrap'), kinds.join(', '));
  });

  it('prints a readable report', () => {
    const result = runCli(['rehearse', '--events', SAMPLE, '--manifest', 'examples/millrace.yaml', '--until', '2026-03-05T00:00:00Z']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /MO-P01-000452 +completed +ITM-50010 +40 +40 +1 +39/);
    assert.match(result.stdout, /Inventory P01: accuracy 66\.67%/);
    // P02 has no count yet: before, the line read "accuracy n/a%".
    assert.match(result.stdout, /Inventory P02: accuracy n\/a \(0 of 0 items within tolerance, no snapshot yet\)/);
  });

  it("applies the manifest's master data alignment: a local code it maps goes in, one it does not is held and reported", () => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-rehearse-'));
    try {
      const movement = (id: string, itemId: string) =>
        JSON.stringify({ specversion: '1.0', id, source: '/systems/wms-p02', type: 'inventory.movement', time: '2026-03-04T08:00:00Z', data: { movementId: id, plant: 'P02', itemId, quantity: '12', uom: 'EA', reason: 'adjustment' } });
      const events = join(dir, 'events.jsonl');
      writeFileSync(events, `${readFileSync(SAMPLE, 'utf8')}${movement('MV-P02-1', 'MX-10023')}\n${movement('MV-P02-2', 'MX-55555')}\n`);
      const result = runCli(['rehearse', '--events', events, '--manifest', 'examples/millrace.yaml', '--json']);
      assert.equal(result.status, 0, result.stderr);
      const report = JSON.parse(result.stdout) as Report & { held: { id: string; line: number; gaps: { kind: string; code: string; table: string }[] }[] };
      assert.deepEqual(report.held, [{ id: 'MV-P02-2', line: 21, gaps: [{ kind: 'item', code: 'MX-55555', table: 'masterData.itemCodes.wms-p02' }] }]);
      assert.ok(report.exceptions.some((e) => e.code === 'master_data_gap' && e.owner === 'master-data'));
      // The mapped one went in: accepted with the sample's 19 events.
      assert.equal(report.accepted, 20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
