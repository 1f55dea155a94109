// Reading the P2P workflows as the API shows them: a PO with its lines and timeline, lists
// of lines and exceptions. A partner credential sees only its own supplier's objects; for
// anything else the answer is "not found", so a supplier cannot probe another's POs.
import type { ExceptionView, LineSummary, P2PStage, Principal, PublishingAuthority } from '../core/index.js';
import { summarizeLine, toMs } from '../core/index.js';
import type { Clock, EventStore, ExceptionFilter, Page, WorkflowStore } from '../ports/index.js';

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

export class P2PQueries {
  constructor(
    private readonly store: WorkflowStore,
    private readonly log: EventStore,
    private readonly authority: PublishingAuthority,
    private readonly clock: Clock,
  ) {}

  private answer(view: ExceptionView): ExceptionAnswer {
    const until = view.resolvedAt === undefined ? this.clock.now().getTime() : toMs(view.resolvedAt);
    return {
      ...view,
      ageSeconds: Math.max(0, Math.round((until - toMs(view.raisedAt)) / 1000)),
      links: view.poNumber === undefined ? {} : { workflow: `/v1/workflows/p2p/${encodeURIComponent(view.poNumber)}` },
    };
  }

  async purchaseOrder(poNumber: string, viewer: Principal): Promise<PurchaseOrderView | undefined> {
    const states = await this.store.linesOfPurchaseOrder(poNumber);
    const scope = this.authority.supplierScopeOf(viewer);
    if (states.length === 0) return undefined;
    if (scope !== undefined && !states.some((s) => s.terms?.supplierId === scope)) return undefined;
    const lines = states.map(summarizeLine);
    const keys = states.map((s) => s.key);
    // Events correlated by the line key through the log's index (every derived event, and
    // inputs correlated by PO line), the others through the links.
    const linked = await this.store.eventsAt(await this.store.linkedSequences(keys));
    const correlated = (await Promise.all(keys.map((key) => this.log.readByCorrelation(key)))).flat();
    const bySequence = new Map([...linked, ...correlated].map((s) => [s.sequence, s]));
    const events = [...bySequence.values()].sort((a, b) => a.sequence - b.sequence);
    const first = lines.find((l) => l.supplierId !== undefined);
    return {
      poNumber,
      ...(first?.supplierId === undefined ? {} : { supplierId: first.supplierId }),
      ...(first?.plant === undefined ? {} : { plant: first.plant }),
      ...(first?.currency === undefined ? {} : { currency: first.currency }),
      lines,
      timeline: events.map(({ sequence, receivedTime, event }) => ({
        sequence,
        type: event.type,
        source: event.source,
        id: event.id,
        time: event.time,
        receivedTime,
        ...(event.correlationid === undefined ? {} : { correlationid: event.correlationid }),
        ...(event.causationid === undefined ? {} : { causationid: event.causationid }),
      })),
    };
  }

  async lines(filter: { stage?: P2PStage; supplierId?: string; plant?: string }, viewer: Principal, limit: number, after?: string): Promise<Page<LineSummary>> {
    const scoped = this.scope(filter, viewer);
    if (scoped === undefined) return { items: [] };
    const page = await this.store.listLines(scoped, limit, after);
    return { items: page.items.map(summarizeLine), ...(page.next === undefined ? {} : { next: page.next }) };
  }

  async exceptions(filter: ExceptionFilter, viewer: Principal, limit: number, after?: string): Promise<Page<ExceptionAnswer>> {
    const scoped = this.scope(filter, viewer);
    if (scoped === undefined) return { items: [] };
    const page = await this.store.listExceptions(scoped, limit, after);
    return { items: page.items.map((view) => this.answer(view)), ...(page.next === undefined ? {} : { next: page.next }) };
  }

  async exception(exceptionId: string, viewer: Principal): Promise<ExceptionAnswer | undefined> {
    const view = await this.store.getException(exceptionId);
    if (view === undefined) return undefined;
    const scope = this.authority.supplierScopeOf(viewer);
    return scope !== undefined && view.supplierId !== scope ? undefined : this.answer(view);
  }

  /** The filter narrowed to the viewer's supplier; undefined when it asks for another supplier. */
  private scope<F extends { supplierId?: string }>(filter: F, viewer: Principal): F | undefined {
    const scope = this.authority.supplierScopeOf(viewer);
    if (scope === undefined) return filter;
    if (filter.supplierId !== undefined && filter.supplierId !== scope) return undefined;
    return { ...filter, supplierId: scope };
  }
}
