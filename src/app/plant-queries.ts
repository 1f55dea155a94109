// Reading the plant workflows as the API shows them: a plant's inventory (positions, the latest
// reconciliation, accuracy, transfers in transit, open exceptions), a production order and a
// transfer with their timelines, and inventory accuracy per plant for the KPIs. Who may see
// what: a partner (supplier) credential sees no plant object; a system the manifest ties to a
// plant sees its own plant's objects (a transfer from either end; a released order only from its
// plant); operators and the other systems the manifest declares see all; a key of a system the
// manifest no longer declares sees none. Anything not visible is "not found", so nobody can probe another plant's orders.
import type { InventoryAccuracy, InventoryView, Manifest, PlantPolicy, PlantWorkflow, Principal, ProductionOrderView, StoredEvent, TaggedPlantState, TransferView } from '../core/index.js';
import { emptyInventory, inventoryAccuracy, inventoryView, plantLinkKey, productionOrderView, ReadScopes, transferPlantsOf, transferView } from '../core/index.js';
import type { EventStore, WorkflowStore } from '../ports/index.js';
import type { TimelineEntry } from './p2p-queries.js';
import { timelineEntryOf } from './p2p-queries.js';

export type ProductionOrderAnswer = ProductionOrderView & { readonly timeline: readonly TimelineEntry[] };
export type TransferAnswer = TransferView & { readonly timeline: readonly TimelineEntry[] };

export class PlantQueries {
  private readonly scopes: ReadScopes;

  constructor(
    private readonly store: WorkflowStore,
    private readonly log: EventStore,
    manifest: Pick<Manifest, 'systems' | 'partners'>,
    private readonly policy: PlantPolicy,
  ) {
    this.scopes = new ReadScopes(manifest);
  }

  /** The plants a viewer may see: undefined for all, an empty list for none (a partner, a removed system). */
  private plantsOf(viewer: Principal): readonly string[] | undefined {
    const scope = this.scopes.of(viewer);
    switch (scope.kind) {
      case 'all':
        return undefined;
      case 'plant':
        return [scope.plant];
      default:
        return [];
    }
  }

  private sees(viewer: Principal, plants: readonly (string | undefined)[]): boolean {
    const allowed = this.plantsOf(viewer);
    return allowed === undefined || plants.some((plant) => plant !== undefined && allowed.includes(plant));
  }

  async inventory(plant: string, viewer: Principal): Promise<InventoryView | undefined> {
    if (!this.sees(viewer, [plant])) return undefined;
    const [tagged] = await this.store.loadPlantStates([{ workflow: 'inventory', key: plant }]);
    const transfers = (await this.store.plantStates('transfer', { plant })).flatMap((t) => (t.workflow === 'transfer' ? [t.state] : []));
    if (tagged?.workflow !== 'inventory') return transfers.length === 0 ? undefined : inventoryView(emptyInventory(plant), this.policy, transfers);
    return inventoryView(tagged.state, this.policy, transfers);
  }

  async productionOrder(order: string, viewer: Principal): Promise<ProductionOrderAnswer | undefined> {
    const tagged = await this.one('production', order);
    if (tagged?.workflow !== 'production') return undefined;
    const view = productionOrderView(tagged.state, this.policy);
    // A released order is its plant's: another plant that names it (a wrong order number) sees nothing of it.
    const plants = view.plant !== undefined ? [view.plant] : [...Object.values(tagged.state.completions).map((c) => c.plant), ...Object.values(tagged.state.movements).map((m) => m.plant)];
    if (!this.sees(viewer, plants)) return undefined;
    return { ...view, timeline: await this.timeline('production', order) };
  }

  async transfer(transferId: string, viewer: Principal): Promise<TransferAnswer | undefined> {
    const tagged = await this.one('transfer', transferId);
    if (tagged?.workflow !== 'transfer') return undefined;
    const { from, to } = transferPlantsOf(tagged.state);
    if (!this.sees(viewer, [from, to])) return undefined;
    return { ...transferView(tagged.state, this.policy), timeline: await this.timeline('transfer', transferId) };
  }

  /** Inventory record accuracy of every plant with a book, by plant. */
  async accuracy(): Promise<InventoryAccuracy[]> {
    const states = await this.store.plantStates('inventory', {});
    return states
      .flatMap((t) => (t.workflow === 'inventory' ? [inventoryAccuracy(t.state, this.policy)] : []))
      .sort((a, b) => (a.plant < b.plant ? -1 : a.plant > b.plant ? 1 : 0));
  }

  private async one(workflow: PlantWorkflow, key: string): Promise<TaggedPlantState | undefined> {
    return (await this.store.loadPlantStates([{ workflow, key }]))[0];
  }

  /** The workflow's events in log order: derived ones by correlation, inputs through the links. */
  private async timeline(workflow: PlantWorkflow, key: string): Promise<TimelineEntry[]> {
    const linked = await this.store.eventsAt(await this.store.linkedSequences([plantLinkKey(workflow, key)]));
    // Derived events carry the key as correlationid, with the workflow they belong to.
    const correlated = (await this.log.readByCorrelation(key)).filter((s) => belongsTo(s, workflow));
    const bySequence = new Map([...linked, ...correlated].map((s) => [s.sequence, s]));
    return [...bySequence.values()]
      .sort((a, b) => a.sequence - b.sequence)
      .map(timelineEntryOf);
  }
}

function belongsTo(stored: StoredEvent, workflow: PlantWorkflow): boolean {
  const data = stored.event.data;
  if (data.workflow !== undefined) return data.workflow === workflow;
  // A production posting names its order; anything else correlated by the key is the sender's.
  return workflow === 'production' ? stored.event.type !== 'finance.posting' || data.productionOrder !== undefined : stored.event.type !== 'finance.posting';
}
