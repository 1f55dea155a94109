import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dec } from '../../../src/core/money.js';
import { isWithin, plantPolicy } from '../../../src/core/plant/plant-policy.js';

describe('plant policy', () => {
  const policy = plantPolicy({
    slas: { transfer_receipt: '96h' },
    plants: { P02: { inventoryUpdate: '30m' } },
    lanes: [{ from: 'P01', to: 'P02', transit: '2d' }],
    exceptionOwners: { inventory_mismatch: 'stock-control-{plant}' },
    tolerances: { inventory: { percent: '1', items: { 'ITM-1': { absolute: '5' } } } },
  });

  it('takes the inventory update SLA per plant, 2h by default', () => {
    assert.equal(policy.inventoryUpdateMs('P02'), 30 * 60_000);
    assert.equal(policy.inventoryUpdateMs('P01'), 2 * 3_600_000);
  });

  it('takes the transit time per lane and direction, else the transfer SLA', () => {
    assert.equal(policy.transitMs('P01', 'P02'), 2 * 86_400_000);
    assert.equal(policy.transitMs('P02', 'P01'), 96 * 3_600_000);
  });

  it('fills {plant} in the owner and keeps the defaults it does not override', () => {
    assert.equal(policy.ownerOf('inventory_mismatch', 'P01'), 'stock-control-p01');
    assert.equal(policy.ownerOf('backflush_mismatch', 'US-DET'), 'production-us-det');
    assert.equal(policy.ownerOf('receipt_overdue', 'P02'), 'logistics');
  });

  it('an item tolerance overrides only what it sets', () => {
    const item = policy.inventoryToleranceOf('ITM-1');
    assert.deepEqual([item.absolute.toFixed(), item.percent.toFixed()], ['5', '1']);
    assert.ok(isWithin(dec('104'), dec('100'), item));
    assert.ok(!isWithin(dec('106.5'), dec('100'), policy.inventoryToleranceOf('ITM-2')));
  });

  it('refuses a duration it cannot read', () => {
    assert.throws(() => plantPolicy({ lanes: [{ from: 'P01', to: 'P02', transit: 'two days' }] }), /lane P01 -> P02: "two days"/);
  });

  it('posts nothing without standard costs', () => {
    assert.equal(policy.costsKept, false);
    assert.equal(plantPolicy({ standardCosts: {} }).costsKept, true);
  });
});
