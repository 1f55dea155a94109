// How plant workflow states are kept in the projections and read back, and what the HTTP views
// of a production order and a transfer show. A row carries the columns the stores index (plants,
// stage, next deadline): the deadline depends on the policy (unit conversions, tolerances), so
// the processor computes it, not the store.
import { str } from '../money.js';
import { inventoryFromJson } from './inventory-position.js';
import { assessOrder, isAtOrderPlant, orderFromJson, splitByClosure, stageOfOrder } from './p2i-state.js';
import type { ProductionOrderState, ProductionStage } from './p2i-state.js';
import type { TaggedPlantState } from './plant-engine.js';
import type { PlantPolicy } from './plant-policy.js';
import type { ActiveDeadline, ExceptionRecord, PlantWorkflow } from './plant-workflow.js';
import { nextDue, openExceptions } from './plant-workflow.js';
import { activePlantDeadlines } from './plant-engine.js';
import type { TransferLeg, TransferSide, TransferStage, TransferState } from './transfer-state.js';
import { itemsOf, legsOf, plantsOf, sideOf, stageOfTransfer, transferFromJson } from './transfer-state.js';

export interface PlantStateRow {
  readonly workflow: PlantWorkflow;
  readonly key: string;
  /** The order's plant, the transfer's shipping plant, the inventory's plant. */
  readonly plant: string | null;
  /** The transfer's receiving plant. */
  readonly toPlant: string | null;
  readonly stage: string;
  readonly nextDue: string | null;
  readonly openExceptions: number;
  /** Plain JSON: states are built in one key order, and rebuilds compare this text byte for byte. */
  readonly state: string;
}

export function plantRowOf(tagged: TaggedPlantState, policy: PlantPolicy): PlantStateRow {
  const base = { workflow: tagged.workflow, key: tagged.state.key, nextDue: nextDue(activePlantDeadlines(tagged, policy)) ?? null, openExceptions: openExceptions(tagged.state).length, state: JSON.stringify(tagged.state) };
  switch (tagged.workflow) {
    case 'production':
      return { ...base, plant: tagged.state.terms?.plant ?? firstPlantOf(tagged.state), toPlant: null, stage: stageOfOrder(tagged.state) };
    case 'transfer': {
      const { from, to } = plantsOf(tagged.state);
      return { ...base, plant: from ?? null, toPlant: to ?? null, stage: stageOfTransfer(tagged.state, policy) };
    }
    default:
      return { ...base, plant: tagged.state.plant, toPlant: null, stage: tagged.state.snapshot === undefined ? 'unreconciled' : 'reconciled' };
  }
}

function firstPlantOf(state: ProductionOrderState): string | null {
  return Object.values(state.completions)[0]?.plant ?? Object.values(state.movements)[0]?.plant ?? null;
}

/** A state read back from a row's JSON. */
export function plantStateFromJson(workflow: PlantWorkflow, json: string): TaggedPlantState {
  switch (workflow) {
    case 'production':
      return { workflow, state: orderFromJson(json) };
    case 'transfer':
      return { workflow, state: transferFromJson(json) };
    default:
      return { workflow: 'inventory', state: inventoryFromJson(json) };
  }
}

/** The link key of a plant workflow in `workflow_links` (P2P line keys are `PO/LINE`). */
export function plantLinkKey(workflow: PlantWorkflow, key: string): string {
  return `${workflow}:${key}`;
}

interface DeadlineSummary {
  readonly sla: string;
  readonly ref: string;
  readonly deadline: string;
  readonly owner: string;
}

function deadlinesOf(active: readonly ActiveDeadline[]): DeadlineSummary[] {
  return active.map((d) => ({ sla: d.sla, ref: d.ref, deadline: d.deadline, owner: d.owner }));
}

function exceptionSummaries(records: readonly ExceptionRecord[]): { exceptionId: string; code: string; ref: string; owner: string; raisedAt: string }[] {
  return records.map((e) => ({ exceptionId: e.exceptionId, code: e.code, ref: e.ref, owner: e.owner, raisedAt: e.raisedAt }));
}

/** What `GET /v1/workflows/production/:order` shows. */
export interface ProductionOrderView {
  readonly productionOrder: string;
  readonly stage: ProductionStage;
  readonly plant?: string;
  readonly itemId?: string;
  readonly uom?: string;
  readonly quantities?: { readonly ordered: string; readonly completed: string; readonly scrapped: string; readonly received: string };
  readonly components: readonly { readonly itemId: string; readonly uom: string; readonly expected: string; readonly issued: string; readonly onBom: boolean }[];
  /**
   * Every completion reported on the order, in the unit it was reported in (absent before the
   * release names the order unit); `counted` false for one after the final completion or from
   * another plant than the order's.
   */
  readonly completions: readonly { readonly eventId: string; readonly plant: string; readonly good: string; readonly scrap: string; readonly uom?: string; readonly completedAt: string; readonly final: boolean; readonly counted: boolean }[];
  /** Every movement naming the order; `counted` false for one posted at another plant than the order's. */
  readonly movements: readonly { readonly movementId: string; readonly plant: string; readonly reason: string; readonly itemId: string; readonly quantity: string; readonly uom: string; readonly at: string; readonly counted: boolean }[];
  readonly postings: readonly { readonly postingId: string; readonly kind: string; readonly amount: string; readonly currency: string }[];
  readonly openDeadlines: readonly DeadlineSummary[];
  readonly openExceptions: readonly { exceptionId: string; code: string; ref: string; owner: string; raisedAt: string }[];
}

export function productionOrderView(state: ProductionOrderState, policy: PlantPolicy): ProductionOrderView {
  const terms = state.terms;
  const assessment = terms === undefined ? undefined : assessOrder(state, terms, policy);
  const counted = new Set(splitByClosure(state).counted.map((c) => c.eventId));
  const byTime = <T extends { at: string }>(list: T[]) => list.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return {
    productionOrder: state.productionOrder,
    stage: stageOfOrder(state),
    ...(terms === undefined ? {} : { plant: terms.plant, itemId: terms.itemId, uom: terms.uom }),
    ...(assessment === undefined || terms === undefined
      ? {}
      : {
          quantities: {
            ordered: terms.quantity,
            completed: str(assessment.quantities.completed),
            scrapped: str(assessment.quantities.scrapped),
            received: str(assessment.quantities.received),
          },
        }),
    components: (assessment?.components ?? []).map((c) => ({ itemId: c.itemId, uom: c.uom, expected: str(c.expected), issued: str(c.issued), onBom: c.onBom })),
    completions: byTime(
      Object.values(state.completions).map((c) => {
        const uom = c.uom ?? terms?.uom;
        return { eventId: c.eventId, plant: c.plant, good: c.good, scrap: c.scrap, ...(uom === undefined ? {} : { uom }), at: c.at, final: c.final, counted: counted.has(c.eventId) };
      }),
    ).map(({ at, ...c }) => ({ ...c, completedAt: at })),
    movements: byTime(Object.values(state.movements).map((m) => ({ movementId: m.movementId, plant: m.plant, reason: m.reason, itemId: m.itemId, quantity: m.quantity, uom: m.uom, at: m.at, counted: isAtOrderPlant(state, m) }))),
    postings: Object.values(state.postings)
      .map((p) => ({ postingId: p.postingId, kind: p.kind, amount: p.amount, currency: p.currency }))
      .sort((a, b) => (a.postingId < b.postingId ? -1 : 1)),
    openDeadlines: deadlinesOf(activePlantDeadlines({ workflow: 'production', state }, policy)),
    openExceptions: exceptionSummaries(openExceptions(state)),
  };
}

/** What `GET /v1/workflows/transfer/:id` shows. */
export interface TransferView {
  readonly transferId: string;
  readonly stage: TransferStage;
  readonly fromPlant?: string;
  readonly toPlant?: string;
  readonly items: readonly { readonly itemId: string; readonly uom: string; readonly shipped: string; readonly received: string; readonly inTransit: string }[];
  /** `side`: which plant posted the leg (`direction` is its sign as sent: a reversal is the opposite of its side's usual sign). */
  readonly legs: readonly (Omit<TransferLeg, 'seq'> & { readonly side: TransferSide })[];
  readonly openDeadlines: readonly DeadlineSummary[];
  readonly openExceptions: readonly { exceptionId: string; code: string; ref: string; owner: string; raisedAt: string }[];
}

export function transferView(state: TransferState, policy: PlantPolicy): TransferView {
  const { from, to } = plantsOf(state);
  return {
    transferId: state.transferId,
    stage: stageOfTransfer(state, policy),
    ...(from === undefined ? {} : { fromPlant: from }),
    ...(to === undefined ? {} : { toPlant: to }),
    items: itemsOf(state, policy.convert).map((i) => ({ itemId: i.itemId, uom: i.uom, shipped: str(i.shipped), received: str(i.received), inTransit: str(i.inTransit) })),
    legs: [...legsOf(state, 'shipping'), ...legsOf(state, 'receiving')].map(({ seq: _seq, ...leg }) => ({ ...leg, side: sideOf(leg.plant, from) })),
    openDeadlines: deadlinesOf(activePlantDeadlines({ workflow: 'transfer', state }, policy)),
    openExceptions: exceptionSummaries(openExceptions(state)),
  };
}
