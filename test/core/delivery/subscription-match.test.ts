import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CloudEvent } from '../../../src/core/envelope.js';
import { deliveryIdOf, deliveryKeyOf, matchesSubscription, subscriptionRulesOf } from '../../../src/core/delivery/subscription-match.js';

const event = (type: string, data: Record<string, unknown>, extra: Partial<CloudEvent> = {}): CloudEvent => ({
  specversion: '1.0',
  id: 'e-1',
  source: '/systems/erp-core',
  type,
  time: '2026-03-02T10:00:00Z',
  data,
  ...extra,
});

describe('which events a subscription receives', () => {
  it('receives only the listed types', () => {
    const subscription = { types: ['goods.received'] };
    assert.equal(matchesSubscription(subscription, event('goods.received', { plant: 'P01' })), true);
    assert.equal(matchesSubscription(subscription, event('invoice.received', {})), false);
  });

  it('filters on the plant named by the envelope or by the contract field (plant, buyerPlant, shipToPlant)', () => {
    const subscription = { types: ['goods.received', 'po.released', 'shipment.dispatched'], filter: { plant: 'P01' } };
    assert.equal(matchesSubscription(subscription, event('goods.received', { plant: 'P01' })), true);
    assert.equal(matchesSubscription(subscription, event('goods.received', { plant: 'P02' })), false);
    assert.equal(matchesSubscription(subscription, event('po.released', { buyerPlant: 'P01' })), true);
    assert.equal(matchesSubscription(subscription, event('shipment.dispatched', { shipToPlant: 'P01' })), true);
    assert.equal(matchesSubscription(subscription, event('goods.received', {}, { plant: 'P01' })), true);
  });

  it('does not send an event that names no plant to a subscription filtered on one', () => {
    assert.equal(matchesSubscription({ types: ['po.cancelled'], filter: { plant: 'P01' } }, event('po.cancelled', { poNumber: 'PO-1' })), false);
  });

  it('filters on the supplier id of the data', () => {
    const subscription = { types: ['po.released'], filter: { supplierId: 'SUP-0107' } };
    assert.equal(matchesSubscription(subscription, event('po.released', { supplierId: 'SUP-0107' })), true);
    assert.equal(matchesSubscription(subscription, event('po.released', { supplierId: 'SUP-0042' })), false);
  });

  it('keeps order per workflow key (correlationid)', () => {
    assert.equal(deliveryKeyOf(event('po.released', { poNumber: 'PO-1' }, { correlationid: 'PO-1/1' })), 'PO-1/1');
  });

  it('keeps an uncorrelated event in order with the other events of its document: one PO, shipment, receipt, invoice, production order, plant snapshot', () => {
    const key = (type: string, data: Record<string, unknown>, id = 'e-1') => deliveryKeyOf(event(type, data, { id }));
    const po = key('po.released', { poNumber: '4711' });
    assert.equal(key('po.changed', { poNumber: '4711', revision: 2 }, 'e-2'), po);
    assert.equal(key('po.cancelled', { poNumber: '4711' }, 'e-3'), po);
    assert.equal(key('supplier.confirmation', { poNumber: '4711', supplierId: 'SUP-1' }, 'e-4'), po);
    assert.notEqual(key('po.changed', { poNumber: '4712' }), po);
    assert.equal(key('shipment.milestone', { shipmentId: 'S-1' }, 'e-2'), key('shipment.dispatched', { shipmentId: 'S-1' }));
    assert.equal(key('goods.received', { receiptId: 'GR-1', plant: 'P01' }, 'e-2'), key('goods.received', { receiptId: 'GR-1', plant: 'P01' }));
    assert.notEqual(key('goods.received', { receiptId: 'GR-1', plant: 'P02' }), key('goods.received', { receiptId: 'GR-1', plant: 'P01' }));
    const invoice = key('invoice.received', { supplierId: 'SUP-1', invoiceNumber: 'INV-9' });
    assert.equal(key('invoice.credited', { supplierId: 'SUP-1', invoiceNumber: 'INV-9', creditMemoNumber: 'CM-1' }, 'e-2'), invoice);
    assert.notEqual(key('invoice.received', { supplierId: 'SUP-2', invoiceNumber: 'INV-9' }), invoice);
    // The parts are kept apart: supplier "A:B" with invoice "C" is not supplier "A" with invoice "B:C".
    assert.notEqual(key('invoice.received', { supplierId: 'A:B', invoiceNumber: 'C' }), key('invoice.received', { supplierId: 'A', invoiceNumber: 'B:C' }));
    assert.equal(key('production.completed', { productionOrder: 'MO-1' }, 'e-2'), key('production.order.released', { productionOrder: 'MO-1' }));
    assert.equal(key('inventory.snapshot', { plant: 'P01' }, 'e-2'), key('inventory.snapshot', { plant: 'P01' }));
  });

  it('gives an uncorrelated event that names no document a key of its own', () => {
    const key = (type: string, data: Record<string, unknown>, id: string) => deliveryKeyOf(event(type, data, { id }));
    assert.notEqual(key('inventory.movement', { movementId: 'M-1', plant: 'P01' }, 'a'), key('inventory.movement', { movementId: 'M-2', plant: 'P01' }, 'b'));
    assert.notEqual(key('po.released', {}, 'a'), key('po.released', {}, 'b'));
  });

  it('gives a delivery the same id on every attempt and a replay a new one', () => {
    assert.equal(deliveryIdOf('erp-inventory', 42), 'erp-inventory.42');
    assert.equal(deliveryIdOf('erp-inventory', 42, 2), 'erp-inventory.42.r2');
  });

  it('writes the same rules for a subscription however the manifest orders its types, and other rules for another filter', () => {
    const rules = subscriptionRulesOf({ types: ['po.released', 'goods.received', 'po.released'], filter: { plant: 'P01' } });
    assert.equal(rules, subscriptionRulesOf({ types: ['goods.received', 'po.released'], filter: { plant: 'P01' } }));
    assert.notEqual(rules, subscriptionRulesOf({ types: ['goods.received', 'po.released'] }));
    assert.notEqual(rules, subscriptionRulesOf({ types: ['goods.received', 'po.released'], filter: { plant: 'P02' } }));
    assert.notEqual(rules, subscriptionRulesOf({ types: ['goods.received'], filter: { plant: 'P01' } }));
    assert.notEqual(subscriptionRulesOf({ types: ['goods.received'], filter: { plant: 'S1' } }), subscriptionRulesOf({ types: ['goods.received'], filter: { supplierId: 'S1' } }));
  });
});
