// Interchange control numbers for what the hub sends a partner in X12 (850s, 997/999, TA1).

/**
 * A durable allocator of control numbers, one sequence per partner.
 *
 * Promises: the numbers handed out for one partner never repeat, across restarts and across
 * hub instances sharing the store; a block of `count` numbers is consecutive. The first number
 * of a partner is 1. Leaves out: reuse after 999,999,999 (ISA13 has nine digits): allocation
 * then fails rather than wrapping, and an operator must agree a new sender id with the partner.
 * Numbers allocated for a document that is then never sent are simply skipped (gaps are fine
 * in X12; repeats are not).
 */
export interface X12ControlNumbers {
  /** Reserves `count` (default 1) consecutive numbers for `partner`; resolves to the first. */
  allocateControlNumbers(partner: string, count?: number): Promise<number>;
}
