// Idempotent append, decided once for every store: the same source and id with the same body
// is a duplicate, with another body a conflict; a batch with any conflict stores nothing.
// Bodies are stored as sent (hub attributes removed) and compared in canonical form, which is
// only computed when a key is already known: the common case, a new event, never pays for it.
import type { CloudEvent } from '../envelope.js';
import { arrivedAs, canonicalEventJson, eventKey, HUB_ATTRIBUTES } from '../envelope.js';

/** What the log (or the current transaction) already holds under an event's key. */
export interface KnownEvent {
  /** The stored JSON text of the event. */
  readonly body: string;
  readonly sequence: number;
}

/** The JSON text a store keeps for an event: as sent, without the attributes the hub sets. */
export function storedBody(event: CloudEvent): string {
  const arrived = arrivedAs(event);
  for (const attribute of HUB_ATTRIBUTES) {
    if (attribute in event) {
      const copy: Record<string, unknown> = { ...event };
      for (const name of HUB_ATTRIBUTES) delete copy[name];
      return JSON.stringify(copy);
    }
  }
  return arrived ?? JSON.stringify(event);
}

/** Whether a stored body and an event are the same event (key order and spacing aside). */
export function sameBody(stored: string, event: CloudEvent): boolean {
  return canonicalEventJson(JSON.parse(stored) as CloudEvent) === canonicalEventJson(event);
}

export type PlannedEvent =
  | { readonly status: 'new'; readonly event: CloudEvent; readonly key: string; readonly body: string }
  | { readonly status: 'duplicate'; readonly event: CloudEvent; readonly key: string; readonly sequence: number }
  /** A repeat, inside the same batch, of an earlier new event: it shares that event's sequence. */
  | { readonly status: 'repeat'; readonly event: CloudEvent; readonly key: string; readonly firstIndex: number };

/** A new event of a plan, for a store to place. */
export type NewPlannedEvent = Extract<PlannedEvent, { status: 'new' }>;

export interface PlannedConflict {
  readonly source: string;
  readonly id: string;
  readonly index: number;
  readonly existingSequence?: number;
}

export type BatchPlan =
  | { readonly ok: true; readonly events: readonly PlannedEvent[] }
  | { readonly ok: false; readonly conflicts: readonly PlannedConflict[] };

/**
 * Plans one batch against what is known. `known` must answer for keys committed before and
 * for keys written earlier in the same transaction.
 */
export function planBatch(events: readonly CloudEvent[], known: (key: string) => KnownEvent | undefined): BatchPlan {
  const planned: PlannedEvent[] = [];
  const conflicts: PlannedConflict[] = [];
  // One event, the common case over HTTP, cannot repeat itself: no map to keep.
  const firstInBatch = events.length > 1 ? new Map<string, { index: number; body: string }>() : undefined;
  events.forEach((event, index) => {
    const key = eventKey(event);
    const existing = known(key);
    if (existing !== undefined) {
      if (sameBody(existing.body, event)) planned.push({ status: 'duplicate', event, key, sequence: existing.sequence });
      else conflicts.push({ source: event.source, id: event.id, index, existingSequence: existing.sequence });
      return;
    }
    const earlier = firstInBatch?.get(key);
    if (earlier !== undefined) {
      if (sameBody(earlier.body, event)) planned.push({ status: 'repeat', event, key, firstIndex: earlier.index });
      else conflicts.push({ source: event.source, id: event.id, index });
      return;
    }
    const body = storedBody(event);
    firstInBatch?.set(key, { index, body });
    planned.push({ status: 'new', event, key, body });
  });
  return conflicts.length > 0 ? { ok: false, conflicts } : { ok: true, events: planned };
}

/**
 * Places each new event of a plan, in order (`place` stores it, or reserves its sequence, and
 * returns the sequence), and gives every planned event its sequence: a duplicate the stored
 * one, a repeat inside the batch that of its first occurrence.
 */
export function placePlanned(plan: readonly PlannedEvent[], place: (item: NewPlannedEvent) => number): number[] {
  const sequences: number[] = [];
  for (const item of plan) {
    if (item.status === 'new') sequences.push(place(item));
    else if (item.status === 'duplicate') sequences.push(item.sequence);
    else {
      const first = sequences[item.firstIndex];
      if (first === undefined) throw new Error(`no sequence assigned for batch entry ${item.firstIndex}`);
      sequences.push(first);
    }
  }
  return sequences;
}
