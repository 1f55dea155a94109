// Plant-to-plant transfers as the two plants' inventory teams and logistics would check them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HOUR, PlantScenario } from '../../support/plant-scenario.js';
import { inventoryView } from '../../../src/core/plant/inventory-position.js';
import { itemsOf, stageOfTransfer } from '../../../src/core/plant/transfer-state.js';
import { transferView } from '../../../src/core/plant/plant-rows.js';

const TR = 'TR-2026-0042';

function shipped(quantity = '200', settings = {}, uom = 'EA') {
  const s = new PlantScenario(settings);
  s.move('MV-P01-1', { plant: 'P01', itemId: 'ITM-10023', quantity: `-${quantity}`, uom, reason: 'transfer', toPlant: 'P02', transferId: TR });
  return s;
}

function receive(s: PlantScenario, movementId: string, quantity: string, uom = 'EA') {
  return s.move(movementId, { plant: 'P02', itemId: 'ITM-10023', quantity, uom, reason: 'transfer', transferId: TR });
}

describe('plant-to-plant transfers', () => {
  it('holds a shipped transfer in transit and starts the lane transit time (default 72h), owned by logistics', () => {
    const s = shipped();
    const [started] = s.derived('sla.started');
    assert.deepEqual(started?.data, { sla: 'transfer_receipt', workflow: 'transfer', owner: 'logistics', startedAt: '2026-03-02T08:00:00.000Z', deadline: '2026-03-05T08:00:00.000Z', ref: 'transit', plant: 'P02' });
    assert.equal(started?.correlationid, TR);
    const transfer = s.state('transfer', TR);
    assert.equal(stageOfTransfer(transfer, s.policy), 'in_transit');
    assert.equal(itemsOf(transfer, s.policy.convert)[0]?.inTransit.toFixed(), '200');
    const transfers = [transfer];
    assert.deepEqual(inventoryView(s.state('inventory', 'P01'), s.policy, transfers).inTransit.outbound, [{ transferId: TR, itemId: 'ITM-10023', quantity: '200', uom: 'EA', plant: 'P02' }]);
    s.move('MV-P02-0', { plant: 'P02', itemId: 'ITM-1', quantity: '1', reason: 'receipt' });
    assert.deepEqual(inventoryView(s.state('inventory', 'P02'), s.policy, transfers).inTransit.inbound, [{ transferId: TR, itemId: 'ITM-10023', quantity: '200', uom: 'EA', plant: 'P01' }]);
    assert.equal(inventoryView(s.state('inventory', 'P01'), s.policy).positions[0]?.quantity, '-200');
  });

  it('uses the transit time of the lane', () => {
    const s = shipped('200', { lanes: [{ from: 'P01', to: 'P02', transit: '48h' }] });
    assert.equal(s.derived('sla.started')[0]?.data.deadline, '2026-03-04T08:00:00.000Z');
  });

  it('raises nothing when the receiving plant receives what was shipped in time', () => {
    const s = shipped();
    s.advance(30 * HOUR);
    receive(s, 'MV-P02-1', '200');
    s.advance(60 * HOUR);
    assert.deepEqual(s.exceptions(), []);
    assert.equal(stageOfTransfer(s.state('transfer', TR), s.policy), 'received');
  });

  it('raises receipt_overdue to logistics after the transit time, and resolves it on receipt', () => {
    const s = shipped();
    s.advance(71 * HOUR);
    assert.deepEqual(s.exceptions(), []);
    s.advance(2 * HOUR);
    const [overdue] = s.exceptions('receipt_overdue');
    assert.equal(overdue?.owner, 'logistics');
    assert.equal(overdue?.plant, 'P02');
    assert.equal(overdue?.workflow, 'transfer');
    receive(s, 'MV-P02-1', '200');
    assert.deepEqual(s.open(), []);
  });

  it('raises a short receipt as transfer_quantity_mismatch to both plants, resolved when the rest is received', () => {
    const s = shipped();
    s.advance(10 * HOUR);
    receive(s, 'MV-P02-1', '190');
    s.advance(70 * HOUR);
    const mismatches = s.exceptions('transfer_quantity_mismatch');
    assert.deepEqual(mismatches.map((e) => [e.plant, e.owner]), [['P01', 'inventory-p01'], ['P02', 'inventory-p02']]);
    assert.match(String(mismatches[0]?.message), /P01 shipped 200 EA, P02 received 190 \(short by 10\)/);
    assert.deepEqual(s.exceptions('receipt_overdue'), []);
    receive(s, 'MV-P02-2', '10');
    assert.deepEqual(s.open(), []);
  });

  it('raises an over receipt to both plants', () => {
    const s = shipped();
    receive(s, 'MV-P02-1', '210');
    s.advance(73 * HOUR);
    assert.deepEqual(s.exceptions('transfer_quantity_mismatch').map((e) => (e.details as Record<string, unknown>).side), ['shipping', 'receiving']);
    assert.match(String(s.exceptions('transfer_quantity_mismatch')[0]?.message), /over by 10/);
  });

  it('accepts a difference within the transfer tolerance', () => {
    const s = shipped('200', { tolerances: { transfer: { percent: '1' } } });
    receive(s, 'MV-P02-1', '198.5');
    s.advance(73 * HOUR);
    assert.deepEqual(s.exceptions(), []);
  });

  it('compares a receipt in EA with a shipment in BOX of 12', () => {
    const s = shipped('2', { unitConversions: { 'ITM-10023': { EA: '1', BOX: '12' } } }, 'BOX');
    receive(s, 'MV-P02-1', '24');
    s.advance(73 * HOUR);
    assert.deepEqual(s.exceptions(), []);
  });

  it('counts twelve receipts of 1 EA as the 1 BOX shipped: received, nothing in transit, no mismatch', () => {
    const s = shipped('1', { unitConversions: { 'ITM-10023': { EA: '1', BOX: '12' } } }, 'BOX');
    for (let i = 1; i <= 12; i++) receive(s, `MV-P02-${i}`, '1');
    s.advance(73 * HOUR);
    const transfer = s.state('transfer', TR);
    assert.deepEqual(itemsOf(transfer, s.policy.convert).map((i) => [i.shipped, i.received, i.inTransit].map((q) => q.toFixed())), [['1', '1', '0']]);
    assert.equal(stageOfTransfer(transfer, s.policy), 'received');
    assert.deepEqual(inventoryView(s.state('inventory', 'P01'), s.policy, [transfer]).inTransit.outbound, []);
    assert.deepEqual(s.exceptions(), []);
  });

  it('restarts the transit time from a later partial shipment', () => {
    const s = shipped('100');
    s.advance(24 * HOUR);
    s.move('MV-P01-2', { plant: 'P01', itemId: 'ITM-10023', quantity: '-100', reason: 'transfer', toPlant: 'P02', transferId: TR });
    s.advance(50 * HOUR);
    assert.deepEqual(s.exceptions(), [], 'the first deadline has moved');
    s.advance(24 * HOUR);
    assert.equal(s.exceptions('receipt_overdue').length, 1);
  });

  it('raises transfer_not_shipped when a plant receives a transfer no plant shipped, after the sync wait', () => {
    const s = new PlantScenario();
    receive(s, 'MV-P02-1', '200');
    s.advance(4 * HOUR);
    const [unknown] = s.exceptions('transfer_not_shipped');
    assert.equal(unknown?.owner, 'inventory-p02');
  });

  // A leg's side is its plant, not its sign: before, the shipping plant's reversal (+100 at P01)
  // read as P02 receiving the goods, and the receiving plant's reversal (-10 at P02) as P01 shipping 10 more.
  it("reads the shipping plant's reversal of its leg as goods not shipped, not as goods received", () => {
    const s = shipped('100');
    s.advance(HOUR);
    s.move('MV-P01-1R', { plant: 'P01', itemId: 'ITM-10023', quantity: '100', reason: 'transfer', toPlant: 'P02', transferId: TR });
    const transfer = s.state('transfer', TR);
    assert.deepEqual(itemsOf(transfer, s.policy.convert).map((i) => [i.shipped, i.received, i.inTransit].map((q) => q.toFixed())), [['0', '0', '0']]);
    assert.equal(stageOfTransfer(transfer, s.policy), 'cancelled');
    assert.deepEqual(transferView(transfer, s.policy).legs.map((l) => [l.movementId, l.plant, l.side]), [['MV-P01-1', 'P01', 'shipping'], ['MV-P01-1R', 'P01', 'shipping']]);
    s.advance(80 * HOUR);
    assert.deepEqual(s.exceptions(), []);
  });

  it('resolves receipt_overdue when the shipping plant reverses a shipment that never left', () => {
    const s = shipped('100');
    s.advance(73 * HOUR);
    assert.equal(s.open('receipt_overdue').length, 1);
    s.move('MV-P01-1R', { plant: 'P01', itemId: 'ITM-10023', quantity: '100', reason: 'transfer', toPlant: 'P02', transferId: TR });
    assert.deepEqual(s.open(), []);
    assert.deepEqual(s.replay(), s.live());
  });

  it('reads a partial reversal of the shipping leg as less shipped: 60 of 100 received is then received in full', () => {
    const s = shipped('100');
    s.move('MV-P01-1R', { plant: 'P01', itemId: 'ITM-10023', quantity: '40', reason: 'transfer', toPlant: 'P02', transferId: TR });
    assert.deepEqual(itemsOf(s.state('transfer', TR), s.policy.convert).map((i) => [i.shipped, i.received, i.inTransit].map((q) => q.toFixed())), [['60', '0', '60']]);
    assert.equal(stageOfTransfer(s.state('transfer', TR), s.policy), 'in_transit');
    receive(s, 'MV-P02-1', '60');
    s.advance(80 * HOUR);
    assert.deepEqual(s.exceptions(), []);
    assert.equal(stageOfTransfer(s.state('transfer', TR), s.policy), 'received');
  });

  it("reads the receiving plant's reversal of a receipt as less received, not as more shipped", () => {
    const s = shipped('100');
    receive(s, 'MV-P02-1', '100');
    receive(s, 'MV-P02-1R', '-10');
    const transfer = s.state('transfer', TR);
    assert.deepEqual(itemsOf(transfer, s.policy.convert).map((i) => [i.shipped, i.received, i.inTransit].map((q) => q.toFixed())), [['100', '90', '10']]);
    assert.deepEqual(inventoryView(s.state('inventory', 'P01'), s.policy, [transfer]).inTransit.outbound.map((l) => l.quantity), ['10']);
    s.advance(80 * HOUR);
    assert.match(String(s.exceptions('transfer_quantity_mismatch')[0]?.message), /P01 shipped 100 EA, P02 received 90 \(short by 10\)/);
  });

  it('keeps the sending plant when the receiving reversal is dated before the shipping leg arrives', () => {
    const s = new PlantScenario();
    receive(s, 'MV-P02-1', '100');
    receive(s, 'MV-P02-1R', '-100');
    s.advance(HOUR);
    s.move('MV-P01-1', { plant: 'P01', itemId: 'ITM-10023', quantity: '-100', reason: 'transfer', toPlant: 'P02', transferId: TR }, { time: '2026-03-02T07:00:00.000Z' });
    assert.deepEqual(transferView(s.state('transfer', TR), s.policy).items, [{ itemId: 'ITM-10023', uom: 'EA', shipped: '100', received: '0', inTransit: '100' }]);
    assert.deepEqual([transferView(s.state('transfer', TR), s.policy).fromPlant, transferView(s.state('transfer', TR), s.policy).toPlant], ['P01', 'P02']);
  });

  it('rebuilds the live state byte for byte by replaying the log', () => {
    const s = shipped();
    receive(s, 'MV-P02-1', '190');
    s.advance(80 * HOUR);
    receive(s, 'MV-P02-2', '10');
    assert.deepEqual(s.replay(), s.live());
  });
});
