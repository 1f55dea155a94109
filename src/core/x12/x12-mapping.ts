// What a mapper from one X12 transaction set to canonical data gets to work with: who sent it
// and the manifest's master data, and what it gives back.
import { sum } from '../money.js';
import type { SetReader } from './x12-set-reader.js';

/** The manifest system or partner an interchange comes from (matched on ISA05/ISA06). */
export interface X12Party {
  readonly kind: 'partner' | 'system';
  readonly id: string;
  /** The CloudEvents source it publishes as: /partners/<id> or /systems/<id>. */
  readonly source: string;
  /** A partner's canonical supplier id. */
  readonly supplierId: string | undefined;
}

/** Looks up parties and master data (the manifest's partners, systems and masterData). */
export interface X12Directory {
  party(qualifier: string, id: string): X12Party | undefined;
  /** The canonical item id of a party's local item code (masterData.itemCodes). */
  itemId(partyId: string, code: string): string | undefined;
  /** The canonical supplier id of a party's local supplier code (masterData.supplierCodes). */
  supplierId(partyId: string, code: string): string | undefined;
  /** The partner an interchange is addressed to (ISA07/ISA08), for an 850 that names no supplier. */
  receiver?(qualifier: string, id: string): X12Party | undefined;
}

export interface MappingContext {
  readonly sender: X12Party;
  readonly receiver: X12Party | undefined;
  readonly directory: X12Directory;
}

export interface MappedData {
  readonly type: string;
  readonly data: Record<string, unknown>;
  /** Contract major version, when not 1. */
  readonly dataversion?: number;
  /** Notes that do not reject the set (e.g. a currency assumed). */
  readonly warnings: readonly { readonly code: string; readonly message: string; readonly segment: string; readonly position: number }[];
}

/** Maps one set; problems go to the reader, which decides whether the set is rejected. */
export type SetMapper = (reader: SetReader, context: MappingContext) => MappedData | undefined;

/**
 * X12 unit of measure codes (element 355) whose canonical code differs. Every other code is
 * taken as it is (EA, KG, LB, FT...), so master data converts it like any unit.
 */
const UNIT_ALIASES: Readonly<Record<string, string>> = { BX: 'BOX', PL: 'PAL', CA: 'CASE', PK: 'PACK', CT: 'CARTON' };
const UNIT_CODES: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(UNIT_ALIASES).map(([x12, canonical]) => [canonical, x12]));

export function canonicalUnit(x12: string): string {
  return UNIT_ALIASES[x12] ?? x12;
}

export function x12Unit(canonical: string): string {
  return UNIT_CODES[canonical] ?? canonical;
}

/** The canonical plant code pattern of the contracts. */
export const PLANT = /^[A-Z0-9][A-Z0-9-]{0,15}$/;

/** Product/service id qualifier pairs (elements 235/234) from `first` on: [qualifier position, value]. */
export function productIds(reader: SetReader, at: Parameters<SetReader['element']>[0], first: number): { qualifier: string; value: string; position: number }[] {
  const ids: { qualifier: string; value: string; position: number }[] = [];
  for (let n = first; n < at.segment.elements.length; n += 2) {
    const qualifier = reader.element(at, n);
    const value = reader.element(at, n + 1);
    if (qualifier !== '' && value !== '') ids.push({ qualifier, value, position: n + 1 });
  }
  return ids;
}

/** A date (YYYY-MM-DD) and an X12 time (HHMM[SS]) with a time code as RFC 3339. */
export function instantOf(date: string, time: string | undefined, timeCode: string | undefined): string {
  const t = time ?? '0000';
  const clock = `${t.slice(0, 2)}:${t.slice(2, 4)}:${t.length >= 6 ? t.slice(4, 6) : '00'}`;
  return `${date}T${clock}${TIME_CODES[timeCode ?? ''] ?? 'Z'}`;
}

/** Time codes (element 623) with a fixed offset; others (and none) are read as UTC. */
const TIME_CODES: Readonly<Record<string, string>> = {
  UT: 'Z', GM: 'Z', ES: '-05:00', ED: '-04:00', CS: '-06:00', CD: '-05:00', MS: '-07:00', MD: '-06:00', PS: '-08:00', PD: '-07:00',
};

/** Sums decimal strings with decimal.js (never floats), keeping the longest scale given. */
export function addDecimals(values: readonly string[]): string {
  const scale = Math.max(0, ...values.map((v) => (v.split('.')[1] ?? '').length));
  return sum(values).toFixed(scale);
}
