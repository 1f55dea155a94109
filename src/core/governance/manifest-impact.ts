// What a manifest change touches in a running hub (millrace diff --store): the procure-to-pay
// lines still in flight and the open exceptions, counted from a census of the store's
// projections. The tables below are the definition of "touches" that docs/manifest-diff.md
// explains; they err on the side of counting a line that may still meet the change.
import type { P2PSla, ToleranceSettings } from '../p2p/p2p-policy.js';
import type { P2P_INPUT_TYPES } from '../p2p/p2p-routing.js';
import type { P2PStage } from '../p2p/p2p-state.js';

/** Stages of a line that is still moving; `posted` and `cancelled` lines are done. */
export const IN_FLIGHT_STAGES = ['awaiting_po', 'released', 'confirmed', 'shipped', 'received', 'invoiced', 'matched'] as const satisfies readonly P2PStage[];

export type InFlightStage = (typeof IN_FLIGHT_STAGES)[number];
type P2PInputType = (typeof P2P_INPUT_TYPES)[number];

const ALL: readonly InFlightStage[] = IN_FLIGHT_STAGES;
const WITH_TERMS: readonly InFlightStage[] = IN_FLIGHT_STAGES.filter((stage) => stage !== 'awaiting_po');

/**
 * The stages at which a line may still receive an event of each type the workflow reads. A line
 * is posted only once all it ordered is received and invoiced, so receipts and invoices may come
 * at every stage in flight; a PO can be changed or cancelled until then.
 */
export const AWAITED_AT: Readonly<Record<P2PInputType, readonly InFlightStage[]>> = {
  'po.released': ['awaiting_po'],
  'po.changed': WITH_TERMS,
  'po.cancelled': WITH_TERMS,
  'supplier.confirmation': ['awaiting_po', 'released', 'confirmed'],
  'shipment.dispatched': ['awaiting_po', 'released', 'confirmed', 'shipped'],
  'shipment.milestone': ['shipped'],
  'goods.received': ALL,
  'invoice.received': ALL,
  // A credit memo takes back what an invoice billed, and may come before that invoice (ADR 0028).
  'invoice.credited': ALL,
};

/**
 * The stages at which a deadline of each SLA runs, or starts with the event the stage expects
 * next. A deadline already set keeps its end: a new SLA applies to deadlines set after the change.
 */
export const SLA_STAGES: Readonly<Record<P2PSla, readonly InFlightStage[]>> = {
  supplier_confirmation: ['awaiting_po', 'released'],
  receipt_after_eta: ['awaiting_po', 'released', 'confirmed', 'shipped'],
  invoice_hold: ALL,
  purchase_order_missing: ['awaiting_po'],
  // A credit memo may come before its invoice at any stage, and wait for it.
  credit_memo_hold: ALL,
};

export type ToleranceField = keyof ToleranceSettings;

/** The event whose arrival each tolerance decides (a confirmation, a receipt, an invoice). */
export const TOLERANCE_APPLIES_ON: Readonly<Record<ToleranceField, P2PInputType>> = {
  pricePercent: 'invoice.received',
  priceAbsolute: 'invoice.received',
  quantity: 'invoice.received',
  overReceiptPercent: 'goods.received',
  confirmationQuantityPercent: 'supplier.confirmation',
  confirmationPricePercent: 'supplier.confirmation',
  confirmationDateDays: 'supplier.confirmation',
};

/** PO lines of one stage, supplier, plant and item category (undefined: the line has none yet). */
export interface LineGroup {
  readonly stage: P2PStage;
  readonly supplierId?: string;
  readonly plant?: string;
  readonly itemCategory?: string;
  readonly count: number;
}

/** Open exceptions of one code, owner and plant. */
export interface ExceptionGroup {
  readonly code: string;
  readonly owner: string;
  readonly plant?: string;
  readonly count: number;
}

/** What a store holds, in groups: enough to count what a change touches without reading every line. */
export interface WorkflowCensus {
  readonly lines: readonly LineGroup[];
  readonly openExceptions: readonly ExceptionGroup[];
}

export interface Touches {
  readonly workflows: number;
  readonly openExceptions: number;
}

export interface DiffImpact {
  readonly inFlightWorkflows: number;
  /** Every in-flight stage, in workflow order, zero included. */
  readonly inFlightByStage: Readonly<Record<InFlightStage, number>>;
  readonly openExceptions: number;
  /** Distinct lines and exceptions touched by any change. */
  readonly touched: Touches;
  /** Distinct lines and exceptions touched by a breaking change. */
  readonly touchedByBreaking: Touches;
}

export interface Selection {
  readonly lines?: (group: LineGroup) => boolean;
  readonly exceptions?: (group: ExceptionGroup) => boolean;
}

/** Counts what each change touches and keeps the union, so a line touched twice counts once. */
export class ImpactCounter {
  private readonly lines: readonly LineGroup[];
  private readonly exceptions: readonly ExceptionGroup[];
  private readonly touchedLines = new Set<number>();
  private readonly touchedExceptions = new Set<number>();
  private readonly breakingLines = new Set<number>();
  private readonly breakingExceptions = new Set<number>();

  constructor(census: WorkflowCensus) {
    const inFlight: ReadonlySet<P2PStage> = new Set(IN_FLIGHT_STAGES);
    this.lines = census.lines.filter((group) => inFlight.has(group.stage) && group.count > 0);
    this.exceptions = census.openExceptions.filter((group) => group.count > 0);
  }

  count(selection: Selection, breaking: boolean): Touches {
    const pick = <G extends { count: number }>(groups: readonly G[], test: ((group: G) => boolean) | undefined, all: Set<number>, broken: Set<number>): number => {
      if (test === undefined) return 0;
      let total = 0;
      groups.forEach((group, index) => {
        if (!test(group)) return;
        total += group.count;
        all.add(index);
        if (breaking) broken.add(index);
      });
      return total;
    };
    return {
      workflows: pick(this.lines, selection.lines, this.touchedLines, this.breakingLines),
      openExceptions: pick(this.exceptions, selection.exceptions, this.touchedExceptions, this.breakingExceptions),
    };
  }

  summary(): DiffImpact {
    const byStage = Object.fromEntries(IN_FLIGHT_STAGES.map((stage) => [stage, 0])) as Record<InFlightStage, number>;
    for (const group of this.lines) byStage[group.stage as InFlightStage] += group.count;
    const total = (groups: readonly { count: number }[], picked?: ReadonlySet<number>): number =>
      groups.reduce((sum, group, index) => sum + (picked === undefined || picked.has(index) ? group.count : 0), 0);
    return {
      inFlightWorkflows: total(this.lines),
      inFlightByStage: byStage,
      openExceptions: total(this.exceptions),
      touched: { workflows: total(this.lines, this.touchedLines), openExceptions: total(this.exceptions, this.touchedExceptions) },
      touchedByBreaking: { workflows: total(this.lines, this.breakingLines), openExceptions: total(this.exceptions, this.breakingExceptions) },
    };
  }
}

/** Lines at a stage where an event of one of these types may still arrive (types the workflow does not read select none). */
export function awaiting(types: readonly string[]): (group: LineGroup) => boolean {
  const stages = new Set<P2PStage>(types.flatMap((type) => (AWAITED_AT as Readonly<Record<string, readonly P2PStage[]>>)[type] ?? []));
  return (group) => stages.has(group.stage);
}
