// In-memory event log: for tests and `millrace rehearse`. Same promises as the durable
// stores except durability itself.
import type { CloudEvent, KnownEvent, StoredEvent } from '../../core/index.js';
import { eventKey } from '../../core/index.js';
import type { BatchOutcome, EventStore } from '../../ports/index.js';
import { appendPlanned } from '../shared/batch-outcome.js';

export class MemoryEventStore implements EventStore {
  private readonly log: StoredEvent[] = [];
  private readonly byKey = new Map<string, KnownEvent>();

  appendBatches(batches: readonly (readonly CloudEvent[])[], receivedTime: string): Promise<BatchOutcome[]> {
    const outcomes = batches.map((batch) =>
      appendPlanned(
        batch,
        (key) => this.byKey.get(key),
        (item) => {
          const sequence = this.log.length + 1;
          // Stored as parsed JSON so a reader never shares objects with the writer.
          this.log.push({ sequence, receivedTime, event: JSON.parse(item.body) as CloudEvent });
          this.byKey.set(item.key, { body: item.body, sequence });
          return sequence;
        },
      ),
    );
    return Promise.resolve(outcomes);
  }

  readFrom(afterSequence: number, limit: number): Promise<StoredEvent[]> {
    return Promise.resolve(this.log.slice(Math.max(0, afterSequence), Math.max(0, afterSequence) + limit));
  }

  readByCorrelation(correlationId: string): Promise<StoredEvent[]> {
    return Promise.resolve(this.log.filter((stored) => stored.event.correlationid === correlationId));
  }

  find(source: string, id: string): Promise<StoredEvent | undefined> {
    const known = this.byKey.get(eventKey({ source, id }));
    return Promise.resolve(known === undefined ? undefined : this.log[known.sequence - 1]);
  }

  headSequence(): Promise<number> {
    return Promise.resolve(this.log.length);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
