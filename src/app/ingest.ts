// The ingest use case: the door every channel goes through. A submission (one event or a
// batch) is checked whole (envelope, publishing authority, data contract) and then committed
// whole; nothing of a rejected submission is stored.
import type { AuthorityDecision, CloudEvent, CodeGap, ContractRegistry, ContractViolationCode, LagBreach, Principal, Steps, Violation } from '../core/index.js';
import { alignedEvent, arrivedAs, ContractViolationError, formatDuration, GOVERNANCE_MARKS, illFormedAt, markAligned, mayHoldSurrogateEscape, MillraceError, submissionCode, withTraceContext } from '../core/index.js';
import type { AppendedEvent, Clock, TraceContext } from '../ports/index.js';
import type { GroupCommitter } from './group-commit.js';
import type { Pacing } from './pacing.js';
import { runPaced } from './pacing.js';
import type { HeldEvent, MasterDataGate } from './master-data-gate.js';
import { gapError } from './master-data-gate.js';

export interface IngestReceipt {
  readonly accepted: readonly AppendedEvent[];
  readonly duplicates: readonly AppendedEvent[];
  /** Events held in quarantine until master data maps their codes (docs/adr/0019); absent when none. */
  readonly quarantined?: readonly HeldEvent[];
}

export interface SubmitOptions {
  /** An event with a master data gap: `hold` it in quarantine (default), or `refuse` it (a retry of a held one). */
  readonly gaps?: 'hold' | 'refuse';
  /**
   * The intake span's context when tracing is on: each event is stored with it (its
   * `traceparent`/`tracestate` attributes, which idempotency ignores), so that processing and
   * deliveries, later and elsewhere, continue the same trace.
   */
  readonly trace?: TraceContext | undefined;
}

/** One refused event of a submission and the manifest rule that refuses it. */
export interface Denial {
  readonly pointer: string;
  readonly id: string;
  readonly rule: string;
  readonly message: string;
}

/** Who may publish what (the manifest's PublishingAuthority, or a permissive one for rehearsals). */
export interface Authority {
  decide(principal: Principal, event: Pick<CloudEvent, 'source' | 'type'>): AuthorityDecision;
  /** The source's maximum sync lag, when the event exceeded it. */
  lagBreach?(principal: Principal, event: Pick<CloudEvent, 'type' | 'time'>, receivedMs: number): LagBreach | undefined;
  /** The supplier a partner credential speaks for (undefined: no object scope). */
  supplierScopeOf?(principal: Principal): string | undefined;
}

/** Who owns a business object, for the object-level check of a partner's submissions. */
export interface ObjectOwnership {
  /** The supplier a purchase order was issued to; undefined when the hub does not know the PO. */
  supplierOfPurchaseOrder(poNumber: string): Promise<string | undefined>;
}

export interface IngestDependencies {
  readonly registry: ContractRegistry;
  readonly authority: Authority;
  readonly committer: GroupCommitter;
  /** For lag: when the hub received an event. */
  readonly clock?: Clock;
  /** Without it, a partner's events are checked by their supplierId alone. */
  readonly ownership?: ObjectOwnership;
  /** Master data alignment of local codes; without it, events are stored with the codes they carry. */
  readonly alignment?: MasterDataGate;
  /** A batch of at least `pacing.every` events is checked a slice at a time (pacing.ts); absent: at once. */
  readonly pacing?: Pacing;
}

/** An event held for a master data gap, and its gaps. */
interface HeldGaps {
  readonly event: CloudEvent;
  readonly gaps: CodeGap[];
}

const NO_GAPS: ReadonlyMap<number, HeldGaps> = new Map();

export class IngestService {
  constructor(private readonly deps: IngestDependencies) {}

  /**
   * Checks and commits a submission. `batch` says whether the caller sent an array, so that
   * pointers in errors follow the caller's own document (`/2/data/...` versus `/data/...`).
   * Throws a MillraceError (422, 403 or 409) and stores nothing when any event is refused.
   * `options.trace` carries the intake span's context (see SubmitOptions).
   */
  async submit(principal: Principal, candidates: readonly unknown[], batch: boolean, options: SubmitOptions = {}): Promise<IngestReceipt> {
    if (candidates.length === 0) throw new MillraceError('empty_batch', 'the batch holds no events; send at least one');
    const pacing = this.deps.pacing;
    const checked = pacing === undefined || candidates.length < pacing.every ? this.check(principal, candidates, batch) : await runPaced(this.checkInSteps(principal, candidates, batch), pacing);
    const aligned = this.align(principal, checked, options);
    const { gapped } = aligned;
    const trace = options.trace;
    const events = trace === undefined ? aligned.events : aligned.events.map((event) => withTraceContext(event, trace));
    const scope = this.deps.authority.supplierScopeOf?.(principal);
    // Objects are checked as the workflows will read them (canonical codes); a held event is checked on its retry.
    if (scope !== undefined) await this.checkObjects(scope, checked.map((event, index) => (gapped.has(index) ? { ...event, data: {} } : alignedEvent(events[index] ?? event))), batch);
    const stored = gapped.size === 0 ? events : events.filter((_, index) => !gapped.has(index));
    const held = gapped.size === 0 || this.deps.alignment === undefined ? [] : await this.deps.alignment.hold(principal, [...gapped.values()]);
    if (stored.length === 0) return { accepted: [], duplicates: [], quarantined: held };
    const outcome = await this.deps.committer.submit(stored);
    if (outcome.kind === 'conflict') {
      const conflicts = outcome.conflicts.map((conflict) => ({
        pointer: batch ? `/${conflict.index}` : '',
        source: conflict.source,
        id: conflict.id,
        ...(conflict.existingSequence === undefined ? {} : { existingSequence: conflict.existingSequence }),
      }));
      const first = conflicts[0];
      throw new MillraceError(
        'event_conflict',
        `event ${first?.id ?? ''} from ${first?.source ?? ''} was already received with a different body; send a new id for a new fact`,
        { conflicts },
      );
    }
    const accepted: AppendedEvent[] = [];
    const duplicates: AppendedEvent[] = [];
    for (const event of outcome.events) (event.status === 'accepted' ? accepted : duplicates).push(event);
    return { accepted, duplicates, ...(held.length === 0 ? {} : { quarantined: held }) };
  }

  /**
   * Maps each event's local codes through master data: the event keeps what was sent and gets
   * the mapping as a mark. Events with a gap are returned apart (by index), or refused.
   */
  private align(principal: Principal, checked: readonly CloudEvent[], options: SubmitOptions): { events: readonly CloudEvent[]; gapped: ReadonlyMap<number, HeldGaps> } {
    const gate = this.deps.alignment;
    if (gate === undefined) return { events: checked, gapped: NO_GAPS };
    // Made only when an event has a gap: nearly every submission has none.
    let gapped: Map<number, HeldGaps> | undefined;
    const events = checked.map((event, index) => {
      const alignment = gate.align(principal, event);
      if (alignment.kind === 'aligned') return markAligned(event, alignment.mappings);
      gapped ??= new Map();
      gapped.set(index, { event, gaps: [...alignment.gaps] });
      return event;
    });
    if (gapped === undefined) return { events, gapped: NO_GAPS };
    if (options.gaps === 'refuse') throw gapError([...gapped.values()].flatMap((g) => g.gaps));
    return { events, gapped };
  }

  /** Checks every candidate at once (a submission smaller than a pacing slice). */
  private check(principal: Principal, candidates: readonly unknown[], batch: boolean): CloudEvent[] {
    const checks = new Checks();
    candidates.forEach((candidate, index) => this.checkOne(principal, candidate, index, batch, checks));
    return checks.verdict(batch);
  }

  /** The same checks a candidate at a time, for a submission large enough to be paced. */
  private *checkInSteps(principal: Principal, candidates: readonly unknown[], batch: boolean): Steps<CloudEvent[]> {
    const checks = new Checks();
    for (const [index, candidate] of candidates.entries()) {
      this.checkOne(principal, candidate, index, batch, checks);
      yield 1;
    }
    return checks.verdict(batch);
  }

  private checkOne(principal: Principal, candidate: unknown, index: number, batch: boolean, checks: Checks): void {
    const { registry, authority } = this.deps;
    const { violations, denials, codes, events } = checks;
    const prefix = batch ? `/${index}` : '';
    const envelope = registry.checkEnvelope(candidate, prefix);
    if (!envelope.ok) {
      violations.push(...envelope.violations);
      codes.push(envelope.code);
      return;
    }
    const event = envelope.event;
    const marked = governanceMarkIn(event);
    if (marked !== undefined) {
      violations.push({ pointer: `${prefix}/${marked}`, message: `${marked} is set by the hub; leave it out`, keyword: 'hubAttribute' });
      codes.push('contract_violation');
      return;
    }
    const decision = authority.decide(principal, event);
    if (!decision.allowed) {
      const pointer = decision.code === 'forbidden_source' ? `${prefix}/source` : `${prefix}/type`;
      denials.push({ pointer, id: event.id, rule: decision.rule, message: decision.message });
      return;
    }
    const data = registry.checkData(event, prefix);
    if (!data.ok) {
      violations.push(...data.violations);
      codes.push(data.code);
      return;
    }
    // A lone surrogate can only be spelled as a \u escape: an event that came as text without
    // one (nearly every single event over HTTP) needs no walk of its strings.
    const text = arrivedAs(event);
    const illFormed = text !== undefined && !mayHoldSurrogateEscape(text) ? undefined : illFormedAt(event);
    if (illFormed !== undefined) {
      violations.push({ pointer: prefix + illFormed, message: 'is not well-formed Unicode: it holds a lone surrogate (I-JSON, RFC 7493; CloudEvents strings)', keyword: 'unicode' });
      codes.push('contract_violation');
      return;
    }
    events.push(this.marked(principal, event, decision));
  }

  /**
   * The event as it will be stored: as sent, plus the hub's governance marks when it was let
   * through ungoverned (observe mode) or came later than its source's maximum lag. Either way
   * it is accepted; the marks make it count against its source.
   */
  private marked(principal: Principal, event: CloudEvent, decision: AuthorityDecision): CloudEvent {
    const ungoverned = decision.allowed ? decision.ungoverned : undefined;
    const clock = this.deps.clock;
    const lag = clock === undefined ? undefined : this.deps.authority.lagBreach?.(principal, event, clock.now().getTime());
    if (ungoverned === undefined && lag === undefined) return event;
    return {
      ...event,
      ...(ungoverned === undefined ? {} : { millraceungoverned: ungoverned }),
      ...(lag === undefined ? {} : { millracelagbreach: `received ${formatDuration(lag.lagMs)} after its time; ${lag.rule} is ${formatDuration(lag.maxLagMs)}` }),
    };
  }

  /**
   * Object-level authorization for a partner: its events may name only its own supplier id
   * and only purchase orders issued to it. A PO the hub does not know is refused like another
   * supplier's, so the answer never tells whether someone else's PO exists.
   */
  private async checkObjects(supplierId: string, events: readonly CloudEvent[], batch: boolean): Promise<void> {
    const denials: Denial[] = [];
    const owners = new Map<string, Promise<string | undefined>>();
    const ownerOf = (poNumber: string) => {
      let owner = owners.get(poNumber);
      if (owner === undefined) {
        owner = this.deps.ownership?.supplierOfPurchaseOrder(poNumber) ?? Promise.resolve(supplierId);
        owners.set(poNumber, owner);
      }
      return owner;
    };
    for (const [index, event] of events.entries()) {
      const prefix = batch ? `/${index}` : '';
      for (const ref of objectRefs(event)) {
        const allowed = ref.kind === 'supplierId' ? ref.value === supplierId : (await ownerOf(ref.value)) === supplierId;
        if (allowed) continue;
        const what = ref.kind === 'supplierId' ? `supplier ${ref.value}` : `purchase order ${ref.value}`;
        denials.push({
          pointer: prefix + ref.pointer,
          id: event.id,
          rule: `a partner credential speaks only for its supplier (${supplierId}) and the purchase orders issued to it`,
          message: ref.kind === 'supplierId' ? `${what} is not the caller's supplier` : `${what} is not issued to supplier ${supplierId}, or not known to the hub yet`,
        });
      }
    }
    const first = denials[0];
    if (first !== undefined) throw new MillraceError('forbidden_object', first.message, { denials });
  }
}

/** What the checks of a submission found so far: its events, or why it is refused. */
class Checks {
  readonly violations: Violation[] = [];
  readonly denials: Denial[] = [];
  readonly codes: ContractViolationCode[] = [];
  readonly events: CloudEvent[] = [];

  /** The checked events; throws the refusal of the whole submission when any was refused. */
  verdict(batch: boolean): CloudEvent[] {
    const { violations, denials, codes } = this;
    // Authorization is answered before content: a caller learns nothing about the contracts
    // of event types it may not publish.
    if (denials.length > 0) {
      const sourceDenied = denials.some((d) => d.pointer.endsWith('/source'));
      const first = denials[0];
      throw new MillraceError(sourceDenied ? 'forbidden_source' : 'forbidden_event_type', first?.message ?? 'not allowed', { denials });
    }
    if (violations.length > 0) {
      const code = submissionCode(codes);
      const detail = batch
        ? `${violations.length} problem(s) in the batch; no event of it was stored`
        : `${violations.length} problem(s) in the event; it was not stored`;
      throw new ContractViolationError(detail, violations, code);
    }
    return this.events;
  }
}

/** The first governance mark a client's event carries (it may carry none). */
function governanceMarkIn(event: CloudEvent): string | undefined {
  for (const mark of GOVERNANCE_MARKS) if (mark in event) return mark;
  return undefined;
}

interface ObjectRef {
  readonly kind: 'supplierId' | 'poNumber';
  readonly value: string;
  readonly pointer: string;
}

/** The business objects an event names: its supplier and its purchase orders, at the top or per line. */
function objectRefs(event: CloudEvent): ObjectRef[] {
  const refs: ObjectRef[] = [];
  const data = event.data;
  if (typeof data.supplierId === 'string') refs.push({ kind: 'supplierId', value: data.supplierId, pointer: '/data/supplierId' });
  if (typeof data.poNumber === 'string') refs.push({ kind: 'poNumber', value: data.poNumber, pointer: '/data/poNumber' });
  if (Array.isArray(data.lines)) {
    data.lines.forEach((line: unknown, index) => {
      const poNumber = line !== null && typeof line === 'object' ? (line as Record<string, unknown>).poNumber : undefined;
      if (typeof poNumber === 'string') refs.push({ kind: 'poNumber', value: poNumber, pointer: `/data/lines/${index}/poNumber` });
    });
  }
  return refs;
}
