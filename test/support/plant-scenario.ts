// A plant story in memory: events go through the real plant workflows (route, evolve, decide),
// derived events are appended to an in-memory log with sequences, deadlines fire when the
// story's clock passes them. `replay()` folds the log again without deciding.
import type { CloudEvent, StoredEvent } from '../../src/core/index.js';
import { addMs, isRecordedDecision } from '../../src/core/index.js';
import type { PlantPolicy, PlantPolicySettings, PlantWorkflow, TaggedPlantState } from '../../src/core/index.js';
import { applyPlantEvent, duePlantBreaches, plantPolicy, PlantStateSet } from '../../src/core/index.js';

export const T0 = '2026-03-02T08:00:00.000Z';
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const MO = 'MO-P01-000452';

type Data = Record<string, unknown>;

export const GEARBOX_BOM = [
  { itemId: 'ITM-10023', quantityPer: '8', uom: 'EA' },
  { itemId: 'ITM-40077', quantityPer: '0.025', uom: 'KG' },
];

export class PlantScenario {
  readonly states = new PlantStateSet();
  readonly log: StoredEvent[] = [];
  readonly policy: PlantPolicy;
  now = T0;
  private ids = 0;

  constructor(settings: PlantPolicySettings = {}) {
    this.policy = plantPolicy(settings);
  }

  /** Moves the clock forward by `ms` and fires every deadline that has passed, like the scheduler. */
  advance(ms: number): this {
    this.now = addMs(this.now, ms);
    for (const workflow of ['inventory', 'production', 'transfer'] as const) {
      for (const key of this.states.keys(workflow)) {
        const state = this.states.get(workflow, key);
        if (state === undefined) continue;
        for (const breach of duePlantBreaches({ workflow, state } as TaggedPlantState, this.policy, this.now)) this.input(breach);
      }
    }
    return this;
  }

  /** An inbound event at the current time (its business time too, unless `time` is given). */
  send(type: string, source: string, data: Data, options: { id?: string; time?: string } = {}): StoredEvent {
    return this.input({ specversion: '1.0', id: options.id ?? `e${++this.ids}`, source, type, time: options.time ?? this.now, data });
  }

  input(event: CloudEvent): StoredEvent {
    const stored = { sequence: this.log.length + 1, receivedTime: this.now, event };
    this.log.push(stored);
    const { derived } = applyPlantEvent(this.states, stored, this.policy, { now: this.now });
    for (const e of derived) this.log.push({ sequence: this.log.length + 1, receivedTime: this.now, event: e });
    return stored;
  }

  release(options: { quantity?: string; uom?: string; components?: Data[]; order?: string; itemId?: string } = {}): StoredEvent {
    return this.send('production.order.released', '/systems/erp-core', {
      productionOrder: options.order ?? MO,
      plant: 'P01',
      itemId: options.itemId ?? 'ITM-50010',
      quantity: options.quantity ?? '40',
      uom: options.uom ?? 'EA',
      dueDate: '2026-03-20',
      components: options.components ?? GEARBOX_BOM,
    });
  }

  complete(good: string, scrap = '0', options: { final?: boolean; uom?: string; at?: string; order?: string; id?: string } = {}): StoredEvent {
    return this.send(
      'production.completed',
      '/systems/mes-p01',
      {
        productionOrder: options.order ?? MO,
        plant: 'P01',
        goodQuantity: good,
        scrapQuantity: scrap,
        ...(options.uom === undefined ? {} : { uom: options.uom }),
        completedAt: options.at ?? this.now,
        ...(options.final === undefined ? {} : { final: options.final }),
      },
      options.id === undefined ? {} : { id: options.id },
    );
  }

  /** A movement posted by a plant's WMS/ERP. */
  move(movementId: string, fields: { plant?: string; itemId: string; quantity: string; uom?: string; reason: string; reference?: string; toPlant?: string; transferId?: string }, options: { time?: string; id?: string } = {}): StoredEvent {
    const { plant = 'P01', uom = 'EA', ...rest } = fields;
    return this.send('inventory.movement', `/systems/wms-${plant.toLowerCase()}`, { movementId, plant, uom, ...rest }, options);
  }

  /** Finished goods into stock for the order. */
  receiveGoods(movementId: string, quantity: string, uom = 'EA', order = MO): StoredEvent {
    return this.move(movementId, { itemId: 'ITM-50010', quantity, uom, reason: 'production', reference: order });
  }

  /** A component issued to the order (a positive quantity is issued: the movement is negative). */
  issue(movementId: string, itemId: string, quantity: string, uom = 'EA', order = MO): StoredEvent {
    return this.move(movementId, { itemId, quantity: quantity.startsWith('-') ? quantity.slice(1) : `-${quantity}`, uom, reason: 'issue', reference: order });
  }

  snapshot(plant: string, asOf: string, positions: { itemId: string; quantity: string; uom?: string }[]): StoredEvent {
    return this.send('inventory.snapshot', `/systems/wms-${plant.toLowerCase()}`, { plant, asOf, positions: positions.map((p) => ({ uom: 'EA', ...p })) });
  }

  derived(type: string): CloudEvent[] {
    return this.log.filter((s) => isRecordedDecision(s.event) && s.event.type === type).map((s) => s.event);
  }

  /** `exception.raised` data, optionally of one code. */
  exceptions(code?: string): Data[] {
    return this.derived('exception.raised')
      .map((e) => e.data as Data)
      .filter((d) => code === undefined || d.code === code);
  }

  /** Exceptions raised and not resolved, optionally of one code. */
  open(code?: string): Data[] {
    const resolved = new Set(this.derived('exception.resolved').map((e) => (e.data as Data).exceptionId));
    return this.exceptions(code).filter((d) => !resolved.has(d.exceptionId));
  }

  postings(kind?: string): Data[] {
    return this.derived('finance.posting')
      .map((e) => e.data as Data)
      .filter((d) => kind === undefined || d.kind === kind);
  }

  /** Every state, folded from the log without deciding: what a rebuild produces. */
  replay(): Map<string, string> {
    const states = new PlantStateSet();
    for (const stored of this.log) applyPlantEvent(states, stored, this.policy, undefined);
    return dump(states);
  }

  live(): Map<string, string> {
    return dump(this.states);
  }

  state<W extends PlantWorkflow>(workflow: W, key: string) {
    const state = this.states.get(workflow, key);
    if (state === undefined) throw new Error(`no ${workflow} state for ${key}`);
    return state;
  }
}

function dump(states: PlantStateSet): Map<string, string> {
  const out = new Map<string, string>();
  for (const workflow of ['inventory', 'production', 'transfer'] as const) for (const key of states.keys(workflow)) out.set(`${workflow}:${key}`, JSON.stringify(states.get(workflow, key)));
  return out;
}
