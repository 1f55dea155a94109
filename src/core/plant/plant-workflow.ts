// What the three plant workflows (production order, transfer, plant inventory) share: the
// deadline, exception and posting records, how governance events evolve them, and the
// derivation that gives derived events ids that follow from their cause (replay == live).
// The scheme is P2P's (ADR 0006) with a workflow tag, since one inventory.movement can feed a
// production order, a transfer and a plant's inventory in the same step.
import type { CloudEvent, StoredEvent } from '../envelope.js';
import { derivedEvent, MILLRACE_SOURCE } from '../envelope.js';
import { toMs, utc } from '../time.js';
import type { DeadlineRecord as P2PDeadlineRecord, ExceptionRecord as P2PExceptionRecord } from '../p2p/p2p-state.js';
import type { PlantExceptionCode, PlantPolicy, PlantSla } from './plant-policy.js';

export type PlantWorkflow = 'production' | 'transfer' | 'inventory';


/** Tags in derived ids: `mr-mo-12-0-3`, `EXC-tr-40-1-0`. */
const TAG: Readonly<Record<PlantWorkflow, string>> = { production: 'mo', transfer: 'tr', inventory: 'inv' };

/** A plant workflow's SLA timer: the P2P record, with the plant it runs for. */
export interface DeadlineRecord extends P2PDeadlineRecord {
  readonly plant?: string;
}

/**
 * A plant workflow's exception: the P2P record (its `ref` names what it is about within the
 * workflow: a completion, a component, an item at a plant), with the plant it concerns.
 */
export interface ExceptionRecord extends P2PExceptionRecord {
  readonly plant?: string;
}

/** The records every plant workflow state carries. */
export interface Governed {
  readonly key: string;
  readonly deadlines: Readonly<Record<string, DeadlineRecord>>;
  readonly exceptions: Readonly<Record<string, ExceptionRecord>>;
}

type Data = Readonly<Record<string, unknown>>;

export function text(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function deadlineKey(sla: string, ref: string): string {
  return `${sla}:${ref}`;
}

/**
 * Applies a governance event (sla.started, sla.breached, exception.raised, exception.resolved)
 * to a state; undefined when the event is not one of those.
 */
export function evolveGoverned<S extends Governed>(state: S, event: CloudEvent): S | undefined {
  const data = event.data;
  switch (event.type) {
    case 'sla.started': {
      const key = deadlineKey(text(data.sla), text(data.ref));
      const previous = state.deadlines[key];
      const deadline = text(data.deadline);
      // A moved deadline starts afresh; a repeated one keeps its breach.
      const breached = previous !== undefined && previous.deadline === deadline ? previous.breached : false;
      const record: DeadlineRecord = {
        sla: text(data.sla),
        ref: text(data.ref),
        startedAt: text(data.startedAt),
        deadline,
        owner: text(data.owner),
        ...optional('plant', data.plant as string | undefined),
        breached,
      };
      return { ...state, deadlines: { ...state.deadlines, [key]: record } };
    }
    case 'sla.breached': {
      const key = deadlineKey(text(data.sla), text(data.ref));
      const deadline = state.deadlines[key];
      // A breach of a deadline that has since moved says nothing about the new one.
      if (deadline === undefined || deadline.deadline !== text(data.deadline)) return state;
      return { ...state, deadlines: { ...state.deadlines, [key]: { ...deadline, breached: true } } };
    }
    case 'exception.raised': {
      const exceptionId = text(data.exceptionId);
      const details = (data.details ?? {}) as Data;
      const record: ExceptionRecord = {
        exceptionId,
        code: text(data.code),
        ref: text(details.ref ?? ''),
        owner: text(data.owner),
        ...optional('plant', data.plant as string | undefined),
        status: 'open',
        raisedAt: event.time,
      };
      return { ...state, exceptions: { ...state.exceptions, [exceptionId]: record } };
    }
    case 'exception.resolved': {
      const exception = state.exceptions[text(data.exceptionId)];
      if (exception === undefined || exception.status === 'resolved') return state;
      return { ...state, exceptions: { ...state.exceptions, [exception.exceptionId]: { ...exception, status: 'resolved', resolvedAt: event.time } } };
    }
    default:
      return undefined;
  }
}

export interface PlantDecisionContext {
  /** The input event just applied to the state. */
  readonly cause: StoredEvent;
  /** Position of this key among the keys the cause touches (keeps derived ids unique). */
  readonly keyIndex: number;
  /** Processing time, RFC 3339. */
  readonly now: string;
  readonly policy: PlantPolicy;
}

/**
 * Builds derived events for one workflow key. An exception is identified by code and ref:
 * `raise` does nothing while one is open, `resolve` closes the open one. A problem that comes
 * back after its exception was resolved is a new exception.
 */
export class PlantDerivation {
  readonly events: CloudEvent[] = [];
  private readonly open = new Map<string, string>();

  constructor(
    private readonly workflow: PlantWorkflow,
    private readonly state: Governed,
    private readonly ctx: PlantDecisionContext,
    /** Business keys every exception and SLA event of this workflow carries (productionOrder, plant). */
    private readonly subject: Readonly<Record<string, unknown>>,
  ) {
    for (const e of Object.values(state.exceptions)) if (e.status === 'open') this.open.set(`${e.code}\u0000${e.ref}`, e.exceptionId);
  }

  private nextId(prefix: string): string {
    return `${prefix}-${TAG[this.workflow]}-${this.ctx.cause.sequence}-${this.ctx.keyIndex}-${this.events.length}`;
  }

  emit(type: string, data: Record<string, unknown>, plant?: string): void {
    this.events.push(derivedEvent(this.nextId('mr'), type, this.ctx.now, this.state.key, this.ctx.cause, data, plant));
  }

  isOpen(code: PlantExceptionCode, ref: string): boolean {
    return this.open.has(`${code}\u0000${ref}`);
  }

  raise(code: PlantExceptionCode, ref: string, plant: string | undefined, message: string, evidence: readonly string[], details: Record<string, unknown> = {}): void {
    if (this.isOpen(code, ref)) return;
    const exceptionId = this.nextId('EXC');
    this.open.set(`${code}\u0000${ref}`, exceptionId);
    this.emit(
      'exception.raised',
      {
        exceptionId,
        code,
        owner: this.ctx.policy.ownerOf(code, plant),
        workflow: this.workflow,
        severity: SEVERITY[code],
        message,
        ...this.subject,
        ...optional('plant', plant),
        evidence: [...new Set(evidence)],
        details: { ref, ...details },
      },
      plant,
    );
  }

  resolve(code: PlantExceptionCode, ref: string, reason: string): void {
    const id = this.open.get(`${code}\u0000${ref}`);
    if (id === undefined) return;
    this.open.delete(`${code}\u0000${ref}`);
    const plant = this.state.exceptions[id]?.plant;
    this.emit('exception.resolved', { exceptionId: id, code, resolvedBy: 'millrace', reason, resolution: 'automatic', workflow: this.workflow, ...this.subject, ...optional('plant', plant) }, plant);
  }

  startSla(sla: PlantSla, ref: string, startedAt: string, deadline: string, owner: string, plant: string | undefined): void {
    this.emit('sla.started', { sla, workflow: this.workflow, owner, startedAt, deadline, ref, ...this.subject, ...optional('plant', plant) }, plant);
  }
}

const SEVERITY: Readonly<Record<PlantExceptionCode, 'low' | 'medium' | 'high'>> = {
  production_order_unknown: 'high',
  production_order_closed: 'medium',
  inventory_not_updated: 'high',
  production_quantity_mismatch: 'medium',
  backflush_mismatch: 'medium',
  receipt_overdue: 'high',
  transfer_quantity_mismatch: 'medium',
  transfer_not_shipped: 'medium',
  inventory_mismatch: 'medium',
  unit_of_measure_unknown: 'medium',
  master_data_gap: 'medium',
};

/** A deadline that has neither passed into a breach nor been met. */
export interface ActiveDeadline extends DeadlineRecord {
  readonly key: string;
}

export function activeDeadlinesOf(state: Governed, isMet: (deadline: DeadlineRecord) => boolean): ActiveDeadline[] {
  return Object.entries(state.deadlines)
    .filter(([, d]) => !d.breached && !isMet(d))
    .map(([key, d]) => ({ ...d, key }))
    .sort((a, b) => toMs(a.deadline) - toMs(b.deadline) || a.key.localeCompare(b.key));
}

/**
 * `sla.breached` for every active deadline passed at `now`. The id follows from workflow, key,
 * SLA, ref and deadline, and the time is the deadline: two processes firing the same deadline
 * append one event.
 */
export function breachesOf(workflow: PlantWorkflow, state: Governed, active: readonly ActiveDeadline[], now: string, subject: Readonly<Record<string, unknown>>): CloudEvent[] {
  return active
    .filter((deadline) => toMs(deadline.deadline) <= toMs(now))
    .map((deadline) => ({
      specversion: '1.0',
      id: `breach:${workflow}:${state.key}:${deadline.sla}:${deadline.ref}:${toMs(deadline.deadline)}`,
      source: MILLRACE_SOURCE,
      type: 'sla.breached',
      time: deadline.deadline,
      correlationid: state.key,
      ...optional('plant', deadline.plant),
      data: {
        sla: deadline.sla,
        workflow,
        owner: deadline.owner,
        startedAt: deadline.startedAt,
        deadline: deadline.deadline,
        ref: deadline.ref,
        ...subject,
        ...optional('plant', deadline.plant),
      },
    }));
}

/** The earliest active deadline, as an ISO time, for the scheduler's index. */
export function nextDue(active: readonly ActiveDeadline[]): string | undefined {
  const first = active[0];
  return first === undefined ? undefined : utc(first.deadline);
}

export function openExceptions(state: Governed): ExceptionRecord[] {
  return Object.values(state.exceptions).filter((e) => e.status === 'open');
}

/** Sort by business time, then by event id: the same order whatever order the events arrived in. */
export function byTimeThenId(a: { at: string; eventId: string }, b: { at: string; eventId: string }): number {
  return toMs(a.at) - toMs(b.at) || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
}
