// Inventory reconciliation as a plant inventory controller would check it: the hub's book
// position from movements against the plant's snapshots, and the accuracy KPI.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HOUR, PlantScenario } from '../../support/plant-scenario.js';
import { inventoryAccuracy, inventoryAccuracyByPlant, inventoryView, positionOf } from '../../../src/core/plant/inventory-position.js';

const BOX = { unitConversions: { 'ITM-60410': { EA: '1', BOX: '12' } } };

function stocked(settings = {}) {
  const s = new PlantScenario(settings);
  s.move('MV-1', { itemId: 'ITM-10023', quantity: '500.5', reason: 'receipt' });
  s.move('MV-2', { itemId: 'ITM-10023', quantity: '-80.25', reason: 'issue' });
  s.move('MV-3', { itemId: 'ITM-60410', quantity: '3', uom: 'BOX', reason: 'adjustment' }, {});
  s.move('MV-4', { itemId: 'ITM-60410', quantity: '-5', uom: 'EA', reason: 'issue' });
  return s;
}

const asOf = (s: PlantScenario) => s.now;

describe('inventory position and reconciliation', () => {
  it('keeps the position per item as the sum of its movements, converting BOX of 12 to the base unit EA', () => {
    const s = stocked(BOX);
    const inventory = s.state('inventory', 'P01');
    assert.deepEqual(positionOf(inventory, 'ITM-10023', s.policy), { itemId: 'ITM-10023', quantity: '420.25', uom: 'EA' });
    assert.deepEqual(positionOf(inventory, 'ITM-60410', s.policy), { itemId: 'ITM-60410', quantity: '31', uom: 'EA' });
  });

  it('raises nothing for a snapshot that matches the book, and reports 100% accuracy', () => {
    const s = stocked(BOX);
    s.advance(HOUR).snapshot('P01', asOf(s), [{ itemId: 'ITM-10023', quantity: '420.25' }, { itemId: 'ITM-60410', quantity: '31' }]);
    assert.deepEqual(s.exceptions(), []);
    assert.deepEqual(inventoryAccuracy(s.state('inventory', 'P01'), s.policy), { plant: 'P01', asOf: s.now, itemsCompared: 2, itemsWithinTolerance: 2, itemsNotComparable: 0, accuracyPercent: '100.00' });
  });

  it('compares a count of 2 BOX and 2 EA with a book of 1 EA and 1 CASE of 7 without a false mismatch (BOX of 3)', () => {
    const s = new PlantScenario({ unitConversions: { 'ITM-60410': { EA: '1', BOX: '3', CASE: '7' } } });
    s.move('MV-1', { itemId: 'ITM-60410', quantity: '1', uom: 'EA', reason: 'receipt' });
    s.move('MV-2', { itemId: 'ITM-60410', quantity: '1', uom: 'CASE', reason: 'receipt' });
    s.advance(HOUR).snapshot('P01', asOf(s), [{ itemId: 'ITM-60410', quantity: '2', uom: 'BOX' }, { itemId: 'ITM-60410', quantity: '2', uom: 'EA' }]);
    assert.deepEqual(s.exceptions(), []);
    const [item] = inventoryView(s.state('inventory', 'P01'), s.policy).reconciliation?.items ?? [];
    assert.deepEqual([item?.book, item?.counted, item?.difference, item?.withinTolerance], ['2.66666666666666666667', '2.66666666666666666667', '0', true]);
  });

  it('raises inventory_mismatch to the plant for a difference beyond tolerance, and accuracy drops to 50%', () => {
    const s = stocked(BOX);
    s.advance(HOUR).snapshot('P01', asOf(s), [{ itemId: 'ITM-10023', quantity: '418' }, { itemId: 'ITM-60410', quantity: '31' }]);
    const [mismatch] = s.exceptions('inventory_mismatch');
    assert.equal(mismatch?.owner, 'inventory-p01');
    assert.equal(mismatch?.workflow, 'inventory');
    assert.equal(mismatch?.plant, 'P01');
    assert.match(String(mismatch?.message), /counted 418 EA of ITM-10023 .* add up to 420.25 \(difference -2.25\)/);
    assert.equal(inventoryAccuracy(s.state('inventory', 'P01'), s.policy).accuracyPercent, '50.00');
  });

  it('counts an item the book holds but the snapshot leaves out as zero on the shelf', () => {
    const s = stocked(BOX);
    s.advance(HOUR).snapshot('P01', asOf(s), [{ itemId: 'ITM-10023', quantity: '420.25' }]);
    assert.match(String(s.exceptions('inventory_mismatch')[0]?.message), /counted 0 EA of ITM-60410/);
  });

  it('accepts differences within the global percent or the item absolute tolerance', () => {
    const s = stocked({ ...BOX, tolerances: { inventory: { percent: '1', items: { 'ITM-60410': { absolute: '2' } } } } });
    s.advance(HOUR).snapshot('P01', asOf(s), [{ itemId: 'ITM-10023', quantity: '418' }, { itemId: 'ITM-60410', quantity: '29' }]);
    assert.deepEqual(s.exceptions(), []);
  });

  it('compares only movements up to the snapshot asOf: later movements wait for the next snapshot', () => {
    const s = stocked(BOX);
    const cut = s.now;
    s.advance(HOUR).move('MV-5', { itemId: 'ITM-10023', quantity: '100', reason: 'receipt' });
    s.snapshot('P01', cut, [{ itemId: 'ITM-10023', quantity: '420.25' }, { itemId: 'ITM-60410', quantity: '31' }]);
    assert.deepEqual(s.exceptions(), []);
    assert.equal(positionOf(s.state('inventory', 'P01'), 'ITM-10023', s.policy).quantity, '520.25');
  });

  it('resolves a mismatch when a movement dated before the snapshot arrives late (a sync lag, not a stock error)', () => {
    const s = stocked(BOX);
    const before = s.now;
    s.advance(HOUR).snapshot('P01', s.now, [{ itemId: 'ITM-10023', quantity: '400.25' }, { itemId: 'ITM-60410', quantity: '31' }]);
    assert.equal(s.open('inventory_mismatch').length, 1);
    s.advance(HOUR).move('MV-6', { itemId: 'ITM-10023', quantity: '-20', reason: 'issue' }, { time: before });
    assert.deepEqual(s.open(), []);
  });

  it('resolves a mismatch when the next snapshot agrees with the book', () => {
    const s = stocked(BOX);
    s.advance(HOUR).snapshot('P01', s.now, [{ itemId: 'ITM-10023', quantity: '400' }, { itemId: 'ITM-60410', quantity: '31' }]);
    s.advance(HOUR).move('MV-7', { itemId: 'ITM-10023', quantity: '-20.25', reason: 'adjustment', reference: 'CC-17' });
    s.advance(HOUR).snapshot('P01', s.now, [{ itemId: 'ITM-10023', quantity: '400' }, { itemId: 'ITM-60410', quantity: '31' }]);
    assert.deepEqual(s.open(), []);
    assert.equal(s.derived('exception.resolved')[0]?.data.workflow, 'inventory');
  });

  it('keeps a snapshot older than the latest out of the comparison', () => {
    const s = stocked(BOX);
    const early = s.now;
    s.advance(HOUR).snapshot('P01', s.now, [{ itemId: 'ITM-10023', quantity: '420.25' }, { itemId: 'ITM-60410', quantity: '31' }]);
    s.snapshot('P01', early, [{ itemId: 'ITM-10023', quantity: '1' }]);
    assert.deepEqual(s.exceptions(), []);
    assert.equal(inventoryView(s.state('inventory', 'P01'), s.policy).staleSnapshots, 1);
  });

  it('raises unit_of_measure_unknown when a counted unit does not convert, and leaves the item out of the KPI', () => {
    const s = stocked(BOX);
    s.advance(HOUR).snapshot('P01', s.now, [{ itemId: 'ITM-10023', quantity: '420.25' }, { itemId: 'ITM-60410', quantity: '2', uom: 'PAL' }]);
    assert.equal(s.exceptions('unit_of_measure_unknown')[0]?.owner, 'master-data');
    const kpi = inventoryAccuracy(s.state('inventory', 'P01'), s.policy);
    assert.deepEqual([kpi.itemsCompared, kpi.itemsNotComparable, kpi.accuracyPercent], [1, 1, '100.00']);
  });

  it('reports accuracy per plant and the inventory view for GET /v1/inventory/:plant', () => {
    const s = stocked(BOX);
    s.move('MV-P02-1', { plant: 'P02', itemId: 'ITM-10023', quantity: '10', reason: 'receipt' });
    s.advance(HOUR).snapshot('P01', s.now, [{ itemId: 'ITM-10023', quantity: '420.25' }, { itemId: 'ITM-60410', quantity: '30' }]);
    s.snapshot('P02', s.now, [{ itemId: 'ITM-10023', quantity: '10' }]);
    const kpis = inventoryAccuracyByPlant([s.state('inventory', 'P02'), s.state('inventory', 'P01')], s.policy);
    assert.deepEqual(kpis.map((k) => [k.plant, k.accuracyPercent]), [['P01', '50.00'], ['P02', '100.00']]);
    const view = inventoryView(s.state('inventory', 'P01'), s.policy);
    assert.equal(view.movements, 4);
    assert.deepEqual(view.reconciliation?.items.map((i) => [i.itemId, i.book, i.counted, i.difference, i.withinTolerance]), [
      ['ITM-10023', '420.25', '420.25', '0', true],
      ['ITM-60410', '31', '30', '-1', false],
    ]);
    assert.deepEqual(view.openExceptions.map((e) => e.code), ['inventory_mismatch']);
    assert.deepEqual(s.replay(), s.live());
  });
});
