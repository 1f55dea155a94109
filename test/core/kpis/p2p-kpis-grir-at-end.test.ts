// GR/IR in a window's KPIs is the balance at the window's end, as a month-end reconciliation
// reads it: goods received in the window and invoiced after it are still open in that window's
// figures, whatever happened since.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exceptionViews } from '../../support/kpi-week.js';
import { DAY, P2PScenario, T0 } from '../../support/p2p-scenario.js';
import { addMs } from '../../../src/core/time.js';
import { p2pKpis } from '../../../src/core/kpis/p2p-kpis.js';

/** PO line 10 (100 EA at 12.50) received on day 1 and invoiced on day 10; PO-2 line 10 received on day 12. */
function story() {
  const s = new P2PScenario();
  s.release([{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
  s.release([{ line: 10, quantity: '40', unitPrice: '10.0000' }], 'USD', 'PO-2');
  s.advance(DAY).receive('GR-1', [{ line: 10, quantity: '100' }]);
  s.advance(9 * DAY).invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
  s.advance(2 * DAY).receive('GR-2', [{ line: 10, quantity: '40', poNumber: 'PO-2' }]);
  return s;
}

describe('GR/IR at the end of a past window', () => {
  const s = story();
  const lines = [...s.lines.keys()].sort().map((key) => s.lines.get(key)!);
  const now = addMs(T0, 14 * DAY);

  it('is what was received and not yet invoiced at the window end, not the balance today', () => {
    // The first week: GR-1 accrued 1,250.00 and INV-1 came on day 10. Today the line is cleared.
    const week = p2pKpis(lines, exceptionViews(s), { from: T0, to: addMs(T0, 7 * DAY) }, now);
    assert.deepEqual(week.grir.openBalance, { USD: '1250.00' });
    assert.equal(week.grir.lines, 1);
    assert.equal(week.byPlant.P01?.grir.openBalance.USD, '1250.00');
  });

  it('leaves out what was accrued after the window end, and agrees with today once the window ends now', () => {
    // Days 0-11: INV-1 has cleared GR-1; GR-2 (day 12) is not in it.
    const first = p2pKpis(lines, exceptionViews(s), { from: T0, to: addMs(T0, 11 * DAY) }, now);
    assert.deepEqual(first.grir.openBalance, {});
    assert.equal(first.grir.lines, 0);
    const all = p2pKpis(lines, exceptionViews(s), { from: T0, to: now }, now);
    assert.deepEqual(all.grir.openBalance, { USD: '400.00' });
  });
});
