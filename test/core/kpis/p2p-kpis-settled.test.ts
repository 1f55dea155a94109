// An invoice settled by a credit memo for all of it (ADR 0068) is neither matched nor failing:
// the match rate leaves it out and counts it apart, as `settled`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exceptionViews } from '../../support/kpi-week.js';
import { DAY, HOUR, P2PScenario, PO, T0 } from '../../support/p2p-scenario.js';
import { addMs } from '../../../src/core/time.js';
import { p2pKpis } from '../../../src/core/kpis/p2p-kpis.js';

const WEEK = { from: T0, to: addMs(T0, 7 * DAY) };
const NOW = addMs(T0, 7 * DAY);

/**
 * PO line 10 (100 EA) receives 40, INV-1 bills 60, the line is cancelled: INV-1 is stopped. PO-2
 * line 10 is received and matched by INV-2. With `credit`, CM-1 credits INV-1: all 60 EA, or 20.
 */
function story(credit: 'all' | 'part'): P2PScenario {
  const s = new P2PScenario();
  s.release([{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
  s.release([{ line: 10, quantity: '100', unitPrice: '12.5000' }], 'USD', 'PO-2');
  s.advance(DAY).receive('GR-1', [{ line: 10, quantity: '40' }]);
  s.receive('GR-2', [{ line: 10, quantity: '100', poNumber: 'PO-2' }]);
  s.advance(HOUR).invoice('INV-1', [{ line: 10, quantity: '60', unitPrice: '12.5000' }], { id: 'ap-1' });
  s.invoice('INV-2', [{ line: 10, quantity: '100', unitPrice: '12.5000', poNumber: 'PO-2' }], { id: 'ap-2' });
  s.advance(HOUR).send('po.cancelled', '/systems/erp-core', { poNumber: PO, lines: [10] });
  s.advance(HOUR).credit('CM-1', [{ line: 10, quantity: credit === 'all' ? '60' : '20', unitPrice: '12.5000' }], { id: 'cm-1', invoiceNumber: 'INV-1' });
  return s;
}

const kpisOf = (s: P2PScenario) => p2pKpis([...s.lines.keys()].sort().map((key) => s.lines.get(key)!), exceptionViews(s), WEEK, NOW);

describe('match rate and invoices settled by a credit memo', () => {
  it('leaves an invoice credited in full out of the rate, by invoice and by line, and counts it as settled', () => {
    const kpis = kpisOf(story('all'));
    const { lines, ...byInvoice } = kpis.match;
    assert.deepEqual(byInvoice, { invoices: 1, settled: 1, firstTime: 1, matched: 1, firstTimeRate: 1, finalRate: 1 });
    assert.deepEqual(lines, { billed: 1, firstTime: 1, matched: 1, firstTimeRate: 1, finalRate: 1 });
    assert.equal(kpis.bySupplier['SUP-0042']?.match.settled, 1);
    assert.equal(kpis.byPlant.P01?.match.invoices, 1);
  });

  it('keeps rating an invoice credited in part: it is still stopped, and not matched', () => {
    const kpis = kpisOf(story('part'));
    const { lines, ...byInvoice } = kpis.match;
    assert.deepEqual(byInvoice, { invoices: 2, settled: 0, firstTime: 1, matched: 1, firstTimeRate: 0.5, finalRate: 0.5 });
    assert.equal(lines.billed, 2);
  });
});
