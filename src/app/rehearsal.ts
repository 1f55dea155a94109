// A rehearsal: recorded traffic replayed, in file order, through a fresh hub whose clock
// follows the events' business time. An integration team runs it to see what a policy or an
// ERP change would do to real traffic before it goes live.
import type { CloudEvent, ExceptionView, InventoryAccuracy, LineSummary, PlantPolicy, Principal, ProductionOrderView } from '../core/index.js';
import { inventoryAccuracy, isMillraceError, MILLRACE_SOURCE, productionOrderView, readInstant, summarizeLine, toMs } from '../core/index.js';
import type { EventStore, WorkflowStore } from '../ports/index.js';
import type { DeadlineScheduler } from './deadline-scheduler.js';
import type { IngestService } from './ingest.js';
import type { WorkflowProcessor } from './workflow-processor.js';

/** A clock the rehearsal moves: forward only, to each event's time. */
export interface SettableClock {
  now(): Date;
  set(instant: string): void;
}

export interface RehearsalInput {
  /** One entry per line of the input file: a parsed event, or why the line could not be read. */
  readonly entries: readonly ({ readonly line: number; readonly event: unknown } | { readonly line: number; readonly error: string })[];
  /** Advance to this instant at the end, firing the deadlines that pass. */
  readonly until?: string;
}

export interface RehearsalReport {
  readonly accepted: number;
  readonly duplicates: number;
  /** Events held for master data (a local code the manifest's cross-references do not map). */
  readonly held: readonly { readonly id: string; readonly line: number; readonly gaps: readonly { readonly kind: string; readonly code: string; readonly table: string }[] }[];
  readonly rejected: readonly { readonly id?: string; readonly type?: string; readonly line: number; readonly reason: string }[];
  readonly workflows: readonly { readonly poNumber: string; readonly line: number; readonly stage: string; readonly ordered: string; readonly received: string; readonly invoiced: string; readonly stopped?: string }[];
  readonly exceptions: readonly {
    readonly id: string;
    readonly code: string;
    readonly owner: string;
    readonly status: string;
    readonly poNumber?: string;
    readonly line?: number;
    readonly invoiceNumber?: string;
    readonly message: string;
  }[];
  readonly derived: readonly CloudEvent[];
  /** Full line summaries, for the readable report. */
  readonly lines: readonly LineSummary[];
  /** The production orders the plant workflows followed. */
  readonly productionOrders: readonly ProductionOrderView[];
  /** Inventory accuracy per plant (items within tolerance of the latest snapshot). */
  readonly inventory: readonly InventoryAccuracy[];
}

export interface RehearsalDependencies {
  readonly store: EventStore & WorkflowStore;
  readonly ingest: IngestService;
  readonly processor: WorkflowProcessor;
  readonly scheduler: DeadlineScheduler;
  readonly clock: SettableClock;
  readonly plantPolicy: PlantPolicy;
}

/** The principal an event's source names: `/systems/<id>` or `/partners/<id>`. */
export function principalOfSource(source: string): Principal | undefined {
  const match = /^\/(systems|partners)\/([^/]+)$/.exec(source);
  if (match === null) return undefined;
  return { kind: match[1] === 'systems' ? 'system' : 'partner', id: match[2] ?? '' };
}

export async function rehearse(deps: RehearsalDependencies, input: RehearsalInput): Promise<RehearsalReport> {
  let accepted = 0;
  let duplicates = 0;
  const held: { id: string; line: number; gaps: { kind: string; code: string; table: string }[] }[] = [];
  const rejected: { id?: string; type?: string; line: number; reason: string }[] = [];
  const advanceTo = async (instant: string) => {
    if (toMs(instant) > deps.clock.now().getTime()) deps.clock.set(instant);
    await deps.processor.catchUp();
    if ((await deps.scheduler.fireDue()) > 0) await deps.processor.catchUp();
  };
  for (const entry of input.entries) {
    if ('error' in entry) {
      rejected.push({ line: entry.line, reason: entry.error });
      continue;
    }
    const candidate = entry.event as Partial<CloudEvent>;
    const id = typeof candidate.id === 'string' ? candidate.id : undefined;
    const type = typeof candidate.type === 'string' ? candidate.type : undefined;
    const label = { ...(id === undefined ? {} : { id }), ...(type === undefined ? {} : { type }), line: entry.line };
    if (typeof candidate.time === 'string' && readInstant(candidate.time) !== undefined) await advanceTo(candidate.time);
    const principal = typeof candidate.source === 'string' ? principalOfSource(candidate.source) : undefined;
    if (principal === undefined) {
      rejected.push({ ...label, reason: `source ${String(candidate.source)} names no system or partner (/systems/<id> or /partners/<id>)` });
      continue;
    }
    try {
      const receipt = await deps.ingest.submit(principal, [entry.event], false);
      accepted += receipt.accepted.length;
      duplicates += receipt.duplicates.length;
      for (const h of receipt.quarantined ?? []) held.push({ id: h.id, line: entry.line, gaps: h.gaps.map((g) => ({ kind: g.kind, code: g.code, table: g.table })) });
    } catch (error) {
      if (!isMillraceError(error)) throw error;
      const violations = (error.details.violations as { pointer: string; message: string }[] | undefined) ?? [];
      const detail = violations.length > 0 ? `: ${violations.map((v) => `${v.pointer} ${v.message}`).join('; ')}` : '';
      rejected.push({ ...label, reason: `${error.code}: ${error.message}${detail}` });
    }
    await deps.processor.catchUp();
  }
  if (input.until !== undefined) await advanceTo(input.until);
  await deps.processor.catchUp();

  const lines: LineSummary[] = [];
  let after: string | undefined;
  do {
    const page = await deps.store.listLines({}, 500, after);
    lines.push(...page.items.map(summarizeLine));
    after = page.next;
  } while (after !== undefined);
  const exceptions: ExceptionView[] = [];
  let before: string | undefined;
  do {
    const page = await deps.store.listExceptions({}, 500, before);
    exceptions.push(...page.items);
    before = page.next;
  } while (before !== undefined);
  exceptions.sort((a, b) => a.raisedSequence - b.raisedSequence);
  const derived: CloudEvent[] = [];
  for (let from = 0; ; ) {
    const batch = await deps.store.readFrom(from, 1000);
    if (batch.length === 0) break;
    derived.push(...batch.filter((s) => s.event.source === MILLRACE_SOURCE).map((s) => s.event));
    from = batch[batch.length - 1]?.sequence ?? from;
  }
  return {
    accepted,
    duplicates,
    held,
    rejected,
    workflows: lines.map((l) => ({ poNumber: l.poNumber, line: l.line, stage: l.stage, ordered: l.quantities.ordered, received: l.quantities.received, invoiced: l.quantities.invoiced, ...(l.quantities.stopped === undefined ? {} : { stopped: l.quantities.stopped }) })),
    exceptions: exceptions.map((e) => ({
      id: e.exceptionId,
      code: e.code,
      owner: e.owner,
      status: e.status,
      ...(e.poNumber === undefined ? {} : { poNumber: e.poNumber }),
      ...(e.line === undefined ? {} : { line: e.line }),
      ...(e.invoiceNumber === undefined ? {} : { invoiceNumber: e.invoiceNumber }),
      message: e.message,
    })),
    derived,
    lines,
    productionOrders: (await deps.store.plantStates('production', {})).flatMap((t) => (t.workflow === 'production' ? [productionOrderView(t.state, deps.plantPolicy)] : [])),
    inventory: (await deps.store.plantStates('inventory', {})).flatMap((t) => (t.workflow === 'inventory' ? [inventoryAccuracy(t.state, deps.plantPolicy)] : [])),
  };
}
