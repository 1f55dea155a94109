// Sync lag per source over a window: of the inbound events the hub received in the window, how
// late each source's data came (received time minus the event's own time) against the source's
// `maxLag` policy. The breach itself was judged at the door, per type, and marked on the event;
// this counts the marks and measures the lags. Pure: the events are read by the app layer.
import { toMs } from '../time.js';
import { percentile } from './p2p-kpis.js';
import type { KpiWindow } from './p2p-kpis.js';

/** One inbound event as sync lag needs it. */
export interface LagSample {
  readonly source: string;
  /** The event's own time (when the fact happened at the source); absent: no lag is measured. */
  readonly time?: string;
  readonly receivedTime: string;
  /** The door found it later than the source's `maxLag` (the `millracelagbreach` mark). */
  readonly lagBreach: boolean;
}

export interface SourceLag {
  readonly source: string;
  /** Events received from the source in the window. */
  readonly events: number;
  readonly lagBreaches: number;
  /** Share of the source's events that came later than its max lag. */
  readonly breachRate: number;
  /** Lags in minutes over the events with a time (nearest rank); null when none had one. */
  readonly medianLagMinutes: number | null;
  readonly p90LagMinutes: number | null;
  readonly worstLagMinutes: number | null;
  /** Its policy: the manifest's `maxLag` of the system or partner (per type, and `default`); absent when it has none. */
  readonly maxLag?: Readonly<Record<string, string>>;
  /** No event came later than the policy allows; null when the source has no policy (or is not in the manifest). */
  readonly withinPolicy: boolean | null;
}

/**
 * Sync lag per source, sources in name order, over the events received in `[from, to)`. A lag
 * below zero (a source clock ahead of the hub's) counts as zero.
 */
export function syncLagBySource(
  samples: readonly LagSample[],
  window: KpiWindow,
  maxLagOf: (source: string) => Readonly<Record<string, string>> | undefined,
): SourceLag[] {
  const from = toMs(window.from);
  const to = toMs(window.to);
  const bySource = new Map<string, { events: number; lagBreaches: number; lags: number[] }>();
  for (const sample of samples) {
    const received = toMs(sample.receivedTime);
    if (received < from || received >= to) continue;
    const tally = bySource.get(sample.source) ?? { events: 0, lagBreaches: 0, lags: [] };
    tally.events += 1;
    if (sample.lagBreach) tally.lagBreaches += 1;
    if (sample.time !== undefined && !Number.isNaN(toMs(sample.time))) tally.lags.push(Math.max(0, received - toMs(sample.time)) / 60_000);
    bySource.set(sample.source, tally);
  }
  return [...bySource.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([source, { events, lagBreaches, lags }]) => {
      const sorted = lags.sort((a, b) => a - b);
      const maxLag = maxLagOf(source);
      return {
        source,
        events,
        lagBreaches,
        breachRate: events === 0 ? 0 : lagBreaches / events,
        medianLagMinutes: percentile(sorted, 50),
        p90LagMinutes: percentile(sorted, 90),
        worstLagMinutes: sorted.length === 0 ? null : (sorted[sorted.length - 1] ?? null),
        ...(maxLag === undefined ? {} : { maxLag }),
        withinPolicy: maxLag === undefined ? null : lagBreaches === 0,
      };
    });
}
