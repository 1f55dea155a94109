// The plant workflows' policy: SLAs (inventory update after a completion, per plant; transit
// time per lane), quantity tolerances, exception owners, unit conversions and standard costs,
// from a settings object shaped like the manifest's, with defaults.
import { parseDuration } from '../duration.js';
import type { Dec } from '../money.js';
import { dec } from '../money.js';
import type { Convert, UnitConversions } from '../units.js';
import { baseUnitOf, unitConverter } from '../units.js';

export const PLANT_EXCEPTION_CODES = [
  'production_order_unknown',
  'production_order_closed',
  'inventory_not_updated',
  'production_quantity_mismatch',
  'backflush_mismatch',
  'receipt_overdue',
  'transfer_quantity_mismatch',
  'transfer_not_shipped',
  'inventory_mismatch',
  'unit_of_measure_unknown',
  'master_data_gap',
] as const;

export type PlantExceptionCode = (typeof PLANT_EXCEPTION_CODES)[number];

/** SLA names, as they appear in `sla.started` / `sla.breached` and in the manifest. */
export type PlantSla = 'inventory_update' | 'production_order_missing' | 'transfer_receipt' | 'transfer_shipment_missing';

export const DEFAULT_PLANT_SLAS: Readonly<Record<PlantSla, string>> = {
  inventory_update: '2h',
  production_order_missing: '4h',
  transfer_receipt: '72h',
  transfer_shipment_missing: '4h',
};

/** `{plant}` is replaced by the plant the exception is raised to (lower case). */
export const DEFAULT_PLANT_EXCEPTION_OWNERS: Readonly<Record<PlantExceptionCode, string>> = {
  production_order_unknown: 'production-{plant}',
  production_order_closed: 'production-{plant}',
  inventory_not_updated: 'inventory-{plant}',
  production_quantity_mismatch: 'production-{plant}',
  backflush_mismatch: 'production-{plant}',
  receipt_overdue: 'logistics',
  transfer_quantity_mismatch: 'inventory-{plant}',
  transfer_not_shipped: 'inventory-{plant}',
  inventory_mismatch: 'inventory-{plant}',
  unit_of_measure_unknown: 'master-data',
  master_data_gap: 'master-data',
};

/** A tolerance as the manifest writes it; a difference is within it when within either bound. */
export interface ToleranceValue {
  /** In the unit of the quantity compared (the order unit, the BOM unit, the stock unit). */
  readonly absolute?: string;
  /** Share of the expected quantity, in percent ("0.5" = 0.5 %). */
  readonly percent?: string;
}

export interface Tolerance {
  readonly absolute: Dec;
  readonly percent: Dec;
}

export interface StandardCost {
  readonly currency: string;
  readonly unitCost: string;
  /** The unit the cost is per. */
  readonly uom: string;
}

export interface TransitLane {
  readonly from: string;
  readonly to: string;
  readonly transit: string;
}

/** The manifest's settings for the plant workflows, as written (durations like "2h", decimals as strings). */
export interface PlantPolicySettings {
  readonly slas?: Partial<Record<PlantSla, string>>;
  /** Per plant: how long after a completion its inventory must show it (overrides slas.inventory_update). */
  readonly plants?: Readonly<Record<string, { readonly inventoryUpdate?: string }>>;
  /** Transit time per lane (overrides slas.transfer_receipt for that direction). */
  readonly lanes?: readonly TransitLane[];
  readonly tolerances?: {
    /** MES good quantity against the finished-goods receipts, in the order unit. */
    readonly production?: ToleranceValue;
    /** Components issued against the bill of material, in the BOM unit. */
    readonly backflush?: ToleranceValue;
    /** Received against shipped on a plant-to-plant transfer. */
    readonly transfer?: ToleranceValue;
    /** Snapshot against the hub's book position; `items` override per item. */
    readonly inventory?: ToleranceValue & { readonly items?: Readonly<Record<string, ToleranceValue>> };
  };
  readonly exceptionOwners?: Readonly<Record<string, string>>;
  readonly unitConversions?: UnitConversions;
  /**
   * Standard cost per item, for the production postings. Absent: no production postings (the
   * contracts carry no cost). Present: an item without a cost is a master_data_gap.
   */
  readonly standardCosts?: Readonly<Record<string, StandardCost>>;
}

export interface PlantPolicy {
  readonly slaMs: Readonly<Record<PlantSla, number>>;
  /** Inventory update SLA of a plant, in milliseconds. */
  readonly inventoryUpdateMs: (plant: string) => number;
  /** Transit time of the lane from one plant to another, in milliseconds. */
  readonly transitMs: (from: string, to: string) => number;
  readonly productionTolerance: Tolerance;
  readonly backflushTolerance: Tolerance;
  readonly transferTolerance: Tolerance;
  readonly inventoryToleranceOf: (itemId: string) => Tolerance;
  readonly ownerOf: (code: PlantExceptionCode, plant: string | undefined) => string;
  readonly convert: Convert;
  /** The unit master data gives size 1 for an item, if any (the stock unit of the position). */
  readonly baseUnitOf: (itemId: string) => string | undefined;
  /** Whether production postings are made at all (the manifest keeps standard costs). */
  readonly costsKept: boolean;
  readonly standardCostOf: (itemId: string) => StandardCost | undefined;
}

const ZERO_TOLERANCE: ToleranceValue = { absolute: '0', percent: '0' };

function tolerance(value: ToleranceValue | undefined, fallback: ToleranceValue = ZERO_TOLERANCE): Tolerance {
  return { absolute: dec(value?.absolute ?? fallback.absolute ?? '0'), percent: dec(value?.percent ?? fallback.percent ?? '0') };
}

/** Whether `actual` is within the tolerance of `expected` (either bound suffices). */
export function isWithin(actual: Dec, expected: Dec, t: Tolerance): boolean {
  const difference = actual.minus(expected).abs();
  return difference.lte(t.absolute) || difference.lte(expected.abs().times(t.percent).div(100));
}

function durationMs(name: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new Error(`${name}: "${text}" is not a duration like 2h, 90m or 3d`);
  return ms;
}

/** Builds the policy; throws on a value the manifest schema should already have refused. */
export function plantPolicy(settings: PlantPolicySettings = {}): PlantPolicy {
  const slaMs = {} as Record<PlantSla, number>;
  for (const sla of Object.keys(DEFAULT_PLANT_SLAS) as PlantSla[]) slaMs[sla] = durationMs(`SLA ${sla}`, settings.slas?.[sla] ?? DEFAULT_PLANT_SLAS[sla]);
  const perPlant = new Map<string, number>();
  for (const [plant, values] of Object.entries(settings.plants ?? {})) {
    if (values.inventoryUpdate !== undefined) perPlant.set(plant, durationMs(`plant ${plant} inventoryUpdate`, values.inventoryUpdate));
  }
  const lanes = new Map<string, number>();
  for (const lane of settings.lanes ?? []) lanes.set(`${lane.from}\u0000${lane.to}`, durationMs(`lane ${lane.from} -> ${lane.to}`, lane.transit));
  const owners = { ...DEFAULT_PLANT_EXCEPTION_OWNERS, ...settings.exceptionOwners } as Record<string, string>;
  const conversions = settings.unitConversions ?? {};
  const { items: perItem = {}, ...inventoryGlobal } = settings.tolerances?.inventory ?? {};
  const inventoryTolerance = tolerance(inventoryGlobal);
  const itemTolerances = new Map(Object.entries(perItem).map(([item, value]) => [item, tolerance(value, inventoryGlobal)]));
  const costs = settings.standardCosts;
  return {
    slaMs,
    inventoryUpdateMs: (plant) => perPlant.get(plant) ?? slaMs.inventory_update,
    transitMs: (from, to) => lanes.get(`${from}\u0000${to}`) ?? slaMs.transfer_receipt,
    productionTolerance: tolerance(settings.tolerances?.production),
    backflushTolerance: tolerance(settings.tolerances?.backflush),
    transferTolerance: tolerance(settings.tolerances?.transfer),
    inventoryToleranceOf: (itemId) => itemTolerances.get(itemId) ?? inventoryTolerance,
    ownerOf: (code, plant) => (owners[code] ?? 'operations').replaceAll('{plant}', (plant ?? 'unknown').toLowerCase()),
    convert: unitConverter(conversions),
    baseUnitOf: (itemId) => baseUnitOf(conversions, itemId),
    costsKept: costs !== undefined,
    standardCostOf: (itemId) => costs?.[itemId],
  };
}
