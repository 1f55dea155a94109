// The unsigned decimal comparison intake's receipt rule uses instead of two Decimals: it must
// answer as decimal.js does for every text of the contracts' decimal form.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compareUnsignedDecimalText, dec } from '../../src/core/money.js';

/** Texts of the contracts' unsigned form, with trailing zeros, long whole parts (past 2^53) and long fractions. */
const wholePart = fc.oneof(fc.constant('0'), fc.tuple(fc.constantFrom(...'123456789'), fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 24 })).map(([first, rest]) => first + rest));
const fraction = fc.option(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 12 }), { nil: undefined });
const unsignedDecimal = fc.tuple(wholePart, fraction).map(([whole, part]) => (part === undefined ? whole : `${whole}.${part}`));

/** Pairs that share their whole part (where only the fractions decide), or one and itself with zeros appended. */
const closePair = fc.oneof(
  fc.tuple(wholePart, fraction, fraction).map(([whole, a, b]): [string, string] => [a === undefined ? whole : `${whole}.${a}`, b === undefined ? whole : `${whole}.${b}`]),
  fc.tuple(unsignedDecimal, fc.integer({ min: 1, max: 4 })).map(([text, zeros]): [string, string] => [text, `${text}${text.includes('.') ? '' : '.'}${'0'.repeat(zeros)}`]),
);

describe('compareUnsignedDecimalText', () => {
  it('orders every pair of unsigned decimal texts as decimal.js does', () => {
    fc.assert(
      fc.property(unsignedDecimal, unsignedDecimal, (a, b) => {
        assert.equal(compareUnsignedDecimalText(a, b), dec(a).cmp(dec(b)), `${a} against ${b}`);
      }),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(closePair, ([a, b]) => {
        assert.equal(compareUnsignedDecimalText(a, b), dec(a).cmp(dec(b)), `${a} against ${b}`);
        assert.equal(compareUnsignedDecimalText(b, a), dec(b).cmp(dec(a)), `${b} against ${a}`);
      }),
      { numRuns: 20_000 },
    );
  });

  it('takes the same number spelled with trailing zeros as equal, and near numbers apart', () => {
    const cases: [string, string, number][] = [
      ['4', '4.000', 0],
      ['0', '0.0', 0],
      ['100.5', '100', 1],
      ['99.999', '100', -1],
      ['4.05', '4.5', -1],
      ['10', '9.99999', 1],
      ['0.1', '0.09', 1],
      ['12345678901234567890.1', '12345678901234567890.01', 1],
    ];
    for (const [a, b, expected] of cases) {
      assert.equal(compareUnsignedDecimalText(a, b), expected, `${a} against ${b}`);
      assert.equal(compareUnsignedDecimalText(b, a), -expected || 0, `${b} against ${a}`);
    }
  });
});
