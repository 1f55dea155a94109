// po.released -> an 850 for a supplier that takes X12: the hub's ISA id as sender, the
// partner's as receiver, one control number for ISA13 and GS06 (from the partner's allocator,
// so they never repeat). The 850 carries what x12-850.mapper.ts reads back, field for field.
import type { CloudEvent } from '../envelope.js';
import { x12Unit } from './x12-mapping.js';
import type { X12Delimiters } from './x12-syntax.js';
import type { X12Identity } from './x12-writer.js';
import { DEFAULT_DELIMITERS, MAX_CONTROL_NUMBER, stampOf, writeInterchange } from './x12-writer.js';

export interface Generate850Input {
  readonly event: CloudEvent;
  /** The hub's interchange id (manifest hub.x12). */
  readonly hub: X12Identity;
  /** The supplier's interchange id (manifest partners[].x12). */
  readonly partner: X12Identity;
  readonly controlNumber: number;
  /** The hub's time (RFC 3339): ISA09/ISA10 and GS04/GS05. */
  readonly now: string;
  readonly version?: '004010' | '005010';
  readonly usage?: 'P' | 'T';
  readonly delimiters?: X12Delimiters;
}

export interface Generated850 {
  readonly text: string;
  /** Fields of the event the 850 does not carry (they have no agreed place in a plain 850). */
  readonly dropped: readonly string[];
}

interface PoLine {
  readonly line: number;
  readonly itemId: string;
  readonly quantity: string;
  readonly uom: string;
  readonly unitPrice: string;
  readonly needBy: string;
  readonly description?: string;
  readonly itemCategory?: string;
}

export function generate850(input: Generate850Input): Generated850 {
  const { event } = input;
  if (event.type !== 'po.released') throw new Error(`an 850 is made from a po.released event, not ${event.type}`);
  if (!Number.isInteger(input.controlNumber) || input.controlNumber < 1 || input.controlNumber > MAX_CONTROL_NUMBER) {
    throw new Error(`control number ${input.controlNumber} is outside 1..${MAX_CONTROL_NUMBER}`);
  }
  const data = event.data as { poNumber: string; supplierId: string; buyerPlant: string; currency: string; paymentTerms?: string; incoterms?: string; lines: readonly PoLine[] };
  const dropped: string[] = [];
  if (data.paymentTerms !== undefined) dropped.push('paymentTerms');
  if (data.incoterms !== undefined) dropped.push('incoterms');
  const segments: string[][] = [
    ['BEG', '00', 'SA', data.poNumber, '', stampOf(event.time).date],
    ['CUR', 'BY', data.currency],
    ['N1', 'ST', data.buyerPlant, '92', data.buyerPlant],
    ['N1', 'SU', data.supplierId, '92', data.supplierId],
  ];
  data.lines.forEach((line, index) => {
    if (line.itemCategory !== undefined) dropped.push(`lines/${index}/itemCategory`);
    segments.push(['PO1', String(line.line), line.quantity, x12Unit(line.uom), line.unitPrice, '', 'BP', line.itemId]);
    if (line.description !== undefined) segments.push(['PID', 'F', '', '', '', sanitize(line.description, input.delimiters ?? DEFAULT_DELIMITERS)]);
    segments.push(['DTM', '002', line.needBy.replaceAll('-', '')]);
  });
  segments.push(['CTT', String(data.lines.length)]);
  const version = input.version ?? '004010';
  const text = writeInterchange({
    sender: input.hub,
    receiver: input.partner,
    controlNumber: input.controlNumber,
    now: input.now,
    version: version === '005010' ? '00501' : '00401',
    usage: input.usage ?? 'P',
    delimiters: input.delimiters ?? DEFAULT_DELIMITERS,
    groups: [{ functionalId: 'PO', senderCode: input.hub.id, receiverCode: input.partner.id, controlNumber: input.controlNumber, version, sets: [{ type: '850', segments }] }],
  });
  return { text, dropped };
}

/** Free text may not carry the delimiters: they are replaced by spaces. */
function sanitize(text: string, delimiters: X12Delimiters): string {
  const banned = new Set([delimiters.element, delimiters.component, delimiters.segment, delimiters.repetition ?? '']);
  return [...text].map((c) => (banned.has(c) ? ' ' : c)).join('').slice(0, 80);
}

/** Event types the hub renders as X12 for a subscriber (an x12 subscription carries only these). */
export const X12_OUTBOUND_TYPES: ReadonlySet<string> = new Set(['po.released']);
