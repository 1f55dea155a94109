// The demo's manufacturer, from a seed: plants in three regions with their ERPs and warehouses
// (some reporting every 15 minutes over HTTP, the legacy ones in 4-hour CSV batches), a central
// finance ERP fed by AP automation, a logistics platform, and suppliers on X12, API, portal and
// CSV; and the governance manifest that declares all of them.
import { SeededRandom } from '../seeded-random.js';

export interface ScenarioOptions {
  readonly seed: number;
  readonly days: number;
  readonly plants: number;
  readonly suppliers: number;
  /** First instant of the scenario (UTC midnight); default 2026-03-02, a Monday. */
  readonly start?: string;
  /** Purchase orders each plant's ERP releases per day (default 12). */
  readonly posPerPlantPerDay?: number;
  /** Where the central finance ERP takes its webhook deliveries (the demo runs a receiver there). */
  readonly erpWebhookUrl?: string;
  /** 0-99, part of every document number and X12 control number: runs with another base never collide in one hub. */
  readonly idBase?: number;
}

export const SCENARIO_DEFAULTS = { seed: 7, days: 7, plants: 8, suppliers: 400, start: '2026-03-02T00:00:00.000Z', posPerPlantPerDay: 12, idBase: 0 } as const;
export const SCENARIO_LIMITS = { days: [1, 60], plants: [1, 99], suppliers: [20, 9999] } as const;

export type SupplierProtocol = 'x12' | 'api' | 'portal' | 'csv';

export interface ScenarioPlant {
  readonly id: string;
  readonly region: 'NA' | 'EU' | 'APAC';
  readonly timezone: string;
  readonly city: string;
  readonly currency: 'USD' | 'EUR';
  /** `15m`: the WMS posts receipts over HTTP every 15 minutes; `4h`: a CSV export every 4 hours. */
  readonly cadence: '15m' | '4h';
  readonly erp: string;
  readonly wms: string;
}

export interface ScenarioSupplier {
  readonly partner: string;
  readonly supplierId: string;
  readonly name: string;
  readonly protocol: SupplierProtocol;
  readonly x12Id: string;
  readonly items: readonly string[];
}

export interface ScenarioItem {
  readonly itemId: string;
  /** EA per BOX, 1 when the item is not boxed. */
  readonly pack: number;
  readonly basePrice: number;
}

export interface Enterprise {
  readonly name: string;
  readonly plants: readonly ScenarioPlant[];
  readonly suppliers: readonly ScenarioSupplier[];
  readonly items: ReadonlyMap<string, ScenarioItem>;
  /** The X12 supplier whose envelopes are broken at first, and the portal whose confirmations break the contract. */
  readonly brokenX12Supplier: ScenarioSupplier;
  readonly schemaMismatchSupplier: ScenarioSupplier;
}

export const FINANCE_ERP = 'erp-finance';
export const AP_AUTOMATION = 'ap-automation';
export const LOGISTICS = 'logistics';
export const ERP_WEBHOOK_SECRET = 'erp-webhook';
export const RECEIPTS_SUBSCRIPTION = 'erp-finance-receipts';
/** The finance ERP's daily maintenance window (UTC): its deliveries wait and are sent after. */
export const ERP_MAINTENANCE = { from: '11:00', to: '13:00', fromMinute: 11 * 60, toMinute: 13 * 60 } as const;
/** Live systems may be this late (their 15-minute batching stays well inside it). */
export const LIVE_MAX_LAG = '30m';
export const BATCH_MAX_LAG = '5h';

const REGIONS = [
  { region: 'NA', timezone: 'America/Detroit', currency: 'USD', cities: ['Detroit', 'Toledo', 'Louisville'] },
  { region: 'EU', timezone: 'Europe/Berlin', currency: 'EUR', cities: ['Stuttgart', 'Brno', 'Lyon'] },
  { region: 'APAC', timezone: 'Asia/Shanghai', currency: 'USD', cities: ['Suzhou', 'Penang', 'Pune'] },
] as const;

const PROTOCOL_CYCLE: readonly SupplierProtocol[] = ['x12', 'api', 'api', 'portal', 'x12', 'api', 'api', 'x12', 'portal', 'api', 'x12', 'api', 'portal', 'api', 'x12', 'api', 'api', 'portal', 'x12', 'csv'];
const NAMES = ['Precision Castings', 'Northern Fasteners', 'Delta Plastics', 'Atlas Bearings', 'Orion Electronics', 'Keystone Forge', 'Summit Seals', 'Harbor Springs', 'Vector Motion', 'Granite Machining'];

export function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

export function buildEnterprise(options: ScenarioOptions): Enterprise {
  const random = new SeededRandom(options.seed * 7919 + 17);
  const plants: ScenarioPlant[] = [];
  for (let index = 0; index < options.plants; index += 1) {
    const region = REGIONS[index % REGIONS.length] ?? REGIONS[0];
    const id = `P${pad(index + 1, 2)}`;
    plants.push({
      id,
      region: region.region,
      timezone: region.timezone,
      city: region.cities[Math.floor(index / REGIONS.length) % region.cities.length] ?? region.cities[0],
      currency: region.currency,
      cadence: index % 2 === 0 ? '15m' : '4h',
      erp: `erp-${id.toLowerCase()}`,
      wms: `wms-${id.toLowerCase()}`,
    });
  }
  const itemCount = Math.max(30, Math.ceil(options.suppliers / 2));
  const items = new Map<string, ScenarioItem>();
  for (let index = 0; index < itemCount; index += 1) {
    const itemId = `ITM-${pad(10_000 + index, 5)}`;
    items.set(itemId, { itemId, pack: random.pick([1, 1, 12, 24]), basePrice: random.int(50, 25_000) / 100 });
  }
  const itemIds = [...items.keys()];
  const suppliers: ScenarioSupplier[] = [];
  for (let index = 0; index < options.suppliers; index += 1) {
    const number = pad(index + 1, 4);
    suppliers.push({
      partner: `sup-${number}`,
      supplierId: `SUP-${number}`,
      name: `${NAMES[index % NAMES.length] ?? 'Supplier'} ${number}`,
      protocol: PROTOCOL_CYCLE[index % PROTOCOL_CYCLE.length] ?? 'api',
      x12Id: `SUP${number}`,
      items: [random.pick(itemIds), random.pick(itemIds), random.pick(itemIds)],
    });
  }
  const first = (protocol: SupplierProtocol) => {
    const found = suppliers.find((s) => s.protocol === protocol);
    if (found === undefined) throw new Error(`a scenario needs a ${protocol} supplier: use at least ${SCENARIO_LIMITS.suppliers[0]} suppliers`);
    return found;
  };
  return { name: 'Millrace Demo Manufacturing', plants, suppliers, items, brokenX12Supplier: first('x12'), schemaMismatchSupplier: first('portal') };
}

export function csvReceiptsMapping(plant: ScenarioPlant): string {
  return `${plant.wms}-receipts`;
}

export function csvConfirmationsMapping(supplier: ScenarioSupplier): string {
  return `${supplier.partner}-confirmations`;
}

/** The governance manifest of the enterprise, as the YAML document's data (it passes `millrace lint`). */
export function scenarioManifest(enterprise: Enterprise, options: ScenarioOptions): Record<string, unknown> {
  const { plants, suppliers } = enterprise;
  const csvPlants = plants.filter((p) => p.cadence === '4h');
  const allDays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  return {
    version: 1,
    enterprise: { name: enterprise.name },
    hub: { x12: { qualifier: 'ZZ', id: 'MILLRACEHUB' } },
    teams: [
      { id: 'procurement', name: 'Central procurement' },
      { id: 'accounts-payable', name: 'Accounts payable (shared service centre)' },
      { id: 'logistics', name: 'Inbound logistics' },
      { id: 'inventory-control', name: 'Inventory control' },
      { id: 'master-data', name: 'Master data management' },
      ...plants.map((p) => ({ id: `receiving-${p.id.toLowerCase()}`, name: `Plant ${p.id} receiving (${p.city})` })),
    ],
    domains: [
      { id: 'purchasing', owner: 'procurement', eventTypes: ['po.released', 'po.changed', 'po.cancelled', 'supplier.confirmation'] },
      { id: 'logistics', owner: 'logistics', eventTypes: ['shipment.dispatched', 'shipment.milestone'] },
      { id: 'inventory', owner: 'inventory-control', eventTypes: ['goods.received'] },
      { id: 'payables', owner: 'accounts-payable', eventTypes: ['invoice.received'] },
    ],
    systems: [
      { id: FINANCE_ERP, kind: 'erp', name: 'Central finance ERP (cloud)', roles: { payables: 'record' }, publishes: [] },
      { id: AP_AUTOMATION, kind: 'ap', name: 'AP automation (invoice capture)', roles: { payables: 'execution' }, publishes: ['invoice.received'] },
      { id: LOGISTICS, kind: 'tms', name: 'Logistics visibility platform', roles: { logistics: 'record' }, publishes: ['shipment.milestone'] },
      ...plants.flatMap((p) => [
        { id: p.erp, kind: 'erp', plant: p.id, region: p.region, name: `Plant ${p.id} ERP (${p.city})`, roles: { purchasing: 'record' }, publishes: ['po.released', 'po.changed', 'po.cancelled'], maxLag: { default: LIVE_MAX_LAG } },
        {
          id: p.wms,
          kind: 'wms',
          plant: p.id,
          region: p.region,
          name: `Plant ${p.id} warehouse (${p.city}, ${p.cadence === '15m' ? 'posts every 15 minutes' : 'CSV export every 4 hours'})`,
          roles: { inventory: 'record' },
          publishes: ['goods.received'],
          maxLag: { default: p.cadence === '15m' ? LIVE_MAX_LAG : BATCH_MAX_LAG },
        },
      ]),
    ],
    partners: suppliers.map((s) => ({
      id: s.partner,
      name: s.name,
      supplierId: s.supplierId,
      protocols: [s.protocol],
      ...(s.protocol === 'x12' ? { x12: { qualifier: 'ZZ', id: s.x12Id } } : {}),
      publishes: ['supplier.confirmation', 'shipment.dispatched'],
    })),
    contracts: { compatibility: 'backward' },
    slas: { supplier_confirmation: '24h', receipt_after_eta: '24h', invoice_hold: '5d', purchase_order_missing: '4h' },
    tolerances: { pricePercent: '2', quantity: '0' },
    exceptionOwners: { receipt_overdue: 'receiving-{plant}', over_receipt: 'receiving-{plant}', master_data_gap: 'master-data' },
    subscriptions: [
      {
        id: RECEIPTS_SUBSCRIPTION,
        subscriber: FINANCE_ERP,
        types: ['goods.received'],
        channel: { kind: 'webhook', url: options.erpWebhookUrl ?? 'http://127.0.0.1:9/erp/receipts', secret: ERP_WEBHOOK_SECRET },
        maintenanceWindows: [{ days: allDays, from: ERP_MAINTENANCE.from, to: ERP_MAINTENANCE.to, timezone: 'UTC' }],
      },
    ],
    masterData: {
      unitConversions: Object.fromEntries([...enterprise.items.values()].filter((i) => i.pack > 1).map((i) => [i.itemId, { EA: '1', BOX: String(i.pack) }])),
      // The legacy plants' warehouses keep their own item numbers.
      itemCodes: Object.fromEntries(csvPlants.map((p) => [p.wms, Object.fromEntries([...enterprise.items.keys()].slice(0, 20).map((id) => [localItemCode(p, id), id]))])),
    },
    csvMappings: [
      ...csvPlants.map((p) => ({
        id: csvReceiptsMapping(p),
        source: p.wms,
        eventType: 'goods.received',
        delimiter: ';',
        ...(p.region === 'EU' ? { decimal: { separator: ',', thousands: '.' } } : {}),
        dates: { format: p.region === 'NA' ? 'MM/DD/YYYY HH:mm' : 'DD.MM.YYYY HH:mm', timezone: p.timezone },
        groupBy: ['Doc'],
        time: { column: 'Posted' },
        units: { ST: 'EA', KAR: 'BOX' },
        fields: {
          receiptId: { column: 'Doc' },
          plant: { value: p.id },
          receivedAt: { column: 'Posted', type: 'datetime' },
          shipmentId: { column: 'ASN', optional: true },
          'lines[].poNumber': { column: 'PO' },
          'lines[].line': { column: 'Item', type: 'integer' },
          'lines[].quantity': { column: 'Qty', type: 'decimal' },
          'lines[].uom': { column: 'Unit', codes: 'unit' },
        },
      })),
      ...suppliers
        .filter((s) => s.protocol === 'csv')
        .map((s) => ({
          id: csvConfirmationsMapping(s),
          source: s.partner,
          eventType: 'supplier.confirmation',
          dates: { format: 'YYYY-MM-DD HH:mm', timezone: 'UTC' },
          groupBy: ['Order'],
          time: { column: 'Sent' },
          fields: {
            poNumber: { column: 'Order' },
            supplierId: { value: s.supplierId },
            'lines[].line': { column: 'Line', type: 'integer' },
            'lines[].status': { column: 'Status', values: { OK: 'accepted', CHG: 'changed' } },
            'lines[].quantity': { column: 'Qty', type: 'decimal' },
            'lines[].unitPrice': { column: 'Price', type: 'decimal' },
            'lines[].promisedDate': { column: 'Promised', type: 'date', format: 'YYYY-MM-DD' },
          },
        })),
    ],
  };
}

export function localItemCode(plant: ScenarioPlant, itemId: string): string {
  return `${plant.id}-${itemId.slice(4)}`;
}
