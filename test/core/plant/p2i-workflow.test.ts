// Production-to-inventory rules as a plant controller and a cost accountant would check them.
// Each test: given a production order, when MES and WMS report, then the hub derives exactly this.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HOUR, MO, PlantScenario, T0 } from '../../support/plant-scenario.js';
import { quantitiesOf, stageOfOrder } from '../../../src/core/plant/p2i-state.js';
import { productionOrderView } from '../../../src/core/plant/plant-rows.js';

const BOX = { unitConversions: { 'ITM-50010': { EA: '1', BOX: '12' }, 'ITM-40077': { KG: '1000', G: '1' } } };

/** A released order with a completion of `good` (+ `scrap`) whose stock and backflush are posted as the BOM says. */
function completedInOrder(good = '24', scrap = '1', settings = {}) {
  const s = new PlantScenario(settings);
  s.release();
  s.advance(HOUR).complete(good, scrap);
  return s;
}

function order(s: PlantScenario) {
  return s.state('production', MO);
}

describe('production order to inventory', () => {
  it('starts an inventory-update SLA of 2 hours from each completion, owned by the plant inventory team', () => {
    const s = completedInOrder();
    const [started] = s.derived('sla.started');
    assert.deepEqual(started?.data, {
      sla: 'inventory_update',
      workflow: 'production',
      owner: 'inventory-p01',
      startedAt: '2026-03-02T09:00:00.000Z',
      deadline: '2026-03-02T11:00:00.000Z',
      ref: 'completion-2',
      productionOrder: MO,
      plant: 'P01',
    });
    assert.equal(started?.correlationid, MO);
    assert.equal(stageOfOrder(order(s)), 'in_production');
  });

  it('raises nothing when stock and component issues reflect the completion (good 24, scrap 1: 25 x BOM)', () => {
    const s = completedInOrder();
    s.receiveGoods('MV-1', '24');
    s.issue('MV-2', 'ITM-10023', '200');
    s.issue('MV-3', 'ITM-40077', '0.625', 'KG');
    s.advance(3 * HOUR);
    assert.deepEqual(s.exceptions(), []);
    assert.deepEqual(s.derived('sla.breached'), []);
  });

  it('counts several partial completions and movements, and closes the order on the final one', () => {
    const s = completedInOrder('24', '1');
    s.receiveGoods('MV-1', '24');
    s.issue('MV-2', 'ITM-10023', '200');
    s.issue('MV-3', 'ITM-40077', '0.625', 'KG');
    s.advance(HOUR).complete('14', '1', { final: true });
    s.receiveGoods('MV-4', '10');
    s.receiveGoods('MV-5', '4');
    s.issue('MV-6', 'ITM-10023', '120');
    s.issue('MV-7', 'ITM-40077', '0.375', 'KG');
    s.advance(3 * HOUR);
    assert.deepEqual(s.exceptions(), []);
    const terms = order(s).terms!;
    const q = quantitiesOf(order(s), terms, s.policy.convert);
    assert.deepEqual([q.completed.toFixed(), q.scrapped.toFixed(), q.received.toFixed()], ['38', '2', '38']);
    assert.equal(stageOfOrder(order(s)), 'completed');
  });

  it('raises inventory_not_updated when the completion is not in stock within the plant SLA, and resolves it when stock shows it', () => {
    const s = completedInOrder();
    s.issue('MV-2', 'ITM-10023', '200');
    s.issue('MV-3', 'ITM-40077', '0.625', 'KG');
    s.advance(HOUR + 59 * 60_000);
    assert.deepEqual(s.exceptions(), []);
    s.advance(60_000);
    const [late] = s.exceptions('inventory_not_updated');
    assert.equal(late?.owner, 'inventory-p01');
    assert.equal(late?.productionOrder, MO);
    assert.match(String(late?.message), /stock shows 0 EA of ITM-50010 .* brought it to 24/);
    assert.deepEqual(s.exceptions('production_quantity_mismatch'), [], 'nothing in stock is a missing update, not a quantity difference');
    s.receiveGoods('MV-1', '24');
    assert.deepEqual(s.open(), []);
  });

  it('uses the per-plant inventory update SLA from the settings', () => {
    const s = completedInOrder('24', '1', { plants: { P01: { inventoryUpdate: '30m' } } });
    s.advance(31 * 60_000);
    assert.equal(s.exceptions('inventory_not_updated').length, 1);
  });

  it('raises production_quantity_mismatch when stock receives another quantity than MES completed, and resolves it on correction', () => {
    const s = completedInOrder();
    s.receiveGoods('MV-1', '20');
    s.issue('MV-2', 'ITM-10023', '200');
    s.issue('MV-3', 'ITM-40077', '0.625', 'KG');
    s.advance(3 * HOUR);
    assert.deepEqual(s.exceptions('inventory_not_updated'), []);
    const [mismatch] = s.exceptions('production_quantity_mismatch');
    assert.equal(mismatch?.owner, 'production-p01');
    assert.deepEqual((mismatch?.details as Record<string, unknown>).difference, '-4');
    s.receiveGoods('MV-4', '4');
    assert.deepEqual(s.open(), []);
  });

  it('raises production_quantity_mismatch when stock receives more than MES completed', () => {
    const s = completedInOrder();
    s.receiveGoods('MV-1', '30');
    s.issue('MV-2', 'ITM-10023', '200');
    s.issue('MV-3', 'ITM-40077', '0.625', 'KG');
    s.advance(3 * HOUR);
    assert.match(String(s.exceptions('production_quantity_mismatch')[0]?.message), /completed 24 EA good .* received 30/);
  });

  it('accepts a difference within the production quantity tolerance', () => {
    const s = completedInOrder('24', '1', { tolerances: { production: { percent: '5' } } });
    s.receiveGoods('MV-1', '23');
    s.issue('MV-2', 'ITM-10023', '200');
    s.issue('MV-3', 'ITM-40077', '0.625', 'KG');
    s.advance(3 * HOUR);
    assert.deepEqual(s.exceptions(), []);
  });

  it('converts a finished-goods receipt in BOX of 12 and component issues in G to the order and BOM units', () => {
    const s = completedInOrder('24', '1', BOX);
    s.receiveGoods('MV-1', '2', 'BOX');
    s.issue('MV-2', 'ITM-10023', '200');
    s.issue('MV-3', 'ITM-40077', '625', 'G');
    s.advance(3 * HOUR);
    assert.deepEqual(s.exceptions(), []);
  });

  it('reads a completion reported in BOX in the order unit', () => {
    const s = new PlantScenario(BOX);
    s.release();
    s.complete('2', '0', { uom: 'BOX' });
    s.receiveGoods('MV-1', '24');
    s.issue('MV-2', 'ITM-10023', '192');
    s.issue('MV-3', 'ITM-40077', '0.6', 'KG');
    s.advance(3 * HOUR);
    assert.deepEqual(s.exceptions(), []);
  });

  it('counts twelve completions of 1 EA as the 1 BOX ordered, and closes the order when stock and components show 1 BOX', () => {
    const s = new PlantScenario({ ...BOX, standardCosts: { 'ITM-50010': { currency: 'USD', unitCost: '36.40', uom: 'EA' }, 'ITM-10023': { currency: 'USD', unitCost: '1.10', uom: 'EA' } } });
    s.release({ quantity: '1', uom: 'BOX', components: [{ itemId: 'ITM-10023', quantityPer: '12', uom: 'EA' }] });
    for (let i = 1; i <= 12; i++) s.advance(10 * 60_000).complete('1', i === 1 ? '1' : '0', { uom: 'EA', final: i === 12 });
    s.receiveGoods('MV-1', '1', 'BOX');
    s.issue('MV-2', 'ITM-10023', '13');
    s.advance(3 * HOUR);
    const quantities = quantitiesOf(order(s), order(s).terms!, s.policy.convert);
    assert.deepEqual([quantities.completed, quantities.received].map((q) => q.toFixed()), ['1', '1']);
    assert.deepEqual(s.exceptions(), []);
    assert.deepEqual(s.postings('scrap').map((p) => [p.quantity, p.amount]), [['1', '36.40']]);
  });

  it('counts twelve finished-goods receipts of 1 EA as the 1 BOX completed', () => {
    const s = new PlantScenario(BOX);
    s.release({ quantity: '1', uom: 'BOX', components: [{ itemId: 'ITM-10023', quantityPer: '12', uom: 'EA' }] });
    s.complete('1', '0', { final: true });
    for (let i = 1; i <= 12; i++) s.receiveGoods(`MV-${i}`, '1', 'EA');
    s.issue('MV-13', 'ITM-10023', '12');
    s.advance(3 * HOUR);
    assert.deepEqual(s.exceptions(), []);
  });

  it('raises unit_of_measure_unknown to master data for a unit master data cannot convert, once per conversion', () => {
    const s = completedInOrder();
    s.receiveGoods('MV-1', '1', 'PAL');
    s.receiveGoods('MV-4', '1', 'PAL');
    const unknown = s.exceptions('unit_of_measure_unknown');
    assert.equal(unknown.length, 1);
    assert.equal(unknown[0]?.owner, 'master-data');
    assert.match(String(unknown[0]?.message), /ITM-50010 in PAL; master data has no conversion to EA/);
  });

  describe('backflush against the bill of material', () => {
    it('raises backflush_mismatch for a component with no issue, counting scrapped units (25 x 8 = 200)', () => {
      const s = completedInOrder();
      s.receiveGoods('MV-1', '24');
      s.issue('MV-3', 'ITM-40077', '0.625', 'KG');
      s.advance(3 * HOUR);
      const [missing] = s.exceptions('backflush_mismatch');
      assert.equal(missing?.owner, 'production-p01');
      assert.match(String(missing?.message), /no issue of component ITM-10023 .* calls for 200 EA for the 25 EA produced/);
    });

    it('raises backflush_mismatch for a component issued in another quantity, and resolves it when the issue is corrected', () => {
      const s = completedInOrder();
      s.receiveGoods('MV-1', '24');
      s.issue('MV-2', 'ITM-10023', '192');
      s.issue('MV-3', 'ITM-40077', '0.625', 'KG');
      s.advance(3 * HOUR);
      assert.match(String(s.exceptions('backflush_mismatch')[0]?.message), /issued 192 EA of component ITM-10023 .* calls for 200/);
      s.issue('MV-8', 'ITM-10023', '8');
      assert.deepEqual(s.open(), []);
    });

    it('raises backflush_mismatch for an item issued to the order that is not on its bill of material', () => {
      const s = completedInOrder();
      s.receiveGoods('MV-1', '24');
      s.issue('MV-2', 'ITM-10023', '200');
      s.issue('MV-3', 'ITM-40077', '0.625', 'KG');
      s.issue('MV-9', 'ITM-99999', '3');
      s.advance(3 * HOUR);
      const [extra] = s.exceptions('backflush_mismatch');
      assert.match(String(extra?.message), /issued 3 EA of ITM-99999 .* not on the order's bill of material/);
    });

    it('adds the planned component scrap when the release carries it (25 x 8 x 1.02 = 204)', () => {
      const s = new PlantScenario();
      s.release({ components: [{ itemId: 'ITM-10023', quantityPer: '8', uom: 'EA', scrapPercent: '2' }] });
      s.complete('24', '1');
      s.receiveGoods('MV-1', '24');
      s.issue('MV-2', 'ITM-10023', '204');
      s.advance(3 * HOUR);
      assert.deepEqual(s.exceptions(), []);
    });

    it('checks components within the backflush tolerance', () => {
      const s = completedInOrder('24', '1', { tolerances: { backflush: { absolute: '2' } } });
      s.receiveGoods('MV-1', '24');
      s.issue('MV-2', 'ITM-10023', '198.5');
      s.issue('MV-3', 'ITM-40077', '0.625', 'KG');
      s.advance(3 * HOUR);
      assert.deepEqual(s.exceptions(), []);
    });
  });

  describe('unknown or closed orders', () => {
    it('waits 4 hours for a completion of an unknown order, then raises production_order_unknown; the release resolves it', () => {
      const s = new PlantScenario();
      s.complete('24', '1');
      assert.equal(s.derived('sla.started')[0]?.data.sla, 'production_order_missing');
      s.advance(3 * HOUR);
      assert.deepEqual(s.exceptions(), []);
      s.advance(HOUR);
      const [unknown] = s.exceptions('production_order_unknown');
      assert.equal(unknown?.owner, 'production-p01');
      s.release();
      assert.deepEqual(s.open('production_order_unknown'), []);
    });

    it('does not open an order for component issues alone (issues also name cost centres)', () => {
      const s = new PlantScenario();
      s.issue('MV-1', 'ITM-10023', '5', 'EA', 'CC-4711');
      s.advance(5 * HOUR);
      assert.deepEqual(s.log.filter((e) => e.event.source === '/millrace'), []);
    });

    it('raises production_order_closed for a completion after the final one, and does not count it', () => {
      const s = new PlantScenario();
      s.release();
      s.complete('38', '2', { final: true });
      s.advance(HOUR).complete('5', '0');
      const [closed] = s.exceptions('production_order_closed');
      assert.equal(closed?.owner, 'production-p01');
      assert.match(String(closed?.message), /after its final completion/);
      assert.equal(quantitiesOf(order(s), order(s).terms!, s.policy.convert).completed.toFixed(), '38');
    });

    it('counts a partial completion that arrives after the final one but happened before it', () => {
      const s = new PlantScenario();
      s.release();
      s.complete('14', '1', { final: true, at: '2026-03-02T10:00:00.000Z' });
      s.complete('24', '1', { at: '2026-03-02T09:00:00.000Z' });
      assert.deepEqual(s.exceptions('production_order_closed'), []);
      assert.equal(quantitiesOf(order(s), order(s).terms!, s.policy.convert).completed.toFixed(), '38');
    });
  });

  describe('movements and completions from another plant', () => {
    // Before, a P02 receipt and a P02 issue naming P01's order counted as P01's stock and backflush.
    it("does not count another plant's finished-goods receipt or component issue for the order", () => {
      const s = completedInOrder();
      s.move('MV-P02-1', { plant: 'P02', itemId: 'ITM-50010', quantity: '24', reason: 'production', reference: MO });
      s.move('MV-P02-2', { plant: 'P02', itemId: 'ITM-10023', quantity: '-200', reason: 'issue', reference: MO });
      s.issue('MV-3', 'ITM-40077', '0.625', 'KG');
      s.advance(3 * HOUR);
      const q = quantitiesOf(order(s), order(s).terms!, s.policy.convert);
      assert.equal(q.received.toFixed(), '0');
      assert.deepEqual(s.open().map((e) => e.code).sort(), ['backflush_mismatch', 'inventory_not_updated', 'production_order_unknown']);
      const [unknown] = s.open('production_order_unknown');
      assert.deepEqual([unknown?.plant, unknown?.owner], ['P02', 'production-p02']);
      assert.match(String(unknown?.message), /plant P02 .* production order MO-P01-000452, which was released to plant P01/);
    });

    it('raises a completion reported by another plant as production_order_unknown to that plant, and does not count it', () => {
      const s = new PlantScenario();
      s.release();
      s.send('production.completed', '/systems/mes-p02', { productionOrder: MO, plant: 'P02', goodQuantity: '24', scrapQuantity: '0', completedAt: s.now, final: true });
      assert.equal(stageOfOrder(order(s)), 'released');
      assert.equal(quantitiesOf(order(s), order(s).terms!, s.policy.convert).completed.toFixed(), '0');
      const [unknown] = s.exceptions('production_order_unknown');
      assert.deepEqual([unknown?.plant, unknown?.owner], ['P02', 'production-p02']);
      assert.deepEqual(s.derived('sla.started'), [], 'no stock deadline at P01 for what P02 reported');
      assert.deepEqual(s.replay(), s.live());
    });

    // Before, the view listed a completion of 2 BOX as "good 2" beside 24 EA completed, with no unit and no plant.
    it('shows each completion with its plant, the unit it was reported in and whether it counts', () => {
      const s = new PlantScenario(BOX);
      s.release();
      s.complete('2', '0', { uom: 'BOX', final: true });
      s.advance(HOUR).complete('1', '0');
      s.send('production.completed', '/systems/mes-p02', { productionOrder: MO, plant: 'P02', goodQuantity: '5', scrapQuantity: '0', completedAt: s.now });
      const view = productionOrderView(order(s), s.policy);
      assert.deepEqual(view.completions.map((c) => [c.plant, c.good, c.uom, c.counted]), [['P01', '2', 'BOX', true], ['P01', '1', 'EA', false], ['P02', '5', 'EA', false]]);
      assert.equal(view.quantities?.completed, '24');
    });
  });

  describe('finance postings at standard cost', () => {
    const costs = {
      standardCosts: {
        'ITM-50010': { currency: 'USD', unitCost: '36.4000', uom: 'EA' },
        'ITM-10023': { currency: 'USD', unitCost: '1.2550', uom: 'EA' },
        'ITM-40077': { currency: 'USD', unitCost: '8.00', uom: 'KG' },
      },
    };

    it('posts wip_issue per component issue, finished_goods_receipt per receipt and scrap per completion', () => {
      const s = completedInOrder('24', '1', costs);
      s.receiveGoods('MV-1', '24');
      s.issue('MV-2', 'ITM-10023', '200');
      s.issue('MV-3', 'ITM-40077', '0.625', 'KG');
      const summary = s.postings().map((p) => [p.kind, p.amount, p.quantity, p.productionOrder]);
      assert.deepEqual(summary, [
        ['scrap', '36.40', '1', MO],
        ['finished_goods_receipt', '873.60', '24', MO],
        ['wip_issue', '251.00', '200', MO],
        ['wip_issue', '5.00', '0.625', MO],
      ]);
      assert.deepEqual(s.postings().map((p) => p.postingId), ['PST-SCR-2', 'PST-FGR-5', 'PST-WIP-7', 'PST-WIP-9']);
    });

    it('posts a returned component (positive issue) and a reversed receipt as negative amounts, once each', () => {
      const s = completedInOrder('24', '1', costs);
      s.receiveGoods('MV-1', '-2');
      s.issue('MV-2', 'ITM-10023', '-8');
      s.advance(HOUR);
      assert.deepEqual(s.postings().filter((p) => p.kind !== 'scrap').map((p) => [p.kind, p.amount]), [
        ['finished_goods_receipt', '-72.80'],
        ['wip_issue', '-10.04'],
      ]);
    });

    it('reverses the scrap posted for a completion that a final completion dated before it closes out', () => {
      const s = new PlantScenario(costs);
      s.release();
      s.complete('5', '1', { at: '2026-03-02T10:00:00.000Z' });
      s.complete('38', '2', { final: true, at: '2026-03-02T09:00:00.000Z' });
      assert.deepEqual(s.postings().map((p) => [p.kind, p.amount, p.reverses]), [
        ['scrap', '36.40', undefined],
        ['scrap', '72.80', undefined],
        ['reversal', '-36.40', 'PST-SCR-2'],
      ]);
      assert.equal(s.exceptions('production_order_closed').length, 1);
    });

    it('makes no postings when master data keeps no standard costs', () => {
      const s = completedInOrder();
      s.receiveGoods('MV-1', '24');
      assert.deepEqual(s.postings(), []);
    });

    it('raises master_data_gap for an item without a standard cost when costs are kept', () => {
      const s = completedInOrder('24', '1', costs);
      s.issue('MV-9', 'ITM-99999', '3');
      const [gap] = s.exceptions('master_data_gap');
      assert.equal(gap?.owner, 'master-data');
      assert.match(String(gap?.message), /no standard cost for ITM-99999/);
    });
  });

  it('derives ids from the cause (replay == live) and rebuilds the live state byte for byte', () => {
    const s = completedInOrder('24', '1', { standardCosts: { 'ITM-50010': { currency: 'USD', unitCost: '36.40', uom: 'EA' } } });
    s.receiveGoods('MV-1', '20');
    s.advance(3 * HOUR);
    const ids = s.log.filter((e) => e.event.source === '/millrace').map((e) => e.event.id);
    assert.ok(ids.every((id) => /^(mr-mo-\d+-\d+-\d+|breach:production:MO-P01-000452:inventory_update:completion-2:\d+)$/.test(id)), ids.join(' '));
    const exception = s.derived('exception.raised')[0];
    assert.ok(exception !== undefined && String(exception.data.exceptionId).startsWith('EXC-mo-'));
    assert.equal(exception.causationid, s.log.find((e) => e.event.type === 'sla.breached')?.event.id);
    assert.deepEqual(s.replay(), s.live());
    assert.equal(T0 < s.now, true);
  });
});
