// The plant workflows over a working set of states: routes each event to its keys, applies
// it, and (for inputs) decides. The same code serves live processing, replay and tests, like
// the P2P engine: with `decide` the derived events are applied and returned to be appended;
// without it (replay, or a recorded decision) the event is only applied.
import type { CloudEvent, StoredEvent } from '../envelope.js';
import { decideInventory } from './inventory-reconcile.js';
import type { PlantInventoryState } from './inventory-position.js';
import { emptyInventory, evolveInventory } from './inventory-position.js';
import { decideOrder } from './p2i-decide.js';
import { evolveOrder } from './p2i-evolve.js';
import type { ProductionOrderState } from './p2i-state.js';
import { activeOrderDeadlines, emptyOrder } from './p2i-state.js';
import type { PlantPolicy } from './plant-policy.js';
import type { PlantKey } from './plant-routing.js';
import { routePlant } from './plant-routing.js';
import type { ActiveDeadline, PlantWorkflow } from './plant-workflow.js';
import { activeDeadlinesOf, breachesOf } from './plant-workflow.js';
import { decideTransfer } from './transfer-decide.js';
import type { TransferState } from './transfer-state.js';
import { activeTransferDeadlines, emptyTransfer, evolveTransfer } from './transfer-state.js';

export interface PlantStates {
  readonly production: ProductionOrderState;
  readonly transfer: TransferState;
  readonly inventory: PlantInventoryState;
}

export type PlantState = PlantStates[PlantWorkflow];

/** A state with the workflow it belongs to. */
export type TaggedPlantState = { readonly [W in PlantWorkflow]: { readonly workflow: W; readonly state: PlantStates[W] } }[PlantWorkflow];

/** States in memory, per workflow and key. */
export class PlantStateSet {
  private readonly states: { [W in PlantWorkflow]: Map<string, PlantStates[W]> } = { production: new Map(), transfer: new Map(), inventory: new Map() };
  private readonly changed = new Set<string>();

  get<W extends PlantWorkflow>(workflow: W, key: string): PlantStates[W] | undefined {
    return this.states[workflow].get(key);
  }

  has(workflow: PlantWorkflow, key: string): boolean {
    return this.states[workflow].has(key);
  }

  get size(): number {
    return this.states.production.size + this.states.transfer.size + this.states.inventory.size;
  }

  /** Forgets every state without unsaved changes (cache trimming); `all` forgets those too. */
  evictAll(all = false): void {
    for (const workflow of ['production', 'transfer', 'inventory'] as const) {
      for (const key of [...this.states[workflow].keys()]) if (all || !this.changed.has(`${workflow}\u0000${key}`)) this.states[workflow].delete(key);
    }
    if (all) this.changed.clear();
  }

  /** Adds a state loaded from the store (not marked changed). */
  load<W extends PlantWorkflow>(workflow: W, state: PlantStates[W]): void {
    (this.states[workflow] as Map<string, PlantStates[W]>).set(state.key, state);
  }

  put<W extends PlantWorkflow>(workflow: W, state: PlantStates[W]): void {
    this.load(workflow, state);
    this.changed.add(`${workflow}\u0000${state.key}`);
  }

  keys(workflow: PlantWorkflow): string[] {
    return [...this.states[workflow].keys()].sort();
  }

  all<W extends PlantWorkflow>(workflow: W): PlantStates[W][] {
    return this.keys(workflow).flatMap((key) => {
      const state = this.get(workflow, key);
      return state === undefined ? [] : [state];
    });
  }

  /** States changed since the last call, sorted by workflow and key. */
  takeChanged(): TaggedPlantState[] {
    const out = [...this.changed].sort().flatMap((id): TaggedPlantState[] => {
      const [workflow, key] = id.split('\u0000') as [PlantWorkflow, string];
      const state = this.get(workflow, key);
      return state === undefined ? [] : [{ workflow, state } as TaggedPlantState];
    });
    this.changed.clear();
    return out;
  }
}

export interface PlantApplied {
  readonly keys: readonly PlantKey[];
  readonly derived: readonly CloudEvent[];
}

function step<W extends PlantWorkflow>(workflow: W, state: PlantStates[W], stored: StoredEvent): PlantStates[W] {
  switch (workflow) {
    case 'production':
      return evolveOrder(state as ProductionOrderState, stored) as PlantStates[W];
    case 'transfer':
      return evolveTransfer(state as TransferState, stored) as PlantStates[W];
    default:
      return evolveInventory(state as PlantInventoryState, stored) as PlantStates[W];
  }
}

function fresh<W extends PlantWorkflow>(workflow: W, key: string): PlantStates[W] {
  switch (workflow) {
    case 'production':
      return emptyOrder(key) as PlantStates[W];
    case 'transfer':
      return emptyTransfer(key) as PlantStates[W];
    default:
      return emptyInventory(key) as PlantStates[W];
  }
}

function decideFor(workflow: PlantWorkflow, state: PlantState, ctx: Parameters<typeof decideOrder>[1]): CloudEvent[] {
  switch (workflow) {
    case 'production':
      return decideOrder(state as ProductionOrderState, ctx);
    case 'transfer':
      return decideTransfer(state as TransferState, ctx);
    default:
      return decideInventory(state as PlantInventoryState, ctx);
  }
}

/**
 * Applies an event to every plant workflow key it touches; with `decide` (live processing of an
 * input), decides and applies the derived events, and returns them to be appended to the log.
 */
export function applyPlantEvent(states: PlantStateSet, stored: StoredEvent, policy: PlantPolicy, decide: { now: string } | undefined): PlantApplied {
  const keys = routePlant(stored.event);
  const derived: CloudEvent[] = [];
  keys.forEach(({ workflow, key }, keyIndex) => {
    let state: PlantState = step(workflow, states.get(workflow, key) ?? fresh(workflow, key), stored);
    if (decide !== undefined) {
      const decisions = decideFor(workflow, state, { cause: stored, keyIndex, now: decide.now, policy });
      // Derived events touch only their own key; their log sequence comes at commit.
      for (const event of decisions) state = step(workflow, state, { sequence: 0, receivedTime: decide.now, event });
      derived.push(...decisions);
    }
    states.put(workflow, state);
  });
  return { keys, derived };
}

export function activePlantDeadlines(tagged: TaggedPlantState, policy: PlantPolicy): ActiveDeadline[] {
  switch (tagged.workflow) {
    case 'production':
      return activeOrderDeadlines(tagged.state, policy);
    case 'transfer':
      return activeTransferDeadlines(tagged.state, policy);
    default:
      return activeDeadlinesOf(tagged.state, () => false);
  }
}

/** The `sla.breached` events due on a state at `now` (ids follow from the deadline: a timer fires once). */
export function duePlantBreaches(tagged: TaggedPlantState, policy: PlantPolicy, now: string): CloudEvent[] {
  const subject = tagged.workflow === 'production' ? { productionOrder: tagged.state.productionOrder } : {};
  return breachesOf(tagged.workflow, tagged.state, activePlantDeadlines(tagged, policy), now, subject);
}
