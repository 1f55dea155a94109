// The events the hub received in a time window, read from the log without scanning it: receipt
// times grow with sequences (one clock, commits in order), so the window's ends are found by
// bisecting sequences. Used by integration health and the sync-lag KPI.
import type { StoredEvent } from '../core/index.js';
import { toMs } from '../core/index.js';
import type { EventStore } from '../ports/index.js';

const PAGE = 1000;

export interface LogWindow<T> {
  readonly items: T[];
  /** The window held more than `maxEvents` events: only its latest ones were read. */
  readonly truncated: boolean;
  /** When the first event read was received (the window's real start when truncated). */
  readonly firstReceivedTime?: string;
}

/** The sequence after which the first event received at or after `ms` comes (head when none). */
async function sequenceBefore(log: EventStore, head: number, ms: number): Promise<number> {
  let low = 0;
  let high = head;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    const [next] = await log.readFrom(middle, 1);
    if (next === undefined || toMs(next.receivedTime) >= ms) high = middle;
    else low = middle + 1;
  }
  return low;
}

/**
 * Each event received in `[from, to)` (`to` absent: up to the head), oldest first, through
 * `pick` (undefined leaves it out); at most `maxEvents` read, the latest ones.
 */
export async function readLogWindow<T>(
  log: EventStore,
  window: { readonly from: string; readonly to?: string },
  maxEvents: number,
  pick: (stored: StoredEvent) => T | undefined,
): Promise<LogWindow<T>> {
  const head = await log.headSequence();
  const fromMs = toMs(window.from);
  const toMsExclusive = window.to === undefined ? Number.POSITIVE_INFINITY : toMs(window.to);
  const first = await sequenceBefore(log, head, fromMs);
  const last = window.to === undefined ? head : await sequenceBefore(log, head, toMsExclusive);
  const truncated = last - first > maxEvents;
  let after = truncated ? last - maxEvents : first;
  const items: T[] = [];
  let firstReceivedTime: string | undefined;
  while (after < last) {
    const page = await log.readFrom(after, Math.min(PAGE, last - after));
    for (const stored of page) {
      const received = toMs(stored.receivedTime);
      if (stored.sequence > last || received < fromMs || received >= toMsExclusive) continue;
      firstReceivedTime ??= stored.receivedTime;
      const item = pick(stored);
      if (item !== undefined) items.push(item);
    }
    const end = page[page.length - 1];
    if (end === undefined) break;
    after = end.sequence;
  }
  return { items, truncated, ...(firstReceivedTime === undefined ? {} : { firstReceivedTime }) };
}
