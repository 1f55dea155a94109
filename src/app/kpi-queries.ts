// KPIs as the API and `millrace report` show them: the procure-to-pay KPIs over a window, the
// share of flows and events under governance, and sync lag per source against its policy.
// Reads every PO line and exception of the store: fine for a plant's or a region's hub; a
// pre-aggregated projection is the step after (noted in the README).
import type { ContractCatalog, ExceptionView, InventoryAccuracy, KpiDay, LagSample, Manifest, P2PFunnel, P2PKpis, P2PLine, Principal, SourceLag, StageSummary } from '../core/index.js';
import { GOVERNANCE_MARKS, governanceCoverage, kpiSeries, MILLRACE_SOURCE, MillraceError, p2pFunnel, p2pKpis, parseDuration, readInstant, shownValue, stuckStages, syncLagBySource } from '../core/index.js';
import type { Clock, EventStore, WorkflowStore } from '../ports/index.js';
import { readLogWindow } from './log-window.js';

const [, LAG_MARK] = GOVERNANCE_MARKS;

/** The most events read from the log for the sync-lag KPI of one answer; a busier window is measured over its latest events. */
const MAX_LAG_EVENTS = 200_000;

export interface KpiSources {
  /** The log, for sync lag over the window (absent: no source is listed). */
  readonly log?: EventStore;
  /** The plant workflows' inventory accuracy (absent: no inventory section). */
  readonly inventory?: { accuracy(): Promise<InventoryAccuracy[]> };
}

/**
 * How the window is chosen: `from` and `to`; or a length (`window` as `7d`, `24h`, `90m`, or `days`;
 * default 7 days) from `from` forward, else back from `to` (default now). `from` alone ends now.
 * However given, a window is at most 366 days long.
 */
export interface KpiWindowRequest {
  readonly from?: string;
  readonly to?: string;
  readonly days?: number;
  readonly window?: string;
}

export type KpiAnswer = P2PKpis & {
  readonly now: string;
  readonly governance: { readonly flowShare: number; readonly eventShare: number; readonly flows: number; readonly events: number };
  /** Per source, over the events received in the window: lag against its `maxLag` policy. */
  readonly syncLag: readonly SourceLag[];
  /** True when the window held more than 200,000 inbound events: sync lag covers its latest ones. */
  readonly syncLagTruncated: boolean;
  /** Of the PO lines released in the window, how many reached each step by now, overall and by plant and supplier. */
  readonly funnel: Omit<P2PFunnel, 'window'>;
  /** Inventory record accuracy per plant, against its latest snapshot (not windowed: the latest count is the measure). */
  readonly inventory?: { readonly accuracy: readonly InventoryAccuracy[] };
};

const PAGE = 500;

export class KpiQueries {
  constructor(
    private readonly store: WorkflowStore,
    private readonly manifest: Manifest,
    private readonly catalog: ContractCatalog,
    private readonly clock: Clock,
    private readonly sources: KpiSources = {},
  ) {}

  /** Operator keys only: the KPIs span every supplier. The last 7 days unless the request says otherwise (KpiWindowRequest). */
  async kpis(viewer: Principal, window: KpiWindowRequest = {}): Promise<KpiAnswer> {
    if (viewer.kind !== 'operator') throw new MillraceError('forbidden_action', 'KPIs are for operator keys (millrace keys add --operator NAME)');
    const now = this.clock.now().toISOString();
    const { from, to } = windowBounds(window, now);
    const [lines, exceptions, flows, accuracy, lag] = await Promise.all([this.allLines(), this.allExceptions(), this.store.flows(), this.sources.inventory?.accuracy(), this.lagSamples(from, to)]);
    const coverage = governanceCoverage(flows, this.manifest, this.catalog);
    return {
      ...p2pKpis(lines, exceptions, { from, to }, now),
      now,
      governance: { flowShare: coverage.totals.flowShare, eventShare: coverage.totals.eventShare, flows: coverage.totals.flows, events: coverage.totals.events },
      syncLag: syncLagBySource(lag.items, { from, to }, (source) => this.maxLagOf(source)),
      syncLagTruncated: lag.truncated,
      funnel: withoutWindow(p2pFunnel(lines, { from, to })),
      ...(accuracy === undefined ? {} : { inventory: { accuracy } }),
    };
  }

  /**
   * Where open PO lines wait (operator keys): each stage with counts by plant, supplier and
   * region (the region of the plant's systems in the manifest), ageing and the oldest lines.
   */
  async stuck(viewer: Principal, oldest = 5): Promise<{ readonly now: string; readonly stages: readonly StageSummary[] }> {
    if (viewer.kind !== 'operator') throw new MillraceError('forbidden_action', 'the stuck-stage view is for operator keys (millrace keys add --operator NAME)');
    const now = this.clock.now().toISOString();
    const regions = new Map(this.manifest.systems.flatMap((s) => (s.plant !== undefined && s.region !== undefined ? [[s.plant, s.region] as const] : [])));
    return { now, stages: stuckStages(await this.allLines(), now, { oldest, regionOf: (plant) => regions.get(plant) }) };
  }

  /** The KPIs of each of the last `days` UTC days, today included, for trend charts (operator keys). */
  async series(viewer: Principal, days = 14): Promise<{ readonly now: string; readonly days: readonly KpiDay[] }> {
    if (viewer.kind !== 'operator') throw new MillraceError('forbidden_action', 'KPIs are for operator keys (millrace keys add --operator NAME)');
    const now = this.clock.now().toISOString();
    const [lines, exceptions] = await Promise.all([this.allLines(), this.allExceptions()]);
    return { now, days: kpiSeries(lines, exceptions, days, now) };
  }

  /** The inbound events received in the window, as sync lag reads them. */
  private async lagSamples(from: string, to: string): Promise<{ items: LagSample[]; truncated: boolean }> {
    if (this.sources.log === undefined) return { items: [], truncated: false };
    return readLogWindow(this.sources.log, { from, to }, MAX_LAG_EVENTS, ({ event, receivedTime }) =>
      event.source === MILLRACE_SOURCE ? undefined : { source: event.source, ...(event.time === undefined ? {} : { time: event.time }), receivedTime, lagBreach: LAG_MARK in event },
    );
  }

  /** The `maxLag` the manifest sets for a source (`/systems/<id>`, `/partners/<id>`), if any. */
  private maxLagOf(source: string): Readonly<Record<string, string>> | undefined {
    const [, section, id] = /^\/(systems|partners)\/(.+)$/.exec(source) ?? [];
    const publishers = section === 'systems' ? this.manifest.systems : section === 'partners' ? this.manifest.partners : [];
    const maxLag = publishers.find((p) => p.id === id)?.maxLag;
    return maxLag === undefined || Object.keys(maxLag).length === 0 ? undefined : maxLag;
  }

  private async allLines(): Promise<P2PLine[]> {
    const lines: P2PLine[] = [];
    let after: string | undefined;
    do {
      const page = await this.store.listLines({}, PAGE, after);
      lines.push(...page.items);
      after = page.next;
    } while (after !== undefined);
    return lines;
  }

  private async allExceptions(): Promise<ExceptionView[]> {
    const views: ExceptionView[] = [];
    let after: string | undefined;
    do {
      const page = await this.store.listExceptions({}, PAGE, after);
      views.push(...page.items);
      after = page.next;
    } while (after !== undefined);
    return views;
  }
}

/** The funnel's window is the answer's own `window`: said once. */
function withoutWindow({ window: _same, ...funnel }: P2PFunnel): Omit<P2PFunnel, 'window'> {
  return funnel;
}

/**
 * The window's bounds (KpiWindowRequest). A length given with both `from` and `to` conflicts with
 * them (which would win is a guess, and a wrong one answers for another period): refused.
 */
function windowBounds(request: KpiWindowRequest, now: string): { from: string; to: string } {
  const length = request.window !== undefined ? 'window' : request.days !== undefined ? 'days' : undefined;
  if (request.from !== undefined && request.to !== undefined && length !== undefined) {
    throw new MillraceError('window_conflict', `give from and to, or one of them with ${length}, not all three: ${length} would have to agree with the window from .. to`, { parameters: ['from', 'to', length] });
  }
  const lengthMs = windowLength(request);
  // Read as every instant is (readInstant: a leap second included).
  const instant = (name: string, value: string): number => {
    const ms = readInstant(value);
    if (ms === undefined) throw new MillraceError('invalid_request', `${name} must be an RFC 3339 time, not "${shownValue(value)}"`);
    return ms;
  };
  if (request.from !== undefined && length !== undefined) {
    return { from: toTheMillisecond(request.from), to: countedInstant(instant('from', request.from) + lengthMs, 'to') };
  }
  const to = request.to ?? now;
  const end = instant('to', to);
  const from = request.from ?? countedInstant(end - lengthMs, 'from');
  const start = instant('from', from);
  if (!(start < end)) throw new MillraceError('invalid_request', `the window must end after it starts: ${shownValue(from)} .. ${shownValue(to)}`);
  // Bounds are held to the cap a length is: a century from .. to (or a `from` long ago, running
  // to now) had every line, exception and 200,000 log events read for one answer.
  if (end - start > MAX_WINDOW_MS) {
    throw new MillraceError('invalid_request', `the window ${shownValue(from)} .. ${shownValue(to)} is longer than ${MAX_WINDOW_DAYS} days, the most days and window may be; ask for up to ${MAX_WINDOW_DAYS} days at a time`, {
      parameters: request.to === undefined ? ['from'] : ['from', 'to'],
    });
  }
  return { from: toTheMillisecond(from), to: toTheMillisecond(to) };
}

/** Digits of a second past the third, which no instant is read to (Date.parse cuts them). */
const PAST_THE_MILLISECOND = /(\.\d{3})\d+/;

/**
 * A bound as the hub compares it: cut to the millisecond, as every instant it reads is, so the
 * answer's window is the one measured (`.123456789` was repeated whole though read as `.123`).
 * Its offset, and a shorter fraction, stay as the caller wrote them (ADR 0041).
 */
function toTheMillisecond(bound: string): string {
  return bound.replace(PAST_THE_MILLISECOND, '$1');
}

/** The longest window, however it is given (`days`, `window`, or `from` and `to`). */
const MAX_WINDOW_DAYS = 366;
const MAX_WINDOW_MS = MAX_WINDOW_DAYS * 86_400_000;

const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');
const FIRST_INSTANT = Date.parse('0000-01-01T00:00:00.000Z');

/** A bound counted from the other: RFC 3339 names years 0000 to 9999 only. */
function countedInstant(ms: number, name: 'from' | 'to'): string {
  if (ms < FIRST_INSTANT || ms > LAST_INSTANT) throw new MillraceError('invalid_request', `the window's ${name} would fall outside the years 0000 to 9999 that an RFC 3339 time can name`);
  return new Date(ms).toISOString();
}

/** The window's length: `window` (`7d`, `24h`, `90m`), else `days`, else 7 days. Both at once conflict. */
function windowLength(request: KpiWindowRequest): number {
  if (request.window === undefined) return (request.days ?? 7) * 86_400_000;
  if (request.days !== undefined) throw new MillraceError('window_conflict', 'give the window as window (7d, 24h, 90m) or as days, not both', { parameters: ['window', 'days'] });
  const ms = parseDuration(request.window);
  if (ms === undefined || ms <= 0 || ms > MAX_WINDOW_MS) {
    throw new MillraceError('invalid_request', `window must be a duration such as 7d, 24h or 90m, up to ${MAX_WINDOW_DAYS}d, not "${shownValue(request.window)}"`);
  }
  return ms;
}
