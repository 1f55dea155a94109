import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { p2pPolicy } from '../../../src/core/p2p/p2p-policy.js';

describe('P2P tolerances per supplier and item category', () => {
  const policy = p2pPolicy({
    tolerances: {
      pricePercent: '2',
      quantity: '1',
      categories: { castings: { pricePercent: '3', overReceiptPercent: '5' } },
      suppliers: { 'SUP-0107': { pricePercent: '1', priceAbsolute: '0.50' } },
    },
  });

  it('uses the global tolerances for a supplier and category without overrides', () => {
    const line = policy.forLine('SUP-0042', 'fasteners');
    assert.equal(line.priceTolerancePercent.toFixed(), '2');
    assert.equal(line.quantityTolerance.toFixed(), '1');
    assert.equal(line.priceToleranceAbsolute, undefined);
  });

  it('a category override replaces only what it sets', () => {
    const line = policy.forLine('SUP-0042', 'castings');
    assert.equal(line.priceTolerancePercent.toFixed(), '3');
    assert.equal(line.overReceiptTolerancePercent.toFixed(), '5');
    assert.equal(line.quantityTolerance.toFixed(), '1');
  });

  it('a supplier override wins over the category', () => {
    const line = policy.forLine('SUP-0107', 'castings');
    assert.equal(line.priceTolerancePercent.toFixed(), '1');
    assert.equal(line.priceToleranceAbsolute?.toFixed(), '0.5');
    assert.equal(line.overReceiptTolerancePercent.toFixed(), '5');
  });

  it('keeps the SLAs and owners of the whole policy', () => {
    const line = policy.forLine('SUP-0107', undefined);
    assert.equal(line.slaMs.invoice_hold, policy.slaMs.invoice_hold);
    assert.equal(line.ownerOf('receipt_overdue', 'P02'), 'receiving-p02');
  });
});

describe('P2P exception owners', () => {
  it('sends reversal_exceeds_receipt to plant receiving, or where the manifest sends over_receipt, unless it routes it itself', () => {
    assert.equal(p2pPolicy().ownerOf('reversal_exceeds_receipt', 'P02'), 'receiving-p02');
    assert.equal(p2pPolicy({ exceptionOwners: { over_receipt: 'dock-{plant}' } }).ownerOf('reversal_exceeds_receipt', 'P02'), 'dock-p02');
    assert.equal(p2pPolicy({ exceptionOwners: { over_receipt: 'dock-{plant}', reversal_exceeds_receipt: 'inventory-control' } }).ownerOf('reversal_exceeds_receipt', 'P02'), 'inventory-control');
  });
});
