// The hub's running inventory position of one plant, per item, from the inventory.movement
// events the plant's systems post, and the latest inventory.snapshot to compare it with.
// Movements up to the snapshot's asOf are summed per item and unit (`settled`); later ones
// are kept one by one (`pending`) until a later snapshot covers them, so the book position as
// of any snapshot is exact whatever order the events arrived in. Sums of decimals commute:
// the position is the sum of the movements, in any order.
import type { StoredEvent } from '../envelope.js';
import type { Dec } from '../money.js';
import { dec, settleQuantity, str, ZERO } from '../money.js';
import { toMs } from '../time.js';
import type { PlantPolicy } from './plant-policy.js';
import { isWithin } from './plant-policy.js';
import type { DeadlineRecord, ExceptionRecord } from './plant-workflow.js';
import { evolveGoverned, openExceptions, text } from './plant-workflow.js';
import type { TransferState } from './transfer-state.js';
import { itemsOf, plantsOf } from './transfer-state.js';

/** Quantity per unit of measure, as decimal strings. */
export type ByUnit = Readonly<Record<string, string>>;

export interface PendingMovement {
  readonly eventId: string;
  readonly at: string;
  readonly itemId: string;
  readonly quantity: string;
  readonly uom: string;
}

export interface SnapshotRecord {
  readonly eventId: string;
  readonly seq: number;
  readonly asOf: string;
  /** Counted quantity per item and unit. */
  readonly positions: Readonly<Record<string, ByUnit>>;
}

export interface PlantInventoryState {
  readonly key: string;
  readonly plant: string;
  /** Movements with a business time up to the latest snapshot's asOf, summed per item and unit. */
  readonly settled: Readonly<Record<string, ByUnit>>;
  /** Movements after the latest snapshot's asOf (all of them before the first snapshot). */
  readonly pending: Readonly<Record<string, PendingMovement>>;
  readonly snapshot: SnapshotRecord | undefined;
  /** Snapshots that arrived older than the latest one: kept out of the comparison. */
  readonly staleSnapshots: number;
  readonly movementCount: number;
  readonly deadlines: Readonly<Record<string, DeadlineRecord>>;
  readonly exceptions: Readonly<Record<string, ExceptionRecord>>;
  readonly lastActivity: string | undefined;
}

export function emptyInventory(plant: string): PlantInventoryState {
  return restoreInventory({ key: plant, plant });
}

export function restoreInventory(parsed: Partial<PlantInventoryState> & Pick<PlantInventoryState, 'key' | 'plant'>): PlantInventoryState {
  return {
    key: parsed.key,
    plant: parsed.plant,
    settled: parsed.settled ?? {},
    pending: parsed.pending ?? {},
    snapshot: parsed.snapshot,
    staleSnapshots: parsed.staleSnapshots ?? 0,
    movementCount: parsed.movementCount ?? 0,
    deadlines: parsed.deadlines ?? {},
    exceptions: parsed.exceptions ?? {},
    lastActivity: parsed.lastActivity,
  };
}

export function inventoryFromJson(json: string): PlantInventoryState {
  return restoreInventory(JSON.parse(json) as PlantInventoryState);
}

function add(byItem: Readonly<Record<string, ByUnit>>, itemId: string, uom: string, quantity: string): Record<string, ByUnit> {
  const units = byItem[itemId] ?? {};
  return { ...byItem, [itemId]: { ...units, [uom]: str(dec(units[uom] ?? '0').plus(dec(quantity))) } };
}

export function evolveInventory(state: PlantInventoryState, stored: StoredEvent): PlantInventoryState {
  const { event, sequence } = stored;
  const data = event.data;
  switch (event.type) {
    case 'inventory.movement': {
      const itemId = text(data.itemId);
      const uom = text(data.uom);
      const quantity = text(data.quantity);
      const base = { ...state, movementCount: state.movementCount + 1, lastActivity: event.time };
      // A movement the latest snapshot already covers (a late sync) goes straight into the settled sum.
      if (state.snapshot !== undefined && toMs(event.time) <= toMs(state.snapshot.asOf)) return { ...base, settled: add(state.settled, itemId, uom, quantity) };
      return { ...base, pending: { ...state.pending, [event.id]: { eventId: event.id, at: event.time, itemId, quantity, uom } } };
    }
    case 'inventory.snapshot': {
      const asOf = text(data.asOf);
      if (state.snapshot !== undefined && toMs(asOf) < toMs(state.snapshot.asOf)) return { ...state, staleSnapshots: state.staleSnapshots + 1, lastActivity: event.time };
      let positions: Record<string, ByUnit> = {};
      for (const p of Array.isArray(data.positions) ? (data.positions as Readonly<Record<string, unknown>>[]) : []) positions = add(positions, text(p.itemId), text(p.uom), text(p.quantity));
      let settled = state.settled;
      const pending: Record<string, PendingMovement> = {};
      for (const m of Object.values(state.pending)) {
        if (toMs(m.at) <= toMs(asOf)) settled = add(settled, m.itemId, m.uom, m.quantity);
        else pending[m.eventId] = m;
      }
      return { ...state, settled, pending, snapshot: { eventId: event.id, seq: sequence, asOf, positions }, lastActivity: event.time };
    }
    default:
      return evolveGoverned(state, event) ?? state;
  }
}

/** Every item the plant has a movement or a counted position for, sorted. */
export function itemIdsOf(state: PlantInventoryState): string[] {
  const ids = new Set([...Object.keys(state.settled), ...Object.values(state.pending).map((m) => m.itemId), ...Object.keys(state.snapshot?.positions ?? {})]);
  return [...ids].sort();
}

/** Quantity per unit of an item: the settled sum, plus pending movements unless only the book as of the snapshot is asked. */
export function unitsOf(state: PlantInventoryState, itemId: string, asOfSnapshot = false): ByUnit {
  let units: Record<string, ByUnit> = { [itemId]: state.settled[itemId] ?? {} };
  if (!asOfSnapshot) for (const m of Object.values(state.pending)) if (m.itemId === itemId) units = add(units, itemId, m.uom, m.quantity);
  return units[itemId] ?? {};
}

/** The unit an item's position is shown in: the snapshot's, else master data's base unit, else the first unit seen (alphabetically). */
export function stockUnitOf(state: PlantInventoryState, itemId: string, policy: PlantPolicy): string {
  const counted = Object.keys(state.snapshot?.positions[itemId] ?? {}).sort()[0];
  return counted ?? policy.baseUnitOf(itemId) ?? Object.keys(unitsOf(state, itemId)).sort()[0] ?? '';
}

/** Quantities per unit in one unit, settled (money.ts); units master data cannot convert are listed apart. */
export function inUnit(itemId: string, units: ByUnit, uom: string, policy: PlantPolicy): { quantity: Dec; unconverted: string[] } {
  let quantity = ZERO;
  const unconverted: string[] = [];
  for (const [from, value] of Object.entries(units).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const factor = policy.convert(itemId, from, uom);
    if (factor === undefined) {
      if (!dec(value).isZero()) unconverted.push(from);
    } else quantity = quantity.plus(dec(value).times(factor));
  }
  return { quantity: settleQuantity(quantity), unconverted };
}

export interface ItemPosition {
  readonly itemId: string;
  readonly quantity: string;
  readonly uom: string;
  /** Units some movements came in that master data cannot convert to `uom` (their quantity is left out). */
  readonly unconvertedUnits?: readonly string[];
}

export function positionOf(state: PlantInventoryState, itemId: string, policy: PlantPolicy): ItemPosition {
  const uom = stockUnitOf(state, itemId, policy);
  const { quantity, unconverted } = inUnit(itemId, unitsOf(state, itemId), uom, policy);
  return { itemId, quantity: str(quantity), uom, ...(unconverted.length === 0 ? {} : { unconvertedUnits: unconverted }) };
}

export interface ItemComparison {
  readonly itemId: string;
  readonly uom: string;
  /** The hub's position as of the snapshot's asOf. */
  readonly book: Dec;
  readonly counted: Dec;
  /** counted - book. */
  readonly difference: Dec;
  readonly withinTolerance: boolean;
  /** Units that do not convert to `uom`: the item cannot be compared. */
  readonly unconverted: readonly string[];
}

/** One item of the latest snapshot against the book; an item missing from a snapshot counts as zero (a snapshot is the full stock). */
export function compareItem(state: PlantInventoryState, snapshot: SnapshotRecord, itemId: string, policy: PlantPolicy): ItemComparison {
  const uom = stockUnitOf(state, itemId, policy);
  const book = inUnit(itemId, unitsOf(state, itemId, true), uom, policy);
  const counted = inUnit(itemId, snapshot.positions[itemId] ?? {}, uom, policy);
  const unconverted = [...new Set([...book.unconverted, ...counted.unconverted])].sort();
  return {
    itemId,
    uom,
    book: book.quantity,
    counted: counted.quantity,
    difference: counted.quantity.minus(book.quantity),
    withinTolerance: unconverted.length === 0 && isWithin(counted.quantity, book.quantity, policy.inventoryToleranceOf(itemId)),
    unconverted,
  };
}

/** Items the latest snapshot is compared on: those it counts and those the book holds (non-zero). */
export function comparedItemsOf(state: PlantInventoryState): string[] {
  const snapshot = state.snapshot;
  if (snapshot === undefined) return [];
  const ids = new Set(Object.keys(snapshot.positions));
  for (const [itemId, units] of Object.entries(state.settled)) if (Object.values(units).some((q) => !dec(q).isZero())) ids.add(itemId);
  return [...ids].sort();
}

export interface InventoryAccuracy {
  readonly plant: string;
  /** asOf of the snapshot the KPI is measured on; absent before the first snapshot. */
  readonly asOf?: string;
  readonly itemsCompared: number;
  readonly itemsWithinTolerance: number;
  /** Items whose units do not convert: not counted either way. */
  readonly itemsNotComparable: number;
  /** Share of compared items within tolerance, in percent with two decimals; absent when nothing was compared. */
  readonly accuracyPercent?: string;
}

/** Inventory record accuracy of a plant: the share of items whose book position matches the latest count. */
export function inventoryAccuracy(state: PlantInventoryState, policy: PlantPolicy): InventoryAccuracy {
  const snapshot = state.snapshot;
  if (snapshot === undefined) return { plant: state.plant, itemsCompared: 0, itemsWithinTolerance: 0, itemsNotComparable: 0 };
  const comparisons = comparedItemsOf(state).map((itemId) => compareItem(state, snapshot, itemId, policy));
  const comparable = comparisons.filter((c) => c.unconverted.length === 0);
  const within = comparable.filter((c) => c.withinTolerance).length;
  return {
    plant: state.plant,
    asOf: snapshot.asOf,
    itemsCompared: comparable.length,
    itemsWithinTolerance: within,
    itemsNotComparable: comparisons.length - comparable.length,
    ...(comparable.length === 0 ? {} : { accuracyPercent: dec(String(within)).div(dec(String(comparable.length))).times(100).toFixed(2) }),
  };
}

/** The KPI for every plant, sorted by plant. */
export function inventoryAccuracyByPlant(states: readonly PlantInventoryState[], policy: PlantPolicy): InventoryAccuracy[] {
  return [...states].sort((a, b) => (a.plant < b.plant ? -1 : 1)).map((s) => inventoryAccuracy(s, policy));
}

export interface InTransitLine {
  readonly transferId: string;
  readonly itemId: string;
  readonly quantity: string;
  readonly uom: string;
  /** The other plant. */
  readonly plant?: string;
}

/** What `GET /v1/inventory/:plant` shows: positions, the latest reconciliation, accuracy, transfers in transit, open exceptions. */
export interface InventoryView {
  readonly plant: string;
  readonly movements: number;
  readonly positions: readonly ItemPosition[];
  readonly reconciliation?: {
    readonly asOf: string;
    readonly snapshotEventId: string;
    readonly items: readonly { readonly itemId: string; readonly uom: string; readonly book: string; readonly counted: string; readonly difference: string; readonly withinTolerance: boolean }[];
  };
  readonly staleSnapshots: number;
  readonly accuracy: InventoryAccuracy;
  readonly inTransit: { readonly inbound: readonly InTransitLine[]; readonly outbound: readonly InTransitLine[] };
  readonly openExceptions: readonly ExceptionRecord[];
}

export function inventoryView(state: PlantInventoryState, policy: PlantPolicy, transfers: readonly TransferState[] = []): InventoryView {
  const snapshot = state.snapshot;
  const inbound: InTransitLine[] = [];
  const outbound: InTransitLine[] = [];
  for (const transfer of [...transfers].sort((a, b) => (a.transferId < b.transferId ? -1 : 1))) {
    const { from, to } = plantsOf(transfer);
    for (const item of itemsOf(transfer, policy.convert)) {
      if (!item.inTransit.gt(0)) continue;
      const line = { transferId: transfer.transferId, itemId: item.itemId, quantity: str(item.inTransit), uom: item.uom };
      if (to === state.plant) inbound.push({ ...line, ...(from === undefined ? {} : { plant: from }) });
      if (from === state.plant) outbound.push({ ...line, ...(to === undefined ? {} : { plant: to }) });
    }
  }
  return {
    plant: state.plant,
    movements: state.movementCount,
    positions: itemIdsOf(state).map((itemId) => positionOf(state, itemId, policy)),
    ...(snapshot === undefined
      ? {}
      : {
          reconciliation: {
            asOf: snapshot.asOf,
            snapshotEventId: snapshot.eventId,
            items: comparedItemsOf(state).map((itemId) => {
              const c = compareItem(state, snapshot, itemId, policy);
              return { itemId, uom: c.uom, book: str(c.book), counted: str(c.counted), difference: str(c.difference), withinTolerance: c.withinTolerance };
            }),
          },
        }),
    staleSnapshots: state.staleSnapshots,
    accuracy: inventoryAccuracy(state, policy),
    inTransit: { inbound, outbound },
    openExceptions: openExceptions(state),
  };
}
