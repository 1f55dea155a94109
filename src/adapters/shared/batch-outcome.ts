// Turns an append plan plus the sequences the store assigned into the port's outcome.
import type { PlannedConflict, PlannedEvent } from '../../core/index.js';
import { sequencesOf } from '../../core/index.js';
import type { BatchOutcome } from '../../ports/index.js';

export function appendedOutcome(plan: readonly PlannedEvent[], newSequences: ReadonlyMap<number, number>): BatchOutcome {
  const sequences = sequencesOf(plan, newSequences);
  return {
    kind: 'appended',
    events: plan.map((item, index) => ({
      source: item.event.source,
      id: item.event.id,
      status: item.status === 'new' ? 'accepted' : 'duplicate',
      sequence: sequences[index] ?? 0,
    })),
  };
}

export function conflictOutcome(conflicts: readonly PlannedConflict[]): BatchOutcome {
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
