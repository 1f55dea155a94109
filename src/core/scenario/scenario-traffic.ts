// The enterprise's procure-to-pay traffic over N days, deterministic from the seed: each
// document with the time it happened in its system and the 15-minute tick at which it reaches
// the hub through its real channel (HTTP batches, X12 interchanges, CSV files), with the
// faults real operations have. Every message says which answer the door must give, and every
// PO line keeps its plan, so expected outcomes and the point-to-point baseline are computed
// from the same traffic.
import type { CloudEvent } from '../envelope.js';
import { amount, dec, str, sum } from '../money.js';
import { utcOffsetMinutes } from '../time.js';
import { writeInterchange } from '../x12/x12-writer.js';
import type { Enterprise, ScenarioOptions, ScenarioPlant, ScenarioSupplier } from './scenario-enterprise.js';
import { AP_AUTOMATION, buildEnterprise, csvConfirmationsMapping, csvReceiptsMapping, LOGISTICS, pad, SCENARIO_DEFAULTS, scenarioManifest } from './scenario-enterprise.js';
import { SeededRandom } from '../seeded-random.js';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const TICK_MS = 15 * MINUTE;
const CSV_SUPPLIER_HOUR = 18;

export type Channel = 'http' | 'x12' | 'csv';
/** The door's answer: accepted, a resend (duplicate), or the refusal's kind. */
export type DoorOutcome = 'accepted' | 'duplicate' | 'conflict' | 'contract_violation' | 'forbidden' | 'x12_envelope';

export interface Sender {
  readonly kind: 'system' | 'partner';
  readonly id: string;
}

export interface ScenarioMessage {
  /** Arrival at the hub: a 15-minute tick (RFC 3339, UTC). */
  readonly at: string;
  readonly channel: Channel;
  readonly sender: Sender;
  /** What it carries, for people: `po.released`, `retry of ...`, `probe: ...`. */
  readonly what: string;
  readonly expect: DoorOutcome;
  /** The canonical events it carries, by type (X12 sets and CSV documents count one each). */
  readonly eventTypes: readonly string[];
  readonly events?: readonly CloudEvent[];
  readonly x12?: string;
  readonly csv?: { readonly mapping: string; readonly filename: string; readonly text: string };
}

/** One PO line's plan: what happens to it and when it reaches the hub (ms since epoch; undefined = not in the scenario). */
export interface LinePlan {
  readonly poNumber: string;
  readonly line: number;
  readonly plant: string;
  readonly supplierId: string;
  readonly releasedAt: number;
  readonly releaseArrival: number;
  readonly confirmationDeadline: number;
  confirmationAt?: number;
  confirmationArrival?: number;
  confirmationChanged: boolean;
  asnArrival?: number;
  receiptAt?: number;
  receiptArrival?: number;
  /** The receipt arrived later than its source's maximum lag (the plant outage's backlog). */
  receiptLagBreach: boolean;
  invoiceArrival?: number;
  invoicePrice: 'same' | 'within' | 'beyond';
  /** A re-scanned copy of the invoice (new document id, same number) and when it arrived. */
  duplicateInvoiceArrival?: number;
  /** Network retries of messages that post (receipts, invoices): the same event again. */
  postingRetries: number;
}

export interface Scenario {
  readonly options: Required<Omit<ScenarioOptions, 'erpWebhookUrl'>> & Pick<ScenarioOptions, 'erpWebhookUrl'>;
  readonly enterprise: Enterprise;
  readonly manifest: Record<string, unknown>;
  readonly start: string;
  readonly end: string;
  /** In arrival order. */
  readonly messages: readonly ScenarioMessage[];
  readonly lines: readonly LinePlan[];
  readonly outage: { readonly plant: string; readonly from: string; readonly to: string };
}

interface Doc {
  readonly arrival: number;
  readonly order: number;
  readonly channel: Channel;
  readonly sender: Sender;
  readonly type: string;
  readonly event: CloudEvent;
  readonly expect?: DoorOutcome;
  readonly what?: string;
  /** Sent on its own, not batched with the sender's other documents of the tick. */
  readonly alone?: boolean;
  /** For CSV: the rows; for X12: the set's segments. */
  readonly rows?: readonly string[];
  readonly segments?: readonly (readonly string[])[];
  readonly functionalId?: string;
  readonly brokenEnvelope?: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();
const ceilTick = (ms: number, tick = TICK_MS) => Math.ceil(ms / tick) * tick;
const day = (ms: number) => iso(ms).slice(0, 10);

export function generateScenario(input: Partial<ScenarioOptions> & Pick<ScenarioOptions, 'seed'>): Scenario {
  const options = {
    seed: input.seed,
    days: input.days ?? SCENARIO_DEFAULTS.days,
    plants: input.plants ?? SCENARIO_DEFAULTS.plants,
    suppliers: input.suppliers ?? SCENARIO_DEFAULTS.suppliers,
    start: input.start ?? SCENARIO_DEFAULTS.start,
    posPerPlantPerDay: input.posPerPlantPerDay ?? SCENARIO_DEFAULTS.posPerPlantPerDay,
    idBase: input.idBase ?? SCENARIO_DEFAULTS.idBase,
    ...(input.erpWebhookUrl === undefined ? {} : { erpWebhookUrl: input.erpWebhookUrl }),
  };
  const enterprise = buildEnterprise(options);
  const random = new SeededRandom(options.seed);
  const start = Date.parse(options.start);
  const end = start + options.days * DAY;
  // The first 15-minute plant's warehouse is down for 8 hours on day 2 (day 1 of a one-day run), then flushes its backlog.
  const outagePlant = enterprise.plants[0] as ScenarioPlant;
  const outageDay = Math.min(1, options.days - 1);
  const outage = { from: start + outageDay * DAY + 6 * HOUR, to: start + outageDay * DAY + 14 * HOUR };
  const brokenUntil = start + 12 * HOUR;
  const mismatchUntil = start + DAY;
  const docs: Doc[] = [];
  const lines: LinePlan[] = [];
  let order = 0;
  const push = (doc: Omit<Doc, 'order'>) => docs.push({ ...doc, order: order++ });

  const event = (sender: Sender, id: string, type: string, time: number, data: Record<string, unknown>, correlation: string, plant?: string): CloudEvent => ({
    specversion: '1.0',
    id,
    source: `/${sender.kind}s/${sender.id}`,
    type,
    time: iso(time),
    correlationid: correlation,
    ...(plant === undefined ? {} : { plant }),
    data,
  });

  let poSeq = 0;
  for (let d = 0; d < options.days; d += 1) {
    for (const plant of enterprise.plants) {
      for (let n = 0; n < options.posPerPlantPerDay; n += 1) {
        poSeq += 1;
        // Never on a quarter hour: deadlines then never fall on a tick, so their order against arrivals is fixed.
        let minute = random.int(0, 24 * 60 - 1);
        const supplier = random.pick(enterprise.suppliers);
        // The faulty partners get the first orders of the first morning, so every run shows their faults.
        const faulty = d === 0 && plant === enterprise.plants[0] && n < 4 ? (n % 2 === 0 ? enterprise.brokenX12Supplier : enterprise.schemaMismatchSupplier) : undefined;
        if (faulty !== undefined) minute = 60 + n * 37;
        if (minute % 15 === 0) minute += 1;
        const releasedAt = start + d * DAY + minute * MINUTE;
        planPurchaseOrder(`45${pad(options.idBase, 2)}${pad(poSeq, 6)}`, plant, faulty ?? supplier, releasedAt);
      }
    }
  }

  function planPurchaseOrder(poNumber: string, plant: ScenarioPlant, supplier: ScenarioSupplier, releasedAt: number): void {
    const erp: Sender = { kind: 'system', id: plant.erp };
    const partner: Sender = { kind: 'partner', id: supplier.partner };
    const lineCount = random.int(1, 3);
    const poLines = Array.from({ length: lineCount }, (_, index) => {
      const itemId = supplier.items[index % supplier.items.length] as string;
      const item = enterprise.items.get(itemId);
      const pack = item?.pack ?? 1;
      const quantity = pack > 1 ? pack * random.int(2, 40) : random.int(10, 500);
      const unitPrice = ((item?.basePrice ?? 10) * (0.9 + random.next() * 0.2)).toFixed(4);
      return { line: (index + 1) * 10, itemId, quantity, pack, unitPrice };
    });
    const needBy = day(releasedAt + random.int(7, 21) * DAY);
    const releaseArrival = ceilTick(releasedAt);
    const correlation = (line: number) => `${poNumber}/${line}`;
    push({
      arrival: releaseArrival,
      channel: 'http',
      sender: erp,
      type: 'po.released',
      event: event(erp, `${plant.erp}-po-${poNumber}`, 'po.released', releasedAt, {
        poNumber,
        supplierId: supplier.supplierId,
        buyerPlant: plant.id,
        currency: plant.currency,
        lines: poLines.map((l) => ({ line: l.line, itemId: l.itemId, quantity: String(l.quantity), uom: 'EA', unitPrice: l.unitPrice, needBy })),
      }, correlation(10), plant.id),
    });
    const plans: LinePlan[] = poLines.map((l) => ({
      poNumber,
      line: l.line,
      plant: plant.id,
      supplierId: supplier.supplierId,
      releasedAt,
      releaseArrival,
      confirmationDeadline: releasedAt + DAY,
      confirmationChanged: false,
      receiptLagBreach: false,
      invoicePrice: 'same',
      postingRetries: 0,
    }));
    lines.push(...plans);

    // The supplier answers: mostly within hours, some after the 24h SLA, some with a smaller quantity.
    const late = random.chance(0.08);
    const changed = random.chance(0.06);
    let confirmedAt = releasedAt + (late ? random.int(26 * 60, 30 * 60) : random.int(60, 8 * 60)) * MINUTE;
    const shipQuantities = poLines.map((l) => (changed && l.line === 10 ? Math.floor((l.quantity * 0.9) / l.pack) * l.pack : l.quantity));
    const confirmationLines = poLines.map((l, index) => ({
      line: l.line,
      status: changed && l.line === 10 ? 'changed' : 'accepted',
      quantity: String(shipQuantities[index]),
      unitPrice: l.unitPrice,
      promisedDate: needBy,
    }));
    const confirmationArrival = confirmationChannel(supplier, confirmedAt);
    if (supplier.protocol === 'x12') confirmedAt = confirmationArrival; // the 855's time is its interchange's
    pushConfirmation(poNumber, supplier, partner, confirmedAt, confirmationArrival, confirmationLines, correlation(10));
    const effectiveArrival = confirmationArrival + (supplier === enterprise.schemaMismatchSupplier && confirmationArrival < mismatchUntil ? 6 * HOUR : 0);
    const effectiveAt = effectiveArrival === confirmationArrival ? confirmedAt : effectiveArrival;
    const brokenShift = supplier === enterprise.brokenX12Supplier && confirmationArrival < brokenUntil ? 2 * HOUR : 0;
    for (const plan of plans) {
      plan.confirmationAt = brokenShift > 0 ? confirmationArrival + brokenShift : effectiveAt;
      plan.confirmationArrival = effectiveArrival + brokenShift;
      plan.confirmationChanged = changed && plan.line === 10;
    }

    // Shipment, milestones, receipt at the plant, invoice through AP automation.
    const dispatchedAt = Math.max(confirmedAt, effectiveArrival + brokenShift) + random.int(2 * 60, 12 * 60) * MINUTE;
    const eta = dispatchedAt + random.int(4 * 60, 12 * 60) * MINUTE;
    const shipmentId = `ASN-${poNumber}`;
    const asnAfterReceipt = supplier.protocol !== 'x12' && random.chance(0.05);
    const receivedAt = Math.floor((eta + random.int(0, 120) * MINUTE) / MINUTE) * MINUTE + (random.int(0, 59) === 0 ? 0 : MINUTE);
    const receiptArrival = receiptArrivalOf(plant, receivedAt);
    const asnArrivalPlanned = asnAfterReceipt ? receiptArrival + TICK_MS : ceilTick(dispatchedAt);
    const asnAt = supplier.protocol === 'x12' ? asnArrivalPlanned : dispatchedAt;
    const shipLines = poLines.map((l, index) => ({ poNumber, line: l.line, quantity: String(shipQuantities[index]), uom: 'EA' }));
    const asnData = { shipmentId, supplierId: supplier.supplierId, shipToPlant: plant.id, carrier: 'ODFL', eta: iso(eta), lines: shipLines };
    if (supplier.protocol === 'x12') {
      push({ arrival: asnArrivalPlanned, channel: 'x12', sender: partner, type: 'shipment.dispatched', event: event(partner, `asn-${shipmentId}`, 'shipment.dispatched', asnAt, asnData, correlation(10), plant.id), functionalId: 'SH', segments: segments856(asnData, asnAt) });
    } else {
      push({ arrival: asnArrivalPlanned, channel: 'http', sender: partner, type: 'shipment.dispatched', event: event(partner, `${supplier.partner}-asn-${shipmentId}`, 'shipment.dispatched', asnAt, asnData, correlation(10), plant.id), ...(asnAfterReceipt ? { what: 'shipment.dispatched (after the receipt: out of order)' } : {}) });
    }
    const logistics: Sender = { kind: 'system', id: LOGISTICS };
    const pickedUp = dispatchedAt + random.int(10, 90) * MINUTE;
    push({ arrival: ceilTick(pickedUp), channel: 'http', sender: logistics, type: 'shipment.milestone', event: event(logistics, `trk-${shipmentId}-pu`, 'shipment.milestone', pickedUp, { shipmentId, milestone: 'picked_up', at: iso(pickedUp), eta: iso(eta) }, correlation(10)) });
    push({ arrival: ceilTick(eta), channel: 'http', sender: logistics, type: 'shipment.milestone', event: event(logistics, `trk-${shipmentId}-dock`, 'shipment.milestone', eta, { shipmentId, milestone: 'arrived_at_dock', at: iso(eta) }, correlation(10)) });
    for (const plan of plans) {
      plan.asnArrival = asnArrivalPlanned;
      plan.receiptAt = receivedAt;
      plan.receiptArrival = receiptArrival;
    }
    const receiptId = `GR-${plant.id}-${poNumber.slice(2)}`;
    const receiptLines = poLines.map((l, index) => ({ poNumber, line: l.line, quantity: String(shipQuantities[index]), uom: 'EA' }));
    pushReceipt(plant, receiptId, receivedAt, receiptArrival, shipmentId, receiptLines, poLines.map((l) => l.pack), correlation(10), plans);

    const early = random.chance(0.1);
    const priceRoll = random.next();
    const invoicePrice: LinePlan['invoicePrice'] = early ? 'same' : priceRoll < 0.04 ? 'beyond' : priceRoll < 0.1 ? 'within' : 'same';
    const invoicedAt = early ? dispatchedAt + random.int(30, 120) * MINUTE : receivedAt + random.int(60, 12 * 60) * MINUTE;
    const invoiceNumber = `INV-${supplier.supplierId.slice(4)}-${poNumber.slice(2)}`;
    const invoiceLines = poLines.map((l, index) => {
      const factor = index === 0 && invoicePrice === 'beyond' ? '1.05' : index === 0 && invoicePrice === 'within' ? '1.01' : '1';
      return { poNumber, line: l.line, quantity: String(shipQuantities[index]), uom: 'EA', unitPrice: str(dec(l.unitPrice).times(factor).toDecimalPlaces(4)) };
    });
    const invoiceData = {
      invoiceNumber,
      supplierId: supplier.supplierId,
      currency: plant.currency,
      invoiceDate: day(invoicedAt),
      lines: invoiceLines,
      totalAmount: amount(sum(invoiceLines.map((l) => dec(l.quantity).times(l.unitPrice))), plant.currency),
    };
    const ap: Sender = { kind: 'system', id: AP_AUTOMATION };
    const invoiceArrival = ceilTick(invoicedAt);
    const retried = random.chance(0.03);
    push({ arrival: invoiceArrival, channel: 'http', sender: ap, type: 'invoice.received', event: event(ap, `ap-${invoiceNumber}`, 'invoice.received', invoicedAt, invoiceData, correlation(10)), ...(early ? { what: 'invoice.received (before the goods receipt)' } : {}) });
    if (retried) push({ arrival: invoiceArrival + TICK_MS, channel: 'http', sender: ap, type: 'invoice.received', event: event(ap, `ap-${invoiceNumber}`, 'invoice.received', invoicedAt, invoiceData, correlation(10)), expect: 'duplicate', what: 'network retry of an invoice', alone: true });
    const rescanned = random.chance(0.03);
    const rescanArrival = invoiceArrival + random.int(8, 40) * TICK_MS;
    if (rescanned) push({ arrival: rescanArrival, channel: 'http', sender: ap, type: 'invoice.received', event: event(ap, `ap-${invoiceNumber}-rescan`, 'invoice.received', rescanArrival - 5 * MINUTE, invoiceData, correlation(10)), what: 'the same invoice scanned again' });
    for (const plan of plans) {
      plan.invoiceArrival = invoiceArrival;
      plan.invoicePrice = plan.line === 10 ? invoicePrice : 'same';
      if (rescanned) plan.duplicateInvoiceArrival = rescanArrival;
      if (retried && invoiceArrival + TICK_MS < end) plan.postingRetries += 1;
    }
  }

  function confirmationChannel(supplier: ScenarioSupplier, at: number): number {
    if (supplier.protocol === 'csv') {
      // A daily export at 18:00 UTC.
      const sameDay = Math.floor(at / DAY) * DAY + CSV_SUPPLIER_HOUR * HOUR;
      return at <= sameDay ? sameDay : sameDay + DAY;
    }
    return ceilTick(at);
  }

  function pushConfirmation(poNumber: string, supplier: ScenarioSupplier, partner: Sender, at: number, arrival: number, confirmationLines: readonly Record<string, string | number>[], correlation: string): void {
    const data = { poNumber, supplierId: supplier.supplierId, lines: confirmationLines };
    if (supplier.protocol === 'x12') {
      push({ arrival, channel: 'x12', sender: partner, type: 'supplier.confirmation', event: event(partner, `855-${poNumber}`, 'supplier.confirmation', at, data, correlation), functionalId: 'PR', segments: segments855(data, at), brokenEnvelope: supplier === enterprise.brokenX12Supplier && arrival < brokenUntil });
      if (supplier === enterprise.brokenX12Supplier && arrival < brokenUntil) {
        push({ arrival: arrival + 2 * HOUR, channel: 'x12', sender: partner, type: 'supplier.confirmation', event: event(partner, `855-${poNumber}-resent`, 'supplier.confirmation', arrival + 2 * HOUR, data, correlation), functionalId: 'PR', segments: segments855(data, arrival + 2 * HOUR), what: 'the 855 again, in a repaired envelope' });
      }
      return;
    }
    if (supplier.protocol === 'csv') {
      const stamp = iso(at).slice(0, 16).replace('T', ' ');
      const rows = confirmationLines.map((l) => [poNumber, l.line, l.status === 'changed' ? 'CHG' : 'OK', l.quantity, l.unitPrice, l.promisedDate, stamp].join(','));
      push({ arrival, channel: 'csv', sender: partner, type: 'supplier.confirmation', event: event(partner, `${csvConfirmationsMapping(supplier)}/${poNumber}`, 'supplier.confirmation', at, data, correlation), rows });
      return;
    }
    const id = `${supplier.partner}-conf-${poNumber}`;
    if (supplier === enterprise.schemaMismatchSupplier && arrival < mismatchUntil) {
      // The portal's new release sends numbers as floats and misspells a field; a fix follows six hours later.
      const broken = { ...data, lines: confirmationLines.map((l) => ({ line: l.line, status: l.status, quantity: Number(l.quantity), promiseDate: l.promisedDate })) };
      push({ arrival, channel: 'http', sender: partner, type: 'supplier.confirmation', event: event(partner, id, 'supplier.confirmation', at, broken, correlation), expect: 'contract_violation', what: 'a schema-mismatched confirmation from the supplier portal', alone: true });
      push({ arrival: arrival + 6 * HOUR, channel: 'http', sender: partner, type: 'supplier.confirmation', event: event(partner, `${id}-fixed`, 'supplier.confirmation', arrival + 6 * HOUR, data, correlation), what: 'the confirmation again, after the portal fix' });
      return;
    }
    push({ arrival, channel: 'http', sender: partner, type: 'supplier.confirmation', event: event(partner, id, 'supplier.confirmation', at, data, correlation) });
  }

  function receiptArrivalOf(plant: ScenarioPlant, receivedAt: number): number {
    if (plant === outagePlant && receivedAt >= outage.from && receivedAt < outage.to) return outage.to;
    return plant.cadence === '15m' ? ceilTick(receivedAt) : ceilTick(receivedAt + MINUTE, 4 * HOUR);
  }

  function pushReceipt(plant: ScenarioPlant, receiptId: string, receivedAt: number, arrival: number, shipmentId: string, receiptLines: readonly { poNumber: string; line: number; quantity: string; uom: string }[], packs: readonly number[], correlation: string, plans: readonly LinePlan[]): void {
    const wms: Sender = { kind: 'system', id: plant.wms };
    const data = { receiptId, plant: plant.id, receivedAt: iso(receivedAt), shipmentId, lines: receiptLines };
    const maxLag = plant.cadence === '15m' ? 30 * MINUTE : 5 * HOUR;
    for (const plan of plans) plan.receiptLagBreach = arrival - receivedAt > maxLag;
    if (plant.cadence === '4h') {
      const stamp = localStamp(receivedAt, plant);
      const rows = receiptLines.map((l, index) => {
        const pack = packs[index] ?? 1;
        const boxed = pack > 1 && Number(l.quantity) % pack === 0;
        const quantity = boxed ? String(Number(l.quantity) / pack) : l.quantity;
        return [receiptId, stamp, shipmentId, l.poNumber, l.line, plant.region === 'EU' ? quantity.replace('.', ',') : quantity, boxed ? 'KAR' : 'ST'].join(';');
      });
      push({ arrival, channel: 'csv', sender: wms, type: 'goods.received', event: event(wms, `${csvReceiptsMapping(plant)}/${receiptId}`, 'goods.received', receivedAt, data, correlation, plant.id), rows });
      return;
    }
    const received = event(wms, `${plant.wms}-gr-${receiptId}`, 'goods.received', receivedAt, data, correlation, plant.id);
    push({ arrival, channel: 'http', sender: wms, type: 'goods.received', event: received, ...(arrival === outage.to && plant === outagePlant ? { what: 'goods.received (backlog after the warehouse outage)' } : {}) });
    if (random.chance(0.04)) {
      push({ arrival: arrival + TICK_MS, channel: 'http', sender: wms, type: 'goods.received', event: received, expect: 'duplicate', what: 'network retry of a goods receipt', alone: true });
      if (arrival + TICK_MS < end) for (const plan of plans) plan.postingRetries += 1;
    }
  }

  function localStamp(ms: number, plant: ScenarioPlant): string {
    const local = new Date(ms + (utcOffsetMinutes(plant.timezone, ms) ?? 0) * MINUTE).toISOString();
    const [date, time] = [local.slice(0, 10), local.slice(11, 16)];
    const [y, m, d] = date.split('-');
    return plant.region === 'NA' ? `${m}/${d}/${y} ${time}` : `${d}.${m}.${y} ${time}`;
  }

  addDoorProbes(docs, enterprise, end, (doc) => push(doc));
  const messages = assemble(docs.filter((d) => d.arrival < end), enterprise, 1000 + options.idBase * 1_000_000);
  const manifest = scenarioManifest(enterprise, options);
  return {
    options,
    enterprise,
    manifest,
    start: iso(start),
    end: iso(end),
    messages,
    lines,
    outage: { plant: outagePlant.id, from: iso(outage.from), to: iso(outage.to) },
  };
}

/** The old demo's door checks, folded into the traffic: a conflicting resend, another supplier's PO, a type a warehouse may not publish. */
function addDoorProbes(docs: readonly Doc[], enterprise: Enterprise, end: number, push: (doc: Omit<Doc, 'order'>) => void): void {
  const firstOf = (predicate: (doc: Doc) => boolean) => docs.filter(predicate).sort((a, b) => a.arrival - b.arrival || a.order - b.order)[0];
  const receipt = firstOf((d) => d.channel === 'http' && d.type === 'goods.received' && d.expect === undefined);
  if (receipt !== undefined && receipt.arrival + TICK_MS < end) {
    const data = receipt.event.data as { lines: { quantity: string }[] };
    const changed = { ...receipt.event, data: { ...data, lines: data.lines.map((l) => ({ ...l, quantity: str(dec(l.quantity).minus(1)) })) } };
    push({ arrival: receipt.arrival + TICK_MS, channel: 'http', sender: receipt.sender, type: 'goods.received', event: changed, expect: 'conflict', what: 'probe: the warehouse re-sends a receipt id with another quantity', alone: true });
    const invoice = firstOf((d) => d.type === 'invoice.received' && d.expect === undefined);
    if (invoice !== undefined && invoice.arrival + TICK_MS < end) {
      const spoof = { ...invoice.event, id: `${receipt.sender.id}-probe-${invoice.event.id}`, source: `/systems/${receipt.sender.id}` };
      push({ arrival: invoice.arrival + TICK_MS, channel: 'http', sender: receipt.sender, type: 'invoice.received', event: spoof, expect: 'forbidden', what: 'probe: a warehouse tries to publish an invoice', alone: true });
    }
  }
  const confirmation = firstOf((d) => d.channel === 'http' && d.type === 'supplier.confirmation' && d.expect === undefined);
  const other = enterprise.suppliers.find((s) => (s.protocol === 'api' || s.protocol === 'portal') && s.partner !== confirmation?.sender.id);
  if (confirmation !== undefined && other !== undefined && confirmation.arrival + TICK_MS < end) {
    const sender: Sender = { kind: 'partner', id: other.partner };
    const data = { ...(confirmation.event.data as Record<string, unknown>), supplierId: other.supplierId };
    push({ arrival: confirmation.arrival + TICK_MS, channel: 'http', sender, type: 'supplier.confirmation', event: { ...confirmation.event, id: `${other.partner}-probe-${confirmation.event.id}`, source: `/partners/${other.partner}`, data }, expect: 'forbidden', what: "probe: another supplier tries to confirm this supplier's PO", alone: true });
  }
}

/** Groups each tick's documents into the messages their channels carry. */
function assemble(docs: readonly Doc[], enterprise: Enterprise, firstInterchange: number): ScenarioMessage[] {
  const sorted = [...docs].sort((a, b) => a.arrival - b.arrival || a.order - b.order);
  const messages: ScenarioMessage[] = [];
  let index = 0;
  let interchange = firstInterchange;
  while (index < sorted.length) {
    const tick = (sorted[index] as Doc).arrival;
    const group: Doc[] = [];
    while (index < sorted.length && (sorted[index] as Doc).arrival === tick) group.push(sorted[index++] as Doc);
    const batches = new Map<string, Doc[]>();
    for (const doc of group) {
      if (doc.alone === true || doc.expect !== undefined) {
        messages.push(messageOf([doc], tick));
        continue;
      }
      const key = `${doc.channel}|${doc.sender.kind}|${doc.sender.id}|${doc.brokenEnvelope === true ? 'broken' : ''}`;
      batches.set(key, [...(batches.get(key) ?? []), doc]);
    }
    for (const batch of batches.values()) messages.push(messageOf(batch, tick));
  }
  return messages;

  function messageOf(batch: readonly Doc[], tick: number): ScenarioMessage {
    const first = batch[0] as Doc;
    const base = { at: iso(tick), channel: first.channel, sender: first.sender, eventTypes: batch.map((d) => d.type) };
    const what = first.what ?? (batch.length === 1 ? first.type : `${batch.length} x ${[...new Set(batch.map((d) => d.type))].join(', ')}`);
    if (first.channel === 'x12') {
      const supplier = enterprise.suppliers.find((s) => s.partner === first.sender.id) as ScenarioSupplier;
      interchange += 1;
      const text = x12Interchange(supplier, batch, tick, interchange);
      const broken = first.brokenEnvelope === true;
      return { ...base, what: broken ? 'an X12 interchange with a broken envelope (IEA02 does not match ISA13)' : what, expect: broken ? 'x12_envelope' : 'accepted', x12: broken ? breakEnvelope(text) : text };
    }
    if (first.channel === 'csv') {
      const receipts = first.type === 'goods.received';
      const header = receipts ? 'Doc;Posted;ASN;PO;Item;Qty;Unit' : 'Order,Line,Status,Qty,Price,Promised,Sent';
      const mapping = receipts ? `${first.sender.id}-receipts` : `${first.sender.id}-confirmations`;
      const text = [header, ...batch.flatMap((d) => d.rows ?? [])].join('\r\n') + '\r\n';
      return { ...base, what: `CSV ${mapping} (${batch.length} document(s))`, expect: 'accepted', csv: { mapping, filename: `${mapping}-${iso(tick).slice(0, 16).replace(/[-:T]/g, '')}.csv`, text } };
    }
    return { ...base, what, expect: first.expect ?? 'accepted', events: batch.map((d) => d.event) };
  }
}

function x12Interchange(supplier: ScenarioSupplier, batch: readonly Doc[], tick: number, control: number): string {
  const groups = new Map<string, Doc[]>();
  for (const doc of batch) groups.set(doc.functionalId ?? 'PR', [...(groups.get(doc.functionalId ?? 'PR') ?? []), doc]);
  let group = control * 10;
  return writeInterchange({
    sender: { qualifier: 'ZZ', id: supplier.x12Id },
    receiver: { qualifier: 'ZZ', id: 'MILLRACEHUB' },
    controlNumber: control,
    now: iso(tick),
    version: '00401',
    usage: 'P',
    delimiters: { element: '*', component: ':', repetition: '^', segment: '~' },
    groups: [...groups.entries()].map(([functionalId, docs]) => ({
      functionalId,
      senderCode: supplier.x12Id,
      receiverCode: 'MILLRACEHUB',
      controlNumber: (group += 1),
      version: '004010',
      sets: docs.map((d) => ({ type: functionalId === 'SH' ? '856' : '855', segments: d.segments ?? [] })),
    })),
  });
}

/** IEA02 no longer matches ISA13: the translator bug that gets a whole interchange refused with a TA1. */
function breakEnvelope(text: string): string {
  return text.replace(/IEA\*(\d+)\*(\d{9})~/, (_m, count: string, control: string) => `IEA*${count}*${pad((Number(control) + 1) % 1_000_000_000, 9)}~`);
}

const x12Date = (ms: number) => iso(ms).slice(0, 10).replaceAll('-', '');
const x12Time = (ms: number) => iso(ms).slice(11, 16).replace(':', '');

function segments855(data: { poNumber: string; lines: readonly Record<string, string | number>[] }, at: number): string[][] {
  return [
    ['BAK', '00', 'AC', data.poNumber, x12Date(at)],
    ...data.lines.flatMap((l) => [
      ['PO1', String(l.line), String(l.quantity), 'EA', String(l.unitPrice), '', 'BP', 'ITEM'],
      ['ACK', l.status === 'changed' ? 'IQ' : 'IA', String(l.quantity), 'EA', '068', String(l.promisedDate).replaceAll('-', '')],
    ]),
    ['CTT', String(data.lines.length)],
  ];
}

function segments856(data: { shipmentId: string; shipToPlant: string; eta: string; lines: readonly { poNumber: string; line: number; quantity: string }[] }, at: number): string[][] {
  const eta = Date.parse(data.eta);
  const poNumber = data.lines[0]?.poNumber ?? '';
  return [
    ['BSN', '00', data.shipmentId, x12Date(at), x12Time(at)],
    ['HL', '1', '', 'S'],
    ['TD5', 'B', '2', 'ODFL', 'M'],
    ['DTM', '011', x12Date(at), x12Time(at), 'UT'],
    ['DTM', '017', x12Date(eta), x12Time(eta), 'UT'],
    ['N1', 'ST', `Plant ${data.shipToPlant}`, '92', data.shipToPlant],
    ['HL', '2', '1', 'O'],
    ['PRF', poNumber],
    ...data.lines.flatMap((l, index) => [
      ['HL', String(index + 3), '2', 'I'],
      ['LIN', String(l.line), 'BP', 'ITEM'],
      ['SN1', '', l.quantity, 'EA'],
    ]),
    ['CTT', String(data.lines.length + 2)],
  ];
}
