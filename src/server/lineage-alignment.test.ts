// A lineage's master data marks (`aligned`: a message's local codes and the canonical ids the
// door mapped them to) are the enterprise's internal data: a WMS's own plant and item codes.
// Before, a supplier reading its PO's lineage read the buyer's WMS codes on the goods receipt;
// now operators and systems see them, a partner only on the messages it sent (docs/adr/0070).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Lineage } from '../app/index.js';
import type { TestHub } from '../../test/support/hub.js';
import { callHub, EXAMPLE_MANIFEST, startTestHub } from '../../test/support/hub.js';

const PO = '4500000002';

describe("a lineage's master data marks", () => {
  let t: TestHub;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-lineage-aligned-'));
    const example = readFileSync(EXAMPLE_MANIFEST, 'utf8');
    const text = example.replace('    wms-p02: { "MX-10023": ITM-10023 }', '    wms-p02: { "MX-10023": ITM-10023 }\n  plantCodes:\n    wms-p02: { "WERK-2": P02 }');
    assert.notEqual(text, example);
    const manifestPath = join(dir, 'millrace.yaml');
    writeFileSync(manifestPath, text);
    t = await startTestHub({ manifestPath });
    const send = async (key: string, body: Record<string, unknown>) => {
      const answer = await callHub(t, 'POST', '/v1/events', t.keys.get(key)!, { specversion: '1.0', time: new Date().toISOString(), ...body });
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
    };
    await send('system:erp-core', {
      id: 'rel-1',
      source: '/systems/erp-core',
      type: 'po.released',
      data: { poNumber: PO, supplierId: 'SUP-0107', buyerPlant: 'P02', currency: 'USD', lines: [{ line: 10, itemId: 'ITM-10023', quantity: '5', uom: 'EA', unitPrice: '1.00', needBy: '2026-12-31' }] },
    });
    // The WMS speaks its own plant code, WERK-2, which the door maps to P02.
    await send('system:wms-p02', { id: 'gr-1', source: '/systems/wms-p02', type: 'goods.received', data: { receiptId: 'GR-1', plant: 'WERK-2', lines: [{ poNumber: PO, line: 10, quantity: '5', uom: 'EA' }] } });
    await t.hub.settle();
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const receiptAs = async (key: string) => {
    const answer = await callHub(t, 'GET', `/v1/lineage?correlation=${PO}`, t.keys.get(key)!);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const receipt = (answer.body as unknown as Lineage).messages.find((m) => m.id === 'gr-1');
    assert.ok(receipt, `${key} reads the receipt`);
    return { receipt, text: JSON.stringify(answer.body) };
  };

  it('are shown to operators and to systems', async () => {
    for (const key of ['operator:ap-lead', 'viewer:plant-manager', 'system:wms-p02', 'system:erp-core']) {
      const { receipt } = await receiptAs(key);
      assert.deepEqual(receipt.aligned, [{ pointer: '/data/plant', kind: 'plant', from: 'WERK-2', to: 'P02' }], key);
    }
  });

  it("are not shown to a partner on the buyer's messages", async () => {
    const { receipt, text } = await receiptAs('partner:sup-0107');
    assert.equal(receipt.aligned, undefined);
    assert.doesNotMatch(text, /WERK-2/);
  });
});
