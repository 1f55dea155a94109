// Which logged events a subscription receives (its types, and its filter on plant and
// supplier), and the workflow key whose order deliveries keep. Pure: no I/O.
import { alignedEvent } from '../governance/master-data-alignment.js';
import type { CloudEvent, StoredEvent } from '../envelope.js';
import type { SubscriptionDeclaration } from '../governance/manifest.js';

/**
 * Where an event names a plant: the `plant` envelope attribute, or the data field the
 * contract uses (`plant` on receipts, production and inventory; `buyerPlant` on purchase
 * orders; `shipToPlant` on shipments).
 */
const PLANT_FIELDS = ['plant', 'buyerPlant', 'shipToPlant'] as const;

/** The plants an event names (usually one). */
export function plantsOf(event: CloudEvent): string[] {
  const plants = new Set<string>();
  if (typeof event.plant === 'string') plants.add(event.plant);
  for (const field of PLANT_FIELDS) {
    const value = event.data[field];
    if (typeof value === 'string') plants.add(value);
  }
  return [...plants];
}

/**
 * Whether a subscription receives an event: its type is listed, and each filter the
 * subscription sets is met. An event that names no plant (or no supplier) does not pass a
 * filter on it: a filter narrows what a subscriber may see, so "unknown" is "no".
 */
export function matchesSubscription(subscription: Pick<SubscriptionDeclaration, 'types' | 'filter'>, sent: CloudEvent): boolean {
  if (!subscription.types.includes(sent.type)) return false;
  // Filters name canonical codes: a source's local codes count as what master data mapped them to.
  const event = alignedEvent(sent);
  const plant = subscription.filter?.plant;
  if (plant !== undefined && !plantsOf(event).includes(plant)) return false;
  const supplier = subscription.filter?.supplierId;
  if (supplier !== undefined && event.data.supplierId !== supplier) return false;
  return true;
}

/**
 * The key whose order deliveries keep: the workflow key (`correlationid`), or the event itself
 * when it has none (then it waits for nothing and nothing waits for it).
 */
export function deliveryKeyOf(event: Pick<CloudEvent, 'correlationid' | 'source' | 'id'>): string {
  return event.correlationid ?? `event:${event.source} ${event.id}`;
}

/**
 * The stable id of the delivery of one logged event to one subscription: the same on every
 * attempt, so receivers can deduplicate. A replay is a new delivery (`.r1`, `.r2`, ...).
 */
export function deliveryIdOf(subscription: string, sequence: number, generation = 0): string {
  return generation === 0 ? `${subscription}.${sequence}` : `${subscription}.${sequence}.r${generation}`;
}

/**
 * The body a subscriber receives: the event as the log holds it, with the hub attributes
 * `sequence` and `receivedtime` (CloudEvents structured mode).
 */
export function deliveredBody(stored: StoredEvent): string {
  // Subscribers get the canonical codes (docs/adr/0019); the log keeps what was sent.
  return JSON.stringify({ ...alignedEvent(stored.event), sequence: stored.sequence, receivedtime: stored.receivedTime });
}
