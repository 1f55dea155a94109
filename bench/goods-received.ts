// The load of the ingest benchmark: realistic goods.received CloudEvents from the P01 warehouse
// (the shape of contracts/receiving/goods.received/examples/v1.valid.with-rejection.json),
// each with its own id, receipt number and PO, so the hub stores every one instead of deduping.
import { randomUUID } from 'node:crypto';

export const BENCH_SOURCE = '/systems/wms-p01';

/**
 * The events' `time`: when the benchmark starts. wms-p01 may lag 15 minutes (examples/
 * millrace.yaml); older events would all be accepted as lag breaches, each stored with the
 * hub's mark, which is not the traffic of a healthy warehouse.
 */
const BENCH_TIME = new Date().toISOString();
export const BENCH_SYSTEM = 'wms-p01';

/** The n-th receipt of the benchmark: its number and the PO it receives (four receipts per PO). */
export function receiptOf(n: number): { receipt: string; po: string } {
  return { receipt: `GR-P01-2026-${String(n).padStart(7, '0')}`, po: String(4_500_000_000 + Math.floor(n / 4)) };
}

/** One goods receipt; `id` must be unique per source. */
export function goodsReceived(id: string, receipt: string, po: string): Record<string, unknown> {
  return {
    specversion: '1.0',
    id,
    source: BENCH_SOURCE,
    type: 'goods.received',
    time: BENCH_TIME,
    datacontenttype: 'application/json',
    dataschema: 'https://millrace.dev/contracts/goods.received/v1.schema.json',
    subject: receipt,
    correlationid: `PO-${po}`,
    dataversion: 1,
    plant: 'P01',
    data: {
      receiptId: receipt,
      plant: 'P01',
      shipmentId: 'ASN-0042-260310-01',
      receivedAt: '2026-03-12T16:05:00-04:00',
      lines: [
        { poNumber: po, line: 10, quantity: '500', uom: 'EA' },
        { poNumber: po, line: 20, quantity: '100', uom: 'EA', rejectedQuantity: '4' },
      ],
    },
  };
}

const MARK = '\uE000';

/**
 * Renders JSON text with three holes (id, receipt, po) by concatenation: the load generator
 * shares the two cores with the server, so building a body must cost next to nothing.
 * The holes must take values that need no JSON escaping (UUIDs, digits, dashes).
 */
export class EventTemplate {
  private readonly parts: readonly string[];

  constructor(render: (id: string, receipt: string, po: string) => string) {
    // A private-use character: JSON.stringify leaves it as is (it escapes control characters).
    this.parts = render(`${MARK}id${MARK}`, `${MARK}receipt${MARK}`, `${MARK}po${MARK}`).split(MARK);
    if (this.parts.length % 2 === 0) throw new Error('template markers do not pair up');
  }

  fill(values: { readonly id: string; readonly receipt: string; readonly po: string }): string {
    let text = '';
    this.parts.forEach((part, index) => {
      text += index % 2 === 0 ? part : values[part as 'id' | 'receipt' | 'po'];
    });
    return text;
  }
}

const EVENT_TEMPLATE = new EventTemplate((id, receipt, po) => JSON.stringify(goodsReceived(id, receipt, po)));

/** Request bodies with unique event ids (UUIDs, as a WMS would send: no help from sorted keys). */
export class BodyFactory {
  private next = 0;

  /** One event: the body of an application/cloudevents+json request. */
  single(): string {
    this.next += 1;
    return EVENT_TEMPLATE.fill({ id: randomUUID(), ...receiptOf(this.next) });
  }

  /** `size` events: the body of an application/cloudevents-batch+json request. */
  batch(size: number): string {
    const events: string[] = [];
    for (let i = 0; i < size; i += 1) {
      this.next += 1;
      events.push(EVENT_TEMPLATE.fill({ id: randomUUID(), ...receiptOf(this.next) }));
    }
    return `[${events.join(',')}]`;
  }
}
