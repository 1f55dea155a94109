// The match rate is a rate of invoices, as AP counts them: an invoice of three PO lines is one
// invoice, and it did not match the first time if any of its lines was stopped by a variance.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exceptionViews } from '../../support/kpi-week.js';
import { DAY, P2PScenario, T0 } from '../../support/p2p-scenario.js';
import { addMs } from '../../../src/core/time.js';
import { p2pKpis } from '../../../src/core/kpis/p2p-kpis.js';

const WEEK = { from: T0, to: addMs(T0, 7 * DAY) };
const NOW = addMs(T0, 7 * DAY);

/** PO 4500012345 lines 10, 20 and 30 (100 EA at 12.50), all received; INV-1 bills the three, line 20 at 13.75 (10% over). PO-2 line 10 likewise, INV-2 at its price. */
function story() {
  const s = new P2PScenario();
  const at = (line: number) => ({ line, quantity: '100', unitPrice: '12.5000' });
  s.release([at(10), at(20), at(30)]);
  s.release([at(10)], 'USD', 'PO-2');
  s.advance(DAY).receive('GR-1', [{ line: 10, quantity: '100' }, { line: 20, quantity: '100' }, { line: 30, quantity: '100' }]);
  s.receive('GR-2', [{ line: 10, quantity: '100', poNumber: 'PO-2' }]);
  s.advance(DAY).invoice('INV-1', [at(10), { line: 20, quantity: '100', unitPrice: '13.7500' }, at(30)]);
  s.invoice('INV-2', [{ ...at(10), poNumber: 'PO-2' }]);
  return s;
}

describe('match rate by invoice', () => {
  const s = story();
  const lines = [...s.lines.keys()].sort().map((key) => s.lines.get(key)!);
  const kpis = p2pKpis(lines, exceptionViews(s), WEEK, NOW);

  it('counts an invoice of three PO lines once, and not as matched while one of its lines is in variance', () => {
    // INV-1 (lines 10 and 30 within tolerance, 20 a price_variance) and INV-2 (matched): 2 invoices, 1 matched.
    assert.deepEqual(
      { invoices: kpis.match.invoices, firstTime: kpis.match.firstTime, matched: kpis.match.matched, firstTimeRate: kpis.match.firstTimeRate, finalRate: kpis.match.finalRate },
      { invoices: 2, firstTime: 1, matched: 1, firstTimeRate: 0.5, finalRate: 0.5 },
    );
  });

  it('keeps the rate by invoice line beside it: 3 of the 4 lines billed matched on their own', () => {
    assert.deepEqual(kpis.match.lines, { billed: 4, firstTime: 3, matched: 3, firstTimeRate: 0.75, finalRate: 0.75 });
  });

  it('counts the invoice once for its plant and its supplier too', () => {
    assert.equal(kpis.byPlant.P01?.match.invoices, 2);
    assert.equal(kpis.bySupplier['SUP-0042']?.match.firstTime, 1);
  });
});
