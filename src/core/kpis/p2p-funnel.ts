// The procure-to-pay funnel: of the PO lines released in a window, how many got as far as each
// step by now (confirmed, shipped, received, invoiced, matched, posted), and why the others
// stopped where they did. Pure: the caller passes the line states and the window.
import type { P2PLine } from '../p2p/p2p-state.js';
import { openExceptionsOf, receivedOf, stageOf } from '../p2p/p2p-state.js';
import { toMs } from '../time.js';
import type { KpiWindow } from './p2p-kpis.js';
import { MISMATCH_CODES } from './p2p-kpis.js';

export const FUNNEL_STEPS = ['released', 'confirmed', 'shipped', 'received', 'invoiced', 'matched', 'posted'] as const;
export type FunnelStep = (typeof FUNNEL_STEPS)[number];

/** Lines that reached a step and went no further, by why. */
export interface FunnelDrop {
  readonly cancelled: number;
  /** Open, with an exception someone must resolve. */
  readonly inException: number;
  /** Open, waiting for the next step in the normal course. */
  readonly waiting: number;
}

export interface FunnelStepCount {
  readonly step: FunnelStep;
  /** Lines that got at least this far: this step's own fact, or a later step's. */
  readonly reached: number;
  /**
   * Of those, lines that went past this step without its own fact: shipped or received without
   * the supplier's confirmation, received without an advance ship notice, invoiced before the
   * goods were received. Always 0 for released, invoiced, matched and posted.
   */
  readonly skipped: number;
  /** Matched only: matched without a price, quantity, supplier, currency or unit exception. */
  readonly firstTime?: number;
  /** Reached this step and not the next (absent on the last step, where lines are done). */
  readonly dropped?: FunnelDrop;
}

export interface FunnelCounts {
  readonly lines: number;
  readonly steps: readonly FunnelStepCount[];
}

export interface P2PFunnel extends FunnelCounts {
  /** The lines counted are those first released in this window; their steps are counted up to now. */
  readonly window: KpiWindow;
  readonly byPlant: Readonly<Record<string, FunnelCounts>>;
  readonly bySupplier: Readonly<Record<string, FunnelCounts>>;
}

/** Which steps' own facts a line has, index by index in FUNNEL_STEPS. */
function factsOf(line: P2PLine): boolean[] {
  const invoices = Object.values(line.invoices);
  const matched = invoices.some((i) => i.status === 'matched');
  const status = line.confirmation?.status;
  return [
    true,
    status === 'accepted' || status === 'changed',
    Object.keys(line.shipments).length > 0,
    receivedOf(line).gt(0),
    invoices.length > 0,
    matched,
    // Posted: everything ordered received, invoiced and matched (stageOf's `posted`, read even if cancelled since).
    stageOf({ ...line, cancelled: undefined }) === 'posted',
  ];
}

interface Tally {
  lines: number;
  reached: number[];
  skipped: number[];
  firstTime: number;
  dropped: FunnelDrop[];
}

const emptyTally = (): Tally => ({
  lines: 0,
  reached: FUNNEL_STEPS.map(() => 0),
  skipped: FUNNEL_STEPS.map(() => 0),
  firstTime: 0,
  dropped: FUNNEL_STEPS.map(() => ({ cancelled: 0, inException: 0, waiting: 0 })),
});

function countsOf(t: Tally): FunnelCounts {
  const last = FUNNEL_STEPS.length - 1;
  return {
    lines: t.lines,
    steps: FUNNEL_STEPS.map((step, i): FunnelStepCount => ({
      step,
      reached: t.reached[i] ?? 0,
      skipped: t.skipped[i] ?? 0,
      ...(step === 'matched' ? { firstTime: t.firstTime } : {}),
      ...(i === last ? {} : { dropped: t.dropped[i] ?? { cancelled: 0, inException: 0, waiting: 0 } }),
    })),
  };
}

export function p2pFunnel(lines: readonly P2PLine[], window: KpiWindow): P2PFunnel {
  const from = toMs(window.from);
  const to = toMs(window.to);
  if (!(from < to)) throw new Error(`the window must end after it starts: ${window.from} .. ${window.to}`);
  const matchedAt = FUNNEL_STEPS.indexOf('matched');
  const overall = emptyTally();
  const byPlant = new Map<string, Tally>();
  const bySupplier = new Map<string, Tally>();
  const tallyOf = (map: Map<string, Tally>, key: string) => {
    const found = map.get(key) ?? emptyTally();
    map.set(key, found);
    return found;
  };

  for (const line of lines) {
    const terms = line.terms;
    if (terms === undefined) continue;
    const released = toMs(terms.releasedAt ?? terms.since);
    if (released < from || released >= to) continue;
    const facts = factsOf(line);
    const furthest = facts.lastIndexOf(true);
    const firstTime = facts[matchedAt] === true && !Object.values(line.exceptions).some((e) => MISMATCH_CODES.has(e.code));
    const why: keyof FunnelDrop = line.cancelled !== undefined ? 'cancelled' : openExceptionsOf(line).length > 0 ? 'inException' : 'waiting';
    for (const t of [overall, tallyOf(byPlant, terms.buyerPlant), tallyOf(bySupplier, terms.supplierId)]) {
      t.lines += 1;
      for (let i = 0; i <= furthest; i += 1) {
        t.reached[i] = (t.reached[i] ?? 0) + 1;
        if (facts[i] !== true) t.skipped[i] = (t.skipped[i] ?? 0) + 1;
      }
      if (firstTime) t.firstTime += 1;
      const drop = t.dropped[furthest];
      if (drop !== undefined) t.dropped[furthest] = { ...drop, [why]: drop[why] + 1 };
    }
  }

  const grouped = (map: Map<string, Tally>) => Object.fromEntries([...map.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, t]) => [key, countsOf(t)]));
  return { window, ...countsOf(overall), byPlant: grouped(byPlant), bySupplier: grouped(bySupplier) };
}
