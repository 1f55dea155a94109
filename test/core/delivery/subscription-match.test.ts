import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CloudEvent } from '../../../src/core/envelope.js';
import { deliveryIdOf, deliveryKeyOf, matchesSubscription } from '../../../src/core/delivery/subscription-match.js';

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

  it('keeps order per workflow key (correlationid), each uncorrelated event on its own', () => {
    assert.equal(deliveryKeyOf({ correlationid: 'PO-1/1', source: '/s', id: 'a' }), 'PO-1/1');
    assert.notEqual(deliveryKeyOf({ source: '/s', id: 'a' }), deliveryKeyOf({ source: '/s', id: 'b' }));
  });

  it('gives a delivery the same id on every attempt and a replay a new one', () => {
    assert.equal(deliveryIdOf('erp-inventory', 42), 'erp-inventory.42');
    assert.equal(deliveryIdOf('erp-inventory', 42, 2), 'erp-inventory.42.r2');
  });
});
