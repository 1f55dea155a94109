// Master data alignment at the door (docs/adr/0019): every channel's events go through ingest,
// which asks this gate to map a source's local codes to canonical ids. An event with a code no
// cross-reference maps is not refused and not lost: it waits in quarantine (channel
// `master-data`) with a `master_data_gap` exception to the master data owner, and goes in when a
// retry finds the mapping: by hand (POST /v1/quarantine/:id/retry) or when the hub starts.
import type { Alignment, CloudEvent, CodeGap, MasterDataAligner, Principal } from '../core/index.js';
import { GOVERNANCE_MARKS, isMillraceError, MillraceError, MILLRACE_SOURCE } from '../core/index.js';
import type { Clock, QuarantineEntry, QuarantineReason, QuarantineStore, WorkflowStore } from '../ports/index.js';
import type { EventAppender } from './deadline-scheduler.js';
import type { IngestService } from './ingest.js';
import type { QuarantineChannel, ReprocessOutcome } from './quarantine.js';

/** An event the gate holds for master data, as a receipt reports it. */
export interface HeldEvent {
  readonly id: string;
  readonly source: string;
  readonly quarantineId: string;
  readonly gaps: readonly CodeGap[];
}

export interface MasterDataGateDependencies {
  readonly aligner: MasterDataAligner;
  readonly quarantine: QuarantineStore;
  readonly appender: EventAppender;
  readonly exceptions: Pick<WorkflowStore, 'getException'>;
  readonly clock: Clock;
  /** Team owning master_data_gap exceptions. */
  readonly owner: string;
}

export const MASTER_DATA_CHANNEL = 'master-data';

export class MasterDataGate implements QuarantineChannel {
  readonly name = MASTER_DATA_CHANNEL;
  private ingest: IngestService | undefined;

  constructor(private readonly deps: MasterDataGateDependencies) {}

  /** Ingest and the gate need each other: the gate retries through ingest. */
  attach(ingest: IngestService): void {
    this.ingest = ingest;
  }

  align(principal: Principal, event: CloudEvent): Alignment {
    return this.deps.aligner.align(event, principal.id);
  }

  /**
   * Quarantines events with gaps, as sent (one still held from an earlier sending is that entry,
   * with the resend counted), and raises one exception per unmapped code of a source.
   */
  async hold(principal: Principal, events: readonly { readonly event: CloudEvent; readonly gaps: readonly CodeGap[] }[]): Promise<HeldEvent[]> {
    const now = this.deps.clock.now().toISOString();
    const entries = await this.deps.quarantine.quarantine(
      events.map(({ event, gaps }) => ({
        channel: MASTER_DATA_CHANNEL,
        source: event.source,
        ref: principal.id,
        receivedTime: now,
        raw: new TextEncoder().encode(JSON.stringify(asSent(event))),
        name: `${event.type} ${event.id}`,
        reason: reasonOf(gaps),
        context: { principal: { kind: principal.kind, id: principal.id, ...(principal.role === undefined ? {} : { role: principal.role }) } },
      })),
      // The same event sent again while it waits (a client's retry, a resent CSV file) is counted on its entry.
      { foldResends: true },
    );
    const held = entries.map((entry, index): HeldEvent => {
      const { event, gaps } = events[index] ?? { event: { id: '', source: '' }, gaps: [] };
      return { id: event.id, source: event.source, quarantineId: entry.id, gaps };
    });
    const plants = new Map(events.map(({ event }, index) => [held[index], this.deps.aligner.plantOf(event, principal.id)]));
    await this.raise(principal, held, now, plants);
    return held;
  }

  /** Reprocesses an entry with the current master data; a gap still there keeps it held (no new entry). */
  async reprocess(entry: QuarantineEntry): Promise<ReprocessOutcome> {
    if (this.ingest === undefined) throw new Error('the master data gate is not attached to ingest');
    const event = JSON.parse(new TextDecoder().decode(entry.raw)) as CloudEvent;
    const principal = (entry.context as { principal: Principal }).principal;
    try {
      const receipt = await this.ingest.submit(principal, [event], false, { gaps: 'refuse' });
      const accepted = [...receipt.accepted, ...receipt.duplicates].map((e) => ({ id: e.id, source: e.source, sequence: e.sequence }));
      await this.resolveMapped(principal, entry);
      return { outcome: 'accepted', accepted };
    } catch (error) {
      if (!isMillraceError(error)) throw error;
      const gaps = (error.details.gaps as CodeGap[] | undefined) ?? [];
      return { outcome: 'still_failing', reason: gaps.length > 0 ? reasonOf(gaps) : { code: error.code, message: error.message, problems: [] } };
    }
  }

  /**
   * Retries every held entry (when the hub starts: its manifest may now have the mappings).
   * Returns how many went in.
   */
  async retryHeld(): Promise<number> {
    let accepted = 0;
    let after: string | undefined;
    const held: QuarantineEntry[] = [];
    do {
      const page = await this.deps.quarantine.listQuarantine({ channel: MASTER_DATA_CHANNEL, status: 'held' }, 200, after);
      held.push(...page.items);
      after = page.next;
    } while (after !== undefined);
    // Oldest first: events of one source go in in the order they came.
    for (const entry of held.reverse()) {
      const result = await this.reprocess(entry);
      if (result.outcome !== 'accepted') continue;
      const at = this.deps.clock.now().toISOString();
      const attempt = { at, by: 'millrace:startup', action: 'retry' as const, outcome: result.outcome, ...(result.accepted === undefined ? {} : { accepted: result.accepted }) };
      if ((await this.deps.quarantine.recordQuarantineAttempt(entry.id, attempt, 'accepted', at)) !== undefined) accepted += 1;
    }
    return accepted;
  }

  /**
   * Raises one exception per unmapped code, to the plant of its held events when they name one
   * (a plant's systems read it, docs/adr/0060); events of several plants, or none: no plant.
   */
  private async raise(principal: Principal, held: readonly HeldEvent[], now: string, plants: ReadonlyMap<HeldEvent | undefined, string | undefined>): Promise<void> {
    const byCode = new Map<string, { gap: CodeGap; events: HeldEvent[] }>();
    for (const event of held) {
      for (const gap of event.gaps) {
        const key = `${gap.kind}\u0000${gap.code}`;
        const group = byCode.get(key) ?? { gap, events: [] };
        group.events.push(event);
        byCode.set(key, group);
      }
    }
    const raised: CloudEvent[] = [];
    for (const { gap, events } of byCode.values()) {
      const exceptionId = await this.freeExceptionId(principal, gap);
      if (exceptionId === undefined) continue;
      const of = new Set(events.map((e) => plants.get(e)));
      const plant = of.size === 1 ? [...of][0] : undefined;
      raised.push({
        specversion: '1.0',
        id: `raise:${exceptionId}`,
        source: MILLRACE_SOURCE,
        type: 'exception.raised',
        time: now,
        data: {
          exceptionId,
          code: 'master_data_gap',
          owner: this.deps.owner,
          workflow: 'intake',
          severity: 'medium',
          ...(plant === undefined ? {} : { plant }),
          message: `${principal.kind} ${principal.id} sent ${gap.kind} code ${gap.code}, which ${gap.table} does not map; ${events.length} event(s) wait in quarantine until it does`,
          evidence: [...new Set(events.map((e) => e.id))],
          details: { ref: `${principal.id}:${gap.kind}:${gap.code}`, kind: gap.kind, code: gap.code, table: gap.table, quarantine: events.map((e) => e.quarantineId) },
        },
      });
    }
    if (raised.length === 0) return;
    const outcome = await this.deps.appender.submit(raised);
    // Two hub processes may raise the same gap at once: the first one's exception stands.
    if (outcome.kind === 'conflict') return;
  }

  /** The exception id for a gap: none while one is open; a new one after a resolved one came back. */
  private async freeExceptionId(principal: Principal, gap: CodeGap): Promise<string | undefined> {
    const base = exceptionIdOf(principal, gap.kind, gap.code);
    for (let n = 0; ; n += 1) {
      const id = n === 0 ? base : `${base}:${n}`;
      const existing = await this.deps.exceptions.getException(id);
      if (existing === undefined) return id;
      if (existing.status === 'open') return undefined;
    }
  }

  /** Resolves the open exceptions of the entry's gaps that master data now maps. */
  private async resolveMapped(principal: Principal, entry: QuarantineEntry): Promise<void> {
    const now = this.deps.clock.now().toISOString();
    const resolved: CloudEvent[] = [];
    for (const problem of entry.reason.problems) {
      const kind = problem.kind;
      const code = problem.value;
      if (kind === undefined || code === undefined) continue;
      const base = exceptionIdOf(principal, kind, code);
      for (let n = 0; n < 100; n += 1) {
        const id = n === 0 ? base : `${base}:${n}`;
        const existing = await this.deps.exceptions.getException(id);
        if (existing === undefined) break;
        if (existing.status !== 'open' || resolved.some((e) => e.data.exceptionId === id)) continue;
        resolved.push({
          specversion: '1.0',
          id: `resolve:${id}`,
          source: MILLRACE_SOURCE,
          type: 'exception.resolved',
          time: now,
          data: { exceptionId: id, code: 'master_data_gap', resolvedBy: 'millrace', reason: `master data now maps ${kind} code ${code}; the held events went in`, resolution: 'automatic', workflow: 'intake' },
        });
      }
    }
    if (resolved.length > 0) await this.deps.appender.submit(resolved);
  }
}

/** The event without the marks the door put on it (a retry goes through the door again). */
function asSent(event: CloudEvent): CloudEvent {
  const copy: Record<string, unknown> = { ...event };
  for (const mark of GOVERNANCE_MARKS) delete copy[mark];
  return copy as CloudEvent;
}

function exceptionIdOf(principal: Principal, kind: string, code: string): string {
  return `EXC-mdg:${principal.id}:${kind}:${code}`;
}

function reasonOf(gaps: readonly CodeGap[]): QuarantineReason {
  return {
    code: 'master_data_gap',
    message: `${gaps.length} code(s) have no mapping in master data: ${gaps.map((g) => `${g.kind} ${g.code} (${g.table})`).join(', ')}`,
    problems: gaps.map((g) => ({ code: 'master_data_gap', kind: g.kind, message: `${g.kind} code ${g.code} is not in ${g.table}`, column: g.pointer, value: g.code })),
  };
}

/** The refusal a retry gets while a gap remains (not shown to senders: they get a receipt). */
export function gapError(gaps: readonly CodeGap[]): MillraceError {
  return new MillraceError('master_data_gap', reasonOf(gaps).message, { gaps });
}
