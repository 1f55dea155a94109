// The state of one plant-to-plant stock transfer (keyed by transferId): the legs the two
// plants post as inventory.movement (reason transfer), the shipping leg negative at the
// sending plant with `toPlant`, the receiving leg positive at the receiving plant. A leg's
// side is its plant, not its sign: a positive leg at the sending plant reverses a shipment, a
// negative one at the receiving plant a receipt. What was shipped and not yet received is in
// transit. Raw quantities; queries convert them.
import type { Dec } from '../money.js';
import { dec, settleQuantity, ZERO } from '../money.js';
import type { Convert } from '../units.js';
import type { PlantPolicy } from './plant-policy.js';
import { isWithin } from './plant-policy.js';
import type { ActiveDeadline, DeadlineRecord, ExceptionRecord } from './plant-workflow.js';
import { activeDeadlinesOf, byTimeThenId, evolveGoverned, text } from './plant-workflow.js';
import type { StoredEvent } from '../envelope.js';

/** `cancelled`: the sending plant reversed everything it shipped, and nothing was received. */
export type TransferStage = 'awaiting_shipment' | 'in_transit' | 'partly_received' | 'received' | 'cancelled';

/** Which plant posted a leg: the sending plant (shipments and their reversals) or the receiving one. */
export type TransferSide = 'shipping' | 'receiving';

export interface TransferLeg {
  readonly eventId: string;
  readonly seq: number;
  readonly movementId: string;
  /** The sign as sent (out of or into the posting plant's stock); the side is the plant's (`sideOf`). */
  readonly direction: 'out' | 'in';
  readonly plant: string;
  /** Destination named on a shipping leg. */
  readonly toPlant?: string;
  readonly itemId: string;
  /** Absolute quantity, as sent. */
  readonly quantity: string;
  readonly uom: string;
  readonly at: string;
}

export interface TransferState {
  readonly key: string;
  readonly transferId: string;
  readonly legs: Readonly<Record<string, TransferLeg>>;
  readonly deadlines: Readonly<Record<string, DeadlineRecord>>;
  readonly exceptions: Readonly<Record<string, ExceptionRecord>>;
  readonly lastActivity: string | undefined;
}

export function emptyTransfer(transferId: string): TransferState {
  return restoreTransfer({ key: transferId, transferId });
}

export function restoreTransfer(parsed: Partial<TransferState> & Pick<TransferState, 'key' | 'transferId'>): TransferState {
  return { key: parsed.key, transferId: parsed.transferId, legs: parsed.legs ?? {}, deadlines: parsed.deadlines ?? {}, exceptions: parsed.exceptions ?? {}, lastActivity: parsed.lastActivity };
}

export function transferFromJson(json: string): TransferState {
  return restoreTransfer(JSON.parse(json) as TransferState);
}

export function evolveTransfer(state: TransferState, stored: StoredEvent): TransferState {
  const { event, sequence } = stored;
  const data = event.data;
  if (event.type === 'inventory.movement') {
    if (data.reason !== 'transfer') return state;
    const quantity = dec(text(data.quantity));
    const leg: TransferLeg = {
      eventId: event.id,
      seq: sequence,
      movementId: text(data.movementId),
      direction: quantity.isNegative() ? 'out' : 'in',
      plant: text(data.plant),
      ...(typeof data.toPlant === 'string' ? { toPlant: data.toPlant } : {}),
      itemId: text(data.itemId),
      quantity: quantity.abs().toFixed(),
      uom: text(data.uom),
      at: event.time,
    };
    return { ...state, legs: { ...state.legs, [event.id]: leg }, lastActivity: event.time };
  }
  return evolveGoverned(state, event) ?? state;
}

/**
 * Sending and receiving plant: the plant whose leg names the destination (`toPlant`), else the
 * plant of the first leg out of stock; the destination named, else the first other plant that
 * posted a leg. Read from every leg in business order, so arrival order does not change them.
 */
export function plantsOf(state: TransferState): { from?: string; to?: string } {
  const legs = Object.values(state.legs).sort(byTimeThenId);
  const naming = legs.find((l) => l.toPlant !== undefined);
  const from = naming?.plant ?? legs.find((l) => l.direction === 'out')?.plant;
  const to = naming?.toPlant ?? legs.find((l) => l.plant !== from)?.plant;
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

/** The side of a leg posted by `plant`. */
export function sideOf(plant: string, from: string | undefined): TransferSide {
  return plant === from ? 'shipping' : 'receiving';
}

/** The legs one plant posted, in business order. */
export function legsOf(state: TransferState, side: TransferSide): TransferLeg[] {
  const { from } = plantsOf(state);
  return Object.values(state.legs).filter((l) => sideOf(l.plant, from) === side).sort(byTimeThenId);
}

/** The sending plant's legs out of stock: the shipments themselves, without their reversals. */
export function shipmentsOf(state: TransferState): TransferLeg[] {
  return legsOf(state, 'shipping').filter((l) => l.direction === 'out');
}

/** A leg's quantity as the posting plant's stock moved: negative out, positive in. */
function signed(leg: TransferLeg): Dec {
  const quantity = dec(leg.quantity);
  return leg.direction === 'out' ? quantity.neg() : quantity;
}

export interface TransferItem {
  readonly itemId: string;
  /** The unit quantities are compared in: the first shipping leg's (the first receiving leg's if none shipped). */
  readonly uom: string;
  readonly shipped: Dec;
  readonly received: Dec;
  /** Shipped and not yet received (negative when more was received than shipped). */
  readonly inTransit: Dec;
  /** Legs whose unit does not convert to `uom`. */
  readonly unconverted: readonly TransferLeg[];
}

export function itemsOf(state: TransferState, convert: Convert): TransferItem[] {
  const { from } = plantsOf(state);
  const byItem = new Map<string, TransferLeg[]>();
  for (const leg of Object.values(state.legs).sort(byTimeThenId)) byItem.set(leg.itemId, [...(byItem.get(leg.itemId) ?? []), leg]);
  return [...byItem]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([itemId, legs]) => {
      const uom = (legs.find((l) => sideOf(l.plant, from) === 'shipping' && l.direction === 'out') ?? legs[0])?.uom ?? '';
      let shipped = ZERO;
      let received = ZERO;
      const unconverted: TransferLeg[] = [];
      for (const leg of legs) {
        const factor = convert(itemId, leg.uom, uom);
        if (factor === undefined) unconverted.push(leg);
        // What left the sending plant is shipped (its reversal comes back); what entered the receiving plant is received.
        else if (sideOf(leg.plant, from) === 'shipping') shipped = shipped.minus(signed(leg).times(factor));
        else received = received.plus(signed(leg).times(factor));
      }
      // Settled (money.ts): 1 BOX shipped and 12 x 1 EA received leave nothing in transit.
      shipped = settleQuantity(shipped);
      received = settleQuantity(received);
      return { itemId, uom, shipped, received, inTransit: shipped.minus(received), unconverted };
    });
}

export function isItemSettled(item: TransferItem, policy: PlantPolicy): boolean {
  return item.unconverted.length === 0 && isWithin(item.received, item.shipped, policy.transferTolerance);
}

export function stageOfTransfer(state: TransferState, policy: PlantPolicy): TransferStage {
  if (shipmentsOf(state).length === 0) return 'awaiting_shipment';
  const items = itemsOf(state, policy.convert);
  if (items.every((i) => i.unconverted.length === 0 && i.shipped.isZero() && i.received.isZero())) return 'cancelled';
  if (legsOf(state, 'receiving').length === 0) return 'in_transit';
  return items.every((i) => isItemSettled(i, policy)) ? 'received' : 'partly_received';
}

/** The transit deadline is met when every item shipped is received as shipped (within tolerance). */
export function isTransferDeadlineMet(state: TransferState, deadline: DeadlineRecord, policy: PlantPolicy): boolean {
  if (deadline.sla === 'transfer_shipment_missing') return shipmentsOf(state).length > 0;
  if (deadline.sla !== 'transfer_receipt') return true;
  return itemsOf(state, policy.convert).every((i) => isItemSettled(i, policy));
}

export function activeTransferDeadlines(state: TransferState, policy: PlantPolicy): ActiveDeadline[] {
  return activeDeadlinesOf(state, (d) => isTransferDeadlineMet(state, d, policy));
}
