// Plans a batch (core/log/append-plan.ts), has the store place its new events, and reports the
// port's outcome: the one shape every store answers with.
import type { CloudEvent, KnownEvent, PlannedConflict, PlannedEvent } from '../../core/index.js';
import { planBatch } from '../../core/index.js';
import type { AppendedEvent, BatchOutcome } from '../../ports/index.js';

/** A new event of a plan, for the store to place. */
type NewEvent = Extract<PlannedEvent, { status: 'new' }>;

/**
 * Plans one batch against what is known and places each new event (`place` stores it, or
 * reserves its sequence, and returns the sequence). A batch with a conflict places nothing.
 */
export function appendPlanned(batch: readonly CloudEvent[], known: (key: string) => KnownEvent | undefined, place: (item: NewEvent) => number): BatchOutcome {
  const plan = planBatch(batch, known);
  if (!plan.ok) return conflictOutcome(plan.conflicts);
  const events: AppendedEvent[] = [];
  for (const item of plan.events) {
    events.push({ source: item.event.source, id: item.event.id, status: item.status === 'new' ? 'accepted' : 'duplicate', sequence: sequenceOf(item, events, place) });
  }
  return { kind: 'appended', events };
}

function sequenceOf(item: PlannedEvent, earlier: readonly AppendedEvent[], place: (item: NewEvent) => number): number {
  if (item.status === 'new') return place(item);
  if (item.status === 'duplicate') return item.sequence;
  // A repeat inside the batch shares the sequence of its first occurrence, placed before it.
  const first = earlier[item.firstIndex];
  if (first === undefined) throw new Error(`no sequence assigned for batch entry ${item.firstIndex}`);
  return first.sequence;
}

function conflictOutcome(conflicts: readonly PlannedConflict[]): BatchOutcome {
  return {
    kind: 'conflict',
    conflicts: conflicts.map((c) => ({
      source: c.source,
      id: c.id,
      index: c.index,
      ...(c.existingSequence === undefined ? {} : { existingSequence: c.existingSequence }),
    })),
  };
}
