// Procure-to-pay KPIs over a window of business time, overall and by plant and supplier:
// supplier confirmation latency, shipment event timeliness (advance ship notices ahead of
// receipt, logistics milestone lag), goods-receipt-to-invoice match rate (first time and final),
// exceptions by code and owner with open age, recovery time, and the open GR/IR balance with
// its age. Pure: the caller passes the line states, the exceptions and `now`.
import type { ExceptionView } from '../exceptions/exception-projection.js';
import { amount, ZERO } from '../money.js';
import type { Dec } from '../money.js';
import type { P2PLine } from '../p2p/p2p-state.js';
import { invoiceRefOf, openGrirAt, settlingCreditOf } from '../p2p/p2p-state.js';
import { toMs } from '../time.js';

/** Business-time window [from, to). */
export interface KpiWindow {
  readonly from: string;
  readonly to: string;
}

/** Durations in minutes; percentiles by nearest rank; `null` when nothing was measured. */
export interface DurationStats {
  readonly count: number;
  readonly medianMinutes: number | null;
  readonly p90Minutes: number | null;
}

/**
 * Invoices received in the window, each counted once however many PO lines it bills (a supplier's
 * invoice number): matched once every line it bills is matched; first time when, besides, none of
 * them had a variance or mismatch exception. `lines` rates the invoice lines one by one.
 */
export interface MatchStats {
  /** Rated: received in the window, and not settled by a credit memo. */
  readonly invoices: number;
  /**
   * Settled by a credit memo for all of it (ADR 0068): cancelled between supplier and AP, neither
   * matched nor failing, so not rated. Its lines are left out of `lines` too.
   */
  readonly settled: number;
  /** Matched without a variance or mismatch exception on any of its lines. */
  readonly firstTime: number;
  /** Every line matched by now, exceptions resolved or not. */
  readonly matched: number;
  readonly firstTimeRate: number | null;
  readonly finalRate: number | null;
  /** The same by invoice line (an invoice line is what one invoice bills on one PO line). */
  readonly lines: {
    readonly billed: number;
    readonly firstTime: number;
    readonly matched: number;
    readonly firstTimeRate: number | null;
    readonly finalRate: number | null;
  };
}

export interface AsnStats {
  readonly receipts: number;
  /** Receipts whose shipment's advance ship notice the hub had before the goods arrived. */
  readonly announced: number;
  readonly rate: number | null;
}

/**
 * Raised to resolved, for the exceptions resolved in the window, with how they were resolved; and
 * the ones no recovery time covers yet: raised before the window's end and still open at it (a
 * median of the resolved alone says nothing of those).
 */
export interface RecoveryStats extends DurationStats {
  /** Resolved by the hub when the fact it waited for came. */
  readonly automatic: number;
  /** Resolved by a person (POST /v1/exceptions/:id/resolve). */
  readonly byHand: number;
  readonly openAtEnd: number;
}

/** Exceptions of a plant or supplier: raised in the window, open now, and the recovery time. */
export interface GroupExceptions {
  readonly raised: number;
  readonly open: number;
  readonly recovery: RecoveryStats;
}

/** Received and not invoiced at the PO price, per currency (lines received before the window's end). */
export interface GrirBalance {
  readonly openBalance: Readonly<Record<string, string>>;
  readonly lines: number;
}

export interface GroupKpis {
  readonly confirmationLatency: DurationStats;
  readonly match: MatchStats;
  readonly asnBeforeReceipt: AsnStats;
  /**
   * From when a logistics milestone happened (its `at`) to when the hub heard of it, for
   * milestones that happened in the window; each shipment's milestone counts once.
   */
  readonly milestoneLag: DurationStats;
  readonly exceptions: GroupExceptions;
  readonly grir: GrirBalance;
}

export interface ExceptionGroup {
  readonly raised: number;
  readonly open: number;
  /** Age of the oldest exception still open, in hours at `now`. */
  readonly oldestOpenHours: number | null;
}

export interface P2PKpis extends Omit<GroupKpis, 'exceptions' | 'grir'> {
  readonly window: KpiWindow;
  readonly byPlant: Readonly<Record<string, GroupKpis>>;
  readonly bySupplier: Readonly<Record<string, GroupKpis>>;
  readonly exceptions: {
    readonly raised: number;
    readonly resolved: number;
    readonly byCode: Readonly<Record<string, ExceptionGroup>>;
    readonly byOwner: Readonly<Record<string, ExceptionGroup>>;
    readonly recovery: RecoveryStats;
  };
  /** Received but not yet invoiced at the PO price, per currency, for lines received before `to`. */
  readonly grir: {
    readonly openBalance: Readonly<Record<string, string>>;
    readonly lines: number;
    /** Days since the oldest receipt of a line with an open balance. */
    readonly oldestOpenDays: number | null;
  };
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Nearest-rank percentile of sorted values (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

function stats(durationsMs: readonly number[]): DurationStats {
  const minutes = durationsMs.map((ms) => ms / MINUTE).sort((a, b) => a - b);
  return { count: minutes.length, medianMinutes: percentile(minutes, 50), p90Minutes: percentile(minutes, 90) };
}

function recoveryOf(s: Pick<Samples, 'recoveries' | 'automatic' | 'byHand' | 'openAtEnd'>): RecoveryStats {
  return { ...stats(s.recoveries), automatic: s.automatic, byHand: s.byHand, openAtEnd: s.openAtEnd };
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

interface Samples {
  latencies: number[];
  invoices: number;
  settled: number;
  firstTime: number;
  matched: number;
  invoiceLines: number;
  firstTimeLines: number;
  matchedLines: number;
  receipts: number;
  announced: number;
  /** Milestone lags by shipment, milestone and time: a shipment of several lines counts once. */
  milestoneLags: Map<string, number>;
  raised: number;
  open: number;
  recoveries: number[];
  automatic: number;
  byHand: number;
  openAtEnd: number;
  grir: Map<string, Dec>;
  grirLines: number;
}

const emptySamples = (): Samples => ({ latencies: [], invoices: 0, settled: 0, firstTime: 0, matched: 0, invoiceLines: 0, firstTimeLines: 0, matchedLines: 0, receipts: 0, announced: 0, milestoneLags: new Map(), raised: 0, open: 0, recoveries: [], automatic: 0, byHand: 0, openAtEnd: 0, grir: new Map(), grirLines: 0 });

function balances(grir: ReadonlyMap<string, Dec>): Record<string, string> {
  return Object.fromEntries([...grir.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, total]) => [currency, amount(total, currency)]));
}

function groupKpis(s: Samples): GroupKpis {
  return {
    confirmationLatency: stats(s.latencies),
    match: {
      invoices: s.invoices,
      settled: s.settled,
      firstTime: s.firstTime,
      matched: s.matched,
      firstTimeRate: ratio(s.firstTime, s.invoices),
      finalRate: ratio(s.matched, s.invoices),
      lines: { billed: s.invoiceLines, firstTime: s.firstTimeLines, matched: s.matchedLines, firstTimeRate: ratio(s.firstTimeLines, s.invoiceLines), finalRate: ratio(s.matchedLines, s.invoiceLines) },
    },
    asnBeforeReceipt: { receipts: s.receipts, announced: s.announced, rate: ratio(s.announced, s.receipts) },
    milestoneLag: stats([...s.milestoneLags.values()]),
    exceptions: { raised: s.raised, open: s.open, recovery: recoveryOf(s) },
    grir: { openBalance: balances(s.grir), lines: s.grirLines },
  };
}

/** The bucket of a key, made on first use. */
function bucket(map: Map<string, Samples>, key: string): Samples {
  let samples = map.get(key);
  if (samples === undefined) {
    samples = emptySamples();
    map.set(key, samples);
  }
  return samples;
}

/** Invoice exceptions that mean the invoice did not match on its own. */
export const MISMATCH_CODES: ReadonlySet<string> = new Set(['price_variance', 'quantity_variance', 'supplier_mismatch', 'currency_mismatch', 'unit_of_measure_unknown']);

export function p2pKpis(lines: readonly P2PLine[], exceptions: readonly ExceptionView[], window: KpiWindow, now: string): P2PKpis {
  const from = toMs(window.from);
  const to = toMs(window.to);
  if (!(from < to)) throw new Error(`the window must end after it starts: ${window.from} .. ${window.to}`);
  const inWindow = (instant: string | undefined) => instant !== undefined && toMs(instant) >= from && toMs(instant) < to;

  const overall = emptySamples();
  const byPlant = new Map<string, Samples>();
  const bySupplier = new Map<string, Samples>();
  const grir = new Map<string, Dec>();
  let grirLines = 0;
  let oldestReceipt: number | undefined;
  // Invoices by supplier and number, gathered over the lines they bill (MatchStats).
  // `buckets`: the groups of its rated lines; `settledIn`: of its lines credited in full.
  const invoices = new Map<string, { matched: boolean; mismatched: boolean; buckets: Set<Samples>; settledIn: Set<Samples> }>();

  for (const line of lines) {
    const terms = line.terms;
    const buckets = [overall];
    if (terms !== undefined) buckets.push(bucket(byPlant, terms.buyerPlant), bucket(bySupplier, terms.supplierId));
    const add = (record: (s: Samples) => void) => buckets.forEach(record);

    // Confirmation latency: from the terms the supplier answered to its answer.
    const confirmation = line.confirmation;
    if (terms !== undefined && confirmation !== undefined && confirmation.revision === terms.revision && inWindow(confirmation.at)) {
      const latency = Math.max(0, toMs(confirmation.at) - toMs(terms.since));
      add((s) => s.latencies.push(latency));
    }

    // Receipts announced by an ASN received before the goods.
    for (const receipt of Object.values(line.receipts)) {
      if (receipt.reversal || !inWindow(receipt.at)) continue;
      const shipment = receipt.shipmentId === undefined ? undefined : line.shipments[receipt.shipmentId];
      // The line keeps the log sequence of the shipment's first ASN and of each receipt.
      const announced = shipment?.seq !== undefined && shipment.seq < receipt.seq;
      add((s) => {
        s.receipts += 1;
        if (announced) s.announced += 1;
      });
    }

    // Milestone lag: when the carrier's milestone happened to when the hub heard of it.
    for (const shipment of Object.values(line.shipments)) {
      for (const m of shipment.milestones ?? []) {
        if (!inWindow(m.at)) continue;
        const lag = Math.max(0, toMs(m.received) - toMs(m.at));
        add((s) => s.milestoneLags.set(`${shipment.shipmentId}\u0000${m.milestone}\u0000${m.at}`, lag));
      }
    }

    // Invoice lines received in the window: matched at all, and matched without a mismatch.
    for (const [invoiceKey, invoice] of Object.entries(line.invoices)) {
      if (!inWindow(invoice.at)) continue;
      const key = `${invoice.supplierId}\u0000${invoice.invoiceNumber}`;
      const whole = invoices.get(key) ?? { matched: true, mismatched: false, buckets: new Set<Samples>(), settledIn: new Set<Samples>() };
      invoices.set(key, whole);
      // A line credited in full is not rated; the invoice is, in the groups of the other lines it bills.
      if (settlingCreditOf(line, invoiceKey) !== undefined) {
        buckets.forEach((b) => whole.settledIn.add(b));
        continue;
      }
      const ref = invoiceRefOf(line, invoice);
      const mismatched = Object.values(line.exceptions).some((e) => e.ref === ref && MISMATCH_CODES.has(e.code));
      const matched = invoice.status === 'matched';
      add((s) => {
        s.invoiceLines += 1;
        if (matched) s.matchedLines += 1;
        if (matched && !mismatched) s.firstTimeLines += 1;
      });
      whole.matched &&= matched;
      whole.mismatched ||= mismatched;
      buckets.forEach((b) => whole.buckets.add(b));
    }

    // Open GR/IR of lines received before the end of the window, as it stood at the end.
    const received = Object.values(line.receipts).filter((r) => !r.reversal && toMs(r.at) < to);
    if (terms !== undefined && received.length > 0) {
      const open = openGrirAt(line, to);
      if (!open.isZero()) {
        grir.set(terms.currency, (grir.get(terms.currency) ?? ZERO).plus(open));
        grirLines += 1;
        add((s) => {
          s.grir.set(terms.currency, (s.grir.get(terms.currency) ?? ZERO).plus(open));
          s.grirLines += 1;
        });
        const first = Math.min(...received.map((r) => toMs(r.at)));
        oldestReceipt = oldestReceipt === undefined ? first : Math.min(oldestReceipt, first);
      }
    }
  }

  // An invoice counts once in each group one of its lines is in (once overall).
  for (const invoice of invoices.values()) {
    // Settled as a whole: every line it bills was credited in full.
    if (invoice.buckets.size === 0) invoice.settledIn.forEach((s) => (s.settled += 1));
    for (const s of invoice.buckets) {
      s.invoices += 1;
      if (invoice.matched) s.matched += 1;
      if (invoice.matched && !invoice.mismatched) s.firstTime += 1;
    }
  }

  const nowMs = toMs(now);
  const byCode = new Map<string, { raised: number; open: number; oldest?: number }>();
  const byOwner = new Map<string, { raised: number; open: number; oldest?: number }>();
  const recovered = { recoveries: [] as number[], automatic: 0, byHand: 0, openAtEnd: 0 };
  let raised = 0;
  let resolved = 0;
  for (const exception of exceptions) {
    const raisedIn = inWindow(exception.raisedAt);
    const recovery = exception.resolvedAt !== undefined && inWindow(exception.resolvedAt) ? Math.max(0, toMs(exception.resolvedAt) - toMs(exception.raisedAt)) : undefined;
    const automatic = exception.resolution === 'automatic';
    const openAtEnd = toMs(exception.raisedAt) < to && (exception.resolvedAt === undefined || toMs(exception.resolvedAt) >= to);
    const count = (s: Pick<Samples, 'recoveries' | 'automatic' | 'byHand' | 'openAtEnd'>) => {
      if (recovery !== undefined) {
        s.recoveries.push(recovery);
        if (automatic) s.automatic += 1;
        else s.byHand += 1;
      }
      if (openAtEnd) s.openAtEnd += 1;
    };
    if (recovery !== undefined) resolved += 1;
    count(recovered);
    if (raisedIn) raised += 1;
    const open = exception.status === 'open';
    // By plant and supplier too (the exception's own, from its PO line).
    for (const group of [exception.plant === undefined ? undefined : bucket(byPlant, exception.plant), exception.supplierId === undefined ? undefined : bucket(bySupplier, exception.supplierId)]) {
      if (group === undefined) continue;
      if (raisedIn) group.raised += 1;
      if (open) group.open += 1;
      count(group);
    }
    if (!raisedIn && !open) continue;
    for (const [map, key] of [
      [byCode, exception.code],
      [byOwner, exception.owner],
    ] as const) {
      const group = map.get(key) ?? { raised: 0, open: 0 };
      if (raisedIn) group.raised += 1;
      if (open) {
        group.open += 1;
        const at = toMs(exception.raisedAt);
        group.oldest = group.oldest === undefined ? at : Math.min(group.oldest, at);
      }
      map.set(key, group);
    }
  }
  const exceptionGroups = (map: Map<string, { raised: number; open: number; oldest?: number }>) =>
    Object.fromEntries(
      [...map.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, g]) => [key, { raised: g.raised, open: g.open, oldestOpenHours: g.oldest === undefined ? null : Math.max(0, nowMs - g.oldest) / HOUR }]),
    );
  const grouped = (map: Map<string, Samples>) => Object.fromEntries([...map.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, s]) => [key, groupKpis(s)]));

  const { exceptions: _counted, grir: _balanced, ...overallKpis } = groupKpis(overall);
  return {
    window,
    ...overallKpis,
    byPlant: grouped(byPlant),
    bySupplier: grouped(bySupplier),
    exceptions: { raised, resolved, byCode: exceptionGroups(byCode), byOwner: exceptionGroups(byOwner), recovery: recoveryOf(recovered) },
    grir: {
      openBalance: balances(grir),
      lines: grirLines,
      oldestOpenDays: oldestReceipt === undefined ? null : Math.max(0, nowMs - oldestReceipt) / DAY,
    },
  };
}

