// A procure-to-pay story in memory: events go through the real workflow (route, evolve,
// decide), derived events are appended to an in-memory log with sequences, deadlines fire
// when the story's clock passes them. `replay()` folds the log again without deciding. Like the
// workflow processor, it keeps events as sent and hands the workflow their upcast form.
import type { CloudEvent, P2PLine, P2PPolicy, P2PPolicySettings, StoredEvent } from '../../src/core/index.js';
import { addMs, applyEvent, BillingDocuments, dueBreaches, EventUpcaster, isRecordedDecision, LineSet, p2pPolicy, SHIPPED_UPCASTERS } from '../../src/core/index.js';

const upcaster = new EventUpcaster(SHIPPED_UPCASTERS);

export const T0 = '2026-03-02T08:00:00.000Z';
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export const PO = '4500012345';
export const SUPPLIER = 'SUP-0042';

type Data = Record<string, unknown>;

type BilledLine = { line: number; quantity: string; unitPrice: string; uom?: string; poNumber?: string };
type BillingOptions = { supplierId?: string; currency?: string; id?: string };

type PoLine = { line: number; quantity: string; unitPrice: string; uom?: string; itemId?: string; needBy?: string };

/** A PO as po.released and po.changed carry it (to the scenario's supplier, for plant P01). */
function poSnapshot(poNumber: string, currency: string, lines: readonly PoLine[]): Data {
  return {
    poNumber,
    supplierId: SUPPLIER,
    buyerPlant: 'P01',
    currency,
    lines: lines.map((l) => ({ line: l.line, itemId: l.itemId ?? 'ITM-10023', quantity: l.quantity, uom: l.uom ?? 'EA', unitPrice: l.unitPrice, needBy: l.needBy ?? '2026-03-16' })),
  };
}

export class P2PScenario {
  readonly lines = new LineSet();
  /** The first event of each invoice and credit memo, as the processor keeps them. */
  private readonly documents = new BillingDocuments();
  readonly log: StoredEvent[] = [];
  readonly policy: P2PPolicy;
  now = T0;
  private ids = 0;

  constructor(settings: P2PPolicySettings = {}) {
    this.policy = p2pPolicy(settings);
  }

  /** Moves the clock forward by `ms` and fires every deadline that has passed, like the scheduler. */
  advance(ms: number): this {
    this.now = addMs(this.now, ms);
    this.fireDue();
    return this;
  }

  fireDue(): void {
    for (const key of [...this.lines.keys()].sort()) {
      const state = this.lines.get(key);
      if (state !== undefined) for (const breach of dueBreaches(state, this.now)) this.input(breach);
    }
  }

  /** Sends an inbound event at the current time (its business time too, unless `time` is given). */
  send(type: string, source: string, data: Data, options: { id?: string; time?: string } = {}): StoredEvent {
    return this.input({ specversion: '1.0', id: options.id ?? `e${++this.ids}`, source, type, time: options.time ?? this.now, data });
  }

  input(event: CloudEvent): StoredEvent {
    const stored = { sequence: this.log.length + 1, receivedTime: this.now, event };
    this.log.push(stored);
    const { derived } = applyEvent(this.lines, upcaster.upcastStored(stored), this.policy, { now: this.now }, undefined, { copyOf: this.documents.see(event)?.copyOf });
    for (const event of derived) this.log.push({ sequence: this.log.length + 1, receivedTime: this.now, event });
    return stored;
  }

  release(lines: PoLine[], currency = 'USD', poNumber = PO): StoredEvent {
    return this.send('po.released', '/systems/erp-core', poSnapshot(poNumber, currency, lines));
  }

  /** A po.changed: the ERP's full snapshot of the PO at a new revision. */
  change(revision: number, lines: PoLine[], currency = 'USD', poNumber = PO): StoredEvent {
    return this.send('po.changed', '/systems/erp-core', { ...poSnapshot(poNumber, currency, lines), revision });
  }

  confirm(lines: Data[], poNumber = PO): StoredEvent {
    return this.send('supplier.confirmation', '/partners/sup-0042', { poNumber, supplierId: SUPPLIER, lines });
  }

  /** A supplier.confirmation v2: each line dates its deliveries in a `schedule` instead of one `promisedDate`. */
  confirmV2(lines: Data[], poNumber = PO): StoredEvent {
    const event: CloudEvent = { specversion: '1.0', id: `e${++this.ids}`, source: '/partners/sup-0042', type: 'supplier.confirmation', time: this.now, dataversion: 2, data: { poNumber, supplierId: SUPPLIER, lines } };
    return this.input(event);
  }

  ship(shipmentId: string, lines: { line: number; quantity: string; uom?: string }[], eta: string, poNumber = PO): StoredEvent {
    return this.send('shipment.dispatched', '/partners/sup-0042', {
      shipmentId,
      supplierId: SUPPLIER,
      shipToPlant: 'P01',
      eta,
      lines: lines.map((l) => ({ poNumber, line: l.line, quantity: l.quantity, uom: l.uom ?? 'EA' })),
    });
  }

  receive(receiptId: string, lines: { line: number; quantity: string; uom?: string; rejectedQuantity?: string; reversal?: boolean; poNumber?: string }[], shipmentId?: string): StoredEvent {
    return this.send('goods.received', '/systems/wms-p01', {
      receiptId,
      plant: 'P01',
      ...(shipmentId === undefined ? {} : { shipmentId }),
      lines: lines.map(({ poNumber, ...l }) => ({ poNumber: poNumber ?? PO, uom: 'EA', ...l })),
    });
  }

  invoice(invoiceNumber: string, lines: BilledLine[], options: BillingOptions = {}): StoredEvent {
    return this.bill('invoice.received', { invoiceNumber, invoiceDate: this.now.slice(0, 10) }, lines, options);
  }

  /** A supplier's credit memo (invoice.credited) from AP automation. */
  credit(creditMemoNumber: string, lines: BilledLine[], options: BillingOptions & { invoiceNumber?: string } = {}): StoredEvent {
    const { invoiceNumber, ...rest } = options;
    return this.bill('invoice.credited', { creditMemoNumber, creditDate: this.now.slice(0, 10), ...(invoiceNumber === undefined ? {} : { invoiceNumber }) }, lines, rest);
  }

  private bill(type: string, header: Data, lines: BilledLine[], options: BillingOptions): StoredEvent {
    return this.send(
      type,
      '/systems/ap-automation',
      {
        ...header,
        supplierId: options.supplierId ?? SUPPLIER,
        currency: options.currency ?? 'USD',
        lines: lines.map(({ poNumber, ...l }) => ({ poNumber: poNumber ?? PO, uom: 'EA', ...l })),
        totalAmount: '0',
      },
      options.id === undefined ? {} : { id: options.id },
    );
  }

  line(line: number, poNumber = PO): P2PLine {
    const state = this.lines.get(`${poNumber}/${line}`);
    if (state === undefined) throw new Error(`no state for ${poNumber}/${line}`);
    return state;
  }

  /** Derived events of a type, as appended to the log. */
  derived(type: string): CloudEvent[] {
    return this.log.filter((s) => s.event.source === '/millrace' && s.event.type === type).map((s) => s.event);
  }

  /** `exception.raised` data, optionally of one code. */
  exceptions(code?: string): Data[] {
    return this.derived('exception.raised')
      .map((e) => e.data as Data)
      .filter((d) => code === undefined || d.code === code);
  }

  postings(kind?: string): Data[] {
    return this.derived('finance.posting')
      .map((e) => e.data as Data)
      .filter((d) => kind === undefined || d.kind === kind);
  }

  /** Every line's state, folded from the log without deciding: what a rebuild produces. */
  replay(): Map<string, string> {
    const lines = new LineSet();
    const documents = new BillingDocuments();
    for (const stored of this.log) applyEvent(lines, upcaster.upcastStored(stored), this.policy, undefined, undefined, { copyOf: documents.see(stored.event)?.copyOf });
    return new Map([...lines.keys()].sort().map((key) => [key, JSON.stringify(lines.get(key))]));
  }

  live(): Map<string, string> {
    return new Map([...this.lines.keys()].sort().map((key) => [key, JSON.stringify(this.lines.get(key))]));
  }

  /** Inputs only (what systems sent and timers fired), for re-running a story in another order. */
  inputs(): CloudEvent[] {
    return this.log.map((s) => s.event).filter((e) => !isRecordedDecision(e));
  }
}

/** A PO of two lines (10 and 20, 100 EA at 12.50 each), both received in full: where an invoice may bill either. */
export function receivedOnTwoLines(): P2PScenario {
  const s = new P2PScenario();
  const lines = [10, 20].map((line) => ({ line, quantity: '100', unitPrice: '12.5000' }));
  s.release(lines);
  s.receive('GR-1', lines.map(({ line }) => ({ line, quantity: '100' })));
  return s;
}
