// The ingest use case: the door every channel goes through. A submission (one event or a
// batch) is checked whole (envelope, publishing authority, data contract) and then committed
// whole; nothing of a rejected submission is stored.
import type { AuthorityDecision, CloudEvent, ContractRegistry, ContractViolationCode, Principal, Violation } from '../core/index.js';
import { ContractViolationError, MillraceError, submissionCode } from '../core/index.js';
import type { AppendedEvent } from '../ports/index.js';
import type { GroupCommitter } from './group-commit.js';

export interface IngestReceipt {
  readonly accepted: readonly AppendedEvent[];
  readonly duplicates: readonly AppendedEvent[];
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
}

export interface IngestDependencies {
  readonly registry: ContractRegistry;
  readonly authority: Authority;
  readonly committer: GroupCommitter;
}

export class IngestService {
  constructor(private readonly deps: IngestDependencies) {}

  /**
   * Checks and commits a submission. `batch` says whether the caller sent an array, so that
   * pointers in errors follow the caller's own document (`/2/data/...` versus `/data/...`).
   * Throws a MillraceError (422, 403 or 409) and stores nothing when any event is refused.
   */
  async submit(principal: Principal, candidates: readonly unknown[], batch: boolean): Promise<IngestReceipt> {
    if (candidates.length === 0) throw new MillraceError('empty_batch', 'the batch holds no events; send at least one');
    const events = this.check(principal, candidates, batch);
    const outcome = await this.deps.committer.submit(events);
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
    return {
      accepted: outcome.events.filter((event) => event.status === 'accepted'),
      duplicates: outcome.events.filter((event) => event.status === 'duplicate'),
    };
  }

  private check(principal: Principal, candidates: readonly unknown[], batch: boolean): CloudEvent[] {
    const { registry, authority } = this.deps;
    const violations: Violation[] = [];
    const denials: Denial[] = [];
    const codes: ContractViolationCode[] = [];
    const events: CloudEvent[] = [];
    candidates.forEach((candidate, index) => {
      const prefix = batch ? `/${index}` : '';
      const envelope = registry.checkEnvelope(candidate, prefix);
      if (!envelope.ok) {
        violations.push(...envelope.violations);
        codes.push(envelope.code);
        return;
      }
      const event = envelope.event;
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
      events.push(event);
    });
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
    return events;
  }
}
