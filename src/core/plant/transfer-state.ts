// The state of one plant-to-plant stock transfer (keyed by transferId): the legs the two
// plants post as inventory.movement (reason transfer), the shipping leg negative at the
// sending plant with `toPlant`, the receiving leg positive at the receiving plant. What was
// shipped and not yet received is in transit. Raw quantities; queries convert them.
import type { Dec } from '../money.js';
import { dec, settleQuantity, ZERO } from '../money.js';
import type { Convert } from '../units.js';
import type { PlantPolicy } from './plant-policy.js';
import { isWithin } from './plant-policy.js';
import type { ActiveDeadline, DeadlineRecord, ExceptionRecord } from './plant-workflow.js';
import { activeDeadlinesOf, byTimeThenId, evolveGoverned, text } from './plant-workflow.js';
import type { StoredEvent } from '../envelope.js';

export type TransferStage = 'awaiting_shipment' | 'in_transit' | 'partly_received' | 'received';

export interface TransferLeg {
  readonly eventId: string;
  readonly seq: number;
  readonly movementId: string;
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

export function legsOf(state: TransferState, direction: 'out' | 'in'): TransferLeg[] {
  return Object.values(state.legs).filter((l) => l.direction === direction).sort(byTimeThenId);
}

/** Sending and receiving plant: from the shipping legs, the destination they name or the plant that received. */
export function plantsOf(state: TransferState): { from?: string; to?: string } {
  const out = legsOf(state, 'out');
  const received = legsOf(state, 'in');
  const from = out[0]?.plant;
  const to = out.find((l) => l.toPlant !== undefined)?.toPlant ?? received[0]?.plant;
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
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
  const byItem = new Map<string, TransferLeg[]>();
  for (const leg of Object.values(state.legs).sort(byTimeThenId)) byItem.set(leg.itemId, [...(byItem.get(leg.itemId) ?? []), leg]);
  return [...byItem]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([itemId, legs]) => {
      const uom = (legs.find((l) => l.direction === 'out') ?? legs[0])?.uom ?? '';
      let shipped = ZERO;
      let received = ZERO;
      const unconverted: TransferLeg[] = [];
      for (const leg of legs) {
        const factor = convert(itemId, leg.uom, uom);
        if (factor === undefined) unconverted.push(leg);
        else if (leg.direction === 'out') shipped = shipped.plus(dec(leg.quantity).times(factor));
        else received = received.plus(dec(leg.quantity).times(factor));
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
  if (legsOf(state, 'out').length === 0) return 'awaiting_shipment';
  const items = itemsOf(state, policy.convert);
  if (legsOf(state, 'in').length === 0) return 'in_transit';
  return items.every((i) => isItemSettled(i, policy)) ? 'received' : 'partly_received';
}

/** The transit deadline is met when every item shipped is received as shipped (within tolerance). */
export function isTransferDeadlineMet(state: TransferState, deadline: DeadlineRecord, policy: PlantPolicy): boolean {
  if (deadline.sla === 'transfer_shipment_missing') return legsOf(state, 'out').length > 0;
  if (deadline.sla !== 'transfer_receipt') return true;
  return itemsOf(state, policy.convert).every((i) => isItemSettled(i, policy));
}

export function activeTransferDeadlines(state: TransferState, policy: PlantPolicy): ActiveDeadline[] {
  return activeDeadlinesOf(state, (d) => isTransferDeadlineMet(state, d, policy));
}
