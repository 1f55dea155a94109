// Recovery time (raised to resolved) says what it leaves out: the exceptions still open at the
// window's end have no recovery time yet, and a median of the resolved ones alone flatters.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExceptionView } from '../../../src/core/index.js';
import { exceptionViews, week } from '../../support/kpi-week.js';
import { DAY, T0 } from '../../support/p2p-scenario.js';
import { addMs } from '../../../src/core/time.js';
import { p2pKpis } from '../../../src/core/kpis/p2p-kpis.js';

const WEEK = { from: T0, to: addMs(T0, 7 * DAY) };

describe('recovery time', () => {
  const s = week();
  const lines = [...s.lines.keys()].sort().map((key) => s.lines.get(key)!);
  // late_confirmation resolved itself at 30 h (6 h after it was raised); INV-B's price_variance,
  // raised on day 4, is resolved by an AP clerk on day 8, after the week.
  const byHand = (e: ExceptionView): ExceptionView =>
    e.code === 'price_variance' ? { ...e, status: 'resolved', resolvedAt: addMs(T0, 8 * DAY), resolvedSequence: 999, resolvedBy: 'operator:ap-clerk', resolution: 'manual', reason: 'credit note agreed' } : e;
  const exceptions = exceptionViews(s).map(byHand);

  it("counts the exceptions still open at the window's end beside the recovery time of those resolved", () => {
    const kpis = p2pKpis(lines, exceptions, WEEK, addMs(T0, 9 * DAY));
    assert.deepEqual(kpis.exceptions.recovery, { count: 1, medianMinutes: 360, p90Minutes: 360, automatic: 1, byHand: 0, openAtEnd: 1 });
    assert.deepEqual(kpis.byPlant.P01?.exceptions.recovery, { count: 1, medianMinutes: 360, p90Minutes: 360, automatic: 1, byHand: 0, openAtEnd: 1 });
  });

  it('tells an exception resolved by hand from one the hub resolved', () => {
    const kpis = p2pKpis(lines, exceptions, { from: T0, to: addMs(T0, 9 * DAY) }, addMs(T0, 9 * DAY));
    // 6 h and 4 d (5760 min): nearest rank, median the first, p90 the second.
    assert.deepEqual(kpis.exceptions.recovery, { count: 2, medianMinutes: 360, p90Minutes: 5760, automatic: 1, byHand: 1, openAtEnd: 0 });
    assert.deepEqual(kpis.bySupplier['SUP-0107']?.exceptions.recovery, { count: 0, medianMinutes: null, p90Minutes: null, automatic: 0, byHand: 0, openAtEnd: 0 });
  });
});
