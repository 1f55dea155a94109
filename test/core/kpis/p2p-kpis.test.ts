// P2P KPIs on a hand-built week of traffic whose right answers are worked out below, line by line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exceptionViews, week } from '../../support/kpi-week.js';
import { DAY, T0 } from '../../support/p2p-scenario.js';
import { addMs } from '../../../src/core/time.js';
import { p2pKpis, percentile } from '../../../src/core/kpis/p2p-kpis.js';

const WEEK = { from: T0, to: addMs(T0, 7 * DAY) };
const NOW = addMs(T0, 7 * DAY);

describe('procure-to-pay KPIs', () => {
  const s = week();
  const lines = [...s.lines.keys()].sort().map((key) => s.lines.get(key)!);
  const exceptions = exceptionViews(s);
  const kpis = p2pKpis(lines, exceptions, WEEK, NOW);

  it('measures supplier confirmation latency from the terms to the answer: 6 h (A, C) and 30 h (B)', () => {
    // Sorted minutes: [360, 360, 1800]; nearest rank: median = 2nd = 360, p90 = 3rd = 1800.
    assert.deepEqual(kpis.confirmationLatency, { count: 3, medianMinutes: 360, p90Minutes: 1800 });
    assert.deepEqual(kpis.byPlant.P01?.confirmationLatency, { count: 2, medianMinutes: 360, p90Minutes: 1800 });
    assert.deepEqual(kpis.bySupplier['SUP-0107']?.confirmationLatency, { count: 1, medianMinutes: 360, p90Minutes: 360 });
  });

  it('counts receipts announced by an ASN before the goods came: only A of A, B and C', () => {
    assert.deepEqual(kpis.asnBeforeReceipt, { receipts: 3, announced: 1, rate: 1 / 3 });
    assert.deepEqual(kpis.byPlant.P02?.asnBeforeReceipt, { receipts: 1, announced: 0, rate: 0 });
  });

  it('measures milestone lag from when it happened to when the hub heard: 30 min and 8 h, a repeated report once', () => {
    // Sorted minutes [30, 480]: median = 1st by nearest rank (ceil(0.5 x 2) = 1), p90 = 2nd.
    assert.deepEqual(kpis.milestoneLag, { count: 2, medianMinutes: 30, p90Minutes: 480 });
    assert.deepEqual(kpis.byPlant.P01?.milestoneLag, { count: 2, medianMinutes: 30, p90Minutes: 480 });
    assert.deepEqual(kpis.bySupplier['SUP-0107']?.milestoneLag, { count: 0, medianMinutes: null, p90Minutes: null });
  });

  it('counts exceptions and the open GR/IR per plant and supplier', () => {
    // P01 / SUP-0042: late_confirmation (resolved) and price_variance (open); P02 / SUP-0107: none.
    // late_confirmation was raised at 24 h and resolved at 30 h: 6 h to recover.
    // The price_variance is still open at the week's end: no recovery time yet, counted apart.
    const sixHours = { count: 1, medianMinutes: 360, p90Minutes: 360, automatic: 1, byHand: 0, openAtEnd: 1 };
    assert.deepEqual(kpis.byPlant.P01?.exceptions, { raised: 2, open: 1, recovery: sixHours });
    assert.deepEqual(kpis.bySupplier['SUP-0042']?.exceptions, { raised: 2, open: 1, recovery: sixHours });
    assert.deepEqual(kpis.byPlant.P02?.exceptions, { raised: 0, open: 0, recovery: { count: 0, medianMinutes: null, p90Minutes: null, automatic: 0, byHand: 0, openAtEnd: 0 } });
    // B: 100 x 12.50 received, invoice held in variance; C: 50 x 2.00 received, not invoiced.
    assert.deepEqual(kpis.byPlant.P01?.grir, { openBalance: { USD: '1250.00' }, lines: 1 });
    assert.deepEqual(kpis.bySupplier['SUP-0107']?.grir, { openBalance: { USD: '100.00' }, lines: 1 });
  });

  it('rates the match: A matched the first time, B has a price variance', () => {
    const oneLineEach = { billed: 2, firstTime: 1, matched: 1, firstTimeRate: 0.5, finalRate: 0.5 };
    assert.deepEqual(kpis.match, { invoices: 2, settled: 0, firstTime: 1, matched: 1, firstTimeRate: 0.5, finalRate: 0.5, lines: oneLineEach });
    // SUP-0107 sent no invoice: no rate rather than 0 or 1.
    assert.deepEqual(kpis.bySupplier['SUP-0107']?.match, { invoices: 0, settled: 0, firstTime: 0, matched: 0, firstTimeRate: null, finalRate: null, lines: { billed: 0, firstTime: 0, matched: 0, firstTimeRate: null, finalRate: null } });
  });

  it('counts exceptions by code and owner with the age of the oldest open one, and the recovery time', () => {
    const late = kpis.exceptions.byCode.late_confirmation;
    assert.deepEqual(late, { raised: 1, open: 0, oldestOpenHours: null });
    // price_variance raised at T0 + 4 d, still open at T0 + 7 d: 72 hours old.
    assert.deepEqual(kpis.exceptions.byCode.price_variance, { raised: 1, open: 1, oldestOpenHours: 72 });
    assert.equal(kpis.exceptions.byOwner.procurement?.raised, 1);
    assert.equal(kpis.exceptions.byOwner['accounts-payable']?.open, 1);
    assert.equal(kpis.exceptions.raised, exceptions.filter((e) => e.raisedAt < WEEK.to).length);
    // late_confirmation: raised at 24 h, resolved at 30 h by the confirmation.
    assert.deepEqual(kpis.exceptions.recovery, { count: 1, medianMinutes: 360, p90Minutes: 360, automatic: 1, byHand: 0, openAtEnd: 1 });
  });

  it('keeps the GR/IR balance of what was received and not matched: B 1250.00 and C 100.00, oldest from day 2', () => {
    assert.deepEqual(kpis.grir, { openBalance: { USD: '1350.00' }, lines: 2, oldestOpenDays: 5 });
  });

  it('reads the same window written in another time zone alike', () => {
    const detroit = { from: '2026-03-02T03:00:00-05:00', to: '2026-03-09T03:00:00-05:00' };
    assert.deepEqual({ ...p2pKpis(lines, exceptions, detroit, NOW), window: WEEK }, kpis);
  });

  it('gives counts of zero and no rates for an empty window, never a division by zero', () => {
    const before = p2pKpis(lines, exceptions, { from: addMs(T0, -7 * DAY), to: T0 }, NOW);
    assert.deepEqual(before.confirmationLatency, { count: 0, medianMinutes: null, p90Minutes: null });
    assert.deepEqual(before.match, { invoices: 0, settled: 0, firstTime: 0, matched: 0, firstTimeRate: null, finalRate: null, lines: { billed: 0, firstTime: 0, matched: 0, firstTimeRate: null, finalRate: null } });
    assert.equal(before.asnBeforeReceipt.rate, null);
    assert.equal(before.exceptions.raised, 0);
    // Exceptions still open at `now` are listed whatever the window: the backlog is today's.
    assert.equal(before.exceptions.byCode.price_variance?.open, 1);
    assert.deepEqual(before.grir, { openBalance: {}, lines: 0, oldestOpenDays: null });
    assert.deepEqual(before.milestoneLag, { count: 0, medianMinutes: null, p90Minutes: null });
    assert.deepEqual(before.byPlant.P01?.exceptions, { raised: 0, open: 1, recovery: { count: 0, medianMinutes: null, p90Minutes: null, automatic: 0, byHand: 0, openAtEnd: 0 } });
    assert.deepEqual(before.byPlant.P01?.grir, { openBalance: {}, lines: 0 });
  });

  it('puts a milestone in the window by when it happened, whatever offset it was written in', () => {
    // The in-transit milestone happened at 2026-03-04T00:00Z (19:00 the evening before in Detroit).
    const day2 = p2pKpis(lines, exceptions, { from: '2026-03-03T19:00:00-05:00', to: '2026-03-04T02:00:00+01:00' }, NOW);
    assert.deepEqual(day2.milestoneLag, { count: 1, medianMinutes: 480, p90Minutes: 480 });
    const justBefore = p2pKpis(lines, exceptions, { from: '2026-03-03T00:00:00Z', to: '2026-03-03T18:59:59-05:00' }, NOW);
    assert.equal(justBefore.milestoneLag.count, 0);
  });

  it('counts only what happened inside the window: the first two days hold confirmations, no invoices', () => {
    const early = p2pKpis(lines, exceptions, { from: T0, to: addMs(T0, 2 * DAY) }, NOW);
    assert.equal(early.confirmationLatency.count, 3);
    assert.equal(early.match.invoices, 0);
    assert.equal(early.asnBeforeReceipt.receipts, 0);
    assert.equal(early.exceptions.raised, 1);
  });

  it('refuses a window that ends before it starts', () => {
    assert.throws(() => p2pKpis(lines, exceptions, { from: NOW, to: T0 }, NOW), /must end after it starts/);
  });

  it('takes percentiles by nearest rank', () => {
    assert.equal(percentile([], 50), null);
    assert.equal(percentile([1, 2, 3, 4], 50), 2);
    assert.equal(percentile([1, 2, 3, 4], 90), 4);
    assert.equal(percentile([5], 90), 5);
  });
});
