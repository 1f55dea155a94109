// Reading the P2P workflows as the API shows them: a PO with its lines and timeline, lists
// of lines and exceptions. A partner credential sees only its own supplier's objects, a system
// tied to a plant its plant's (docs/adr/0055); for anything else the answer is "not found", so
// nobody can probe another's POs. On its own PO a supplier reads the buyer's documents and its
// own, not another supplier's (docs/adr/0060).
import type { CloudEvent, ExceptionView, LineGap, LineSummary, P2PLine, P2PStage, Principal, PublishingAuthority, StoredEvent } from '../core/index.js';
import { dataVersionOf, MILLRACE_SOURCE, lineGaps, sourceOf, stageOf, summarizeLine, toMs } from '../core/index.js';
import type { Clock, DeliveryStore, EventStore, ExceptionFilter, InboundMessage, InboundMessageLink, InboundMessageStore, Page, WorkflowStore } from '../ports/index.js';

export interface TimelineEntry {
  readonly sequence: number;
  readonly type: string;
  readonly source: string;
  readonly id: string;
  readonly time: string;
  readonly receivedTime: string;
  readonly correlationid?: string;
  readonly causationid?: string;
}

/** A stored event as one entry of a workflow's timeline (a PO's, a production order's, a transfer's). */
export function timelineEntryOf({ sequence, receivedTime, event }: StoredEvent): TimelineEntry {
  return {
    sequence,
    type: event.type,
    source: event.source,
    id: event.id,
    time: event.time,
    receivedTime,
    ...(event.correlationid === undefined ? {} : { correlationid: event.correlationid }),
    ...(event.causationid === undefined ? {} : { causationid: event.causationid }),
  };
}

export interface PurchaseOrderView {
  readonly poNumber: string;
  readonly supplierId?: string;
  readonly plant?: string;
  readonly currency?: string;
  readonly lines: readonly LineSummary[];
  readonly timeline: readonly TimelineEntry[];
}

/** An exception as the API shows it: the view, its age and where to look next. */
export type ExceptionAnswer = ExceptionView & {
  /** Seconds from raised to resolved, or to now while open. */
  readonly ageSeconds: number;
  readonly links: { readonly workflow?: string };
};

/** One message of a workflow's document chain, with its times and where it came from. */
export interface LineageMessage {
  readonly sequence: number;
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly dataversion: number;
  /** Derived by the hub (source /millrace) rather than sent by a system or partner. */
  readonly derived: boolean;
  readonly occurred: string;
  readonly received: string;
  /** When the hub derived its first consequence (an event with this one as causation). */
  readonly processed?: string;
  readonly causationid?: string;
  readonly correlationid?: string;
  /** The hub's governance marks (observe mode, lag breach). */
  readonly ungoverned?: string;
  readonly lagBreach?: string;
  /** Local codes master data mapped at intake: the message as sent had `from`, the workflows read `to` (docs/adr/0019); for a partner key, on its own messages only. */
  readonly aligned?: readonly { readonly pointer: string; readonly kind: string; readonly from: string; readonly to: string }[];
  /** Its deliveries to subscribers, with where each stands (operator keys only). */
  readonly deliveries?: readonly LineageDelivery[];
  /** The file(s) it came in, when it came as X12 or CSV: its part of each, and where to get the whole. */
  readonly raw?: readonly LineageRaw[];
}

/** The raw form of an inbound message: the file it came in and its own part of it, as sent. */
export interface LineageRaw {
  readonly messageId: string;
  readonly channel: string;
  readonly name?: string;
  readonly mediaType: string;
  /** When the file was first received. */
  readonly received: string;
  readonly sha256: string;
  readonly bytes: number;
  /** Where in the file: the X12 control numbers of its set, or the CSV lines of its rows. */
  readonly locator: string;
  /** Its set (ST to SE) or the CSV header and its rows, as text (UTF-8; other encodings in `excerptBase64`). */
  readonly excerpt?: string;
  readonly excerptBase64?: string;
  /** The whole file, as received. */
  readonly href: string;
}

export interface LineageDelivery {
  readonly deliveryId: string;
  readonly subscription: string;
  readonly status: string;
  readonly attempts: number;
  readonly deliveredAt?: string;
  readonly lastError?: string;
}

export interface Lineage {
  readonly poNumber: string;
  readonly supplierId?: string;
  readonly plant?: string;
  readonly lines: readonly { readonly key: string; readonly line: number; readonly stage: P2PStage }[];
  readonly messages: readonly LineageMessage[];
  /** Causation links between the messages: `from` caused `to` (event ids). */
  readonly links: readonly { readonly from: string; readonly to: string }[];
  /** Steps expected and not taken yet. */
  readonly gaps: readonly LineGap[];
  /** The message asked for, when the lineage was looked up by event. */
  readonly focus?: number;
}

export class P2PQueries {
  constructor(
    private readonly store: WorkflowStore,
    private readonly log: EventStore,
    private readonly authority: PublishingAuthority,
    private readonly clock: Clock,
    /** The outbox, for the deliveries in a lineage (absent: none are shown). */
    private readonly deliveries?: Pick<DeliveryStore, 'deliveriesOf'>,
    /** The X12 and CSV files as received (absent: no raw forms are shown). */
    private readonly inbound?: Pick<InboundMessageStore, 'inboundOf' | 'inboundMessage'>,
  ) {}

  /**
   * One inbound file as received, for an operator or for the partner or system that sent it
   * (anyone else: not found, like another supplier's PO; a sender the manifest no longer declares too).
   */
  async inboundMessage(messageId: string, viewer: Principal): Promise<InboundMessage | undefined> {
    if (this.authority.readScopeOf(viewer).kind === 'none') return undefined;
    const message = await this.inbound?.inboundMessage(messageId);
    if (message === undefined) return undefined;
    return viewer.kind === 'operator' || message.source === sourceOf(viewer.kind, viewer.id) ? message : undefined;
  }

  private answer(view: ExceptionView): ExceptionAnswer {
    const until = view.resolvedAt === undefined ? this.clock.now().getTime() : toMs(view.resolvedAt);
    return {
      ...view,
      ageSeconds: Math.max(0, Math.round((until - toMs(view.raisedAt)) / 1000)),
      links: view.poNumber !== undefined ? { workflow: `/v1/workflows/p2p/${encodeURIComponent(view.poNumber)}` } : plantLinkOf(view),
    };
  }

  /** The PO's lines, if the viewer may see them (a partner only its own supplier's, a system tied to a plant its plant's; a removed system or partner none). */
  private async visibleLines(poNumber: string, viewer: Principal): Promise<P2PLine[] | undefined> {
    const scope = this.authority.readScopeOf(viewer);
    if (scope.kind === 'none') return undefined;
    const states = await this.store.linesOfPurchaseOrder(poNumber);
    if (states.length === 0) return undefined;
    if (scope.kind === 'supplier' && !states.some((s) => s.terms?.supplierId === scope.supplierId)) return undefined;
    if (scope.kind === 'plant' && !states.some((s) => s.terms?.buyerPlant === scope.plant)) return undefined;
    return states;
  }

  /**
   * Every event of these lines in log order: those correlated by the line key through the log's
   * index (every derived event, and inputs correlated by PO line), the others through the links.
   */
  private async eventsOfLines(keys: readonly string[]): Promise<StoredEvent[]> {
    const linked = await this.store.eventsAt(await this.store.linkedSequences(keys));
    const correlated = (await Promise.all(keys.map((key) => this.log.readByCorrelation(key)))).flat();
    const bySequence = new Map([...linked, ...correlated].map((s) => [s.sequence, s]));
    return [...bySequence.values()].sort((a, b) => a.sequence - b.sequence);
  }

  async purchaseOrder(poNumber: string, viewer: Principal): Promise<PurchaseOrderView | undefined> {
    const found = await this.visibleLines(poNumber, viewer);
    if (found === undefined) return undefined;
    const others = this.othersOf(found, viewer);
    const states = others?.lines ?? found;
    const lines = states.map(summarizeLine);
    const events = others === undefined ? await this.eventsOfLines(states.map((s) => s.key)) : others.visible(await this.eventsOfLines(states.map((s) => s.key)));
    const first = lines.find((l) => l.supplierId !== undefined);
    return {
      poNumber,
      ...(first?.supplierId === undefined ? {} : { supplierId: first.supplierId }),
      ...(first?.plant === undefined ? {} : { plant: first.plant }),
      ...(first?.currency === undefined ? {} : { currency: first.currency }),
      lines,
      timeline: events.map(timelineEntryOf),
    };
  }

  /**
   * The document chain of a purchase order (or of the PO of a line key `PO/LINE` it has, or of the
   * PO an event names): every message with its times and marks, causation links, and the
   * steps still expected. Not found (for a partner: also another supplier's) is undefined.
   */
  async lineage(query: { readonly correlation?: string; readonly source?: string; readonly id?: string }, viewer: Principal): Promise<Lineage | undefined> {
    let poNumber = query.correlation;
    let focus: number | undefined;
    if (query.source !== undefined && query.id !== undefined) {
      const stored = await this.log.find(query.source, query.id);
      if (stored === undefined) return undefined;
      focus = stored.sequence;
      poNumber = poNumberOf(stored.event);
    }
    if (poNumber === undefined) return undefined;
    let states = await this.visibleLines(poNumber, viewer);
    if (states === undefined && poNumber.includes('/')) {
      // A line key: the PO before the last slash. Asked for by correlation, the PO must have a
      // line with exactly this key: any text after a PO number and a slash (`4500000001/abc`,
      // `4500000001/`) named the whole PO. Keys compare as the hub writes them (lineKey), so
      // `/010` is no line. (An event's own correlation is the hub's to trust.)
      const key = poNumber;
      poNumber = key.slice(0, key.lastIndexOf('/'));
      states = await this.visibleLines(poNumber, viewer);
      if (focus === undefined && states !== undefined && !states.some((s) => s.key === key)) return undefined;
    }
    const found = states;
    if (found === undefined) return undefined;
    const others = this.othersOf(found, viewer);
    states = others === undefined ? found : [...others.lines];
    const all = await this.eventsOfLines(states.map((s) => s.key));
    const events = others === undefined ? all : others.visible(all);
    // Another supplier's document (or what the hub derived from it) is not found, as its PO would be.
    if (focus !== undefined && !events.some((e) => e.sequence === focus)) return undefined;
    const deliveries = new Map<number, LineageDelivery[]>();
    // Deliveries name the subscribers, their addresses and failures: for operator keys, as GET
    // /v1/deliveries is (docs/adr/0055). A supplier or a system sees its messages without them.
    const records = viewer.kind === 'operator' ? ((await this.deliveries?.deliveriesOf(events.map((e) => e.sequence))) ?? []) : [];
    for (const d of records) {
      const view: LineageDelivery = {
        deliveryId: d.deliveryId,
        subscription: d.subscription,
        status: d.status,
        attempts: d.attempts,
        ...(d.deliveredAt === undefined ? {} : { deliveredAt: d.deliveredAt }),
        ...(d.lastError === undefined ? {} : { lastError: d.lastError }),
      };
      deliveries.set(d.sequence, [...(deliveries.get(d.sequence) ?? []), view]);
    }
    const raw = new Map<string, LineageRaw[]>();
    // A partner or a system sees the raw form of its own messages only, as it may fetch its own
    // files only: another party's file (a receipt spanning several suppliers' POs, a supplier's
    // 855 with its prices) may hold what is not the viewer's to read (docs/adr/0060).
    const own = viewer.kind === 'operator' ? undefined : sourceOf(viewer.kind, viewer.id);
    const inbound = events
      .filter((e) => e.event.source !== MILLRACE_SOURCE && (own === undefined || e.event.source === own))
      .map((e) => ({ source: e.event.source, id: e.event.id }));
    for (const link of inbound.length === 0 ? [] : ((await this.inbound?.inboundOf(inbound)) ?? [])) {
      const key = `${link.eventSource}\u0000${link.eventId}`;
      raw.set(key, [...(raw.get(key) ?? []), lineageRaw(link)]);
    }
    // Master data marks name the local codes of the enterprise's systems (a WMS's plant and item
    // codes): internal data, for operators and systems. A partner sees them on its own messages
    // only, where the codes are its own (docs/adr/0070).
    const partner = viewer.kind === 'partner' ? sourceOf(viewer.kind, viewer.id) : undefined;
    const processed = new Map<string, string>();
    for (const { event, receivedTime } of events) {
      if (event.causationid !== undefined && !processed.has(event.causationid)) processed.set(event.causationid, receivedTime);
    }
    const ids = new Set(events.map((e) => e.event.id));
    const now = this.clock.now().toISOString();
    const terms = states.find((s) => s.terms !== undefined)?.terms;
    return {
      poNumber,
      ...(terms === undefined ? {} : { supplierId: terms.supplierId, plant: terms.buyerPlant }),
      lines: states.map((s) => ({ key: s.key, line: s.line, stage: stageOf(s) })),
      messages: events.map(({ sequence, receivedTime, event }) => {
        const consequence = processed.get(event.id);
        const sent = deliveries.get(sequence);
        const files = raw.get(`${event.source}\u0000${event.id}`);
        return {
        sequence,
        id: event.id,
        source: event.source,
        type: event.type,
        dataversion: dataVersionOf(event),
        derived: event.source === MILLRACE_SOURCE,
        occurred: event.time,
        received: receivedTime,
        ...(consequence === undefined ? {} : { processed: consequence }),
        ...(event.causationid === undefined ? {} : { causationid: event.causationid }),
        ...(event.correlationid === undefined ? {} : { correlationid: event.correlationid }),
        ...(typeof event.millraceungoverned === 'string' ? { ungoverned: event.millraceungoverned } : {}),
        ...(typeof event.millracelagbreach === 'string' ? { lagBreach: event.millracelagbreach } : {}),
        ...(Array.isArray(event.millracealigned) && (partner === undefined || event.source === partner) ? { aligned: event.millracealigned as NonNullable<LineageMessage['aligned']> } : {}),
        ...(sent === undefined ? {} : { deliveries: sent }),
        ...(files === undefined ? {} : { raw: files }),
        };
      }),
      links: events.flatMap(({ event }) => (event.causationid !== undefined && ids.has(event.causationid) ? [{ from: event.causationid, to: event.id }] : [])),
      gaps: states.flatMap((s) => lineGaps(s, now)),
      ...(focus === undefined ? {} : { focus }),
    };
  }

  async lines(filter: { stage?: P2PStage; supplierId?: string; plant?: string }, viewer: Principal, limit: number, after?: string): Promise<Page<LineSummary>> {
    const scoped = this.scope(filter, viewer);
    if (scoped === undefined) return { items: [] };
    const page = await this.store.listLines(scoped, limit, after);
    const items = this.othersOf(page.items, viewer)?.lines ?? page.items;
    return { items: items.map(summarizeLine), ...(page.next === undefined ? {} : { next: page.next }) };
  }

  async exceptions(filter: ExceptionFilter, viewer: Principal, limit: number, after?: string): Promise<Page<ExceptionAnswer>> {
    const scoped = this.scope(filter, viewer);
    if (scoped === undefined) return { items: [] };
    if (this.authority.readScopeOf(viewer).kind !== 'supplier') {
      const page = await this.store.listExceptions(scoped, limit, after);
      return { items: page.items.map((view) => this.answer(view)), ...(page.next === undefined ? {} : { next: page.next }) };
    }
    return this.supplierExceptions(scoped, viewer, limit, after);
  }

  /**
   * A supplier's page: the store narrows to its POs, and the exceptions about another supplier's
   * document on them (which only the line states tell) are left out before the page is cut, so
   * every page is full until the last and the last has no `next` (docs/adr/0070). The trap: the
   * store's cursor is opaque and marks the end of what it read, so a read never asks for more
   * rows than the page still lacks (all of them may be kept); then one look ahead says whether
   * anything the supplier may read is left.
   */
  private async supplierExceptions(filter: ExceptionFilter, viewer: Principal, limit: number, after: string | undefined): Promise<Page<ExceptionAnswer>> {
    const hiddenByPo = new Map<string, ReadonlySet<string>>();
    const kept = async (views: readonly ExceptionView[]): Promise<ExceptionView[]> => {
      for (const po of new Set(views.flatMap((v) => (v.workflow === 'p2p' && v.poNumber !== undefined ? [v.poNumber] : [])))) {
        if (!hiddenByPo.has(po)) hiddenByPo.set(po, this.othersOf(await this.store.linesOfPurchaseOrder(po), viewer)?.exceptions ?? NO_IDS);
      }
      return views.filter((v) => !(v.workflow === 'p2p' && v.poNumber !== undefined && hiddenByPo.get(v.poNumber)?.has(v.exceptionId) === true));
    };
    const items: ExceptionView[] = [];
    let cursor = after;
    for (;;) {
      const page = await this.store.listExceptions(filter, limit - items.length, cursor);
      items.push(...(await kept(page.items)));
      if (page.next === undefined) return { items: items.map((view) => this.answer(view)) };
      cursor = page.next;
      if (items.length >= limit) break;
    }
    // The page is full: `next` only if the supplier may read something after it.
    for (let probe: string | undefined = cursor; probe !== undefined; ) {
      const page = await this.store.listExceptions(filter, limit, probe);
      if ((await kept(page.items)).length > 0) return { items: items.map((view) => this.answer(view)), next: cursor };
      probe = page.next;
    }
    return { items: items.map((view) => this.answer(view)) };
  }

  /** A supplier's view of its PO lines, without other suppliers' documents; undefined for every other scope. */
  private othersOf(states: readonly P2PLine[], viewer: Principal): SupplierView | undefined {
    const scope = this.authority.readScopeOf(viewer);
    return scope.kind === 'supplier' ? supplierView(states, scope.supplierId, sourceOf(viewer.kind, viewer.id)) : undefined;
  }

  /** The exceptions of these raised about another supplier's document on the viewer's PO lines (a supplier's scope only). */
  private async othersExceptions(views: readonly ExceptionView[], viewer: Principal): Promise<ReadonlySet<string>> {
    if (this.authority.readScopeOf(viewer).kind !== 'supplier') return NO_IDS;
    const pos = [...new Set(views.flatMap((v) => (v.workflow === 'p2p' && v.poNumber !== undefined ? [v.poNumber] : [])))];
    const hidden = new Set<string>();
    for (const po of pos) for (const id of this.othersOf(await this.store.linesOfPurchaseOrder(po), viewer)?.exceptions ?? []) hidden.add(id);
    return hidden;
  }

  async exception(exceptionId: string, viewer: Principal): Promise<ExceptionAnswer | undefined> {
    const scope = this.authority.readScopeOf(viewer);
    if (scope.kind === 'none') return undefined;
    const view = await this.store.getException(exceptionId);
    if (view === undefined) return undefined;
    if (scope.kind === 'supplier' && view.supplierId !== scope.supplierId) return undefined;
    if (scope.kind === 'plant' && view.plant !== scope.plant) return undefined;
    if ((await this.othersExceptions([view], viewer)).has(view.exceptionId)) return undefined;
    return this.answer(view);
  }

  /** The filter narrowed to what the viewer may read; undefined when it asks for what the viewer may not. */
  private scope<F extends { supplierId?: string; plant?: string }>(filter: F, viewer: Principal): F | undefined {
    const scope = this.authority.readScopeOf(viewer);
    switch (scope.kind) {
      case 'all':
        return filter;
      case 'none':
        return undefined;
      case 'supplier':
        return filter.supplierId !== undefined && filter.supplierId !== scope.supplierId ? undefined : { ...filter, supplierId: scope.supplierId };
      case 'plant':
        return filter.plant !== undefined && filter.plant !== scope.plant ? undefined : { ...filter, plant: scope.plant };
    }
  }
}

function lineageRaw(link: InboundMessageLink): LineageRaw {
  let text: string | undefined;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(link.excerpt);
  } catch {
    text = undefined;
  }
  return {
    messageId: link.messageId,
    channel: link.channel,
    ...(link.name === undefined ? {} : { name: link.name }),
    mediaType: link.mediaType,
    received: link.receivedTime,
    sha256: link.sha256,
    bytes: link.bytes,
    locator: link.locator,
    ...(text === undefined ? { excerptBase64: base64(link.excerpt) } : { excerpt: text }),
    href: `/v1/inbound/messages/${link.messageId}`,
  };
}

/** Base64 without node:buffer (the use cases are platform-neutral). */
function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Where a plant workflow's exception is shown: the order, the transfer, the plant's inventory. */
function plantLinkOf(view: ExceptionView): { workflow?: string } {
  if (view.key === undefined) return {};
  const key = encodeURIComponent(view.key);
  switch (view.workflow) {
    case 'production':
      return { workflow: `/v1/workflows/production/${key}` };
    case 'transfer':
      return { workflow: `/v1/workflows/transfer/${key}` };
    case 'inventory':
      return { workflow: `/v1/inventory/${key}` };
    default:
      return {};
  }
}

/** The purchase order an event is about: `data.poNumber`, else its first line's. */
function poNumberOf(event: CloudEvent): string | undefined {
  if (typeof event.data.poNumber === 'string') return event.data.poNumber;
  const lines = event.data.lines;
  if (Array.isArray(lines)) {
    const first: unknown = lines[0];
    if (first !== null && typeof first === 'object' && typeof (first as { poNumber?: unknown }).poNumber === 'string') return (first as { poNumber: string }).poNumber;
  }
  return typeof event.data.key === 'string' ? event.data.key.split('/')[0] : event.correlationid;
}

const NO_IDS: ReadonlySet<string> = new Set();

/**
 * What a supplier reads of its PO lines (docs/adr/0060): the lines without other suppliers'
 * invoices, credit memos, ASNs and their copies, and without the exceptions, deadlines and
 * postings about them; `visible` keeps the events that are not those documents or derived from
 * them. Invoice numbers are unique per supplier only, so documents are told apart by supplier.
 */
interface SupplierView {
  readonly lines: readonly P2PLine[];
  /** Ids of the exceptions raised about another supplier's document. */
  readonly exceptions: ReadonlySet<string>;
  visible(events: readonly StoredEvent[]): StoredEvent[];
}

function supplierView(states: readonly P2PLine[], supplierId: string, ownSource: string): SupplierView {
  const events = new Set<string>();
  const refs = new Set<string>();
  const shipments = new Set<string>();
  const invoiceNumbers = new Set<string>();
  const ownNumbers = new Set<string>();
  const exceptions = new Set<string>();
  const keep = <T>(records: Readonly<Record<string, T>>, mine: (record: T) => boolean, hide: (key: string, record: T) => void): Record<string, T> => {
    const kept: Record<string, T> = {};
    for (const [key, record] of Object.entries(records)) {
      if (mine(record)) kept[key] = record;
      else hide(key, record);
    }
    return kept;
  };
  const partial = states.map((state) => {
    for (const invoice of Object.values(state.invoices)) if (invoice.supplierId === supplierId) ownNumbers.add(invoice.invoiceNumber);
    return {
      ...state,
      invoices: keep(state.invoices, (i) => i.supplierId === supplierId, (key, i) => (events.add(i.eventId), refs.add(key), invoiceNumbers.add(i.invoiceNumber))),
      credits: keep(state.credits, (c) => c.supplierId === supplierId, (key, c) => (events.add(c.eventId), refs.add(key), refs.add(c.eventId))),
      shipments: keep(state.shipments, (s) => s.supplierId === supplierId, (key, s) => (events.add(s.eventId), refs.add(s.eventId), shipments.add(key))),
      duplicates: keep(state.duplicates, (d) => d.supplierId === undefined || d.supplierId === supplierId, (key, d) => (events.add(d.eventId), refs.add(key))),
    };
  });
  for (const number of ownNumbers) invoiceNumbers.delete(number);
  const lines = partial.map((state) => ({
    ...state,
    exceptions: keep(state.exceptions, (e) => !refs.has(e.ref), (_, e) => exceptions.add(e.exceptionId)),
    deadlines: keep(state.deadlines, (d) => !refs.has(d.ref), () => undefined),
    postings: keep(state.postings, (p) => p.invoiceNumber === undefined || !invoiceNumbers.has(p.invoiceNumber), () => undefined),
  }));
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  return {
    lines,
    exceptions,
    visible: (all) => {
      const hidden = new Set(events);
      return all.filter(({ event }) => {
        const data = event.data;
        const supplier = text(data.supplierId);
        let other: boolean;
        if (event.source === MILLRACE_SOURCE) {
          other =
            (event.causationid !== undefined && hidden.has(event.causationid)) ||
            exceptions.has(text(data.exceptionId) ?? '') ||
            refs.has(text(data.ref) ?? '') ||
            invoiceNumbers.has(text(data.invoiceNumber) ?? '') ||
            (supplier !== undefined && supplier !== supplierId);
        } else {
          // The buyer's PO names its supplier: a PO that changed supplier is still the buyer's document.
          other =
            hidden.has(event.id) ||
            (event.source.startsWith('/partners/') && event.source !== ownSource) ||
            (!event.type.startsWith('po.') && supplier !== undefined && supplier !== supplierId) ||
            shipments.has(text(data.shipmentId) ?? '');
        }
        if (other) hidden.add(event.id);
        return !other;
      });
    },
  };
}
