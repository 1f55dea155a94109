// What a mapper from one X12 transaction set to canonical data gets to work with: who sent it
// and the manifest's master data, and what it gives back.
import { dec, sum } from '../money.js';
import type { SetReader, SetSegment } from './x12-set-reader.js';

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

interface PriceBasis {
  /** How many units of the line's unit of measure the price is for (a count, as a decimal string). */
  readonly per: string;
  readonly name: string;
  /** The X12 unit (element 355) the code is bound to: a price per kilogram is a price per unit only on a line in KG. */
  readonly unit?: string;
}

/**
 * Basis of unit price codes (element 639, PO105 / IT105) the hub reads. A canonical unitPrice is
 * the price of one unit of the line's unit of measure; a price per hundred or per thousand is
 * divided down to it. Codes that say what kind of price it is (net, contract, quoted, current)
 * without a quantity are per unit, as is no code at all. Retail, wholesale and catalog prices,
 * estimates, "no charge" and the rest are not the price the buyer pays: refused, not guessed.
 */
const PRICE_BASES: Readonly<Record<string, PriceBasis>> = {
  PE: { per: '1', name: 'price per each' },
  UM: { per: '1', name: 'price per unit of measure' },
  CP: { per: '1', name: 'current price (subject to change)' },
  NT: { per: '1', name: 'net' },
  CT: { per: '1', name: 'contract' },
  TE: { per: '1', name: 'contract price per each' },
  QT: { per: '1', name: 'quoted' },
  QE: { per: '1', name: 'quoted price per each' },
  PN: { per: '10', name: 'price per ten' },
  PD: { per: '12', name: 'price per dozen' },
  TD: { per: '12', name: 'contract price per dozen' },
  HP: { per: '100', name: 'price per hundred' },
  TC: { per: '100', name: 'contract price per hundred' },
  QH: { per: '100', name: 'quoted price per hundred' },
  TP: { per: '1000', name: 'price per thousand' },
  TM: { per: '1000', name: 'contract price per thousand' },
  QS: { per: '1000', name: 'quoted price per thousand' },
  TT: { per: '10000', name: 'price per 10,000' },
  HT: { per: '100000', name: 'price per 100,000' },
  PK: { per: '1', name: 'price per kilogram', unit: 'KG' },
  PP: { per: '1', name: 'price per pound', unit: 'LB' },
  PL: { per: '1', name: 'price per liter', unit: 'LT' },
  PF: { per: '1', name: 'price per foot', unit: 'FT' },
  PG: { per: '1', name: 'price per gram', unit: 'GR' },
  PY: { per: '1', name: 'price per yard', unit: 'YD' },
};

/** Names of codes a sender may expect to work, for the refusal's message. */
const UNREAD_BASES: Readonly<Record<string, string>> = {
  RT: 'retail', RE: 'retail price per each', WE: 'wholesale price per each', CA: 'catalog', LE: 'catalog price per each', SR: 'suggested retail',
  NC: 'no charge', NQ: 'no quote', NS: 'not separately priced', ES: 'estimated', PV: 'provisional price', TB: 'to be negotiated',
  HF: 'per 100 feet', TF: 'per 1000 feet', PT: 'price per ton', PO: 'price per ounce', ML: 'price per milliliter',
};

/**
 * The price of one unit of the line's unit of measure, from a unit price (element 212) at `n` as
 * read (canonical decimal) and its basis (element 639) at `n + 1`; `unit` is the line's X12 unit.
 * Division is decimal and exact, the sent digits moved down ("425" per hundred is "4.25",
 * "2100.00" per thousand "2.10000", "6.00" per dozen "0.5000"); a price per dozen with no exact
 * price per unit (10.00 a dozen) is refused, never rounded. Problems are AK4 code 7 and give undefined.
 */
export function unitPriceOf(reader: SetReader, at: SetSegment, n: number, price: string | undefined, unit: string | undefined): string | undefined {
  if (price === undefined) return undefined;
  const code = reader.optional(at, n + 1);
  if (code === undefined) return price;
  const element = (k: number) => `${at.segment.id}${k < 10 ? `0${k}` : k}`;
  const basis = PRICE_BASES[code];
  const perUnit = unit ?? 'unit';
  if (basis === undefined) {
    const name = UNREAD_BASES[code];
    reader.invalid(
      at,
      n + 1,
      '639',
      `${element(n + 1)} (basis of unit price) "${code}"${name === undefined ? '' : ` (${name})`} is not read: a unit price is taken with no basis or one of ${Object.keys(PRICE_BASES).join(', ')}; this price is refused rather than read as a price per ${perUnit}`,
    );
    return undefined;
  }
  if (basis.unit !== undefined && unit !== basis.unit) {
    reader.invalid(at, n + 1, '639', `${element(n + 1)} (basis of unit price) "${code}" (${basis.name}) is for a line in ${basis.unit}; this line is in ${perUnit}, and a price is not converted between units here`);
    return undefined;
  }
  if (basis.per === '1') return price;
  // The divisors are 10^k and 12 (= 4 x 3): an exact quotient has at most k, or 2, decimals more
  // than the price. One with more was cut at the decimal type's 40 digits: 10.00 / 12 never ends.
  // (Multiplying back does not tell: 0.833...3 x 12 rounds to 10 at 40 digits.)
  const places = (price.split('.')[1] ?? '').length + (/^10+$/.test(basis.per) ? basis.per.length - 1 : 2);
  const each = dec(price).div(basis.per);
  if (each.decimalPlaces() > places) {
    reader.invalid(at, n, '212', `${element(n)} (unit price) "${reader.element(at, n)}" per ${basis.per === '12' ? 'dozen' : basis.per} (${element(n + 1)} ${code}) has no exact price per ${perUnit} (${price} / ${basis.per} does not end), and a unit price is not rounded`);
    return undefined;
  }
  return each.toFixed(places);
}
