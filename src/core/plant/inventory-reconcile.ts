// decide for a plant's inventory: when a snapshot arrives, every item it counts or the book
// holds is compared with the hub's position as of the snapshot's asOf; a difference beyond the
// item's tolerance is inventory_mismatch to the plant. A movement that arrives late (dated
// before the snapshot) re-compares its item: a mismatch that was only a sync lag resolves.
import type { CloudEvent } from '../envelope.js';
import { str } from '../money.js';
import { toMs } from '../time.js';
import type { PlantInventoryState, SnapshotRecord } from './inventory-position.js';
import { compareItem, comparedItemsOf } from './inventory-position.js';
import type { PlantDecisionContext } from './plant-workflow.js';
import { PlantDerivation, text } from './plant-workflow.js';

export function decideInventory(state: PlantInventoryState, ctx: PlantDecisionContext): CloudEvent[] {
  const out = new PlantDerivation('inventory', state, ctx, {});
  const snapshot = state.snapshot;
  if (snapshot === undefined) return out.events;
  const { event } = ctx.cause;
  if (event.type === 'inventory.snapshot' && event.id === snapshot.eventId) {
    const items = new Set(comparedItemsOf(state));
    // Items the new snapshot and book no longer hold: their earlier mismatches are settled.
    for (const e of Object.values(state.exceptions)) if (e.status === 'open' && e.code === 'inventory_mismatch') items.add(e.ref.replace(/^item:/, ''));
    for (const itemId of [...items].sort()) reconcileItem(state, snapshot, itemId, ctx, out);
  } else if (event.type === 'inventory.movement' && toMs(event.time) <= toMs(snapshot.asOf)) {
    reconcileItem(state, snapshot, text(event.data.itemId), ctx, out);
  }
  return out.events;
}

function reconcileItem(state: PlantInventoryState, snapshot: SnapshotRecord, itemId: string, ctx: PlantDecisionContext, out: PlantDerivation): void {
  const c = compareItem(state, snapshot, itemId, ctx.policy);
  const ref = `item:${itemId}`;
  if (c.unconverted.length > 0) {
    for (const from of c.unconverted) {
      out.raise('unit_of_measure_unknown', `uom:${itemId}:${from}->${c.uom}`, state.plant, `plant ${state.plant} holds ${itemId} in ${from} and ${c.uom}; master data has no conversion, so the item cannot be reconciled`, [snapshot.eventId], { itemId, from, to: c.uom });
    }
    return;
  }
  if (c.withinTolerance) {
    out.resolve('inventory_mismatch', ref, `the book position of ${itemId} (${str(c.book)} ${c.uom}) matches the count as of ${snapshot.asOf}`);
    return;
  }
  const tolerance = ctx.policy.inventoryToleranceOf(itemId);
  out.raise(
    'inventory_mismatch',
    ref,
    state.plant,
    `plant ${state.plant} counted ${str(c.counted)} ${c.uom} of ${itemId} as of ${snapshot.asOf}; the movements it posted add up to ${str(c.book)} (difference ${str(c.difference)})`,
    [snapshot.eventId],
    { itemId, book: str(c.book), counted: str(c.counted), difference: str(c.difference), uom: c.uom, asOf: snapshot.asOf, toleranceAbsolute: str(tolerance.absolute), tolerancePercent: str(tolerance.percent) },
  );
}
