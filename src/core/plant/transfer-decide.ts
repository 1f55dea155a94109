// decide for a plant-to-plant transfer: the lane's transit time runs from the last shipping
// leg; when it is reached, a transfer with nothing received is receipt_overdue (logistics),
// and an item received in another quantity than shipped is a transfer_quantity_mismatch raised
// to both plants, each to act on its own leg. A receipt nobody shipped waits for the shipping
// leg's sync, then is transfer_not_shipped.
import type { CloudEvent } from '../envelope.js';
import { str } from '../money.js';
import { addMs } from '../time.js';
import type { PlantDecisionContext } from './plant-workflow.js';
import { byTimeThenId, deadlineKey, PlantDerivation } from './plant-workflow.js';
import type { TransferState } from './transfer-state.js';
import { isItemSettled, itemsOf, legsOf, plantsOf, shipmentsOf } from './transfer-state.js';

export function decideTransfer(state: TransferState, ctx: PlantDecisionContext): CloudEvent[] {
  const out = new PlantDerivation('transfer', state, ctx, {});
  const { policy } = ctx;
  const shipped = shipmentsOf(state);
  const received = legsOf(state, 'receiving');
  const { from, to } = plantsOf(state);
  const items = itemsOf(state, policy.convert);

  for (const item of items) {
    for (const leg of item.unconverted) {
      out.raise('unit_of_measure_unknown', `uom:${item.itemId}:${leg.uom}->${item.uom}`, leg.plant, `transfer ${state.transferId} moves ${item.itemId} in ${leg.uom} and ${item.uom}; master data has no conversion`, [leg.eventId], {
        transferId: state.transferId,
        itemId: item.itemId,
      });
    }
  }

  if (shipped.length === 0) {
    if (received.length === 0) return out.events;
    const key = deadlineKey('transfer_shipment_missing', 'shipment');
    const deadline = state.deadlines[key];
    if (deadline === undefined) {
      out.startSla('transfer_shipment_missing', 'shipment', ctx.now, addMs(ctx.now, policy.slaMs.transfer_shipment_missing), policy.ownerOf('transfer_not_shipped', to), to);
    } else if (deadline.breached) {
      out.raise('transfer_not_shipped', 'shipment', to, `plant ${to ?? 'unknown'} received transfer ${state.transferId}; no plant has posted shipping it`, received.map((l) => l.eventId), { transferId: state.transferId });
    }
    return out.events;
  }
  out.resolve('transfer_not_shipped', 'shipment', `plant ${from ?? 'unknown'} posted the shipping leg`);

  // The transit clock runs from the last shipping leg: a later partial shipment moves it.
  const lastShipped = shipped.reduce((a, b) => (byTimeThenId(a, b) >= 0 ? a : b));
  const transit = from !== undefined && to !== undefined ? policy.transitMs(from, to) : policy.slaMs.transfer_receipt;
  const key = deadlineKey('transfer_receipt', 'transit');
  const deadline = state.deadlines[key];
  const due = addMs(lastShipped.at, transit);
  if (deadline === undefined || deadline.startedAt !== lastShipped.at || deadline.deadline !== due) {
    out.startSla('transfer_receipt', 'transit', lastShipped.at, due, policy.ownerOf('receipt_overdue', to), to);
    return out.events;
  }
  if (received.length > 0) out.resolve('receipt_overdue', 'transit', `plant ${to ?? 'unknown'} received transfer ${state.transferId}`);
  for (const item of items) {
    if (isItemSettled(item, policy) || item.unconverted.length > 0) {
      for (const plant of [from, to]) out.resolve('transfer_quantity_mismatch', `qty:${item.itemId}:${plant ?? ''}`, `${item.itemId} received as shipped`);
    }
  }
  // Nothing left to receive: the sending plant reversed what it shipped.
  if (items.every((item) => isItemSettled(item, policy))) {
    out.resolve('receipt_overdue', 'transit', `plant ${from ?? 'unknown'} reversed its shipment of transfer ${state.transferId}`);
    return out.events;
  }
  if (!deadline.breached) return out.events;
  if (received.length === 0) {
    out.raise(
      'receipt_overdue',
      'transit',
      to,
      `plant ${to ?? 'unknown'} has not received transfer ${state.transferId} shipped by ${from ?? 'unknown'} at ${lastShipped.at}; the lane's transit time ended at ${deadline.deadline}`,
      shipped.map((l) => l.eventId),
      { transferId: state.transferId, deadline: deadline.deadline },
    );
    return out.events;
  }
  for (const item of items) {
    if (isItemSettled(item, policy) || item.unconverted.length > 0) continue;
    const legs = [...shipped, ...received].filter((l) => l.itemId === item.itemId).map((l) => l.eventId);
    const what = item.received.lt(item.shipped) ? 'short' : 'over';
    // One exception per plant: the sender checks what it shipped, the receiver what it counted.
    for (const plant of [from, to]) {
      out.raise(
        'transfer_quantity_mismatch',
        `qty:${item.itemId}:${plant ?? ''}`,
        plant,
        `transfer ${state.transferId} of ${item.itemId}: ${from ?? 'unknown'} shipped ${str(item.shipped)} ${item.uom}, ${to ?? 'unknown'} received ${str(item.received)} (${what} by ${str(item.inTransit.abs())})`,
        legs,
        { transferId: state.transferId, itemId: item.itemId, shipped: str(item.shipped), received: str(item.received), uom: item.uom, side: plant === from ? 'shipping' : 'receiving' },
      );
    }
  }
  return out.events;
}
