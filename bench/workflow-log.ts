// Builds P2P logs for the workflow benchmark: inbound traffic run through the real workflow
// engine in memory (so derived events are what a live hub would have appended), then written
// to a SQLite store in large batches.
import type { CloudEvent, P2PPolicy } from '../src/core/index.js';
import { applyEvent, EventUpcaster, LineSet, SHIPPED_UPCASTERS } from '../src/core/index.js';
import type { EventStore } from '../src/ports/index.js';
import { p2pTraffic } from '../test/support/p2p-traffic.js';

// The workflow reads upcast events, as the processor hands them over; the log keeps them as sent.
const upcaster = new EventUpcaster(SHIPPED_UPCASTERS);

export interface BuiltLog {
  readonly inbound: number;
  readonly derived: number;
  readonly lines: number;
}

/**
 * Appends to `store` the log a live hub would hold after `lines` PO lines went through
 * release, confirmation, shipment, receipt and invoice: inbound events in arrival order, each
 * followed by what the workflow derived from it.
 */
export async function buildP2PLog(store: EventStore, policy: P2PPolicy, lines: number, batch = 5000): Promise<BuiltLog> {
  const engine = new LineSet();
  let pending: CloudEvent[] = [];
  let sequence = 0;
  let inbound = 0;
  let derived = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const [outcome] = await store.appendBatches([pending], new Date().toISOString());
    if (outcome?.kind !== 'appended') throw new Error('building the log: conflict');
    pending = [];
  };
  for (const event of p2pTraffic({ lines, seed: 42, spacingMinutes: 0.2 })) {
    sequence += 1;
    inbound += 1;
    const applied = applyEvent(engine, upcaster.upcastStored({ sequence, receivedTime: event.time, event }), policy, { now: event.time });
    pending.push(event, ...applied.derived);
    sequence += applied.derived.length;
    derived += applied.derived.length;
    // Keep the generator's own memory flat: only unfinished lines matter for what comes next.
    engine.takeChanged();
    if (pending.length >= batch) await flush();
  }
  await flush();
  return { inbound, derived, lines: engine.size };
}

/** `count` single-line POs released and never confirmed: every line stays open. */
export async function buildOpenLinesLog(store: EventStore, count: number, batch = 10_000): Promise<number> {
  let pending: CloudEvent[] = [];
  const start = Date.parse('2026-03-02T06:00:00Z');
  for (let n = 0; n < count; n += 1) {
    const poNumber = `46${String(n).padStart(8, '0')}`;
    pending.push({
      specversion: '1.0',
      id: `po-${poNumber}`,
      source: '/systems/erp-core',
      type: 'po.released',
      time: new Date(start + n * 1000).toISOString(),
      data: {
        poNumber,
        supplierId: `SUP-${String(n % 400).padStart(4, '0')}`,
        buyerPlant: `P0${(n % 8) + 1}`,
        currency: 'USD',
        lines: [{ line: 10, itemId: `ITM-${10000 + (n % 5000)}`, quantity: '100', uom: 'EA', unitPrice: '12.5000', needBy: '2026-04-30' }],
      },
    });
    if (pending.length >= batch) {
      await store.appendBatches([pending], new Date().toISOString());
      pending = [];
    }
  }
  if (pending.length > 0) await store.appendBatches([pending], new Date().toISOString());
  return count;
}
