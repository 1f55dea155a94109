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
 * What decides which events a subscription receives (its types and filter), as text that is the
 * same for the same rules however the manifest orders them. The outbox keeps it with the
 * subscription's cursor: a hub that starts with other rules withdraws the queued deliveries the
 * subscription no longer matches (ADR 0052).
 */
export function subscriptionRulesOf(subscription: Pick<SubscriptionDeclaration, 'types' | 'filter'>): string {
  const filter = subscription.filter;
  return JSON.stringify({
    types: [...new Set(subscription.types)].sort(),
    ...(filter?.plant === undefined ? {} : { plant: filter.plant }),
    ...(filter?.supplierId === undefined ? {} : { supplierId: filter.supplierId }),
  });
}

/**
 * The key whose order deliveries keep: the workflow key (`correlationid`); for an event without
 * one (what ERPs, suppliers and plants publish, through the API, X12 and CSV alike), the business
 * document it is about, so one PO's release, changes, confirmations and cancellation reach a
 * subscriber in log order (ADR 0048); the event itself when it names no document (then it waits
 * for nothing and nothing waits for it).
 */
export function deliveryKeyOf(event: CloudEvent): string {
  return event.correlationid ?? documentKeyOf(alignedEvent(event)) ?? `event:${event.source} ${event.id}`;
}

/** Text a document key is made of: a length before each part keeps the parts apart, whatever they hold. */
function parts(...values: readonly string[]): string {
  return values.map((value) => `${value.length}:${value}`).join(':');
}

/**
 * The document an uncorrelated event is about, by the field its contract names it with: a PO
 * (release, change, cancellation, the supplier's confirmation), a shipment (dispatch and
 * milestones), a goods receipt, a supplier's invoice (and a credit memo against it), a
 * production order, a plant's inventory snapshots. An inventory movement stands alone: the
 * movements of a plant add up in any order, and keying them together would send a busy plant's
 * movements one at a time. Undefined when the event names none of these.
 */
function documentKeyOf(event: CloudEvent): string | undefined {
  const data = event.data;
  const text = (field: string): string | undefined => {
    const value = data[field];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  // `document:KIND:` and the parts: the qualifiers (a plant, a supplier), then the id in `field`.
  const named = (kind: string, field: string, ...qualifiers: readonly string[]): string | undefined => {
    const id = text(field);
    return id === undefined ? undefined : `document:${kind}:${parts(...qualifiers, id)}`;
  };
  switch (event.type) {
    case 'po.released':
    case 'po.changed':
    case 'po.cancelled':
    case 'supplier.confirmation':
      return named('po', 'poNumber');
    case 'shipment.dispatched':
    case 'shipment.milestone':
      return named('shipment', 'shipmentId');
    case 'goods.received':
      return named('receipt', 'receiptId', text('plant') ?? '');
    case 'invoice.received':
    case 'invoice.credited': {
      // A credit memo that names its invoice goes behind that invoice; one that does not is its own document.
      const supplierId = text('supplierId') ?? '';
      return named('invoice', 'invoiceNumber', supplierId) ?? (event.type === 'invoice.credited' ? named('credit', 'creditMemoNumber', supplierId) : undefined);
    }
    case 'production.order.released':
    case 'production.completed':
      return named('production', 'productionOrder');
    case 'inventory.snapshot':
      return named('inventory-snapshot', 'plant');
    default:
      return undefined;
  }
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
