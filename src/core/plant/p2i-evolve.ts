// evolve for a production order: records facts (release, completions, movements that name the
// order) and decisions already taken (deadlines, exceptions, postings). No rules, no policy.
import type { StoredEvent } from '../envelope.js';
import type { BomComponent, OrderMovementRecord, ProductionOrderState } from './p2i-state.js';
import { evolveGoverned, optional, text } from './plant-workflow.js';

type Data = Readonly<Record<string, unknown>>;

export function evolveOrder(state: ProductionOrderState, stored: StoredEvent): ProductionOrderState {
  const { event, sequence } = stored;
  const data = event.data;
  switch (event.type) {
    case 'production.order.released': {
      // A re-release replaces the terms; an older release arriving late does not.
      if (state.terms !== undefined && state.terms.seq > sequence) return state;
      const components = (Array.isArray(data.components) ? (data.components as Data[]) : []).map(
        (c): BomComponent => ({ itemId: text(c.itemId), quantityPer: text(c.quantityPer), uom: text(c.uom), ...optional('scrapPercent', c.scrapPercent as string | undefined) }),
      );
      return {
        ...state,
        terms: {
          plant: text(data.plant),
          itemId: text(data.itemId),
          quantity: text(data.quantity),
          uom: text(data.uom),
          ...optional('dueDate', data.dueDate as string | undefined),
          components,
          since: event.time,
          eventId: event.id,
          seq: sequence,
        },
        lastActivity: event.time,
      };
    }
    case 'production.completed':
      return {
        ...state,
        completions: {
          ...state.completions,
          [event.id]: {
            eventId: event.id,
            seq: sequence,
            plant: text(data.plant),
            good: text(data.goodQuantity),
            scrap: text(data.scrapQuantity),
            ...optional('uom', data.uom as string | undefined),
            at: text(data.completedAt),
            final: data.final === true,
          },
        },
        lastActivity: event.time,
      };
    case 'inventory.movement': {
      const reason = data.reason;
      if (reason !== 'production' && reason !== 'issue') return state;
      const movement: OrderMovementRecord = {
        eventId: event.id,
        seq: sequence,
        movementId: text(data.movementId),
        plant: text(data.plant),
        itemId: text(data.itemId),
        quantity: text(data.quantity),
        uom: text(data.uom),
        reason,
        at: event.time,
      };
      return { ...state, movements: { ...state.movements, [event.id]: movement }, lastActivity: event.time };
    }
    case 'finance.posting': {
      const postingId = text(data.postingId);
      const posting = { postingId, kind: text(data.kind), amount: text(data.amount), currency: text(data.currency), ...optional('quantity', data.quantity as string | undefined) };
      return { ...state, postings: { ...state.postings, [postingId]: posting } };
    }
    default:
      return evolveGoverned(state, event) ?? state;
  }
}
