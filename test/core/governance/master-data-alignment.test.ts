import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CloudEvent } from '../../../src/core/envelope.js';
import { canonicalEventJson } from '../../../src/core/envelope.js';
import { ALIGNMENT_MARK, alignedEvent, markAligned, MasterDataAligner } from '../../../src/core/governance/master-data-alignment.js';

const aligner = new MasterDataAligner(
  {
    itemCodes: { 'wms-p02': { 'MX-10023': 'ITM-10023' }, 'sup-0042': { 'PC-77': 'ITM-10023' } },
    supplierCodes: { 'wms-p02': { 'PROV-42': 'SUP-0042' } },
    plantCodes: { 'wms-p02': { 'WERK-2': 'P02' } },
    unitCodes: { 'wms-p02': { ST: 'EA', KGM: 'KG' } },
  },
  { items: ['ITM-50010'], plants: ['P01', 'P02'], units: ['BOX'] },
);

function event(data: Record<string, unknown>, extra: Partial<CloudEvent> = {}): CloudEvent {
  return { specversion: '1.0', id: 'e1', source: '/systems/wms-p02', type: 'inventory.snapshot', time: '2026-03-02T08:00:00Z', data, ...extra };
}

describe('master data alignment', () => {
  it('maps local item, plant and unit codes of a source, in lines too, and the plant extension', () => {
    const sent = event({ plant: 'WERK-2', asOf: '2026-03-02T08:00:00Z', positions: [{ itemId: 'MX-10023', quantity: '12.5', uom: 'ST' }, { itemId: 'ITM-50010', quantity: '0.125', uom: 'KGM' }] }, { plant: 'WERK-2' });
    const alignment = aligner.align(sent, 'wms-p02');
    assert.equal(alignment.kind, 'aligned');
    assert.deepEqual(alignment.kind === 'aligned' && alignment.mappings.map((m) => `${m.pointer} ${m.from}->${m.to}`), [
      '/data/plant WERK-2->P02',
      '/data/positions/0/itemId MX-10023->ITM-10023',
      '/data/positions/0/uom ST->EA',
      '/data/positions/1/uom KGM->KG',
      '/plant WERK-2->P02',
    ]);
  });

  it('lets canonical ids through and leaves sources without tables alone', () => {
    assert.deepEqual(aligner.align(event({ plant: 'P02', itemId: 'ITM-50010', uom: 'EA' }), 'wms-p02'), { kind: 'aligned', mappings: [] });
    assert.deepEqual(aligner.align(event({ plant: 'ANY', itemId: 'WHATEVER', uom: 'XX' }), 'wms-p01'), { kind: 'aligned', mappings: [] });
  });

  it('reports every code the source cannot have mapped, with the table the mapping belongs in', () => {
    const alignment = aligner.align(event({ plant: 'WERK-9', positions: [{ itemId: 'MX-99999', quantity: '1', uom: 'ST' }], supplierId: 'PROV-1' }), 'wms-p02');
    assert.equal(alignment.kind, 'gap');
    assert.deepEqual(alignment.kind === 'gap' && alignment.gaps.map((g) => [g.pointer, g.kind, g.code, g.table]), [
      ['/data/plant', 'plant', 'WERK-9', 'masterData.plantCodes.wms-p02'],
      ['/data/positions/0/itemId', 'item', 'MX-99999', 'masterData.itemCodes.wms-p02'],
      ['/data/supplierId', 'supplier', 'PROV-1', 'masterData.supplierCodes.wms-p02'],
    ]);
  });

  it('keeps what was sent and the mapping side by side: the workflows read the canonical codes, a resend compares as sent', () => {
    const sent = event({ plant: 'WERK-2', itemId: 'MX-10023', quantity: '-3.250', uom: 'ST' });
    const alignment = aligner.align(sent, 'wms-p02');
    assert.equal(alignment.kind, 'aligned');
    const stored = markAligned(sent, alignment.kind === 'aligned' ? alignment.mappings : []);
    assert.deepEqual(stored.data, sent.data, 'the stored body keeps the local codes');
    assert.ok(Array.isArray(stored[ALIGNMENT_MARK]));
    assert.deepEqual(alignedEvent(stored).data, { plant: 'P02', itemId: 'ITM-10023', quantity: '-3.250', uom: 'EA' });
    assert.equal(ALIGNMENT_MARK in alignedEvent(stored), false);
    assert.equal(canonicalEventJson(stored), canonicalEventJson(sent), 'idempotency sees the body as sent');
  });

  it('files an event under its canonical plant: mapped, canonical or as sent by a source without a plant table; none when the plant is the gap', () => {
    assert.equal(aligner.plantOf(event({ plant: 'WERK-2', itemId: 'MX-99999' }), 'wms-p02'), 'P02');
    assert.equal(aligner.plantOf(event({ plant: 'P01', itemId: 'MX-99999' }), 'wms-p02'), 'P01');
    assert.equal(aligner.plantOf(event({ buyerPlant: 'P02', supplierId: 'SUP-0042' }), 'erp-core'), 'P02');
    assert.equal(aligner.plantOf(event({ plant: 'WERK-9', itemId: 'MX-10023' }), 'wms-p02'), undefined);
    assert.equal(aligner.plantOf(event({ itemId: 'MX-10023' }), 'wms-p02'), undefined);
  });
});
