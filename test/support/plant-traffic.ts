// Plant traffic for integration tests: production orders released by the ERP, completed by the
// MES in one or two parts, their finished goods and component issues posted by the plant's WMS
// (some short, some late, some never), transfers between two plants (some received short, some
// never), and daily inventory snapshots. Deterministic for a seed; events in business-time order.
import type { CloudEvent, PlantPolicySettings } from '../../src/core/index.js';
import { addMs } from '../../src/core/index.js';
import { prng as random } from './p2p-traffic.js';

/** The plant settings the traffic is written for: grams and kilograms convert, one lane, a tolerance on counts, standard costs. */
export const PLANT_TRAFFIC_SETTINGS: PlantPolicySettings = {
  unitConversions: { 'ITM-40077': { KG: '1', G: '0.001' } },
  lanes: [{ from: 'P01', to: 'P02', transit: '36h' }],
  plants: { P02: { inventoryUpdate: '4h' } },
  tolerances: { inventory: { absolute: '2' } },
  standardCosts: { 'ITM-50010': { currency: 'EUR', unitCost: '182.40', uom: 'EA' }, 'ITM-10023': { currency: 'EUR', unitCost: '3.15', uom: 'EA' }, 'ITM-40077': { currency: 'EUR', unitCost: '12.00', uom: 'KG' } },
};

const HOUR = 3_600_000;

export interface PlantTrafficOptions {
  readonly orders: number;
  readonly transfers: number;
  readonly seed: number;
  readonly start?: string;
}

export function plantTraffic(options: PlantTrafficOptions): CloudEvent[] {
  const rand = random(options.seed);
  const start = options.start ?? '2026-03-02T06:00:00.000Z';
  const events: CloudEvent[] = [];
  let n = 0;
  const event = (type: string, source: string, time: string, data: Record<string, unknown>) => events.push({ specversion: '1.0', id: `pt-${++n}`, source, type, time, data });
  const move = (time: string, plant: string, data: Record<string, unknown>) =>
    event('inventory.movement', `/systems/wms-${plant.toLowerCase()}`, time, { movementId: `MV-${n + 1}`, plant, uom: 'EA', ...data });
  for (let i = 0; i < options.orders; i += 1) {
    const order = `MO-${String(i).padStart(4, '0')}`;
    const plant = i % 3 === 0 ? 'P02' : 'P01';
    const released = addMs(start, i * 2 * HOUR);
    const quantity = 10 + Math.floor(rand() * 30);
    event('production.order.released', '/systems/erp-core', released, {
      productionOrder: order,
      plant,
      itemId: 'ITM-50010',
      quantity: String(quantity),
      uom: 'EA',
      components: [
        { itemId: 'ITM-10023', quantityPer: '8', uom: 'EA' },
        { itemId: 'ITM-40077', quantityPer: '0.025', uom: 'KG' },
      ],
    });
    const parts = rand() < 0.4 ? 2 : 1;
    let done = 0;
    for (let p = 0; p < parts; p += 1) {
      const good = p === parts - 1 ? quantity - done : Math.floor(quantity / 2);
      done += good;
      const scrap = rand() < 0.3 ? 1 : 0;
      const at = addMs(released, (p + 1) * 3 * HOUR);
      event('production.completed', `/systems/mes-${plant.toLowerCase()}`, at, {
        productionOrder: order,
        plant,
        goodQuantity: `${good}.000`,
        scrapQuantity: String(scrap),
        completedAt: at,
        ...(p === parts - 1 ? { final: true } : {}),
      });
      const fate = rand();
      if (fate < 0.1) continue; // never reflected in inventory
      const received = fate < 0.2 ? good - 1 : good;
      const lag = fate < 0.3 ? 5 * HOUR : HOUR / 2;
      move(addMs(at, lag), plant, { itemId: 'ITM-50010', quantity: String(received), reason: 'production', reference: order });
      const components = (good + scrap) * 8 + (rand() < 0.15 ? 3 : 0);
      move(addMs(at, lag), plant, { itemId: 'ITM-10023', quantity: `-${components}`, reason: 'issue', reference: order });
      move(addMs(at, lag), plant, { itemId: 'ITM-40077', quantity: (-(good + scrap) * 25).toString(), uom: 'G', reason: 'issue', reference: order });
    }
  }
  for (let i = 0; i < options.transfers; i += 1) {
    const transferId = `TR-${String(i).padStart(4, '0')}`;
    const shipped = addMs(start, i * 5 * HOUR + HOUR);
    const quantity = 5 + Math.floor(rand() * 20);
    move(shipped, 'P01', { itemId: 'ITM-50010', quantity: `-${quantity}`, reason: 'transfer', toPlant: 'P02', transferId });
    const fate = rand();
    if (fate < 0.15) continue; // never received
    move(addMs(shipped, 30 * HOUR), 'P02', { itemId: 'ITM-50010', quantity: String(fate < 0.3 ? quantity - 2 : quantity), reason: 'transfer', transferId });
  }
  const last = events.reduce((latest, e) => (e.time > latest ? e.time : latest), start);
  for (const plant of ['P01', 'P02']) {
    event('inventory.snapshot', `/systems/wms-${plant.toLowerCase()}`, last, {
      plant,
      asOf: last,
      positions: [
        { itemId: 'ITM-50010', quantity: String(Math.floor(rand() * 100)), uom: 'EA' },
        { itemId: 'ITM-10023', quantity: '0', uom: 'EA' },
      ],
    });
  }
  return events.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}
