// The state of one production-to-inventory workflow: one production order, from its release
// (with the bill of material) through MES completions to the finished-goods receipt and the
// component issues in inventory. Plain JSON with raw quantities as sent; the queries convert
// them with master data, so a conversion added later applies to everything already recorded.
import type { Dec } from '../money.js';
import { dec, settleQuantity, sum, ZERO } from '../money.js';
import type { Convert } from '../units.js';
import type { PlantPolicy } from './plant-policy.js';
import { isWithin } from './plant-policy.js';
import type { ActiveDeadline, DeadlineRecord, ExceptionRecord } from './plant-workflow.js';
import { activeDeadlinesOf, byTimeThenId } from './plant-workflow.js';

export type ProductionStage = 'awaiting_order' | 'released' | 'in_production' | 'completed';

export interface BomComponent {
  readonly itemId: string;
  /** Component quantity per one unit of the produced item, in `uom`. */
  readonly quantityPer: string;
  readonly uom: string;
  /**
   * Planned component scrap in percent (not in production.order.released v1: read when a later
   * contract version carries it, else none).
   */
  readonly scrapPercent?: string;
}

export interface OrderTerms {
  readonly plant: string;
  readonly itemId: string;
  readonly quantity: string;
  readonly uom: string;
  readonly dueDate?: string;
  readonly components: readonly BomComponent[];
  readonly since: string;
  readonly eventId: string;
  readonly seq: number;
}

export interface CompletionRecord {
  readonly eventId: string;
  readonly seq: number;
  readonly plant: string;
  readonly good: string;
  readonly scrap: string;
  /** As sent; absent means the order unit. */
  readonly uom?: string;
  /** completedAt: when the quantity was confirmed at the line. */
  readonly at: string;
  readonly final: boolean;
}

/** An inventory.movement that names the order: the finished-goods receipt (reason production) or a component issue. */
export interface OrderMovementRecord {
  readonly eventId: string;
  readonly seq: number;
  readonly movementId: string;
  readonly plant: string;
  readonly itemId: string;
  /** Signed, as sent: positive into stock. */
  readonly quantity: string;
  readonly uom: string;
  readonly reason: 'production' | 'issue';
  readonly at: string;
}

export interface ProductionPostingRecord {
  readonly postingId: string;
  readonly kind: string;
  readonly amount: string;
  readonly currency: string;
  readonly quantity?: string;
}

export interface ProductionOrderState {
  readonly key: string;
  readonly productionOrder: string;
  readonly terms: OrderTerms | undefined;
  readonly completions: Readonly<Record<string, CompletionRecord>>;
  readonly movements: Readonly<Record<string, OrderMovementRecord>>;
  readonly deadlines: Readonly<Record<string, DeadlineRecord>>;
  readonly exceptions: Readonly<Record<string, ExceptionRecord>>;
  readonly postings: Readonly<Record<string, ProductionPostingRecord>>;
  readonly lastActivity: string | undefined;
}

export function emptyOrder(productionOrder: string): ProductionOrderState {
  return restoreOrder({ key: productionOrder, productionOrder });
}

/** An order read back from JSON, in the one key order. */
export function restoreOrder(parsed: Partial<ProductionOrderState> & Pick<ProductionOrderState, 'key' | 'productionOrder'>): ProductionOrderState {
  return {
    key: parsed.key,
    productionOrder: parsed.productionOrder,
    terms: parsed.terms,
    completions: parsed.completions ?? {},
    movements: parsed.movements ?? {},
    deadlines: parsed.deadlines ?? {},
    exceptions: parsed.exceptions ?? {},
    postings: parsed.postings ?? {},
    lastActivity: parsed.lastActivity,
  };
}

export function orderFromJson(json: string): ProductionOrderState {
  return restoreOrder(JSON.parse(json) as ProductionOrderState);
}

/**
 * Whether a completion or movement is the order's: once the order is released, only what its
 * plant reports. Another plant's stock is not this order's stock, whatever order number it names.
 */
export function isAtOrderPlant(state: ProductionOrderState, record: { readonly plant: string }): boolean {
  return state.terms === undefined || record.plant === state.terms.plant;
}

/** What another plant reported on a released order: not counted for it. */
export function fromOtherPlants(state: ProductionOrderState): { completions: CompletionRecord[]; receipts: OrderMovementRecord[] } {
  return {
    completions: Object.values(state.completions).filter((c) => !isAtOrderPlant(state, c)).sort(byTimeThenId),
    receipts: Object.values(state.movements).filter((m) => m.reason === 'production' && !isAtOrderPlant(state, m)).sort(byTimeThenId),
  };
}

/** The order's completions in business order (completedAt, then event id), whatever order they arrived in. */
export function completionsInOrder(state: ProductionOrderState): CompletionRecord[] {
  return Object.values(state.completions).filter((c) => isAtOrderPlant(state, c)).sort((a, b) => byTimeThenId(a, b));
}

/** The movements that name the order and are posted at its plant. */
export function orderMovements(state: ProductionOrderState): OrderMovementRecord[] {
  return Object.values(state.movements).filter((m) => isAtOrderPlant(state, m));
}

/**
 * Completions that count for the order: up to and including the first final one. Those after
 * it report production on a closed order.
 */
export function splitByClosure(state: ProductionOrderState): { counted: CompletionRecord[]; afterClose: CompletionRecord[] } {
  const ordered = completionsInOrder(state);
  const final = ordered.findIndex((c) => c.final);
  return final < 0 ? { counted: ordered, afterClose: [] } : { counted: ordered.slice(0, final + 1), afterClose: ordered.slice(final + 1) };
}

/** Good and scrap of a completion in the order unit; undefined when the unit does not convert. */
export function completionInOrderUnit(c: CompletionRecord, terms: OrderTerms, convert: Convert): { good: Dec; scrap: Dec } | undefined {
  const factor = convert(terms.itemId, c.uom ?? terms.uom, terms.uom);
  return factor === undefined ? undefined : { good: dec(c.good).times(factor), scrap: dec(c.scrap).times(factor) };
}

export interface OrderQuantities {
  /** Good quantity completed, cumulative per counted completion (same order as `counted`). */
  readonly through: readonly Dec[];
  readonly counted: readonly CompletionRecord[];
  readonly completed: Dec;
  readonly scrapped: Dec;
  /** Finished goods received into stock (reason production, the order's item), in the order unit. */
  readonly received: Dec;
  /**
   * Good and scrap in the order unit, not settled: the backflush multiplies it by the quantity
   * per, and 13/12 BOX settled to 20 decimals times 12 EA is 12.99999999999999999996 EA.
   */
  readonly produced: Dec;
}

/**
 * Cumulative quantities in the order unit; completions and movements whose unit does not convert
 * are left out. Sums are settled (money.ts): 12 completions of 1 EA are 1 BOX, not 0.99...97.
 */
export function quantitiesOf(state: ProductionOrderState, terms: OrderTerms, convert: Convert): OrderQuantities {
  const through: Dec[] = [];
  const counted: CompletionRecord[] = [];
  let completed = ZERO;
  let scrapped = ZERO;
  for (const c of splitByClosure(state).counted) {
    const q = completionInOrderUnit(c, terms, convert);
    if (q === undefined) continue;
    completed = completed.plus(q.good);
    scrapped = scrapped.plus(q.scrap);
    counted.push(c);
    through.push(settleQuantity(completed));
  }
  const received = settleQuantity(sum(
    finishedGoodsMovements(state, terms).flatMap((m) => {
      const factor = convert(terms.itemId, m.uom, terms.uom);
      return factor === undefined ? [] : [dec(m.quantity).times(factor)];
    }),
  ));
  return { through, counted, completed: settleQuantity(completed), scrapped: settleQuantity(scrapped), received, produced: completed.plus(scrapped) };
}

export function finishedGoodsMovements(state: ProductionOrderState, terms: OrderTerms): OrderMovementRecord[] {
  return orderMovements(state).filter((m) => m.reason === 'production' && m.itemId === terms.itemId);
}

/** Issue movements at the order's plant, by component item. */
export function issuesByItem(state: ProductionOrderState): Map<string, OrderMovementRecord[]> {
  const byItem = new Map<string, OrderMovementRecord[]>();
  for (const m of orderMovements(state)) {
    if (m.reason !== 'issue') continue;
    const list = byItem.get(m.itemId) ?? [];
    list.push(m);
    byItem.set(m.itemId, list);
  }
  return byItem;
}

export interface ComponentCheck {
  readonly itemId: string;
  readonly uom: string;
  /** Backflush: (good + scrap) x quantity per x (1 + component scrap %); undefined for an item not on the BOM. */
  readonly expected: Dec;
  /** Net issued to the order (issues less returns), in the BOM unit. */
  readonly issued: Dec;
  readonly onBom: boolean;
  /** Issue movements whose unit does not convert to the BOM unit. */
  readonly unconverted: readonly OrderMovementRecord[];
}

/** Component issues against the bill of material for the quantity produced (good and scrapped). */
export function componentChecks(state: ProductionOrderState, terms: OrderTerms, convert: Convert, produced: Dec): ComponentCheck[] {
  const issues = issuesByItem(state);
  const checks: ComponentCheck[] = [];
  for (const component of terms.components) {
    const list = issues.get(component.itemId) ?? [];
    issues.delete(component.itemId);
    const scrapFactor = dec(component.scrapPercent ?? '0').div(100).plus(1);
    checks.push({ itemId: component.itemId, uom: component.uom, expected: settleQuantity(produced.times(dec(component.quantityPer)).times(scrapFactor)), onBom: true, ...issued(list, component.itemId, component.uom, convert) });
  }
  for (const [itemId, list] of [...issues].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const uom = list.map((m) => m.uom).sort()[0] ?? '';
    checks.push({ itemId, uom, expected: ZERO, onBom: false, ...issued(list, itemId, uom, convert) });
  }
  return checks;
}

function issued(list: readonly OrderMovementRecord[], itemId: string, uom: string, convert: Convert): { issued: Dec; unconverted: OrderMovementRecord[] } {
  let total = ZERO;
  const unconverted: OrderMovementRecord[] = [];
  for (const m of list) {
    const factor = convert(itemId, m.uom, uom);
    if (factor === undefined) unconverted.push(m);
    // An issue takes stock out (negative); the order consumed its opposite.
    else total = total.minus(dec(m.quantity).times(factor));
  }
  return { issued: settleQuantity(total), unconverted };
}

export function stageOfOrder(state: ProductionOrderState): ProductionStage {
  if (state.terms === undefined) return 'awaiting_order';
  const { counted } = splitByClosure(state);
  if (counted.some((c) => c.final)) return 'completed';
  return counted.length > 0 ? 'in_production' : 'released';
}

/** The deadline ref of a completion's inventory update: the completion's log sequence (ids may be long). */
export function completionRef(c: CompletionRecord): string {
  return `completion-${c.seq}`;
}

/** One counted completion against the finished goods in stock. */
export interface CompletionCoverage {
  readonly completion: CompletionRecord;
  readonly ref: string;
  /** Good completed up to and including this completion, and up to the one before. */
  readonly through: Dec;
  readonly before: Dec;
  /** Stock shows at least this completion's cumulative quantity (within tolerance). */
  readonly covered: boolean;
  /** Stock shows nothing of this completion: the inventory was not updated for it. */
  readonly notReflected: boolean;
}

/** Where an order stands against its inventory: the figures every rule and every deadline reads. */
export interface OrderAssessment {
  readonly quantities: OrderQuantities;
  readonly coverage: readonly CompletionCoverage[];
  /** Finished goods received equal good completed, within tolerance. */
  readonly quantityOk: boolean;
  readonly components: readonly ComponentCheck[];
  /** Every component issued as the BOM says, within tolerance (true when there is no BOM). */
  readonly backflushOk: boolean;
}

export function assessOrder(state: ProductionOrderState, terms: OrderTerms, policy: PlantPolicy): OrderAssessment {
  const quantities = quantitiesOf(state, terms, policy.convert);
  const tolerance = policy.productionTolerance;
  const { received } = quantities;
  const coverage = quantities.counted.map((completion, i): CompletionCoverage => {
    const through = quantities.through[i] ?? ZERO;
    const before = quantities.through[i - 1] ?? ZERO;
    const covered = received.gte(through) || isWithin(received, through, tolerance);
    return { completion, ref: completionRef(completion), through, before, covered, notReflected: !covered && received.lte(before) };
  });
  const components = componentChecks(state, terms, policy.convert, quantities.produced);
  return {
    quantities,
    coverage,
    quantityOk: isWithin(received, quantities.completed, tolerance),
    components,
    backflushOk: components.every((c) => componentOk(c, policy)),
  };
}

/** A component whose issues cannot be converted is not judged here (unit_of_measure_unknown is). */
export function componentOk(check: ComponentCheck, policy: PlantPolicy): boolean {
  return check.unconverted.length > 0 || isWithin(check.issued, check.expected, policy.backflushTolerance);
}

/**
 * Whether a deadline is met. A completion's inventory update is met once stock covers it; the
 * latest completion's only when the order is reconciled (finished goods and backflush within
 * tolerance), so an order that never reconciles reaches its deadline and is judged then.
 */
export function isOrderDeadlineMet(state: ProductionOrderState, deadline: DeadlineRecord, policy: PlantPolicy): boolean {
  if (deadline.sla === 'production_order_missing') return state.terms !== undefined;
  if (deadline.sla !== 'inventory_update' || state.terms === undefined) return true;
  const assessment = assessOrder(state, state.terms, policy);
  const index = assessment.coverage.findIndex((c) => c.ref === deadline.ref);
  const coverage = assessment.coverage[index];
  // A completion that no longer counts (it came after the final one) has nothing to wait for.
  if (coverage === undefined) return true;
  if (index < assessment.coverage.length - 1) return coverage.covered;
  return coverage.covered && assessment.quantityOk && assessment.backflushOk;
}

export function activeOrderDeadlines(state: ProductionOrderState, policy: PlantPolicy): ActiveDeadline[] {
  return activeDeadlinesOf(state, (d) => isOrderDeadlineMet(state, d, policy));
}
