// KPIs day by day over the KPI week (test/support/kpi-week.ts), each day's answer worked out
// from the story: T0 is 2026-03-02 08:00 UTC.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exceptionViews, week } from '../../support/kpi-week.js';
import { kpiSeries, startOfUtcDay } from '../../../src/core/kpis/kpi-series.js';

describe('KPIs day by day', () => {
  const s = week();
  const lines = [...s.lines.keys()].sort().map((key) => s.lines.get(key)!);
  const series = kpiSeries(lines, exceptionViews(s), 7, '2026-03-08T12:00:00Z');
  const row = (day: string) => {
    const found = series.find((d) => d.day === day);
    assert.ok(found, `a point for ${day}`);
    return found;
  };

  it('gives one point per UTC day, ending with the day of now', () => {
    assert.deepEqual(series.map((d) => d.day), ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08']);
  });

  it('puts each confirmation on the day it came: A and C after 6 h on day 1, B after 30 h on day 2', () => {
    assert.deepEqual([row('2026-03-02').confirmations, row('2026-03-02').confirmationMedianMinutes], [2, 360]);
    assert.deepEqual([row('2026-03-03').confirmations, row('2026-03-03').confirmationMedianMinutes], [1, 1800]);
    assert.deepEqual([row('2026-03-04').confirmations, row('2026-03-04').confirmationMedianMinutes], [0, null]);
  });

  it('rates ASNs on receipt days: C without one on day 3; A with and B without on day 4', () => {
    assert.deepEqual([row('2026-03-04').receipts, row('2026-03-04').asnBeforeReceiptRate], [1, 0]);
    assert.deepEqual([row('2026-03-05').receipts, row('2026-03-05').asnBeforeReceiptRate], [2, 0.5]);
  });

  it('rates the match on the invoice day: A first time, B held by a price variance', () => {
    const day5 = row('2026-03-06');
    assert.deepEqual([day5.invoices, day5.firstTimeMatchRate, day5.finalMatchRate], [2, 0.5, 0.5]);
    assert.equal(row('2026-03-07').firstTimeMatchRate, null);
  });

  it("counts exceptions raised, resolved and still open at each day's end", () => {
    // B's late confirmation: raised 03-03 08:00, resolved 14:00 the same day. B's price
    // variance: raised 03-06 08:00, never resolved, so open at the end of every day after.
    assert.deepEqual(
      series.map((d) => [d.exceptionsRaised, d.exceptionsResolved, d.openAtEnd]),
      [[0, 0, 0], [1, 1, 0], [0, 0, 0], [0, 0, 0], [1, 0, 1], [0, 0, 1], [0, 0, 1]],
    );
  });

  it('answers for an empty store with empty days, and refuses a non-positive count of days', () => {
    assert.deepEqual(kpiSeries([], [], 2, '2026-03-08T12:00:00Z'), [
      { day: '2026-03-07', confirmations: 0, confirmationMedianMinutes: null, invoices: 0, firstTimeMatchRate: null, finalMatchRate: null, receipts: 0, asnBeforeReceiptRate: null, exceptionsRaised: 0, exceptionsResolved: 0, openAtEnd: 0 },
      { day: '2026-03-08', confirmations: 0, confirmationMedianMinutes: null, invoices: 0, firstTimeMatchRate: null, finalMatchRate: null, receipts: 0, asnBeforeReceiptRate: null, exceptionsRaised: 0, exceptionsResolved: 0, openAtEnd: 0 },
    ]);
    assert.throws(() => kpiSeries([], [], 0, '2026-03-08T12:00:00Z'), /positive whole number/);
    assert.equal(startOfUtcDay('2026-03-08T23:59:59.999+05:00'), '2026-03-08T00:00:00.000Z');
  });
});
