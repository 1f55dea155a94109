// Which plant workflow keys an event concerns. A production order is named by the release and
// the completions, and by a movement's `reference` when it is a finished-goods receipt or a
// component issue; a transfer by a transfer movement's `transferId`; a plant's inventory by
// every movement and snapshot of that plant. Derived events come back to the key in their
// correlationid (the contracts have no transferId field on exceptions and SLA events).
import type { CloudEvent } from '../envelope.js';
import type { PlantWorkflow } from './plant-workflow.js';

export interface PlantKey {
  readonly workflow: PlantWorkflow;
  readonly key: string;
}

/** The event types systems publish that the plant workflows read (the rest they derive). */
export const PLANT_INPUT_TYPES = ['production.order.released', 'production.completed', 'inventory.movement', 'inventory.snapshot'] as const;

const WORKFLOWS: ReadonlySet<unknown> = new Set<PlantWorkflow>(['production', 'transfer', 'inventory']);

function named(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** The keys an event touches, sorted by workflow then key (the order keeps derived ids stable). */
export function routePlant(event: CloudEvent): PlantKey[] {
  const data = event.data;
  const keys: PlantKey[] = [];
  switch (event.type) {
    case 'production.order.released':
    case 'production.completed':
      if (named(data.productionOrder)) keys.push({ workflow: 'production', key: data.productionOrder });
      break;
    case 'inventory.movement':
      if (named(data.plant)) keys.push({ workflow: 'inventory', key: data.plant });
      if (data.reason === 'transfer' && named(data.transferId)) keys.push({ workflow: 'transfer', key: data.transferId });
      if ((data.reason === 'production' || data.reason === 'issue') && named(data.reference)) keys.push({ workflow: 'production', key: data.reference });
      break;
    case 'inventory.snapshot':
      if (named(data.plant)) keys.push({ workflow: 'inventory', key: data.plant });
      break;
    case 'finance.posting':
      if (named(data.productionOrder) && data.poNumber === undefined) keys.push({ workflow: 'production', key: data.productionOrder });
      break;
    case 'exception.raised':
    case 'exception.resolved':
    case 'sla.started':
    case 'sla.breached':
      if (WORKFLOWS.has(data.workflow) && named(event.correlationid)) keys.push({ workflow: data.workflow as PlantWorkflow, key: event.correlationid });
      break;
    default:
      break;
  }
  return keys.sort((a, b) => (a.workflow < b.workflow ? -1 : a.workflow > b.workflow ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
