// Nine days of procure-to-pay traffic sent through a running hub's HTTP door, each event at
// its own business time (the hub's clock is moved to it, so receipts, deadlines and ages are
// as they would have been), ending now. It leaves what the dashboard must show: posted POs,
// an invoice with a price variance, a PO nobody confirmed (stuck, in exception), goods overdue,
// a late confirmation, a refused request and an event that came late.
import type { CloudEvent } from '../../src/core/index.js';
import type { HubStore } from '../../src/bootstrap/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A clock that runs with real time from wherever it was last set. */
export class StoryClock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  set(instant: number): void {
    this.offsetMs = instant - Date.now();
  }
}

export interface StoryHub {
  readonly url: string;
  readonly keys: ReadonlyMap<string, string>;
  readonly store: HubStore;
  readonly clock: StoryClock;
}

export const STORY = {
  /** Posted, matched the first time. */
  posted: '4500090001',
  /** Its invoice is 10% above the PO price: an open price_variance for accounts payable. */
  priceVariance: '4500090002',
  /** Released to SUP-0107 four days ago and never confirmed: stuck in a late_confirmation. */
  stuck: '4500090004',
  /** Shipped with an ETA that passed a day and a half ago: receipt_overdue for plant P01. */
  overdue: '4500090006',
} as const;

/** Waits (polling the store, no fixed sleep) until every due deadline has fired and every event is applied. */
async function settled(store: HubStore, clock: StoryClock): Promise<void> {
  for (;;) {
    const due = await store.dueLines(clock.now().toISOString(), 1);
    if (due.length === 0 && (await store.processedUpTo()) >= (await store.headSequence())) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function tellStory(hub: StoryHub, now = Date.now()): Promise<void> {
  let n = 0;
  // Steps are collected, then sent in the order they arrive: the hub's clock only moves forward.
  const steps: { receivedMs: number; run: () => Promise<void> }[] = [];
  const send = (atMs: number, key: string, type: string, data: Record<string, unknown>, options: { lagMs?: number; expect?: number } = {}) => {
    steps.push({ receivedMs: atMs + (options.lagMs ?? 90_000), run: () => deliver(atMs, key, type, data, options) });
  };
  const deliver = async (atMs: number, key: string, type: string, data: Record<string, unknown>, options: { lagMs?: number; expect?: number }) => {
    const principal = key.split(':')[1] ?? key;
    const source = key.startsWith('system:') ? `/systems/${principal}` : `/partners/${principal}`;
    hub.clock.set(atMs + (options.lagMs ?? 90_000));
    await settled(hub.store, hub.clock);
    const event: CloudEvent = { specversion: '1.0', id: `story-${++n}`, source, type, time: new Date(atMs).toISOString(), data };
    const response = await fetch(`${hub.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.keys.get(key) ?? ''}`, 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify(event),
    });
    if (response.status !== (options.expect ?? 202)) throw new Error(`${type} ${JSON.stringify(data).slice(0, 80)}: ${response.status} ${await response.text()}`);
    await settled(hub.store, hub.clock);
  };
  const release = (at: number, po: string, supplierId: string, plant: string, lines: [number, string, string, string][]) =>
    send(at, 'system:erp-core', 'po.released', {
      poNumber: po,
      supplierId,
      buyerPlant: plant,
      currency: 'USD',
      lines: lines.map(([line, itemId, quantity, unitPrice]) => ({ line, itemId, quantity, uom: 'EA', unitPrice, needBy: new Date(at + 14 * DAY).toISOString().slice(0, 10) })),
    });
  const partnerOf = (supplierId: string) => `partner:${supplierId.toLowerCase()}`;
  const confirm = (at: number, po: string, supplierId: string, lines: number[]) =>
    send(at, partnerOf(supplierId), 'supplier.confirmation', { poNumber: po, supplierId, lines: lines.map((line) => ({ line, status: 'accepted' })) });
  const ship = (at: number, po: string, supplierId: string, plant: string, eta: number, lines: [number, string][]) =>
    send(at, partnerOf(supplierId), 'shipment.dispatched', {
      shipmentId: `ASN-${po}`,
      supplierId,
      shipToPlant: plant,
      eta: new Date(eta).toISOString(),
      lines: lines.map(([line, quantity]) => ({ poNumber: po, line, quantity, uom: 'EA' })),
    });
  const receive = (at: number, po: string, plant: string, lines: [number, string][], options: { lagMs?: number } = {}) =>
    send(
      at,
      `system:wms-${plant.toLowerCase()}`,
      'goods.received',
      { receiptId: `GR-${po}`, plant, shipmentId: `ASN-${po}`, lines: lines.map(([line, quantity]) => ({ poNumber: po, line, quantity, uom: 'EA' })) },
      options,
    );
  const invoice = (at: number, po: string, supplierId: string, lines: [number, string, string][], total: string) =>
    send(at, 'system:ap-automation', 'invoice.received', {
      invoiceNumber: `INV-${po}`,
      supplierId,
      currency: 'USD',
      invoiceDate: new Date(at).toISOString().slice(0, 10),
      lines: lines.map(([line, quantity, unitPrice]) => ({ poNumber: po, line, quantity, uom: 'EA', unitPrice })),
      totalAmount: total,
    });

  /** An X12 interchange from Northern Fasteners (ISA sender NORTHFAST), stamped at `atMs`, through POST /v1/inbound/x12. */
  const x12 = (atMs: number, control: number, functional: string, sets: string) =>
    steps.push({
      receivedMs: atMs + 90_000,
      run: async () => {
        hub.clock.set(atMs + 90_000);
        await settled(hub.store, hub.clock);
        const stamp = new Date(atMs).toISOString();
        const [date, time] = [stamp.slice(0, 10).replaceAll('-', ''), stamp.slice(11, 16).replace(':', '')];
        const isa = String(control).padStart(9, '0');
        const count = (sets.match(/~ST\*/g) ?? []).length + (sets.startsWith('ST*') ? 1 : 0);
        const text = [
          `ISA*00*          *00*          *ZZ*NORTHFAST      *ZZ*MILLRACEHUB    *${date.slice(2)}*${time}*U*00401*${isa}*0*P*:~`,
          `GS*${functional}*NORTHFAST*MILLRACEHUB*${date}*${time}*${control}*X*004010~`,
          sets,
          `GE*${count}*${control}~IEA*1*${isa}~`,
        ].join('');
        const response = await fetch(`${hub.url}/v1/inbound/x12`, { method: 'POST', headers: { authorization: `Bearer ${hub.keys.get('partner:sup-0107') ?? ''}`, 'content-type': 'application/edi-x12' }, body: text });
        if (response.status !== 200) throw new Error(`X12 ${control}: ${response.status} ${await response.text()}`);
        await settled(hub.store, hub.clock);
      },
    });

  const start = now - 9 * DAY;
  const at = (days: number, hours = 0) => start + days * DAY + hours * HOUR;

  // PO 1: two lines, everything on time, matched the first time and posted.
  release(at(0, 8), STORY.posted, 'SUP-0042', 'P01', [[10, 'ITM-10023', '500', '12.3456'], [20, 'ITM-10057', '120', '0.4200']]);
  confirm(at(0, 13), STORY.posted, 'SUP-0042', [10, 20]);
  ship(at(1, 9), STORY.posted, 'SUP-0042', 'P01', at(3, 9), [[10, '500'], [20, '120']]);
  receive(at(3, 7), STORY.posted, 'P01', [[10, '500'], [20, '120']]);
  invoice(at(4, 10), STORY.posted, 'SUP-0042', [[10, '500', '12.3456'], [20, '120', '0.4200']], '6223.20');
  // PO 2: confirmed the next day, received without an ASN, invoiced 10% above the PO price.
  release(at(1, 8), STORY.priceVariance, 'SUP-0042', 'P02', [[10, 'ITM-20410', '200', '8.5000']]);
  confirm(at(2, 4), STORY.priceVariance, 'SUP-0042', [10]);
  receive(at(5, 11), STORY.priceVariance, 'P02', [[10, '200']]);
  invoice(at(6, 9), STORY.priceVariance, 'SUP-0042', [[10, '200', '9.3500']], '1870.00');
  // PO 3: Northern Fasteners, invoice before the goods (held), matched when they arrive.
  release(at(2, 9), '4500090003', 'SUP-0107', 'P01', [[10, 'ITM-30001', '1000', '0.1850']]);
  // Its confirmation comes as an X12 855.
  x12(at(2, 12), 3001, 'PR', 'ST*855*0001~BAK*00*AC*4500090003*20260302~PO1*10*1000*EA*0.185**BP*ITM-30001~ACK*IA*1000*EA~CTT*1~SE*6*0001~');
  ship(at(3, 8), '4500090003', 'SUP-0107', 'P01', at(6, 8), [[10, '1000']]);
  invoice(at(5, 15), '4500090003', 'SUP-0107', [[10, '1000', '0.1850']], '185.00');
  receive(at(6, 10), '4500090003', 'P01', [[10, '1000']]);
  // PO 4: released to Northern Fasteners and never confirmed; another supplier's try is refused.
  release(at(5, 8), STORY.stuck, 'SUP-0107', 'P02', [[10, 'ITM-30002', '250', '1.2000'], [20, 'ITM-30003', '80', '4.7500']]);
  send(at(5, 9), 'partner:sup-0042', 'supplier.confirmation', { poNumber: STORY.stuck, supplierId: 'SUP-0042', lines: [{ line: 10, status: 'accepted' }] }, { expect: 403 });
  // An X12 invoice for PO 4 with an impossible date: rejected by the 997 and held in quarantine.
  x12(at(8, 18), 3002, 'IN', 'ST*810*0001~BIG*20260230*INV-90004*20260302*4500090004~CUR*SE*USD~IT1*10*250*EA*1.20**BP*ITM-30002*PO*4500090004~TDS*30000~CTT*1~SE*7*0001~');
  // PO 5: confirmed 30 hours after release (late), now on its way.
  release(at(6, 8), '4500090005', 'SUP-0042', 'P01', [[10, 'ITM-10023', '300', '12.3456']]);
  confirm(at(7, 14), '4500090005', 'SUP-0042', [10]);
  ship(at(8, 9), '4500090005', 'SUP-0042', 'P01', now + 1 * DAY, [[10, '300']]);
  // PO 6: shipped with an ETA two days ago; the plant has not received it.
  release(at(6, 10), STORY.overdue, 'SUP-0042', 'P01', [[10, 'ITM-10057', '400', '0.4200']]);
  confirm(at(6, 12), STORY.overdue, 'SUP-0042', [10]);
  ship(at(6, 16), STORY.overdue, 'SUP-0042', 'P01', at(7, 8), [[10, '400']]);
  // PO 7: received today at P02, sent by the warehouse two hours late (over its 15m lag).
  release(at(7, 9), '4500090007', 'SUP-0042', 'P02', [[10, 'ITM-20410', '60', '8.5000']]);
  confirm(at(7, 11), '4500090007', 'SUP-0042', [10]);
  receive(at(8, 20), '4500090007', 'P02', [[10, '60']], { lagMs: 2 * HOUR });
  // PO 8: released this morning, waiting for the confirmation.
  release(now - 3 * HOUR, '4500090008', 'SUP-0107', 'P01', [[10, 'ITM-30001', '5000', '0.1850']]);
  for (const step of steps.sort((a, b) => a.receivedMs - b.receivedMs)) await step.run();
  hub.clock.set(now);
  await settled(hub.store, hub.clock);
}

export const FUNNEL_ORDER = ['released', 'confirmed', 'shipped', 'received', 'invoiced', 'matched', 'posted'] as const;

/**
 * The funnel the dashboard must show, worked out from the hub's log of the story, not by the
 * hub's own funnel code: for each PO line released in [from, to) (of one plant or supplier if
 * given), the furthest step the log has a fact for: a confirmation accepting it, an ASN, a
 * receipt, an invoice, an `invoice.matched`, an `ap_liability` posting (posted: every line of the
 * story is received and invoiced in full, so its AP posting closes it). A line counts at every
 * step up to its furthest.
 */
export function storyFunnel(log: readonly CloudEvent[], from: number, to: number, only: { plant?: string; supplierId?: string } = {}): { lines: number; reached: Record<(typeof FUNNEL_ORDER)[number], number> } {
  type Fields = Record<string, unknown>;
  // Event data is checked by its contract: PO numbers are strings and line numbers integers.
  const keyOf = (poNumber: unknown, line: unknown) => `${poNumber as string}/${line as number}`;
  const has = (type: string, key: string, test: (data: Fields) => boolean = () => true) => log.some((e) => e.type === type && test(e.data) && keyOf(e.data.poNumber, e.data.line) === key);
  const listed = (type: string, key: string, test: (line: Fields) => boolean = () => true) =>
    log.some((e) => e.type === type && ((e.data.lines as Fields[] | undefined) ?? []).some((l) => keyOf(l.poNumber ?? e.data.poNumber, l.line) === key && test(l)));
  const released = log.flatMap((e) => {
    const at = Date.parse(e.time);
    if (e.type !== 'po.released' || at < from || at >= to) return [];
    if (only.plant !== undefined && e.data.buyerPlant !== only.plant) return [];
    if (only.supplierId !== undefined && e.data.supplierId !== only.supplierId) return [];
    return (e.data.lines as Fields[]).map((l) => keyOf(e.data.poNumber, l.line));
  });
  const reached = Object.fromEntries(FUNNEL_ORDER.map((step) => [step, 0])) as Record<(typeof FUNNEL_ORDER)[number], number>;
  for (const key of released) {
    const facts = [
      true,
      listed('supplier.confirmation', key, (l) => l.status === 'accepted'),
      listed('shipment.dispatched', key),
      listed('goods.received', key),
      listed('invoice.received', key),
      has('invoice.matched', key),
      has('finance.posting', key, (d) => d.kind === 'ap_liability'),
    ];
    const furthest = facts.lastIndexOf(true);
    FUNNEL_ORDER.forEach((step, i) => {
      if (i <= furthest) reached[step] += 1;
    });
  }
  return { lines: released.length, reached };
}
