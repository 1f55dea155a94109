// po.released -> an 850 for a supplier that takes X12: the hub's ISA id as sender, the
// partner's as receiver, one control number for ISA13 and GS06 (from the partner's allocator,
// so they never repeat). The 850 carries what x12-850.mapper.ts reads back, field for field.
import type { CloudEvent } from '../envelope.js';
import { MillraceError } from '../errors.js';
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
  const delimiters = input.delimiters ?? DEFAULT_DELIMITERS;
  const problems: string[] = [];
  const an = (where: string, value: string, limits: readonly [number, number]): string => element(where, value, limits, delimiters, problems);
  const r = (where: string, value: string, max: number): string => amount(where, value, max, problems);
  const dropped: string[] = [];
  if (data.paymentTerms !== undefined) dropped.push('paymentTerms');
  if (data.incoterms !== undefined) dropped.push('incoterms');
  const segments: string[][] = [
    ['BEG', '00', 'SA', an('BEG03 (poNumber)', data.poNumber, LIMITS.BEG03), '', stampOf(event.time).date],
    ['CUR', 'BY', data.currency],
    ['N1', 'ST', an('N102 (buyerPlant)', data.buyerPlant, LIMITS.N102), '92', an('N104 (buyerPlant)', data.buyerPlant, LIMITS.N104)],
    ['N1', 'SU', an('N102 (supplierId)', data.supplierId, LIMITS.N102), '92', an('N104 (supplierId)', data.supplierId, LIMITS.N104)],
  ];
  data.lines.forEach((line, index) => {
    if (line.itemCategory !== undefined) dropped.push(`lines/${index}/itemCategory`);
    const at = `lines/${index}`;
    // PO105 (basis of unit price) stays empty: unitPrice is per one PO103 unit, which is what a
    // reader takes without a basis (and what x12-850.mapper.ts converts a PE, HP, TP... price to).
    segments.push(['PO1', String(line.line), r(`PO102 (${at}/quantity)`, line.quantity, 15), x12Unit(line.uom), r(`PO104 (${at}/unitPrice)`, line.unitPrice, 17), '', 'BP', an(`PO107 (${at}/itemId)`, line.itemId, LIMITS.PO107)]);
    if (line.description !== undefined) segments.push(['PID', 'F', '', '', '', sanitize(line.description, delimiters)]);
    segments.push(['DTM', '002', line.needBy.replaceAll('-', '')]);
  });
  segments.push(['CTT', String(data.lines.length)]);
  // A partner's translator rejects the interchange (or, worse, reads another part number) when
  // an id holds a delimiter or exceeds its element; an id cannot be altered, so the 850 is refused.
  if (problems.length > 0) throw new MillraceError('invalid_request', `the 850 cannot carry this po.released: ${problems.join('; ')}`);
  const version = input.version ?? '004010';
  const text = writeInterchange({
    sender: input.hub,
    receiver: input.partner,
    controlNumber: input.controlNumber,
    now: input.now,
    version: version === '005010' ? '00501' : '00401',
    usage: input.usage ?? 'P',
    delimiters,
    groups: [{ functionalId: 'PO', senderCode: input.hub.id, receiverCode: input.partner.id, controlNumber: input.controlNumber, version, sets: [{ type: '850', segments }] }],
  });
  return { text, dropped };
}

/** Minimum and maximum lengths of the AN elements that carry ids (the same in 004010 and 005010). */
const LIMITS = { BEG03: [1, 22], N102: [1, 60], N104: [2, 80], PO107: [1, 48] } as const;

// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

function bannedOf(delimiters: X12Delimiters): ReadonlySet<string> {
  return new Set([delimiters.element, delimiters.component, delimiters.segment, ...(delimiters.repetition === undefined ? [] : [delimiters.repetition])]);
}

/** An id as it is, or a problem when it holds a delimiter or a control character or does not fit. */
function element(where: string, value: string, [min, max]: readonly [number, number], delimiters: X12Delimiters, problems: string[]): string {
  const banned = bannedOf(delimiters);
  const chars = [...value];
  const clash = chars.find((c) => banned.has(c) || CONTROL.test(c));
  if (clash !== undefined) problems.push(`${where} ${JSON.stringify(value)} holds ${JSON.stringify(clash)}, a delimiter or control character`);
  else if (chars.length < min || chars.length > max) problems.push(`${where} ${JSON.stringify(value)} has ${chars.length} characters; the element takes ${min} to ${max}`);
  return value;
}

/**
 * A decimal as it is when its digits fit the R element (sign and point are not counted);
 * otherwise without its trailing fraction zeros, which changes no value; a problem if still too long.
 */
function amount(where: string, value: string, max: number, problems: string[]): string {
  const digits = (text: string): number => text.replace(/[-.]/g, '').length;
  if (digits(value) <= max) return value;
  const shorter = value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
  if (digits(shorter) > max) problems.push(`${where} ${value} has ${digits(shorter)} digits; the element takes ${max}`);
  return shorter;
}

/** Free text may not carry the delimiters or control characters: they are replaced by spaces. */
function sanitize(text: string, delimiters: X12Delimiters): string {
  const banned = bannedOf(delimiters);
  // Cut at 80 characters, not UTF-16 units, so a character outside the BMP is never split.
  return [...text].map((c) => (banned.has(c) || CONTROL.test(c) ? ' ' : c)).slice(0, 80).join('');
}

/** Event types the hub renders as X12 for a subscriber (an x12 subscription carries only these). */
export const X12_OUTBOUND_TYPES: ReadonlySet<string> = new Set(['po.released']);
