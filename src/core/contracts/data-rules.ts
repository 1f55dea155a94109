// What a contract cannot say because JSON Schema cannot compare two values of the data: checked by
// the registry right after the contract, so every channel (HTTP, CSV, X12, the edge) refuses such
// an event as any contract violation, at the pointer of the value at fault (keyword: the rule's name).
import type { Violation } from '../errors.js';
import { compareUnsignedDecimalText } from '../money.js';

/** The violations of one event's data; `pointer` locates the data in what the caller sent. */
export type DataRule = (data: unknown, pointer: string) => Violation[];

// The contracts' decimal strings; a board's own version may spell them otherwise, and is then not compared.
const DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/**
 * goods.received: a line's `rejectedQuantity` is part of its `quantity` ("received quantity
 * including rejected"). More rejected than received would post a negative GR/IR accrual; it is a
 * mistake the sender can see without any workflow state.
 */
function rejectedWithinQuantity(data: unknown, pointer: string): Violation[] {
  const lines = (data as { lines?: unknown }).lines;
  if (!Array.isArray(lines)) return [];
  const violations: Violation[] = [];
  lines.forEach((line: unknown, index) => {
    const { quantity, rejectedQuantity } = (line ?? {}) as { quantity?: unknown; rejectedQuantity?: unknown };
    if (typeof quantity !== 'string' || typeof rejectedQuantity !== 'string' || !DECIMAL.test(quantity) || !DECIMAL.test(rejectedQuantity)) return;
    if (compareUnsignedDecimalText(rejectedQuantity, quantity) <= 0) return;
    violations.push({
      pointer: `${pointer}/lines/${index}/rejectedQuantity`,
      message: `must not be more than the line's quantity (${rejectedQuantity} rejected of ${quantity} received)`,
      keyword: 'rejectedWithinQuantity',
    });
  });
  return violations;
}

/** The keywords of the rules' violations: what a JSON Schema document of the contracts (AsyncAPI) cannot check. */
export const DATA_RULE_KEYWORDS: readonly string[] = ['rejectedWithinQuantity'];

const DATA_RULES: Readonly<Record<string, DataRule>> = {
  'goods.received': rejectedWithinQuantity,
};

/** The rule an event type's data must also keep, in every version of its contract; undefined for most types. */
export function dataRuleOf(eventType: string): DataRule | undefined {
  return Object.hasOwn(DATA_RULES, eventType) ? DATA_RULES[eventType] : undefined;
}
