// Plans a batch and has the store place its new events (core/log/append-plan.ts), and reports
// the port's outcome: the one shape every store answers with.
import type { CloudEvent, KnownEvent, NewPlannedEvent, PlannedConflict } from '../../core/index.js';
import { placePlanned, planBatch } from '../../core/index.js';
import type { BatchOutcome } from '../../ports/index.js';

/**
 * Plans one batch against what is known and places each new event (`place` stores it, or
 * reserves its sequence, and returns the sequence). A batch with a conflict places nothing.
 */
export function appendPlanned(batch: readonly CloudEvent[], known: (key: string) => KnownEvent | undefined, place: (item: NewPlannedEvent) => number): BatchOutcome {
  const plan = planBatch(batch, known);
  if (!plan.ok) return conflictOutcome(plan.conflicts);
  const sequences = placePlanned(plan.events, place);
  return {
    kind: 'appended',
    events: plan.events.map((item, index) => ({
      source: item.event.source,
      id: item.event.id,
      status: item.status === 'new' ? 'accepted' : 'duplicate',
      sequence: sequences[index] ?? 0,
    })),
  };
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
