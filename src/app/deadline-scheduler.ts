// Fires deadlines: finds PO lines and plant workflow states (production orders, transfers)
// whose earliest deadline has passed and appends the
// `sla.breached` events through the ingest path's group commit. The workflow then decides
// what the breach means. Breach ids are deterministic, so a deadline fires once even when
// two hub processes see it.
import type { PlantPolicy } from '../core/index.js';
import { dueBreaches, duePlantBreaches, plantPolicy } from '../core/index.js';
import type { Clock, WorkflowStore } from '../ports/index.js';
import type { CloudEvent } from '../core/index.js';
import type { BatchOutcome } from '../ports/index.js';

/** What the scheduler appends through: the group committer, or a link to the thread that owns it. */
export interface EventAppender {
  submit(batch: readonly CloudEvent[]): Promise<BatchOutcome>;
}

export class DeadlineScheduler {
  constructor(
    private readonly store: WorkflowStore,
    private readonly committer: EventAppender,
    private readonly clock: Clock,
    /** Whether a plant deadline is still open depends on conversions and tolerances. */
    private readonly plant: PlantPolicy = plantPolicy(),
  ) {}

  /** Appends a breach for every deadline due now; resolves with how many were new. */
  async fireDue(limit = 1000): Promise<number> {
    const now = this.clock.now().toISOString();
    const lines = await this.store.dueLines(now, limit);
    const plantStates = await this.store.duePlantStates(now, limit);
    const breaches = [...lines.flatMap((line) => dueBreaches(line, now)), ...plantStates.flatMap((tagged) => duePlantBreaches(tagged, this.plant, now))];
    if (breaches.length === 0) return 0;
    const outcome = await this.committer.submit(breaches);
    if (outcome.kind === 'conflict') throw new Error(`deadline breaches conflict with the log: ${JSON.stringify(outcome.conflicts)}`);
    return outcome.events.filter((e) => e.status === 'accepted').length;
  }
}
