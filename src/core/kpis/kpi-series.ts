// KPIs day by day, for the trend charts: the procure-to-pay KPIs of each UTC day, and the
// exceptions still open at each day's end. Pure: one p2pKpis per day over the same lines.
import type { ExceptionView } from '../exceptions/exception-projection.js';
import type { P2PLine } from '../p2p/p2p-state.js';
import { addMs, toMs } from '../time.js';
import { p2pKpis } from './p2p-kpis.js';

export interface KpiDay {
  /** The UTC day, `2026-03-02`. */
  readonly day: string;
  readonly confirmations: number;
  readonly confirmationMedianMinutes: number | null;
  readonly invoices: number;
  readonly firstTimeMatchRate: number | null;
  readonly finalMatchRate: number | null;
  readonly receipts: number;
  readonly asnBeforeReceiptRate: number | null;
  readonly exceptionsRaised: number;
  readonly exceptionsResolved: number;
  /** Raised before the day's end and not resolved by then. */
  readonly openAtEnd: number;
}

const DAY = 86_400_000;

/** The UTC midnight that starts the day of `instant`. */
export function startOfUtcDay(instant: string): string {
  return new Date(Math.floor(toMs(instant) / DAY) * DAY).toISOString();
}

/** `days` UTC days ending with the day of `now` (that last day runs to its end, not to `now`). */
export function kpiSeries(lines: readonly P2PLine[], exceptions: readonly ExceptionView[], days: number, now: string): KpiDay[] {
  if (!Number.isInteger(days) || days < 1) throw new Error(`days must be a positive whole number, not ${days}`);
  const first = addMs(startOfUtcDay(now), -(days - 1) * DAY);
  return Array.from({ length: days }, (_, index): KpiDay => {
    const from = addMs(first, index * DAY);
    const to = addMs(from, DAY);
    const kpis = p2pKpis(lines, exceptions, { from, to }, now);
    const end = toMs(to);
    const openAtEnd = exceptions.filter((e) => toMs(e.raisedAt) < end && (e.resolvedAt === undefined || toMs(e.resolvedAt) >= end)).length;
    return {
      day: from.slice(0, 10),
      confirmations: kpis.confirmationLatency.count,
      confirmationMedianMinutes: kpis.confirmationLatency.medianMinutes,
      invoices: kpis.match.invoices,
      firstTimeMatchRate: kpis.match.firstTimeRate,
      finalMatchRate: kpis.match.finalRate,
      receipts: kpis.asnBeforeReceipt.receipts,
      asnBeforeReceiptRate: kpis.asnBeforeReceipt.rate,
      exceptionsRaised: kpis.exceptions.raised,
      exceptionsResolved: kpis.exceptions.resolved,
      openAtEnd,
    };
  });
}
