// Unit conversion from master data (manifest masterData.unitConversions), shared by every
// workflow: per item, each unit's size in a common base. Only declared conversions count.
import type { Dec } from './money.js';
import { dec } from './money.js';

/** Factor that turns one `from` unit of an item into `to` units; undefined when master data does not know it. */
export type Convert = (itemId: string, from: string, to: string) => Dec | undefined;

/** Per item, each unit's size in a common base, e.g. { "ITM-1": { "EA": "1", "BOX": "12" } }: 1 BOX = 12 EA. */
export type UnitConversions = Readonly<Record<string, Readonly<Record<string, string>>>>;

export function unitConverter(conversions: UnitConversions): Convert {
  return (itemId, from, to) => {
    if (from === to) return dec('1');
    const sizes = conversions[itemId];
    const fromSize = sizes?.[from];
    const toSize = sizes?.[to];
    // Never guessed across items: a BOX of screws is not a BOX of bolts.
    return fromSize === undefined || toSize === undefined ? undefined : dec(fromSize).div(dec(toSize));
  };
}

/** The unit master data declares with size 1 for an item (alphabetically first if several); undefined if none. */
export function baseUnitOf(conversions: UnitConversions, itemId: string): string | undefined {
  const sizes = conversions[itemId];
  if (sizes === undefined) return undefined;
  return Object.keys(sizes).filter((unit) => dec(sizes[unit] ?? '0').eq(1)).sort()[0];
}
