// 856 ship notice -> shipment.dispatched. BSN gives the shipment id; the HL hierarchy is
// walked from each item (I) up to its order (O, whose PRF names the PO) and the shipment (S,
// with TD5 carrier, REF tracking, DTM*011 shipped and DTM*017 estimated delivery, N1*ST
// ship-to plant). Pack and tare levels (P, T) between order and item are passed through.
import type { SetMapper } from './x12-mapping.js';
import { canonicalUnit, instantOf, PLANT, productIds } from './x12-mapping.js';
import type { SetReader, SetSegment } from './x12-set-reader.js';

interface Level {
  readonly id: string;
  readonly parent: Level | undefined;
  readonly code: string;
  readonly at: SetSegment;
  readonly segments: SetSegment[];
  /** HL01 repeats an earlier HL's id: reported, its segments kept with it, not mapped. */
  readonly repeated: boolean;
}

const LEVELS = ['S', 'O', 'P', 'T', 'I'] as const;

export const map856: SetMapper = (reader, context) => {
  const bsn = reader.first('BSN');
  if (bsn === undefined) {
    reader.missing('BSN', 2, 'the BSN segment (shipment id) is missing');
    return undefined;
  }
  const shipmentId = reader.required(bsn, 2, '396', 'shipment identification');
  reader.date(bsn, 3, '373', 'ASN date');
  reader.time(bsn, 4, '337', 'ASN time');
  const levels: Level[] = [];
  const byId = new Map<string, Level>();
  // Every HL01 seen, also of an HL whose HL03 is bad: the standard has HL01 unique in the set (an
  // HL02 naming a repeated id could mean either). Counting up from 1 is only its example (ADR 0069).
  const seen = new Map<string, SetSegment>();
  /** What stands between BSN and the first HL: the set table placed it there (a header DTM) or noted an id it does not know. */
  const header: SetSegment[] = [];
  for (const at of reader.body()) {
    if (at.segment.id === 'HL') {
      const id = reader.required(at, 1, '628', 'hierarchical id');
      const earlier = id === undefined ? undefined : seen.get(id);
      if (id !== undefined && earlier !== undefined) reader.elementValue(at, 1, '628', '7', `HL01 "${id}" repeats the hierarchical id of the HL at segment ${earlier.index}: each HL of a set has its own`);
      else if (id !== undefined) seen.set(id, at);
      const parentId = reader.optional(at, 2);
      const code = reader.code(at, 3, '735', 'hierarchical level code', LEVELS);
      const parent = parentId === undefined ? undefined : byId.get(parentId);
      if (parentId !== undefined && parent === undefined) reader.invalid(at, 2, '734', `HL02 "${parentId}" names no earlier HL`);
      if (id === undefined || code === undefined) continue;
      const level: Level = { id, parent, code, at, segments: [], repeated: earlier !== undefined };
      levels.push(level);
      if (!level.repeated) byId.set(id, level);
    } else if (at.segment.id !== 'BSN' && at.segment.id !== 'CTT') {
      const current = levels[levels.length - 1];
      // Before the first HL the set table (ADR 0069) has already refused what has no place there
      // (a TD5 is answered 7 and the set is not mapped): what is left is a header DTM (the
      // table's DTM/10 after BSN), whose dates stand for the whole shipment, or an id the hub
      // does not know, noted (code 1) and ignored as it is at any level.
      if (current === undefined) header.push(at);
      else current.segments.push(at);
    }
  }
  const shipment = levels.find((l) => l.code === 'S');
  if (shipment === undefined) {
    reader.missing('HL', bsn.index + 1, 'no HL shipment level (HL03 S)');
    return undefined;
  }
  const data = shipmentData(reader, shipment, header);
  const lines: Record<string, unknown>[] = [];
  for (const item of levels.filter((l) => l.code === 'I' && !l.repeated)) {
    const order = ancestor(item, 'O');
    // An item whose HL02 names no HL was reported above; its missing order is the same problem.
    if (item.parent === undefined && reader.optional(item.at, 2) !== undefined) continue;
    if (order === undefined || ancestor(item, 'S') !== shipment) {
      reader.invalid(item.at, 2, '734', `item HL ${item.id} is not under an order HL of shipment HL ${shipment.id}`);
      continue;
    }
    const line = itemLine(reader, item, order);
    if (line !== undefined) lines.push(line);
  }
  if (!levels.some((l) => l.code === 'I')) reader.missing('HL', (levels[levels.length - 1]?.at.index ?? bsn.index) + 1, 'no HL item level (HL03 I): the notice ships nothing');
  const supplierId = context.sender.supplierId;
  if (reader.hasProblems() || shipmentId === undefined || supplierId === undefined || data === undefined) return undefined;
  return { type: 'shipment.dispatched', data: { shipmentId, supplierId, ...data, lines }, warnings: [] };
};

/** The shipment level's data; a header DTM (before the first HL) gives a date the shipment level does not. */
function shipmentData(reader: SetReader, shipment: Level, header: readonly SetSegment[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let eta: string | undefined;
  let headerShipped: string | undefined;
  let headerEta: string | undefined;
  for (const at of header) {
    if (at.segment.id !== 'DTM') continue;
    const date = shipmentDate(reader, at);
    if (date?.shipped === true) headerShipped ??= date.instant;
    else if (date !== undefined) headerEta ??= date.instant;
  }
  for (const at of shipment.segments) {
    const id = at.segment.id;
    if (id === 'TD5') {
      const carrier = reader.optional(at, 3);
      if (carrier !== undefined) out.carrier = carrier;
    } else if (id === 'REF') {
      const qualifier = reader.element(at, 1);
      const value = reader.optional(at, 2);
      if (value !== undefined && (qualifier === 'CN' || (qualifier === 'BM' && out.trackingNumber === undefined))) out.trackingNumber = value;
    } else if (id === 'DTM') {
      const date = shipmentDate(reader, at);
      if (date?.shipped === true) out.shippedAt = date.instant;
      else if (date !== undefined) eta ??= date.instant;
    } else if (id === 'N1' && reader.element(at, 1) === 'ST') {
      const code = reader.element(at, 4);
      if (!PLANT.test(code)) reader.invalid(at, 4, '67', `N104 "${code}" of the ship-to party is not a plant code (capitals, digits, hyphens)`);
      else out.shipToPlant = code;
    }
  }
  if (out.shipToPlant === undefined && !shipment.segments.some((at) => at.segment.id === 'N1' && reader.element(at, 1) === 'ST')) {
    reader.missing('N1', shipment.at.index + 1, 'the shipment level has no N1*ST (ship-to) loop naming the plant');
  }
  if (out.shippedAt === undefined && headerShipped !== undefined) out.shippedAt = headerShipped;
  eta ??= headerEta;
  const etaDtm = (at: SetSegment) => at.segment.id === 'DTM' && ['017', '067'].includes(reader.element(at, 1));
  if (eta === undefined && !shipment.segments.some(etaDtm) && !header.some(etaDtm)) {
    reader.missing('DTM', shipment.at.index + 1, 'the shipment level has no DTM*017 (estimated delivery)');
  }
  if (eta === undefined) return undefined;
  return { ...out, eta };
}

/** A DTM the ASN reads: 011 shipped, 017/067 estimated delivery; undefined for another qualifier or a bad date (reported). */
function shipmentDate(reader: SetReader, at: SetSegment): { shipped: boolean; instant: string } | undefined {
  const qualifier = reader.element(at, 1);
  if (qualifier !== '011' && qualifier !== '017' && qualifier !== '067') return undefined;
  const date = reader.date(at, 2, '373', qualifier === '011' ? 'shipped date' : 'estimated delivery date');
  const time = reader.time(at, 3, '337', 'time');
  if (date === undefined) return undefined;
  return { shipped: qualifier === '011', instant: instantOf(date, time, reader.optional(at, 4)) };
}

function itemLine(reader: SetReader, item: Level, order: Level): Record<string, unknown> | undefined {
  const prf = order.segments.find((at) => at.segment.id === 'PRF') ?? item.segments.find((at) => at.segment.id === 'PRF');
  if (prf === undefined) {
    reader.missing('PRF', order.at.index + 1, `order HL ${order.id} has no PRF (purchase order reference)`);
    return undefined;
  }
  const poNumber = reader.required(prf, 1, '324', 'purchase order number');
  const lin = item.segments.find((at) => at.segment.id === 'LIN');
  const sn1 = item.segments.find((at) => at.segment.id === 'SN1');
  if (lin === undefined) reader.missing('LIN', item.at.index + 1, `item HL ${item.id} has no LIN (PO line)`);
  if (sn1 === undefined) reader.missing('SN1', item.at.index + 2, `item HL ${item.id} has no SN1 (quantity shipped)`);
  if (lin === undefined || sn1 === undefined) return undefined;
  // The PO line: a PL (purchaser's order line number) id pair, else LIN01.
  const pl = productIds(reader, lin, 2).find((id) => id.qualifier === 'PL');
  const line = pl === undefined ? reader.lineNumber(lin, 1, '350', 'PO line number') : Number(pl.value) >= 1 && /^\d+$/.test(pl.value) ? Number(pl.value) : (reader.invalid(lin, pl.position, '234', `PL "${pl.value}" is not a line number`), undefined);
  const quantity = reader.decimal(sn1, 2, '382', 'number of units shipped');
  const uom = reader.required(sn1, 3, '355', 'unit of measure');
  if (poNumber === undefined || line === undefined || quantity === undefined || uom === undefined) return undefined;
  return { poNumber, line, quantity, uom: canonicalUnit(uom) };
}

function ancestor(level: Level, code: string): Level | undefined {
  for (let at = level.parent; at !== undefined; at = at.parent) if (at.code === code) return at;
  return undefined;
}
