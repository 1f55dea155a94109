// Which PO lines an event concerns. Most events name their lines; a PO change or a whole-PO
// cancellation concerns every known line of the PO, and a logistics milestone every line its
// shipment carries: those need the store's indexes, which the caller resolves.
import type { CloudEvent } from '../envelope.js';
import { documentNumberOf } from './p2p-state.js';

export interface LineRef {
  readonly poNumber: string;
  readonly line: number;
}

export interface P2PRoute {
  readonly lines: readonly LineRef[];
  /** Every known line of this PO is concerned too. */
  readonly allLinesOf?: string;
  /** Every line this shipment carries is concerned. */
  readonly shipmentId?: string;
}

type Data = Readonly<Record<string, unknown>>;

/** The event types systems and partners publish that the P2P workflow reads (the rest it derives). */
export const P2P_INPUT_TYPES = [
  'po.released',
  'po.changed',
  'po.cancelled',
  'supplier.confirmation',
  'shipment.dispatched',
  'shipment.milestone',
  'goods.received',
  'invoice.received',
  'invoice.credited',
] as const;

/** Inputs a hub may do without: a supplier's credit memo comes only where billed goods must be taken back. */
export const P2P_OPTIONAL_INPUT_TYPES: readonly (typeof P2P_INPUT_TYPES)[number][] = ['invoice.credited'];

function itemLines(data: Data): LineRef[] {
  const lines = Array.isArray(data.lines) ? (data.lines as Data[]) : [];
  const header = typeof data.poNumber === 'string' ? data.poNumber : undefined;
  return lines.flatMap((item) => {
    const poNumber = typeof item.poNumber === 'string' ? item.poNumber : header;
    return poNumber !== undefined && typeof item.line === 'number' ? [{ poNumber, line: item.line }] : [];
  });
}

function namedLine(data: Data): LineRef[] {
  return typeof data.poNumber === 'string' && typeof data.line === 'number' ? [{ poNumber: data.poNumber, line: data.line }] : [];
}

/** The route of an event through the P2P workflow; undefined when the workflow ignores it. */
export function routeP2P(event: CloudEvent): P2PRoute | undefined {
  const data = event.data;
  switch (event.type) {
    case 'po.released':
    case 'supplier.confirmation':
    case 'shipment.dispatched':
    case 'goods.received':
    case 'invoice.received':
    case 'invoice.credited':
    case 'receiving.expected':
      return { lines: itemLines(data) };
    case 'po.changed':
      return { lines: itemLines(data), allLinesOf: String(data.poNumber) };
    case 'po.cancelled': {
      const poNumber = String(data.poNumber);
      return Array.isArray(data.lines) ? { lines: (data.lines as number[]).map((line) => ({ poNumber, line })) } : { lines: [], allLinesOf: poNumber };
    }
    case 'shipment.milestone':
      return { lines: [], shipmentId: String(data.shipmentId) };
    case 'invoice.held':
    case 'invoice.matched':
    case 'finance.posting':
      return { lines: namedLine(data) };
    case 'exception.raised':
    case 'exception.resolved':
    case 'sla.started':
    case 'sla.breached':
      return data.workflow === 'p2p' ? { lines: namedLine(data) } : undefined;
    default:
      return undefined;
  }
}

/**
 * Whether an event records a decision the workflow itself took (derived by the processor,
 * with `causationseq`), as opposed to an input: live processing has applied those already.
 */
export function isRecordedDecision(event: CloudEvent): boolean {
  return event.source === '/millrace' && typeof event.causationseq === 'number';
}

/**
 * The key of the billing document an invoice or credit memo event is: its kind, supplier and
 * number (undefined for any other event). A supplier's invoice number names one document
 * whichever PO lines it bills, so a second event with the same key and another id is a copy,
 * even when it bills lines the first did not. Also the key of the link from the document to the
 * first event that carried it (the supplier's length keeps the parts apart without a separator
 * character, which PostgreSQL text could not hold if it were NUL).
 */
export function billingDocumentKey(event: CloudEvent): string | undefined {
  const data = event.data;
  const supplierId = typeof data.supplierId === 'string' ? data.supplierId : '';
  // The number as AP compares it (ADR 0068): "Inv-001" copies "INV-001". Numbers in that form already
  // (digits, capitals) keep the key, and so the link, that earlier versions stored for them.
  if (event.type === 'invoice.received' && typeof data.invoiceNumber === 'string') return `p2p-document:invoice:${supplierId.length}:${supplierId}:${documentNumberOf(data.invoiceNumber)}`;
  if (event.type === 'invoice.credited' && typeof data.creditMemoNumber === 'string') return `p2p-document:credit:${supplierId.length}:${supplierId}:${documentNumberOf(data.creditMemoNumber)}`;
  return undefined;
}

/**
 * The first event of each billing document, by billingDocumentKey: what tells a copy that bills
 * other PO lines than its original (which per-line records cannot see). The processor fills it
 * from the log as it applies events and, for documents it has forgotten, from the store's links.
 */
export class BillingDocuments {
  private readonly first = new Map<string, string>();

  get size(): number {
    return this.first.size;
  }

  has(key: string): boolean {
    return this.first.has(key);
  }

  /** Records the first event of a document, as the store knows it. */
  know(key: string, eventId: string): void {
    if (!this.first.has(key)) this.first.set(key, eventId);
  }

  /**
   * Sees an event in log order: for a billing document, its key, whether it is the document's
   * first event (`first`), and the first event's id when this one is a copy (`copyOf`).
   */
  see(event: CloudEvent): { readonly key: string; readonly first: boolean; readonly copyOf: string | undefined } | undefined {
    const key = billingDocumentKey(event);
    if (key === undefined) return undefined;
    const original = this.first.get(key);
    if (original === undefined) {
      this.first.set(key, event.id);
      return { key, first: true, copyOf: undefined };
    }
    return { key, first: false, copyOf: original === event.id ? undefined : original };
  }

  clear(): void {
    this.first.clear();
  }
}
