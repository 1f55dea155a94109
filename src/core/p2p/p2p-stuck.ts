// Where open procure-to-pay lines wait, and for how long: each open line has one waiting stage
// (an open exception first, since someone must act; then the step the line waits for), counted
// per plant, supplier and region, aged in buckets, with the oldest lines listed.
import { toMs } from '../time.js';
import type { P2PLine } from './p2p-state.js';
import { isConfirmed, openExceptionsOf, stageOf } from './p2p-state.js';

export const WAITING_STAGES = [
  'in_exception',
  'awaiting_purchase_order',
  'awaiting_confirmation',
  'awaiting_shipment',
  'in_transit',
  'awaiting_receipt',
  'awaiting_invoice',
  'held_for_receipt',
  'awaiting_match',
  'awaiting_posting',
] as const;

export type WaitingStage = (typeof WAITING_STAGES)[number];

/** Age buckets, upper bounds in hours; the last is open-ended. */
export const AGE_BUCKETS = [
  { label: 'under_1d', hours: 24 },
  { label: '1d_to_3d', hours: 72 },
  { label: '3d_to_7d', hours: 168 },
  { label: 'over_7d', hours: Number.POSITIVE_INFINITY },
] as const;

export interface WaitingLine {
  readonly key: string;
  readonly poNumber: string;
  readonly line: number;
  readonly stage: WaitingStage;
  /** When the line started waiting at this stage. */
  readonly since: string;
  readonly ageHours: number;
  readonly supplierId?: string;
  readonly plant?: string;
  readonly region?: string;
  /** The open exception codes, for a line in exception. */
  readonly codes?: readonly string[];
}

export interface StageSummary {
  readonly stage: WaitingStage;
  readonly count: number;
  readonly byPlant: Readonly<Record<string, number>>;
  readonly bySupplier: Readonly<Record<string, number>>;
  readonly byRegion: Readonly<Record<string, number>>;
  readonly ageing: Readonly<Record<(typeof AGE_BUCKETS)[number]['label'], number>>;
  /** The lines waiting longest, oldest first. */
  readonly oldest: readonly WaitingLine[];
}

/** Where one line waits now, and since when; undefined for a posted or cancelled line. */
export function waitingOf(state: P2PLine, now: string, regionOf: (plant: string) => string | undefined = () => undefined): WaitingLine | undefined {
  const stage = stageOf(state);
  if (stage === 'posted' || stage === 'cancelled') return undefined;
  const terms = state.terms;
  const exceptions = openExceptionsOf(state);
  const invoices = Object.values(state.invoices);
  const receipts = Object.values(state.receipts).filter((r) => !r.reversal);
  const earliest = (times: readonly string[]): string | undefined => [...times].sort((a, b) => toMs(a) - toMs(b))[0];
  let waiting: { stage: WaitingStage; since: string | undefined };
  if (exceptions.length > 0) waiting = { stage: 'in_exception', since: earliest(exceptions.map((e) => e.raisedAt)) };
  else if (stage === 'awaiting_po') waiting = { stage: 'awaiting_purchase_order', since: earliest([...receipts.map((r) => r.at), ...invoices.map((i) => i.at)]) };
  else if (stage === 'released') waiting = { stage: 'awaiting_confirmation', since: terms?.since };
  else if (stage === 'confirmed') waiting = { stage: 'awaiting_shipment', since: isConfirmed(state) ? state.confirmation?.at : terms?.since };
  else if (stage === 'shipped') {
    // In transit until the ETA; after it, the plant owes the receipt.
    const eta = earliest(Object.values(state.shipments).map((s) => s.eta));
    waiting = eta !== undefined && toMs(eta) <= toMs(now) ? { stage: 'awaiting_receipt', since: eta } : { stage: 'in_transit', since: state.lastActivity };
  } else if (stage === 'received') waiting = { stage: 'awaiting_invoice', since: earliest(receipts.map((r) => r.at)) };
  else if (stage === 'invoiced') {
    const held = invoices.filter((i) => i.status === 'held');
    waiting = held.length > 0 ? { stage: 'held_for_receipt', since: earliest(held.map((i) => i.at)) } : { stage: 'awaiting_match', since: earliest(invoices.map((i) => i.at)) };
  } else waiting = { stage: 'awaiting_posting', since: state.lastActivity };
  const since = waiting.since ?? state.lastActivity ?? now;
  const region = terms === undefined ? undefined : regionOf(terms.buyerPlant);
  return {
    key: state.key,
    poNumber: state.poNumber,
    line: state.line,
    stage: waiting.stage,
    since,
    ageHours: Math.max(0, toMs(now) - toMs(since)) / 3_600_000,
    ...(terms === undefined ? {} : { supplierId: terms.supplierId, plant: terms.buyerPlant }),
    ...(region === undefined ? {} : { region }),
    ...(waiting.stage === 'in_exception' ? { codes: [...new Set(exceptions.map((e) => e.code))].sort() } : {}),
  };
}

/** Every waiting stage (empty ones included, in workflow order) over these lines. */
export function stuckStages(lines: readonly P2PLine[], now: string, options: { readonly oldest?: number; readonly regionOf?: (plant: string) => string | undefined } = {}): StageSummary[] {
  const waiting = lines.flatMap((line) => waitingOf(line, now, options.regionOf) ?? []);
  const count = (items: readonly WaitingLine[], pick: (w: WaitingLine) => string | undefined) => {
    const counts: Record<string, number> = {};
    for (const item of items) {
      const key = pick(item) ?? 'unknown';
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
  };
  return WAITING_STAGES.map((stage) => {
    const items = waiting.filter((w) => w.stage === stage);
    const ageing = Object.fromEntries(AGE_BUCKETS.map((b) => [b.label, 0])) as Record<(typeof AGE_BUCKETS)[number]['label'], number>;
    for (const item of items) {
      const bucket = AGE_BUCKETS.find((b) => item.ageHours < b.hours) ?? AGE_BUCKETS[AGE_BUCKETS.length - 1];
      if (bucket !== undefined) ageing[bucket.label] += 1;
    }
    return {
      stage,
      count: items.length,
      byPlant: count(items, (w) => w.plant),
      bySupplier: count(items, (w) => w.supplierId),
      byRegion: count(items, (w) => w.region),
      ageing,
      oldest: [...items].sort((a, b) => b.ageHours - a.ageHours || a.key.localeCompare(b.key)).slice(0, options.oldest ?? 5),
    };
  });
}
