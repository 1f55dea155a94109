// The P2P workflow over a set of lines: routes each event to its lines, applies it, and (for
// inputs) decides. The same code serves live processing, replay and tests; the caller loads
// the lines an event needs into the working set and stores what changed.
import type { CloudEvent, StoredEvent } from '../envelope.js';
import { MILLRACE_SOURCE } from '../envelope.js';
import { decideLine } from './p2p-decide.js';
import { evolveLine } from './p2p-evolve.js';
import type { P2PPolicy } from './p2p-policy.js';
import type { P2PRoute } from './p2p-routing.js';
import { routeP2P } from './p2p-routing.js';
import type { P2PLine } from './p2p-state.js';
import { activeDeadlines, emptyLine, lineKey } from './p2p-state.js';
import { fnv1a } from '../short-hash.js';
import { toMs } from '../time.js';

/** Lines in memory, with the indexes routing needs (PO -> lines, shipment -> lines). */
export class LineSet {
  private readonly lines = new Map<string, P2PLine>();
  private readonly byPo = new Map<string, Set<string>>();
  private readonly byShipment = new Map<string, Set<string>>();
  /** Keys changed since the last `takeChanged`. */
  private readonly changed = new Set<string>();

  get(key: string): P2PLine | undefined {
    return this.lines.get(key);
  }

  has(key: string): boolean {
    return this.lines.has(key);
  }

  get size(): number {
    return this.lines.size;
  }

  /** Adds a line loaded from the store (not marked changed). */
  load(state: P2PLine): void {
    this.lines.set(state.key, state);
    this.index(state);
  }

  /** Keeps a line's new state; `newShipment` when the event may have given it a shipment (evolve extends the record in place). */
  put(state: P2PLine, newShipment = false): void {
    const previous = this.lines.get(state.key);
    this.lines.set(state.key, state);
    // Indexes change only when a line is new or gains a shipment.
    if (previous === undefined || newShipment || previous.shipments !== state.shipments) this.index(state);
    this.changed.add(state.key);
  }

  /** Forgets a line (cache eviction); never one with unsaved changes. */
  evict(key: string): void {
    if (this.changed.has(key)) return;
    const state = this.lines.get(key);
    if (state === undefined) return;
    this.lines.delete(key);
    unindex(this.byPo, state.poNumber, key);
    for (const shipmentId of Object.keys(state.shipments)) unindex(this.byShipment, shipmentId, key);
  }

  keys(): IterableIterator<string> {
    return this.lines.keys();
  }

  keysOfPo(poNumber: string): string[] {
    return [...(this.byPo.get(poNumber) ?? [])];
  }

  keysOfShipment(shipmentId: string): string[] {
    return [...(this.byShipment.get(shipmentId) ?? [])];
  }

  takeChanged(): P2PLine[] {
    const states = [...this.changed].sort().flatMap((key) => {
      const state = this.lines.get(key);
      return state === undefined ? [] : [state];
    });
    this.changed.clear();
    return states;
  }

  private index(state: P2PLine): void {
    let po = this.byPo.get(state.poNumber);
    if (po === undefined) this.byPo.set(state.poNumber, (po = new Set()));
    po.add(state.key);
    for (const shipmentId of Object.keys(state.shipments)) {
      let set = this.byShipment.get(shipmentId);
      if (set === undefined) this.byShipment.set(shipmentId, (set = new Set()));
      set.add(state.key);
    }
  }
}

/** Removes a key from an index entry, and the entry once empty (an evicted line leaves nothing behind). */
function unindex(index: Map<string, Set<string>>, name: string, key: string): void {
  const keys = index.get(name);
  if (keys === undefined) return;
  keys.delete(key);
  if (keys.size === 0) index.delete(name);
}

/**
 * Which of `count` partitions a line belongs to: a stable spread of keys, so that a replay can
 * run one partition per thread (each line's events stay in one partition, in order).
 */
export function partitionOf(key: string, count: number): number {
  return fnv1a(key) % count;
}

/** The keys an event touches, sorted, given the lines the set knows. */
export function keysFor(route: P2PRoute, lines: LineSet): string[] {
  const only = route.lines[0];
  // Most events name exactly one line: no set, no sort.
  if (route.lines.length === 1 && only !== undefined && route.allLinesOf === undefined && route.shipmentId === undefined) return [lineKey(only.poNumber, only.line)];
  const keys = new Set(route.lines.map((ref) => lineKey(ref.poNumber, ref.line)));
  if (route.allLinesOf !== undefined) for (const key of lines.keysOfPo(route.allLinesOf)) keys.add(key);
  if (route.shipmentId !== undefined) for (const key of lines.keysOfShipment(route.shipmentId)) keys.add(key);
  return [...keys].sort();
}

function splitKey(key: string): { poNumber: string; line: number } {
  const at = key.lastIndexOf('/');
  return { poNumber: key.slice(0, at), line: Number(key.slice(at + 1)) };
}

export interface Applied {
  readonly keys: readonly string[];
  readonly derived: readonly CloudEvent[];
}

/** How an event is applied beyond its lines: which of them (a partition), and what it copies. */
export interface ApplyOptions {
  /** A partitioned replay applies each event only to the lines of its partition. */
  readonly accept?: ((key: string) => boolean) | undefined;
  /** The event id of the billing document this invoice or credit memo copies (BillingDocuments.see). */
  readonly copyOf?: string | undefined;
}

/**
 * Applies an event to every line it touches. With `decide` (live processing of an input),
 * the rules run and their derived events are applied too and returned, to be appended to the
 * log; without it (replay, or a recorded decision), the event is only applied.
 */
export function applyEvent(
  lines: LineSet,
  stored: StoredEvent,
  policy: P2PPolicy,
  decide: { now: string } | undefined,
  knownRoute?: P2PRoute | null,
  options: ApplyOptions = {},
): Applied {
  const { accept, copyOf } = options;
  const route = knownRoute === undefined ? routeP2P(stored.event) : (knownRoute ?? undefined);
  if (route === undefined) return { keys: [], derived: [] };
  const routed = keysFor(route, lines);
  const keys = accept === undefined ? routed : routed.filter(accept);
  const derived: CloudEvent[] = [];
  keys.forEach((key, keyIndex) => {
    const { poNumber, line } = splitKey(key);
    let state = evolveLine(lines.get(key) ?? emptyLine(poNumber, line), stored, policy.convert, copyOf);
    if (decide !== undefined) {
      const decisions = decideLine(state, { cause: stored, keyIndex, now: decide.now, policy });
      for (const event of decisions) {
        // Derived events touch only their own line; their log sequence comes at commit.
        state = evolveLine(state, { sequence: 0, receivedTime: decide.now, event }, policy.convert);
      }
      derived.push(...decisions);
    }
    lines.put(state, stored.event.type === 'shipment.dispatched');
  });
  return { keys, derived };
}

/**
 * The `sla.breached` events due on a line at `now`: one per active deadline that has passed.
 * Ids follow from the line, the SLA and the deadline, so two hub processes firing the same
 * deadline append one event (the log deduplicates) and a timer fires once.
 */
export function dueBreaches(state: P2PLine, now: string): CloudEvent[] {
  return activeDeadlines(state)
    .filter((deadline) => toMs(deadline.deadline) <= toMs(now))
    .map((deadline) => ({
      specversion: '1.0',
      id: `breach:${state.key}:${deadline.sla}:${deadline.ref}:${toMs(deadline.deadline)}`,
      source: MILLRACE_SOURCE,
      type: 'sla.breached',
      // The breach happened at the deadline: a deterministic time keeps the event identical
      // whichever process fires it, so the second one is a duplicate, not a conflict.
      time: deadline.deadline,
      correlationid: state.key,
      ...(state.terms === undefined ? {} : { plant: state.terms.buyerPlant }),
      data: {
        sla: deadline.sla,
        workflow: 'p2p',
        owner: deadline.owner,
        startedAt: deadline.startedAt,
        deadline: deadline.deadline,
        ref: deadline.ref,
        poNumber: state.poNumber,
        line: state.line,
        ...(state.terms === undefined ? {} : { supplierId: state.terms.supplierId, plant: state.terms.buyerPlant }),
      },
    }));
}
