// The control-number sequences of X12 partners (ports/x12-control-numbers.port.ts), the same
// SQL for SQLite and PostgreSQL: one row per partner, bumped in one atomic upsert.

export const X12_CONTROL_TABLE = `
CREATE TABLE IF NOT EXISTS x12_control_numbers (
  partner TEXT PRIMARY KEY,
  last_number BIGINT NOT NULL
);
`;

/** Reserves a block; answers the block's last number, or no row when ISA13's nine digits would overflow. */
export const ALLOCATE_CONTROL_NUMBERS = `
INSERT INTO x12_control_numbers (partner, last_number) VALUES ({1}, {2})
ON CONFLICT (partner) DO UPDATE SET last_number = x12_control_numbers.last_number + excluded.last_number
WHERE x12_control_numbers.last_number + excluded.last_number <= 999999999
RETURNING last_number
`;

export function checkedCount(count: number): number {
  if (!Number.isInteger(count) || count < 1 || count > 1000) throw new Error(`a block of ${count} control numbers cannot be allocated (1 to 1000)`);
  return count;
}

export function firstOfBlock(partner: string, last: number | string | undefined, count: number): number {
  if (last === undefined) throw new Error(`the X12 control numbers of ${partner} are exhausted (ISA13 has nine digits): agree a new interchange id with the partner`);
  return Number(last) - count + 1;
}
